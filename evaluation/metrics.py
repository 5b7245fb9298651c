"""Process metrics (RE-AIM style) from metadata only: no message body is ever read.

Reach, queue waits, time to first mentor reply, chat length and messages per chat,
return rates, escalations per 100 chats and mentor caseload. Every figure comes
from timestamps, counts and roles; periods are weeks and months, never finer.
Times are read as epoch seconds and grouped with numpy, so a large cohort costs
a few queries and array operations rather than a Python loop per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from chatplatform.models import Participant, Room, RoomMembership
from escalation.models import Escalation
from evaluation import codebook, kept, stats
from evaluation.arrays import (
    DAY,
    EPOCH_ORDINAL,
    Groups,
    codes_of,
    columns,
    day_numbers,
    month_of,
    periods,
    week_of,
)
from evaluation.chats import do_backfill
from evaluation.dbfunctions import EpochSeconds, Unindexed
from evaluation.models import ChatRecord, ParticipantVisit
from evaluation.tables import Bundle, Table

SPECS = (
    codebook.REACH_WEEKLY,
    codebook.WAITS_WEEKLY,
    codebook.CHATS_MONTHLY,
    codebook.TOPICS_MONTHLY,
    codebook.RETURN_RATE,
    codebook.ESCALATIONS,
    codebook.MENTOR_CASELOAD,
)
MONTHS = 12
RETURN_WINDOWS = (30, 90)
ONE_TO_ONE = "one_to_one"


@dataclass(frozen=True)
class Period:
    """The release period: the last twelve calendar months, this one included."""

    start: date
    today: date

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @classmethod
    def ending(cls, today: date) -> Period:
        year, month = today.year, today.month - (MONTHS - 1)
        while month < 1:
            year, month = year - 1, month + 12
        return cls(date(year, month, 1), today)

    def weeks(self) -> list[str]:
        """Every ISO week of the period, in order."""
        names: list[str] = []
        day = self.start
        while day <= self.today:
            name = week_of(day)
            if name not in names:
                names.append(name)
            day += timedelta(days=1)
        return names

    def months(self) -> list[str]:
        names: list[str] = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.today.year, self.today.month):
            names.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return names


def _by_period(groups: Groups, every: list[str]) -> list[tuple[str, np.ndarray]]:
    """(period, rows) for every period, empty ones included: a missing period would say
    "nobody" as clearly as a zero, so it gets a row (suppressed like any small count)."""
    found = dict(groups.split())
    empty = np.array([], dtype=np.int64)
    return [(name, found.get(name, empty)) for name in every]


def _percentiles(values: np.ndarray) -> tuple[float | None, float | None]:
    values = values[~np.isnan(values)]
    return stats.percentile(values, 50), stats.percentile(values, 90)


def build(period: Period) -> Bundle:
    """The process tables of a release (they relate to no survey table).

    Kept by the process and used again while nothing they read has changed
    (evaluation.kept): a new survey response alone does not build them again.
    """
    # Missing chat records are filled in first: the fingerprint must see them.
    do_backfill()
    key = (period, kept.chats_fingerprint(), kept.rooms_fingerprint())
    return kept.reuse("metrics", key, lambda: _build(period))


def _build(period: Period) -> Bundle:
    chats = columns(
        # Nearly all records are in the period: a plain scan (evaluation.dbfunctions).
        ChatRecord.objects.alias(started=Unindexed("started_at")).filter(started__gte=period.since),
        requested=EpochSeconds("requested_at"),
        started=EpochSeconds("started_at"),
        ended=EpochSeconds("ended_at"),
        messages="messages",
        first_reply="first_reply_seconds",
        mentor="mentor_id",
    )
    visits = columns(
        ParticipantVisit.objects.all(), participant="participant_id", day=EpochSeconds("day")
    )
    return Bundle(
        [
            _reach_weekly(period, visits),
            _waits_weekly(period, chats),
            _chats_monthly(period, chats),
            _topics_monthly(period),
            _return_rate(period, visits),
            _escalations(period, chats["started"].size),
            _mentor_caseload(period, chats),
        ]
    )


def _reach_weekly(period: Period, all_visits: dict[str, np.ndarray]) -> Table:
    table = Table(codebook.REACH_WEEKLY)
    since = (period.start.toordinal() - EPOCH_ORDINAL) * DAY
    recent = all_visits["day"] >= since
    visits = {name: values[recent] for name, values in all_visits.items()}
    first_days = columns(
        Participant.objects.filter(created_at__gte=period.since), at=EpochSeconds("created_at")
    )["at"]
    seen = {
        week: np.unique(visits["participant"][rows]).size
        for week, rows in periods(visits["day"], week_of).split()
    }
    joined = {week: rows.size for week, rows in periods(first_days, week_of).split()}
    for week in period.weeks():
        table.add(week=week, participants=seen.get(week, 0), new_participants=joined.get(week, 0))
    # One person can appear in every week, and once as new.
    table.sensitivity = len(table.rows) + 1 if table.rows else None
    return table


def _waits_weekly(period: Period, chats: dict[str, np.ndarray]) -> Table:
    table = Table(codebook.WAITS_WEEKLY)
    waits = chats["started"] - chats["requested"]
    replies = chats["first_reply"]
    for week, rows in _by_period(periods(chats["requested"], week_of), period.weeks()):
        wait_p50, wait_p90 = _percentiles(waits[rows])
        reply_p50, reply_p90 = _percentiles(replies[rows])
        table.add(
            week=week,
            chats=rows.size,
            wait_p50_seconds=wait_p50,
            wait_p90_seconds=wait_p90,
            chats_replied=int((~np.isnan(replies[rows])).sum()),
            first_reply_p50_seconds=reply_p50,
            first_reply_p90_seconds=reply_p90,
        )
    return table


def _chats_monthly(period: Period, chats: dict[str, np.ndarray]) -> Table:
    table = Table(codebook.CHATS_MONTHLY)
    durations = (chats["ended"] - chats["started"]) / 60
    for month, rows in _by_period(periods(chats["started"], month_of), period.months()):
        p50, p90 = _percentiles(durations[rows])
        messages = chats["messages"][rows]
        table.add(
            month=month,
            chats=rows.size,
            chats_ended=int((~np.isnan(durations[rows])).sum()),
            duration_p50_minutes=p50,
            duration_p90_minutes=p90,
            messages_mean=float(messages.mean()) if messages.size else None,
            messages_p50=stats.percentile(messages, 50),
        )
    return table


def _topics_monthly(period: Period) -> Table:
    table = Table(codebook.TOPICS_MONTHLY)
    joins = columns(
        RoomMembership.objects.filter(participant__isnull=False, joined_at__gte=period.since),
        room="room_id",
        participant="participant_id",
        at=EpochSeconds("joined_at"),
    )
    slugs = dict(Room.objects.filter(kind=Room.Kind.GROUP).values_list("id", "slug"))
    group_rooms = sorted(slugs)
    names = np.array([ONE_TO_ONE, *(slugs[r] for r in group_rooms)], dtype=object)
    in_group = np.isin(joins["room"], group_rooms)
    # 0 names a 1:1 chat; 1 + position names a group room.
    places = np.where(in_group, np.searchsorted(group_rooms, joins["room"]) + 1, 0)
    # Each join's topic, coded over the few names rather than over every join's text.
    topic_names, topic_of_place = np.unique(names.astype(str), return_inverse=True)
    topics = Groups(topic_names.tolist(), topic_of_place.astype(np.int64)[places])
    months = periods(joins["at"], month_of)
    found = dict(topics.split())
    empty = np.array([], dtype=np.int64)
    for topic in sorted(set(names.tolist())):
        rows = found.get(topic, empty)
        for month, inner in _by_period(months.take(rows), period.months()):
            people = np.unique(joins["participant"][rows][inner]).size
            table.add(topic=topic, month=month, participants=people)
    table.sensitivity = len(table.rows) or None
    return table


def _return_rate(period: Period, visits: dict[str, np.ndarray]) -> Table:
    """Of participants first seen at least N days ago, who came back within N days."""
    table = Table(codebook.RETURN_RATE)
    people, inverse = codes_of(visits["participant"].astype(np.int64))
    days = day_numbers(visits["day"])
    first = np.full(people.size, np.iinfo(np.int64).max)
    np.minimum.at(first, inverse, days)
    since_first = days - first[inverse]
    start = period.start.toordinal() - EPOCH_ORDINAL
    for window in RETURN_WINDOWS:
        cutoff = period.today.toordinal() - EPOCH_ORDINAL - window
        in_cohort = (first >= start) & (first <= cutoff)
        came_back = np.bincount(
            inverse, weights=(since_first > 0) & (since_first <= window), minlength=people.size
        )
        cohort = int(in_cohort.sum())
        returned = int((in_cohort & (came_back > 0)).sum())
        index = table.add(
            window_days=window, cohort=cohort, returned=returned, not_returned=cohort - returned
        )
        table.add_line((index, "cohort"), [(index, "returned"), (index, "not_returned")])
    table.sensitivity = 2 * len(RETURN_WINDOWS)
    return table


def direct_escalations(since: datetime) -> QuerySet[Escalation]:
    """Escalations raised in 1:1 chats since ``since``.

    Each of the few escalations looks its room up, rather than SQLite's join walking every
    room for its escalations (at 50,000 participants 0.012 s of CPU for the read, now
    0.005); the rows come in another order, which counts and percentiles do not see.
    """
    direct = Room.objects.filter(pk=OuterRef("room_id"), kind=Room.Kind.DIRECT)
    return Escalation.objects.filter(Exists(direct), created_at__gte=since)


def _escalations(period: Period, chats: int) -> Table:
    table = Table(codebook.ESCALATIONS)
    events = columns(
        direct_escalations(period.since),
        texts=("level",),
        level="level",
        raised=EpochSeconds("created_at"),
        acknowledged=EpochSeconds("acknowledged_at"),
        resolved=EpochSeconds("resolved_at"),
    )
    to_acknowledge = (events["acknowledged"] - events["raised"]) / 60
    to_resolve = (events["resolved"] - events["raised"]) / 60
    members = []
    for level in [*Escalation.Level.values, "all"]:
        rows = np.arange(events["level"].size) if level == "all" else events["level"] == level
        ack_p50, ack_p90 = _percentiles(to_acknowledge[rows])
        res_p50, res_p90 = _percentiles(to_resolve[rows])
        index = table.add(
            level=level,
            chats=chats,
            escalations=int(to_acknowledge[rows].size),
            acknowledged=int((~np.isnan(to_acknowledge[rows])).sum()),
            acknowledge_p50_minutes=ack_p50,
            acknowledge_p90_minutes=ack_p90,
            resolved=int((~np.isnan(to_resolve[rows])).sum()),
            resolve_p50_minutes=res_p50,
            resolve_p90_minutes=res_p90,
        )
        if level != "all":
            members.append(index)
    total = len(table.rows) - 1
    for column in ("escalations", "acknowledged", "resolved"):
        table.add_line((total, column), [(m, column) for m in members])
    return table


def _mentor_caseload(period: Period, chats: dict[str, np.ndarray]) -> Table:
    """Chats per active mentor. Staff are people too: a month's figures are published only
    when at least k mentors were active, which the mentors count's suppression ensures
    (every statistic depends on it)."""
    table = Table(codebook.MENTOR_CASELOAD)
    known = ~np.isnan(chats["mentor"])
    for month, rows in _by_period(periods(chats["started"][known], month_of), period.months()):
        _, loads = np.unique(chats["mentor"][known][rows], return_counts=True)
        p50, p90 = _percentiles(loads.astype(float))
        table.add(
            month=month,
            mentors=int(loads.size),
            chats_per_mentor_mean=float(loads.mean()) if loads.size else None,
            chats_per_mentor_p50=p50,
            chats_per_mentor_p90=p90,
        )
    table.sensitivity = len(table.rows) or None
    return table
