"""The mentor programme's implementation tables: fidelity, supervision, cost and mentor
retention. Read from chatplatform.mentoring.queries (metadata only); published through
evaluation.tables like every other table, so the k rules apply to every count.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import numpy as np
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from chatplatform.mentoring import queries
from chatplatform.mentoring.fidelity_rules import NA, YES, kappa
from chatplatform.models import Room, RoomMembership
from evaluation import codebook, kept
from evaluation.arrays import columns, distinct, month_of
from evaluation.metrics import Period
from evaluation.tables import Bundle, Table

HOUR = 3600.0
# Membership roles as read by _direct_chats_by_month.
MENTOR, PARTICIPANT = 1, 2

SPECS = (
    codebook.PROGRAMME_FIDELITY,
    codebook.PROGRAMME_SUPERVISION,
    codebook.PROGRAMME_COST,
    codebook.MENTOR_RETENTION,
    codebook.MENTOR_CHECKINS,
)


def build(period: Period) -> Bundle:
    """The programme tables of a release (they relate to no other table)."""
    return Bundle(build_tables(period.start, period.today))


def build_tables(since: date, today: date) -> list[Table]:
    start = timezone.make_aware(datetime.combine(since, time.min))
    months = _months(since, today)
    bounds = [(m, *_month_bounds(m)) for m in months]
    # Kept by the process while no room or membership changed (evaluation.kept).
    chats = kept.reuse(
        "programme_chats",
        (start, tuple(bounds), kept.rooms_fingerprint()),
        lambda: _direct_chats_by_month(start, bounds),
    )
    online, active = _online(start, months)
    for month, mentors in chats.mentors.items():
        active[month] |= mentors
    return [
        _fidelity(start),
        _supervision(since, start, months),
        _cost(since, start, months, online, active, chats),
        _retention(months, active),
        _checkins(since, months),
    ]


def _direct_chats_by_month(
    since: datetime, months: list[tuple[str, datetime, datetime]]
) -> queries.ChatMonths:
    """1:1 chats started since ``since`` in the given months [start, end): per month, the
    mentors who took one, how many had a mentor, how many participants were in one.

    The same counts as chatplatform.mentoring.queries.direct_chats_by_month, from one read
    of the chats (each with its month, worked out by the database as there) and one of
    the mentors' and of the participants' memberships, matched and counted with numpy.
    Working the month out once per chat rather than once per membership, and reading the
    memberships without a join, costs 0.1 s of CPU at 50,000 participants instead of 0.2
    (and three grouped queries cost 0.35).
    """
    if not months:
        return queries.ChatMonths({}, {}, {})
    chats = columns(
        Room.objects.filter(
            kind=Room.Kind.DIRECT, created_at__gte=since, created_at__lt=months[-1][2]
        ),
        room="pk",
        # The latest month whose start the chat is not before.
        month=Case(
            *(
                When(created_at__gte=low, then=Value(index))
                for index, (_name, low, _high) in reversed(list(enumerate(months)))
            ),
            default=None,
            output_field=IntegerField(),
        ),
    )
    known = ~np.isnan(chats["month"])
    order = np.argsort(chats["room"][known])
    rooms = chats["room"][known][order]
    room_months = chats["month"][known][order].astype(np.int64)
    mentored = columns(
        RoomMembership.objects.filter(role=RoomMembership.Role.MENTOR, user__isnull=False),
        room="room_id",
        user="user_id",
    )
    joined = columns(
        RoomMembership.objects.filter(
            role=RoomMembership.Role.PARTICIPANT, participant__isnull=False
        ),
        room="room_id",
        participant="participant_id",
    )
    mentor_in, mentor_month = _months_of(rooms, room_months, mentored["room"])
    joined_in, joined_month = _months_of(rooms, room_months, joined["room"])
    mentors: dict[str, set[int]] = defaultdict(set)
    # Each (month, mentor) once: a mentor takes many chats a month.
    users = mentored["user"][mentor_in].astype(np.int64)
    width = int(users.max()) + 1 if users.size else 1
    for pair in distinct(mentor_month * width + users).tolist():
        mentors[months[pair // width][0]].add(pair % width)
    return queries.ChatMonths(
        dict(mentors),
        _distinct_per_month(months, mentor_month, mentored["room"][mentor_in]),
        _distinct_per_month(months, joined_month, joined["participant"][joined_in]),
    )


def _months_of(
    rooms: np.ndarray, room_months: np.ndarray, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``wanted`` are among ``rooms`` (sorted), and the month of each of those."""
    if not rooms.size:
        return np.zeros(wanted.size, dtype=bool), np.array([], dtype=np.int64)
    at = np.minimum(np.searchsorted(rooms, wanted), rooms.size - 1)
    found = rooms[at] == wanted
    return found, room_months[at[found]]


def _distinct_per_month(
    months: list[tuple[str, datetime, datetime]], month: np.ndarray, values: np.ndarray
) -> dict[str, int]:
    """How many distinct values each month has (months with none left out)."""
    ids = values.astype(np.int64)
    # One whole number per (month, value): a flat unique is far cheaper than unique rows.
    width = int(ids.max()) + 1 if ids.size else 1
    pairs = distinct(month * width + ids)
    counts = np.bincount(pairs // width, minlength=len(months))
    return {months[at][0]: int(n) for at, n in enumerate(counts.tolist()) if n}


def _months(since: date, today: date) -> list[str]:
    names, day = [], since.replace(day=1)
    while day <= today:
        names.append(month_of(day))
        day = (day + timedelta(days=32)).replace(day=1)
    return names


def _month(moment: datetime) -> str:
    return month_of(timezone.localtime(moment).date())


def _fidelity(start: datetime) -> Table:
    table = Table(codebook.PROGRAMME_FIDELITY)
    own: dict[tuple[int, int], tuple[int, dict[str, str]]] = {}
    reviewed: dict[tuple[int, int], dict[str, str]] = {}
    for room_id, mentor_id, role, version, answers in queries.fidelity_ratings(start):
        if role == "self":
            own[(room_id, mentor_id)] = (version, answers)
        else:
            reviewed[(room_id, mentor_id)] = answers
    by_element: dict[tuple[str, int], list[tuple[str, str | None]]] = defaultdict(list)
    for chat, (version, answers) in own.items():
        for element, answer in answers.items():
            by_element[(element, version)].append((answer, reviewed.get(chat, {}).get(element)))
    for (element, version), answers in sorted(by_element.items()):
        pairs = [(a, b) for a, b in answers if b is not None]
        table.add(
            element=element,
            checklist_version=version,
            chats_rated=len(answers),
            applied=sum(1 for a, _ in answers if a != NA),
            done=sum(1 for a, _ in answers if a == YES),
            reviewed=len(pairs),
            kappa=kappa(pairs),
        )
    return table


def _supervision(since: date, start: datetime, months: list[str]) -> Table:
    table = Table(codebook.PROGRAMME_SUPERVISION)
    sessions: dict[str, list[tuple[int, list[int]]]] = defaultdict(list)
    for held_on, minutes, mentors in queries.supervision_sessions(since):
        sessions[month_of(held_on)].append((minutes, mentors))
    opened: dict[str, int] = defaultdict(int)
    on_time: dict[str, int] = defaultdict(int)
    for created, due, held in queries.debriefs(start):
        opened[_month(created)] += 1
        if held is not None and held <= due:
            on_time[_month(created)] += 1
    for month in months:
        held = sessions.get(month, [])
        table.add(
            month=month,
            sessions=len(held),
            mentors_supervised=len({m for _, mentors in held for m in mentors}),
            supervision_hours=round(sum(minutes for minutes, _ in held) / 60, 1),
            debriefs_opened=opened[month],
            debriefs_on_time=on_time[month],
        )
    return table


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    first = date.fromisoformat(f"{month}-01")
    after = (first + timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(datetime.combine(first, time.min)),
        timezone.make_aware(datetime.combine(after, time.min)),
    )


def _online(start: datetime, months: list[str]) -> tuple[dict[str, float], dict[str, set[int]]]:
    """Hours online and the mentors online, per month (shifts split at month ends)."""
    hours: dict[str, float] = defaultdict(float)
    active: dict[str, set[int]] = defaultdict(set)
    spans = queries.online_spans(start)
    for month in months:
        low, high = _month_bounds(month)
        for mentor_id, begin, end in spans:
            overlap = (min(end, high) - max(begin, low)).total_seconds()
            if overlap > 0:
                hours[month] += overlap / HOUR
                active[month].add(mentor_id)
    return hours, active


def _cost(
    since: date,
    start: datetime,
    months: list[str],
    online: dict[str, float],
    active: dict[str, set[int]],
    chats: queries.ChatMonths,
) -> Table:
    """``active``: the mentors online or taking a chat, per month."""
    table = Table(codebook.PROGRAMME_COST)
    supervision: dict[str, float] = defaultdict(float)
    for held_on, minutes, mentors in queries.supervision_sessions(since):
        # Every mentor in a group session spends its length in supervision.
        supervision[month_of(held_on)] += minutes * max(1, len(mentors)) / 60
    training: dict[str, float] = defaultdict(float)
    for completed, minutes in queries.training_minutes(start):
        training[_month(completed)] += minutes / 60
    rates = queries.cost_rates()
    currencies = {currency for _, currency in rates.values()}
    for month in months:
        hours = {
            "online": online[month],
            "supervision": supervision[month],
            "training": training[month],
        }
        cost = None
        if rates and len(currencies) == 1:
            cost = sum(float(rates[a][0]) * h for a, h in hours.items() if a in rates)
        n_chats, n_people = chats.chats.get(month, 0), chats.participants.get(month, 0)
        table.add(
            month=month,
            mentors_active=len(active[month]),
            hours_online=round(hours["online"], 1),
            hours_supervision=round(hours["supervision"], 1),
            hours_training=round(hours["training"], 1),
            chats=n_chats,
            participants=n_people,
            currency=next(iter(currencies)) if cost is not None else None,
            cost=round(cost, 2) if cost is not None else None,
            cost_per_chat=round(cost / n_chats, 2) if cost is not None and n_chats else None,
            cost_per_participant=(
                round(cost / n_people, 2) if cost is not None and n_people else None
            ),
        )
    return table


def _retention(months: list[str], active: dict[str, set[int]]) -> Table:
    table = Table(codebook.MENTOR_RETENTION)
    cohorts = queries.mentor_cohorts()
    names = sorted({month_of(day) for day in cohorts.values()})
    for month in months:
        started = {m for m, day in cohorts.items() if month_of(day) <= month}
        total = table.add(
            cohort="all",
            month=month,
            cohort_size=len(started),
            active=len(started & active[month]),
        )
        members = []
        for cohort in names:
            if cohort > month:
                continue
            people = {m for m, day in cohorts.items() if month_of(day) == cohort}
            members.append(
                table.add(
                    cohort=cohort,
                    month=month,
                    cohort_size=len(people),
                    active=len(people & active[month]),
                )
            )
        for column in ("cohort_size", "active"):
            table.add_line((total, column), [(row, column) for row in members])
    return table


def _checkins(since: date, months: list[str]) -> Table:
    table = Table(codebook.MENTOR_CHECKINS)
    answered: dict[str, int] = defaultdict(int)
    suggested: dict[str, int] = defaultdict(int)
    for day, suggests in queries.checkins(since):
        answered[month_of(day)] += 1
        suggested[month_of(day)] += int(suggests)
    for month in months:
        table.add(month=month, checkins=answered[month], suggest_conversation=suggested[month])
    return table
