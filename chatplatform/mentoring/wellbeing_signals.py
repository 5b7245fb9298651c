"""Signals on a mentor's wellbeing, from times alone. No Django here.

Long shifts, many crisis chats, late-night streaks and weeks without supervision
appear on the supervisor's page; each is a prompt for a conversation, not a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

LONG_SHIFT = "long_shifts"
MANY_CRISIS_CHATS = "many_crisis_chats"
LATE_NIGHTS = "late_night_streak"
NO_SUPERVISION = "no_supervision"
CHECKIN = "checkin_suggests_conversation"

LATE_START = time(0, 0)
LATE_END = time(5, 0)
LATE_STREAK_DAYS = 3


def long_shifts(shifts: Iterable[tuple[datetime, datetime]], limit: timedelta) -> int:
    """How many shifts lasted longer than ``limit``."""
    return sum(1 for start, end in shifts if end - start > limit)


def late_nights(shifts: Iterable[tuple[datetime, datetime]], zone: tzinfo) -> set[date]:
    """Days on which some shift ran between midnight and 05:00 local time."""
    days: set[date] = set()
    for start, end in shifts:
        start, end = start.astimezone(zone), end.astimezone(zone)
        day = start.date()
        while day <= end.date():
            window_start = datetime.combine(day, LATE_START, zone)
            window_end = datetime.combine(day, LATE_END, zone)
            if start < window_end and end > window_start:
                days.add(day)
            day += timedelta(days=1)
    return days


def longest_streak(days: Iterable[date]) -> int:
    """The longest run of consecutive days."""
    ordered = sorted(set(days))
    best = run = 0
    previous: date | None = None
    for day in ordered:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        best = max(best, run)
        previous = day
    return best


def signals(
    *,
    shifts: list[tuple[datetime, datetime]],
    crisis_chats: int,
    last_supervision: date | None,
    today: date,
    zone: tzinfo,
    shift_limit: timedelta,
    crisis_limit: int,
    supervision_weeks: int,
    checkin_flag: bool = False,
) -> list[str]:
    """The signals that apply, over the recent window the caller chose for shifts and chats."""
    found = []
    if long_shifts(shifts, shift_limit):
        found.append(LONG_SHIFT)
    if crisis_limit and crisis_chats >= crisis_limit:
        found.append(MANY_CRISIS_CHATS)
    if longest_streak(late_nights(shifts, zone)) >= LATE_STREAK_DAYS:
        found.append(LATE_NIGHTS)
    if last_supervision is None or today - last_supervision > timedelta(weeks=supervision_weeks):
        found.append(NO_SUPERVISION)
    if checkin_flag:
        found.append(CHECKIN)
    return found
