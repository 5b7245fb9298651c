"""Randomised comparisons inside the product: defining, registering and allocating.

- An evaluator defines a study (evaluation.studydefs) and registers it: the definition
  is frozen into a pre-registration document whose hash and date are kept. Nothing can
  change it afterwards, and nobody is allocated before it exists.
- Allocation happens when a participant consents to the research, and only then:
  permuted blocks per stratum (the participant's language), drawn with the operating
  system's random generator and kept on the server (allocation concealment). Declining
  allocates nothing; no arm is visible before consent.
- Arms change only what studydefs allows (a message while waiting, a follow-up reminder);
  access to support is the same in every arm.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import audit
from chatplatform.errors import ServiceError
from chatplatform.models import User
from evaluation import studydefs
from evaluation.models import Allocation, Study, StudyBlock, SurveyIdentity

_system_random = random.SystemRandom()
# Shown in the definition box as a starting point.
EXAMPLE = """\
slug: queue-story-2026
title: A peer's story about seeking help, while waiting
hypothesis: >-
  Reading a short story from a peer who sought help, while waiting for a mentor, lowers
  self-stigma of help-seeking at follow-up more than a neutral tip.
arms:
  - id: story
    intervention: queue_message
    text:
      en: "When I first reached out I thought it meant I was weak. It didn't. - a peer"
      es: "Cuando pedí ayuda por primera vez pensé que era de débiles. No lo era. - un compañero"
  - id: tip
    intervention: queue_message
    text:
      en: "Tip: a glass of water and a few slow breaths can help while you wait."
      es: "Consejo: un vaso de agua y unas respiraciones lentas pueden ayudar mientras esperas."
ratio: {story: 1, tip: 1}
block_size: 4
strata: language
reference_arm: tip
primary_outcome:
  instrument: stigma
  subscale: self_stigma_help_seeking
  comparison: pre_followup
analysis: >-
  ANCOVA of the follow-up score on arm, adjusting for the baseline score; intention to
  treat; 95% confidence interval.
"""


def check_definition(text: str) -> studydefs.StudyDefinition:
    try:
        return studydefs.parse(text)
    except studydefs.StudyError as error:
        raise ServiceError("invalid", str(error)) from None


def do_create_study(user: User, text: str) -> Study:
    """Save a draft study (it allocates nobody until registered)."""
    definition = check_definition(text)
    try:
        with transaction.atomic():
            study = Study.objects.create(
                slug=definition.slug, definition=definition.as_data(), created_by=user
            )
            audit.record(audit.staff_label(user.pk), "study_created", target=f"study:{study.pk}")
    except IntegrityError:
        raise ServiceError("invalid", _("A study with this slug exists already.")) from None
    return study


def do_register_study(user: User, study_id: int) -> Study:
    """Freeze a draft into its pre-registration (hash and date) and start allocating.

    One study allocates at a time, so two studies' arms never mix on one page.
    """
    with transaction.atomic():
        study = Study.objects.select_for_update().filter(pk=study_id).first()
        if study is None:
            raise ServiceError("not_found", _("There is no such study."))
        if study.state != Study.State.DRAFT:
            raise ServiceError("invalid", _("This study is registered already; it cannot change."))
        if Study.objects.filter(state=Study.State.REGISTERED).exists():
            raise ServiceError(
                "invalid", _("Close the study that is running before registering another.")
            )
        definition = studydefs.from_data(study.definition)
        today = timezone.localdate()
        document = studydefs.registration_document(definition, today.isoformat())
        study.document = document
        study.registration_hash = studydefs.document_hash(document)
        study.registered_on = today
        study.state = Study.State.REGISTERED
        study.save()
        audit.record(audit.staff_label(user.pk), "study_registered", target=f"study:{study.pk}")
    return study


def do_close_study(user: User, study_id: int) -> Study:
    """Stop allocating. The study stays in the report; its registration never changes."""
    with transaction.atomic():
        study = Study.objects.select_for_update().filter(pk=study_id).first()
        if study is None:
            raise ServiceError("not_found", _("There is no such study."))
        if study.state != Study.State.REGISTERED:
            raise ServiceError("invalid", _("Only a running study can be closed."))
        study.state = Study.State.CLOSED
        study.save(update_fields=["state"])
        audit.record(audit.staff_label(user.pk), "study_closed", target=f"study:{study.pk}")
    return study


def running_study() -> Study | None:
    return Study.objects.filter(state=Study.State.REGISTERED).first()


def do_allocate(identity: SurveyIdentity, stratum: str) -> Allocation | None:
    """Allocate a consenting participant to an arm of the running study (once).

    Call only at consent: the caller has just recorded the participant's agreement.
    """
    study = running_study()
    if study is None or identity.consent != SurveyIdentity.Consent.GIVEN:
        return None
    existing = Allocation.objects.filter(study=study, identity=identity).first()
    if existing is not None:
        return existing
    definition = studydefs.from_data(study.definition)
    with transaction.atomic():
        block, _created = StudyBlock.objects.select_for_update().get_or_create(
            study=study, stratum=stratum, defaults={"sequence": [], "position": 0, "number": 0}
        )
        if block.position >= len(block.sequence):
            sequence = definition.block()
            _system_random.shuffle(sequence)
            block.sequence = sequence
            block.position = 0
            block.number += 1
        arm = block.sequence[block.position]
        block.position += 1
        block.save()
        return Allocation.objects.create(
            study=study,
            identity=identity,
            arm=arm,
            stratum=stratum,
            block=block.number,
            allocated_on=timezone.localdate(),
        )


@dataclass(frozen=True)
class Assignment:
    allocation: Allocation
    arm: studydefs.Arm


def assignment_for(identity: SurveyIdentity | None, intervention: str) -> Assignment | None:
    """The participant's arm in the running study, when it has this kind of intervention."""
    if identity is None or identity.consent != SurveyIdentity.Consent.GIVEN:
        return None
    allocation = (
        Allocation.objects.select_related("study")
        .filter(identity=identity, study__state=Study.State.REGISTERED)
        .first()
    )
    if allocation is None:
        return None
    arm = studydefs.from_data(allocation.study.definition).arm(allocation.arm)
    if arm.intervention != intervention:
        return None
    return Assignment(allocation, arm)


def do_mark_exposed(allocation: Allocation) -> None:
    """The participant was shown their arm's intervention (CONSORT: received)."""
    if allocation.exposed_on is None:
        Allocation.objects.filter(pk=allocation.pk, exposed_on__isnull=True).update(
            exposed_on=timezone.localdate()
        )
