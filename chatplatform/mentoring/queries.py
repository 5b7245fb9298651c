"""Metadata-only reads of the programme's records, for the evaluation report.

Times, counts, ids and checklist answers; never anything a participant wrote. This
module imports only models, so the evaluation app can use it without reaching the code
that decrypts messages (a test checks it).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q

from chatplatform.mentoring.models import (
    Completion,
    CostRate,
    Debrief,
    FidelityRating,
    Mentorship,
    OnlineShift,
    SupervisionSession,
    WellbeingCheckin,
)
from chatplatform.models import Room, RoomMembership, User


def fidelity_ratings(since: datetime) -> list[tuple[int, int, str, int, dict[str, str]]]:
    """(room, mentor, rater role, checklist version, answers) for chats rated since."""
    return list(
        FidelityRating.objects.filter(rated_at__gte=since).values_list(
            "room_id", "mentor_id", "rater_role", "checklist_version", "answers"
        )
    )


def supervision_sessions(since: date) -> list[tuple[date, int, list[int]]]:
    """(day, minutes, mentor ids) of every supervision session held since."""
    sessions = SupervisionSession.objects.filter(held_on__gte=since).prefetch_related("mentors")
    return [(s.held_on, s.minutes, [m.pk for m in s.mentors.all()]) for s in sessions]


def debriefs(since: datetime) -> list[tuple[datetime, datetime, datetime | None]]:
    """(opened, due, held) of every debrief opened since."""
    return list(
        Debrief.objects.filter(created_at__gte=since).values_list(
            "created_at", "due_at", "completed_at"
        )
    )


def online_spans(since: datetime) -> list[tuple[int, datetime, datetime]]:
    """(mentor, start, end) of the shifts still going on at or after ``since``."""
    rows = OnlineShift.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=since))
    return [(s.user_id, s.started_at, s.ended_at or s.last_seen_at) for s in rows]


def training_minutes(since: datetime) -> list[tuple[datetime, int]]:
    """(completed, minutes) of each module completed by training here (not granted) since."""
    rows = Completion.objects.filter(completed_at__gte=since).exclude(via=Completion.Via.GRANTED)
    return [
        (at, int(definition.get("minutes", 0)))
        for at, definition in rows.values_list("completed_at", "module_version__definition")
    ]


def mentored_chats(since: datetime) -> list[tuple[int, datetime, int]]:
    """(room, started, mentor) for each mentor of each 1:1 chat started since."""
    return list(
        RoomMembership.objects.filter(
            room__kind=Room.Kind.DIRECT,
            room__created_at__gte=since,
            role=RoomMembership.Role.MENTOR,
            user__isnull=False,
        ).values_list("room_id", "room__created_at", "user_id")
    )


def chat_participants(since: datetime) -> list[tuple[int, datetime]]:
    """(participant, chat started) of 1:1 chats started since."""
    return list(
        RoomMembership.objects.filter(
            room__kind=Room.Kind.DIRECT,
            room__created_at__gte=since,
            role=RoomMembership.Role.PARTICIPANT,
            participant__isnull=False,
        ).values_list("participant_id", "room__created_at")
    )


def mentor_cohorts() -> dict[int, date]:
    """Each mentor's start in the programme: their Mentorship, else the day they joined."""
    started = dict(Mentorship.objects.values_list("mentor_id", "started_on"))
    mentors = User.objects.filter(groups__name="mentor").values_list("pk", "date_joined")
    return {pk: started.get(pk, joined.date()) for pk, joined in mentors}


def cost_rates() -> dict[str, tuple[Decimal, str]]:
    return {r.activity: (r.hourly_cost, r.currency) for r in CostRate.objects.all()}


def checkins(since: date) -> list[tuple[date, bool]]:
    """(day, suggests a conversation) of every wellbeing check-in since: never answers."""
    return list(
        WellbeingCheckin.objects.filter(answered_on__gte=since).values_list(
            "answered_on", "suggests_conversation"
        )
    )
