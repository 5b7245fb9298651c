"""Metadata-only reads of the programme's records, for the evaluation report.

Times, counts, ids and checklist answers; never anything a participant wrote. This
module imports only models, so the evaluation app can use it without reaching the code
that decrypts messages (a test checks it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Case, CharField, Count, Q, Value, When

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


def _month_started(months: list[tuple[str, datetime, datetime]]) -> Case:
    """The month (by name) a 1:1 chat started in, for consecutive months given as
    [start, end): the latest month whose start it is not before."""
    return Case(
        *(
            When(room__created_at__gte=low, then=Value(name))
            for name, low, _high in reversed(months)
        ),
        default=None,
        output_field=CharField(),
    )


@dataclass(frozen=True)
class ChatMonths:
    """Per month: the mentors who took a 1:1 chat, how many chats had a mentor, and how
    many participants were in a 1:1 chat (counted once a month each)."""

    mentors: dict[str, set[int]]
    chats: dict[str, int]
    participants: dict[str, int]


def direct_chats_by_month(
    since: datetime, months: list[tuple[str, datetime, datetime]]
) -> ChatMonths:
    """1:1 chats started since ``since`` in the given months, counted by the database.

    Counting there, over a month label worked out by comparing each chat's start with
    the months' bounds, avoids turning every chat of a large service into Python
    objects (at 50,000 participants, seconds of CPU per report).
    """
    if not months:
        return ChatMonths({}, {}, {})
    chats = (
        RoomMembership.objects.filter(
            room__kind=Room.Kind.DIRECT,
            room__created_at__gte=since,
            room__created_at__lt=months[-1][2],
        )
        .annotate(month=_month_started(months))
        .order_by()
    )
    mentored = chats.filter(role=RoomMembership.Role.MENTOR, user__isnull=False)
    mentors: dict[str, set[int]] = defaultdict(set)
    for month, mentor_id in mentored.values_list("month", "user_id").distinct():
        mentors[month].add(mentor_id)
    counted = mentored.values("month").annotate(n=Count("room_id", distinct=True))
    people = (
        chats.filter(role=RoomMembership.Role.PARTICIPANT, participant__isnull=False)
        .values("month")
        .annotate(n=Count("participant_id", distinct=True))
    )
    return ChatMonths(
        dict(mentors),
        {row["month"]: row["n"] for row in counted},
        {row["month"]: row["n"] for row in people},
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
