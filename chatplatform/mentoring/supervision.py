"""Supervision: who supervises whom, and the supervision log (no participant content)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import audit, roles
from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring.models import (
    Debrief,
    Mentorship,
    SupervisionSession,
    SupervisionTopic,
)
from chatplatform.models import User

SUPERVISING_ROLES = (roles.SUPERVISOR, roles.ADMIN)
MINUTES_RANGE = (5, 600)
FOLLOW_UP_MAX = 300


@dataclass(frozen=True)
class SupervisorScope:
    """A supervisor, and the mentors whose programme records they may see."""

    user: User
    sees_everyone: bool

    def mentors(self) -> QuerySet[User]:
        """Admins see every mentor; a supervisor their own and those nobody supervises yet."""
        mentors = User.objects.filter(is_active=True, groups__name=roles.MENTOR)
        if not self.sees_everyone:
            mentors = mentors.filter(
                Q(mentorship__supervisor=self.user)
                | Q(mentorship__isnull=True)
                | Q(mentorship__supervisor__isnull=True)
            )
        return mentors.distinct().order_by("display_name", "pk")

    def mentor(self, mentor_id: int) -> User:
        mentor = self.mentors().filter(pk=mentor_id).first()
        if mentor is None:
            raise ServiceError("not_found", _("That mentor is not one of yours."))
        return mentor

    def debrief(self, debrief_id: int) -> Debrief:
        debrief = Debrief.objects.filter(pk=debrief_id, mentor__in=self.mentors()).first()
        if debrief is None:
            raise ServiceError("not_found", _("There is no such debrief for your mentors."))
        return debrief


def check_supervisor(actor: Actor) -> SupervisorScope:
    if not actor.is_staff or actor.role not in SUPERVISING_ROLES:
        raise ServiceError("forbidden", _("Only supervisors see the mentor programme."))
    return SupervisorScope(User.objects.get(pk=actor.id), actor.role == roles.ADMIN)


def do_assign_supervisor(scope: SupervisorScope, mentor: User) -> Mentorship:
    """The supervisor takes a mentor on. Precondition: ``mentor`` came from the scope."""
    mentorship, _created = Mentorship.objects.get_or_create(
        mentor=mentor, defaults={"started_on": mentor.date_joined.date()}
    )
    mentorship.supervisor = scope.user
    mentorship.save(update_fields=["supervisor"])
    return mentorship


@dataclass(frozen=True)
class SessionInput:
    mentor_ids: tuple[int, ...]
    held_on: date
    minutes: int
    format: str
    topics: tuple[str, ...]
    follow_up: str


def check_session(scope: SupervisorScope, data: SessionInput) -> list[User]:
    """Validate a supervision log entry; returns the mentors it is about."""
    if data.format not in SupervisionSession.Format.values:
        raise ServiceError("invalid", _("Choose individual or group supervision."))
    if data.held_on > timezone.localdate():
        raise ServiceError("invalid", _("A supervision session can't be in the future."))
    if not MINUTES_RANGE[0] <= data.minutes <= MINUTES_RANGE[1]:
        raise ServiceError(
            "invalid",
            _("The length must be from %(low)d to %(high)d minutes.")
            % {"low": MINUTES_RANGE[0], "high": MINUTES_RANGE[1]},
        )
    unknown = set(data.topics) - set(SupervisionTopic.values)
    if unknown or not data.topics:
        raise ServiceError("invalid", _("Choose at least one topic from the list."))
    if len(data.follow_up) > FOLLOW_UP_MAX:
        raise ServiceError(
            "invalid", _("Keep the follow-up under %(n)d characters.") % {"n": FOLLOW_UP_MAX}
        )
    mentors = [scope.mentor(pk) for pk in dict.fromkeys(data.mentor_ids)]
    if not mentors:
        raise ServiceError("invalid", _("Choose the mentor or mentors supervised."))
    if data.format == SupervisionSession.Format.INDIVIDUAL and len(mentors) != 1:
        raise ServiceError("invalid", _("Individual supervision is with one mentor."))
    return mentors


def do_log_session(scope: SupervisorScope, data: SessionInput) -> SupervisionSession:
    mentors = check_session(scope, data)
    with transaction.atomic():
        session = SupervisionSession.objects.create(
            supervisor=scope.user,
            held_on=data.held_on,
            minutes=data.minutes,
            format=data.format,
            topics=sorted(set(data.topics)),
            follow_up=data.follow_up.strip(),
        )
        session.mentors.set(mentors)
        audit.record(
            audit.staff_label(scope.user.pk),
            "supervision.logged",
            data={"session": session.pk, "mentors": len(mentors)},
        )
    return session


def last_supervision(mentor_ids: Iterable[int]) -> dict[int, date]:
    """The date of each mentor's latest supervision session."""
    latest: dict[int, date] = {}
    rows = SupervisionSession.mentors.through.objects.filter(user_id__in=list(mentor_ids))
    for user_id, held_on in rows.values_list("user_id", "supervisionsession__held_on"):
        if user_id not in latest or held_on > latest[user_id]:
            latest[user_id] = held_on
    return latest
