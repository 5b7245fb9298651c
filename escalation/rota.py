"""The on-call rota as pure data: weekly shifts, one-off overrides, who is on call when. No Django.

A weekly shift is a weekday, a start and an end in a time zone, and a tier
(primary or backup): "Mondays 22:00-06:00 Europe/Madrid, primary". An end at or
before the start runs into the next day (equal: 24 hours). Times are wall-clock
times in the shift's zone, so a shift keeps its local hours across daylight
saving changes (the night the clocks change it is an hour shorter or longer).

A one-off override is a dated period (its end may be open) for one person and
tier. While any override of a tier covers a moment, it replaces that tier's
weekly shifts: "Sam covers Alex's Tuesday" is an override for Sam.

``timeline`` cuts a window into segments during which the same people are on
call; a segment with nobody is a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WeeklyShift:
    user_id: int
    tier: str
    weekday: int  # 0 is Monday
    starts: time
    ends: time
    zone: str


@dataclass(frozen=True)
class Override:
    user_id: int
    tier: str
    starts_at: datetime
    ends_at: datetime | None


@dataclass(frozen=True)
class Segment:
    starts_at: datetime
    ends_at: datetime
    user_ids: frozenset[int]

    @property
    def is_gap(self) -> bool:
        return not self.user_ids


def occurrences(
    shift: WeeklyShift, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The shift's periods (in UTC) that overlap [start, end)."""
    zone = ZoneInfo(shift.zone)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    periods = []
    day: date = first
    while day <= last:
        if day.weekday() == shift.weekday:
            begins = datetime.combine(day, shift.starts, zone)
            end_day = day + timedelta(days=1) if shift.ends <= shift.starts else day
            finishes = datetime.combine(end_day, shift.ends, zone)
            begins, finishes = begins.astimezone(UTC), finishes.astimezone(UTC)
            if begins < end and finishes > start and finishes > begins:
                periods.append((begins, finishes))
        day += timedelta(days=1)
    return periods


def _covers(starts_at: datetime, ends_at: datetime | None, moment: datetime) -> bool:
    return starts_at <= moment and (ends_at is None or moment < ends_at)


def timeline(
    tier: str,
    weekly: list[WeeklyShift],
    overrides: list[Override],
    start: datetime,
    end: datetime,
) -> list[Segment]:
    """[start, end) cut into segments with the same people on call for ``tier``."""
    weekly_periods = [
        (shift.user_id, begins, finishes)
        for shift in weekly
        if shift.tier == tier
        for begins, finishes in occurrences(shift, start, end)
    ]
    tier_overrides = [o for o in overrides if o.tier == tier]
    cuts = {start, end}
    for _, begins, finishes in weekly_periods:
        cuts.update((begins, finishes))
    for override in tier_overrides:
        cuts.add(override.starts_at)
        if override.ends_at is not None:
            cuts.add(override.ends_at)
    points = sorted(moment for moment in cuts if start <= moment <= end)
    segments: list[Segment] = []
    for begins, finishes in pairwise(points):
        covering = frozenset(
            o.user_id for o in tier_overrides if _covers(o.starts_at, o.ends_at, begins)
        )
        if not covering:
            covering = frozenset(user for user, b, f in weekly_periods if _covers(b, f, begins))
        if segments and segments[-1].user_ids == covering:
            segments[-1] = Segment(segments[-1].starts_at, finishes, covering)
        else:
            segments.append(Segment(begins, finishes, covering))
    return segments


def on_call(
    tier: str, weekly: list[WeeklyShift], overrides: list[Override], moment: datetime
) -> frozenset[int]:
    """Who is on call for ``tier`` at ``moment``."""
    (segment,) = timeline(tier, weekly, overrides, moment, moment + timedelta(microseconds=1))
    return segment.user_ids


def first_gap(segments: list[Segment]) -> Segment | None:
    return next((segment for segment in segments if segment.is_gap), None)
