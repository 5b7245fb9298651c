"""Wellbeing signals from times alone. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from chatplatform.mentoring import wellbeing_signals as ws

MADRID = ZoneInfo("Europe/Madrid")


def shift(day: int, hour: int, hours: float, zone=UTC) -> tuple[datetime, datetime]:
    start = datetime(2026, 3, day, hour, 0, tzinfo=zone)
    return start, start + timedelta(hours=hours)


def base(**overrides):
    values = dict(
        shifts=[],
        crisis_chats=0,
        last_supervision=date(2026, 3, 1),
        today=date(2026, 3, 10),
        zone=UTC,
        shift_limit=timedelta(hours=4),
        crisis_limit=3,
        supervision_weeks=4,
    )
    values.update(overrides)
    return ws.signals(**values)


def test_a_quiet_fortnight_raises_nothing():
    assert base(shifts=[shift(2, 18, 2), shift(4, 18, 3)]) == []


def test_long_shifts_and_many_crisis_chats():
    assert base(shifts=[shift(2, 10, 4.5)], crisis_chats=3) == [
        ws.LONG_SHIFT,
        ws.MANY_CRISIS_CHATS,
    ]


def test_three_late_nights_in_a_row_are_a_streak_but_two_are_not():
    two = [shift(2, 23, 2), shift(3, 23, 2)]
    assert base(shifts=two) == []
    assert base(shifts=[*two, shift(4, 23, 2)]) == [ws.LATE_NIGHTS]


def test_late_nights_are_counted_in_local_time():
    # 22:30 UTC is 23:30 in Madrid: three shifts running past local midnight.
    starts = [datetime(2026, 3, day, 22, 30, tzinfo=UTC) for day in (2, 3, 4)]
    spans = [(start, start + timedelta(hours=1)) for start in starts]
    assert ws.late_nights(spans, UTC) == set()
    assert ws.longest_streak(ws.late_nights(spans, MADRID)) == 3


def test_no_supervision_in_n_weeks():
    assert base(last_supervision=None) == [ws.NO_SUPERVISION]
    assert base(last_supervision=date(2026, 2, 9)) == [ws.NO_SUPERVISION]
    assert base(last_supervision=date(2026, 2, 11)) == []
