"""Fidelity: the mentor rates each 1:1 chat against the programme's core elements; a random
sample is rated again by a supervisor, who reads the chat through the audited transcript
access; agreement between the two is Cohen's kappa per element."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring import fidelity_rules
from chatplatform.mentoring.fidelity_rules import Checklist
from chatplatform.mentoring.models import FidelityRating
from chatplatform.mentoring.supervision import SupervisorScope
from chatplatform.models import Room, RoomMembership, User

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "fidelity.yaml"
RATE_WITHIN = timedelta(days=14)


@cache
def _load(path: str) -> Checklist:
    return fidelity_rules.load_checklist(Path(path) if path else SHIPPED_FILE)


def checklist() -> Checklist:
    return _load(settings.MENTOR_FIDELITY_FILE)


def chats_to_rate(user: User, now: datetime) -> list[Room]:
    """Ended 1:1 chats this mentor took part in lately and has not rated yet."""
    rated = FidelityRating.objects.filter(mentor=user, rater_role=FidelityRating.Rater.SELF).values(
        "room_id"
    )
    return list(
        Room.objects.filter(
            kind=Room.Kind.DIRECT,
            closed_at__gte=now - RATE_WITHIN,
            memberships__user=user,
            memberships__role=RoomMembership.Role.MENTOR,
        )
        .exclude(pk__in=rated)
        .distinct()
        .order_by("-closed_at")
    )


def mentored(actor: Actor, room_id: int) -> bool:
    """Whether this staff member was a mentor of the chat (the one who may rate it)."""
    return RoomMembership.objects.filter(
        room_id=room_id, user_id=actor.id, role=RoomMembership.Role.MENTOR
    ).exists()


def check_self_rating(actor: Actor, room_id: int) -> tuple[User, Room]:
    user = User.objects.get(pk=actor.id)
    room = Room.objects.filter(pk=room_id, kind=Room.Kind.DIRECT).first()
    if room is None or not mentored(actor, room_id):
        raise ServiceError("not_found", _("You did not mentor that chat."))
    if room.closed_at is None:
        raise ServiceError("invalid", _("Rate the chat once it has ended."))
    return user, room


def _answers(form: Any) -> dict[str, str]:
    try:
        return checklist().parse(form)
    except ValueError:
        raise ServiceError("invalid", _("Answer every item of the checklist.")) from None


def do_rate_self(actor: Actor, room_id: int, form: Any, now: datetime | None = None) -> bool:
    """The mentor's checklist for a chat; returns whether it was drawn for review."""
    user, room = check_self_rating(actor, room_id)
    answers = _answers(form)
    sampled = secrets.randbelow(100) < settings.MENTOR_FIDELITY_SAMPLE_PERCENT
    try:
        with transaction.atomic():
            FidelityRating.objects.create(
                room=room,
                mentor=user,
                rater=user,
                rater_role=FidelityRating.Rater.SELF,
                checklist_version=checklist().version,
                answers=answers,
                sampled=sampled,
                rated_at=now or timezone.now(),
            )
    except IntegrityError:
        raise ServiceError("invalid", _("You have already rated this chat.")) from None
    return sampled


def reviews_due(scope: SupervisorScope) -> list[FidelityRating]:
    """Sampled self-ratings of the supervisor's mentors still waiting for their review."""
    reviewed = FidelityRating.objects.filter(rater_role=FidelityRating.Rater.SUPERVISOR)
    return list(
        FidelityRating.objects.filter(
            rater_role=FidelityRating.Rater.SELF, sampled=True, mentor__in=scope.mentors()
        )
        .exclude(room_id__in=reviewed.values("room_id"))
        .select_related("mentor")
        .order_by("rated_at")
    )


def check_review(scope: SupervisorScope, rating_id: int) -> FidelityRating:
    rating = next((r for r in reviews_due(scope) if r.pk == rating_id), None)
    if rating is None:
        raise ServiceError("not_found", _("There is no such chat waiting for review."))
    if rating.mentor_id == scope.user.pk:
        raise ServiceError("forbidden", _("Someone else reviews your own chats."))
    return rating


def do_review(
    scope: SupervisorScope, sampled: FidelityRating, form: Any, now: datetime | None = None
) -> FidelityRating:
    """The supervisor's rating of a sampled chat. Precondition: from check_review."""
    return FidelityRating.objects.create(
        room_id=sampled.room_id,
        mentor_id=sampled.mentor_id,
        rater=scope.user,
        rater_role=FidelityRating.Rater.SUPERVISOR,
        checklist_version=sampled.checklist_version,
        answers=_answers(form),
        rated_at=now or timezone.now(),
    )


def paired_answers(version: int) -> dict[str, list[tuple[str, str]]]:
    """(self, supervisor) answers per element, over the chats rated by both."""
    ratings = FidelityRating.objects.filter(checklist_version=version).values_list(
        "room_id", "mentor_id", "rater_role", "answers"
    )
    by_chat: dict[tuple[int, int], dict[str, dict[str, str]]] = {}
    for room_id, mentor_id, role, answers in ratings:
        by_chat.setdefault((room_id, mentor_id), {})[role] = answers
    pairs: dict[str, list[tuple[str, str]]] = {}
    for both in by_chat.values():
        if len(both) < 2:
            continue
        own, reviewed = both[FidelityRating.Rater.SELF], both[FidelityRating.Rater.SUPERVISOR]
        for element, answer in own.items():
            if element in reviewed:
                pairs.setdefault(element, []).append((answer, reviewed[element]))
    return pairs
