"""The participant's side of evaluation: consent, when surveys are offered, answers, withdrawal.

Surveys are always optional and never stand between a person and help: every offer
can be skipped in one step, and nobody in the urgent-help flow is offered one.
Reads metadata only; never touches message content.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform.errors import ServiceError
from chatplatform.models import Participant, QueueTicket, Room, RoomMembership
from escalation.models import Escalation
from evaluation import referrals, registry, selfcode, studies
from evaluation.instruments import Instrument, InstrumentError, Item
from evaluation.models import SurveyIdentity, SurveyResponse
from evaluation.report import forget_cached_reports
from evaluation.scoring import answer_rows

# Someone who asked for urgent help, or whose chat was escalated, within this window
# is in the urgent-help flow and is never shown a survey.
URGENT_WINDOW = timedelta(hours=24)
Consent = SurveyIdentity.Consent
Wave = SurveyResponse.Wave


@dataclass(frozen=True)
class Offer:
    """A survey the participant may take now (or skip)."""

    wave: str
    chat_number: int
    needs_consent: bool
    url: str


@dataclass(frozen=True)
class SurveyPage:
    """What a survey page shows: the instruments still unanswered at this wave, and the
    conditions that hold for this participant (which conditional items to show)."""

    wave: str
    chat_number: int
    instruments: list[Instrument]
    conditions: frozenset[str] = frozenset()

    def shows(self, item: Item) -> bool:
        return item.shown_if is None or item.shown_if in self.conditions

    @property
    def questions(self) -> int:
        return sum(1 for i in self.instruments for item in i.items if self.shows(item))


class AnswerError(ServiceError):
    """An answer on a survey page was not one of its choices (nothing was stored)."""


def in_urgent_help(participant: Participant) -> bool:
    """True for a participant who asked for urgent help or was escalated recently."""
    since = timezone.now() - URGENT_WINDOW
    rooms = RoomMembership.objects.filter(participant=participant).values("room_id")
    return Escalation.objects.filter(
        Q(participant=participant, source=Escalation.Source.PARTICIPANT, created_at__gte=since)
        | Q(room_id__in=rooms, created_at__gte=since)
        | Q(room_id__in=rooms, state__in=[Escalation.State.OPEN, Escalation.State.ACKNOWLEDGED])
    ).exists()


def identity_for(participant: Participant) -> SurveyIdentity | None:
    return SurveyIdentity.objects.filter(participant=participant).first()


def _direct_rooms(participant: Participant) -> list[int]:
    """The participant's 1:1 chats, oldest first: position + 1 is the chat number."""
    return list(
        Room.objects.filter(kind=Room.Kind.DIRECT, memberships__participant=participant)
        .order_by("created_at", "id")
        .distinct()
        .values_list("id", flat=True)
    )


def _already_on_the_way(participant: Participant) -> bool:
    """In an open chat or waiting in the queue: nothing may come in between."""
    # The same question as chatplatform.services.queue.active_direct_room, asked
    # here because evaluation may not import the chat services (they reach the
    # code that decrypts; see tests/test_evaluation_boundaries.py).
    return (
        Room.objects.filter(
            kind=Room.Kind.DIRECT,
            closed_at__isnull=True,
            memberships__participant=participant,
            memberships__left_at__isnull=True,
        ).exists()
        or QueueTicket.objects.filter(
            participant=participant, status=QueueTicket.Status.WAITING
        ).exists()
    )


def _answered(identity: SurveyIdentity | None, wave: str, chat_number: int) -> set[str]:
    """Instruments already answered at this wave: per-chat ones for this chat on this
    device; the others by this person on any of their linked devices."""
    if identity is None:
        return set()
    per_chat = {i.id for i in registry.instruments().values() if i.every_chat}
    answered = set()
    for instrument, owner, number in SurveyResponse.objects.filter(
        identity_id__in=group_ids(identity), wave=wave
    ).values_list("instrument_version__instrument", "identity_id", "chat_number"):
        if instrument not in per_chat or (owner == identity.pk and number == chat_number):
            answered.add(instrument)
    return answered


def _submitted(identity: SurveyIdentity | None, wave: str, chat_number: int) -> bool:
    """A survey page is offered until it has been submitted once (even partly answered)."""
    return (
        identity is not None
        and SurveyResponse.objects.filter(
            identity=identity, wave=wave, chat_number=chat_number
        ).exists()
    )


def _has_once_answers(identity: SurveyIdentity | None) -> bool:
    once = [i.id for i in registry.instruments().values() if i.once]
    return (
        identity is not None
        and SurveyResponse.objects.filter(
            identity_id__in=group_ids(identity), instrument_version__instrument__in=once
        ).exists()
    )


def survey_page(participant: Participant, wave: str, chat_number: int) -> SurveyPage:
    """The instruments a consenting participant has still to answer at this wave."""
    identity = identity_for(participant)
    answered = _answered(identity, wave, chat_number)
    instruments = [
        instrument
        for instrument in registry.for_wave(
            wave,
            first_chat=chat_number <= 1,
            # Once-only questions (background) are offered once: with the first chat's survey.
            include_once=chat_number <= 1 and not _has_once_answers(identity),
        )
        if instrument.id not in answered
    ]
    conditions: frozenset[str] = frozenset()
    if any(item.shown_if for instrument in instruments for item in instrument.items):
        conditions = frozenset(f"referral:{kind}" for kind in referrals.kinds_for(participant))
    return SurveyPage(wave, chat_number, instruments, conditions)


def _offer(participant: Participant, wave: str, chat_number: int, url: str) -> Offer | None:
    identity = identity_for(participant)
    consent = identity.consent if identity else Consent.UNDECIDED
    if consent in (Consent.DECLINED, Consent.WITHDRAWN):
        return None
    if consent == Consent.UNDECIDED:
        # Consent is asked about at the start, once: before or right after the first chat.
        if chat_number > 1 or wave == Wave.FOLLOWUP:
            return None
        return Offer(wave, chat_number, True, reverse("evaluation:consent") + f"?next={url}")
    if _submitted(identity, wave, chat_number):
        return None
    if not survey_page(participant, wave, chat_number).instruments:
        return None
    return Offer(wave, chat_number, False, url)


def do_route_before_chat(
    participant: Participant,
    choice: str | None = None,
    form: Mapping[str, str] | None = None,
    language: str = "en",
) -> Offer | None:
    """The survey to offer a participant who asked for a chat, or None to go straight on.

    ``choice`` is what the participant did on the "before" page: "skip" (skip and talk
    now) or "done" (sent the page, whose answers are in ``form``). Either way this chat's
    "before" survey is over and the participant goes straight to the queue; it never
    comes back between them and the chat. Raises AnswerError (nothing stored) when an
    answer on the page was not one of its choices.
    """
    if in_urgent_help(participant) or _already_on_the_way(participant):
        return None
    chat_number = len(_direct_rooms(participant)) + 1
    identity = identity_for(participant)
    if (
        choice == "done"
        and form is not None
        and identity is not None
        and identity.consent == Consent.GIVEN
    ):
        page = survey_page(participant, Wave.PRE, chat_number)
        if page.instruments:
            do_submit(participant, page, form, language)
    if choice in ("skip", "done"):
        identity = identity or SurveyIdentity.objects.create(participant=participant)
        identity.pre_offered_chat = chat_number
        identity.save(update_fields=["pre_offered_chat"])
        return None
    if identity is not None and identity.pre_offered_chat == chat_number:
        return None
    return _offer(participant, Wave.PRE, chat_number, reverse("evaluation:survey-pre"))


def offer_after_chat(participant: Participant | None, room_id: int) -> Offer | None:
    """The "after" survey for a 1:1 chat that has ended, if there is one to offer."""
    if participant is None or in_urgent_help(participant):
        return None
    rooms = _direct_rooms(participant)
    if room_id not in rooms or Room.objects.filter(pk=room_id, closed_at__isnull=True).exists():
        return None
    url = reverse("evaluation:survey-post", args=[room_id])
    return _offer(participant, Wave.POST, rooms.index(room_id) + 1, url)


def offer_on_return(participant: Participant | None) -> Offer | None:
    """The follow-up, for a consenting participant back at least EVALUATION_FOLLOWUP_DAYS later."""
    if participant is None:
        return None
    identity = identity_for(participant)
    if identity is None or identity.consent != Consent.GIVEN or identity.followup_dismissed:
        return None
    due = timezone.localdate() - timedelta(days=settings.EVALUATION_FOLLOWUP_DAYS)
    baseline = SurveyResponse.objects.filter(
        identity_id__in=group_ids(identity), wave=Wave.PRE, answered_on__lte=due
    ).exists()
    if not baseline or in_urgent_help(participant):
        return None
    return _offer(participant, Wave.FOLLOWUP, 0, reverse("evaluation:survey-followup"))


def chat_number_for(participant: Participant, wave: str, room_id: int | None) -> int:
    """Which chat a survey is about: the next (pre), the ended one (post), none (follow-up)."""
    rooms = _direct_rooms(participant)
    if wave == Wave.PRE:
        return len(rooms) + 1
    if wave == Wave.POST:
        if room_id not in rooms:
            raise ServiceError("not_found", _("That chat is not one of yours."))
        return rooms.index(room_id) + 1
    return 0


def check_can_answer(participant: Participant, wave: str, room_id: int | None) -> SurveyPage:
    """The page a participant may answer now; ServiceError when there is none."""
    identity = identity_for(participant)
    if identity is None or identity.consent != Consent.GIVEN:
        raise ServiceError(
            "no_consent", _("Please read and agree to the research information first.")
        )
    if in_urgent_help(participant):
        raise ServiceError("not_now", _("There is no survey for you right now."))
    page = survey_page(participant, wave, chat_number_for(participant, wave, room_id))
    if not page.instruments:
        raise ServiceError("done", _("You have already answered these questions. Thank you."))
    return page


def do_record_consent(
    participant: Participant, agree: bool, language: str = "en"
) -> SurveyIdentity:
    """Record the participant's answer to the consent page.

    Agreeing is the only moment a participant is allocated to an arm of a running
    randomised study (stratified by their language); declining allocates nothing.
    """
    with transaction.atomic():
        identity, _created = SurveyIdentity.objects.get_or_create(participant=participant)
        if identity.consent == Consent.GIVEN and not agree:
            # Answers already given leave the analysis: no kept copy may count them.
            forget_cached_reports()
        identity.consent = Consent.GIVEN if agree else Consent.DECLINED
        identity.consent_changed_on = timezone.localdate()
        identity.save(update_fields=["consent", "consent_changed_on"])
        if agree:
            studies.do_allocate(identity, stratum=language)
    return identity


def _code_hash(answers: Mapping[str, str]) -> str:
    try:
        return selfcode.code_hash(answers, settings.PSEUDONYM_KEY)
    except selfcode.CodeError as error:
        raise ServiceError(
            "invalid", _("Please check your answer to: %(part)s") % {"part": error.part}
        ) from None


def do_set_code(participant: Participant, answers: Mapping[str, str]) -> SurveyIdentity:
    """Store the self-generated code of this device's identity. Links nothing.

    What the participant sees next is the same whether or not anyone else has this code,
    so the page cannot confirm to someone who knows a person's details that the person
    takes part. Raises ServiceError when a part of the code is not of the expected form.
    """
    hashed = _code_hash(answers)
    with transaction.atomic():
        identity, _created = SurveyIdentity.objects.select_for_update().get_or_create(
            participant=participant
        )
        identity.code_hash = hashed
        identity.save(update_fields=["code_hash"])
    return identity


def may_link(identity: SurveyIdentity | None) -> bool:
    """Whether this device's identity may be linked to earlier answers: it consented, has
    a code, is not linked yet and has answered nothing itself (so no answers are at stake)."""
    return (
        identity is not None
        and identity.consent == Consent.GIVEN
        and bool(identity.code_hash)
        and identity.linked_to_id is None
        and not identity.links.exists()
        and not identity.responses.exists()
    )


def do_confirm_link(participant: Participant) -> None:
    """The participant confirmed they answered before on another device: link to that identity
    when exactly one other person has the same code (an exact match; a near match is none).

    Nothing moves: the earlier answers stay with the earlier identity, and this device's
    identity points at it, so the analysis counts both as one person. Returns nothing and
    behaves the same whether or not a match was found.
    """
    with transaction.atomic():
        identity = (
            SurveyIdentity.objects.select_for_update().filter(participant=participant).first()
        )
        if not may_link(identity):
            raise ServiceError(
                "not_now",
                _("Answers can be connected only from a device where you have not answered yet."),
            )
        roots = {
            other.root_id
            for other in SurveyIdentity.objects.filter(
                code_hash=identity.code_hash, consent=Consent.GIVEN
            ).exclude(pk=identity.pk)
        }
        # Two or more people with this code: linking would be a guess, so none is made.
        if len(roots) == 1:
            identity.linked_to_id = roots.pop()
            identity.save(update_fields=["linked_to"])
        forget_cached_reports()


def group_ids(identity: SurveyIdentity) -> list[int]:
    """The identities counted as this person: the root and every identity linked to it."""
    root = identity.root_id
    return [root, *SurveyIdentity.objects.filter(linked_to_id=root).values_list("pk", flat=True)]


def do_submit(
    participant: Participant, page: SurveyPage, form: Mapping[str, str], language: str
) -> int:
    """Store the answers given on a survey page; returns how many instruments were answered.

    An instrument with no answer at all is not stored: skipping is always allowed.
    Raises ServiceError naming the question when a value is not on its scale.
    """
    identity = identity_for(participant)
    if identity is None or identity.consent != Consent.GIVEN:
        raise ServiceError(
            "no_consent", _("Please read and agree to the research information first.")
        )
    stored = 0
    with transaction.atomic():
        if page.wave == Wave.PRE:
            # Answered or not, this chat's "before" survey is done: the chat comes next.
            identity.pre_offered_chat = page.chat_number
            identity.save(update_fields=["pre_offered_chat"])
        for instrument in page.instruments:
            try:
                answers = instrument.parse_answers(form)
            except InstrumentError as error:
                raise AnswerError(
                    "invalid",
                    _("One answer was not one of the choices: %(item)s") % {"item": error.item},
                ) from None
            # A question this participant was not shown cannot be answered.
            answers = {
                item.id: answers[item.id] if page.shows(item) else None for item in instrument.items
            }
            if all(value is None for value in answers.values()):
                continue
            SurveyResponse.objects.create(
                identity=identity,
                instrument_version=registry.record_version(instrument),
                wave=page.wave,
                chat_number=0 if instrument.once else page.chat_number,
                language=language if language in instrument.languages else instrument.languages[0],
                answers=answer_rows(instrument, answers),
            )
            stored += 1
    return stored


def do_dismiss_followup(participant: Participant) -> None:
    SurveyIdentity.objects.filter(participant=participant).update(followup_dismissed=True)


def _withdraw(identity: SurveyIdentity) -> None:
    identity.responses.all().delete()
    identity.consent = Consent.WITHDRAWN
    identity.consent_changed_on = timezone.localdate()
    identity.code_hash = ""
    identity.linked_to = None
    identity.save()


def do_withdraw(participant: Participant, code: Mapping[str, str] | None = None) -> int:
    """Withdraw consent: this identity's answers are deleted and left out of every analysis.

    Answers given on other devices under the same person (a link made with the
    self-generated code) are deleted too only when ``code`` is the full code again:
    whoever holds this device cannot erase another device's answers without it. Identities
    linked to this one keep their own answers and become people of their own. Returns
    how many identities withdrew. Raises ServiceError when a code is given and is not
    this person's.
    """
    with transaction.atomic():
        identity = (
            SurveyIdentity.objects.select_for_update().filter(participant=participant).first()
        )
        if identity is None:
            return 0
        group = [identity]
        if code:
            hashed = _code_hash(code)
            root = SurveyIdentity.objects.select_for_update().get(pk=identity.root_id)
            if not root.code_hash or not hmac.compare_digest(root.code_hash, hashed):
                raise ServiceError(
                    "invalid",
                    _("That code is not the one saved for your answers. Nothing was deleted."),
                )
            group = [
                root,
                *SurveyIdentity.objects.select_for_update().filter(linked_to=root),
            ]
        withdrawn = {member.pk for member in group}
        SurveyIdentity.objects.filter(linked_to_id__in=withdrawn).exclude(pk__in=withdrawn).update(
            linked_to=None
        )
        for member in group:
            _withdraw(member)
        forget_cached_reports()
    return len(group)


def do_unlink(participant: Participant) -> None:
    """The participant erased their data: their survey identity no longer points at them.

    The code hash goes too, so the identity cannot be found again. Answers given with
    consent stay in the analysis, now linked to no one.
    """
    SurveyIdentity.objects.filter(participant=participant).update(participant=None, code_hash="")
