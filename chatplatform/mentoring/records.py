"""A mentor's monthly records (hours online, chats, supervision and training hours) and
their planned weekly shifts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform.errors import ServiceError
from chatplatform.mentoring import shifts
from chatplatform.mentoring.models import Completion, OnlineShift, SupervisionSession, WeeklyShift
from chatplatform.models import Room, RoomMembership, User

MONTHS_SHOWN = 6


@dataclass(frozen=True)
class MonthRecord:
    month: date
    hours_online: float
    chats: int
    supervision_hours: float
    training_hours: float


def _month_starts(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    starts = [first]
    while len(starts) < count:
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def monthly_records(user: User, now: datetime, count: int = MONTHS_SHOWN) -> list[MonthRecord]:
    """The last ``count`` months, newest first."""
    starts = _month_starts(timezone.localdate(now), count)
    since = _aware(starts[-1])
    spans = [
        (s.started_at, min(shifts.shift_end(s), now))
        for s in OnlineShift.objects.filter(user=user).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gte=since)
        )
    ]
    chats: dict[date, set[int]] = defaultdict(set)
    for room_id, joined in RoomMembership.objects.filter(
        user=user,
        role=RoomMembership.Role.MENTOR,
        room__kind=Room.Kind.DIRECT,
        joined_at__gte=since,
    ).values_list("room_id", "joined_at"):
        chats[timezone.localtime(joined).date().replace(day=1)].add(room_id)
    supervision: dict[date, int] = defaultdict(int)
    for held_on, minutes in SupervisionSession.objects.filter(
        mentors=user, held_on__gte=starts[-1]
    ).values_list("held_on", "minutes"):
        supervision[held_on.replace(day=1)] += minutes
    training: dict[date, int] = defaultdict(int)
    for completed, definition in (
        Completion.objects.filter(user=user, completed_at__gte=since)
        .exclude(via=Completion.Via.GRANTED)
        .values_list("completed_at", "module_version__definition")
    ):
        training[timezone.localtime(completed).date().replace(day=1)] += int(
            definition.get("minutes", 0)
        )
    records = []
    for start in starts:
        low = _aware(start)
        high = _aware((start + timedelta(days=32)).replace(day=1))
        seconds = sum(
            max(0.0, (min(end, high) - max(begin, low)).total_seconds()) for begin, end in spans
        )
        records.append(
            MonthRecord(
                month=start,
                hours_online=round(seconds / 3600, 1),
                chats=len(chats[start]),
                supervision_hours=round(supervision[start] / 60, 1),
                training_hours=round(training[start] / 60, 1),
            )
        )
    return records


def do_add_weekly_shift(user: User, weekday: int | None, starts: str, ends: str) -> WeeklyShift:
    if weekday is None or weekday not in WeeklyShift.Weekday.values:
        raise ServiceError("invalid", _("Choose a day of the week."))
    try:
        start, end = time.fromisoformat(starts), time.fromisoformat(ends)
    except ValueError:
        raise ServiceError("invalid", _("Give the start and end times, like 18:00.")) from None
    if end <= start:
        raise ServiceError("invalid", _("A shift ends after it starts (split one past midnight)."))
    overlapping = WeeklyShift.objects.filter(
        mentor=user, weekday=weekday, starts_at__lt=end, ends_at__gt=start
    ).exists()
    if overlapping:
        raise ServiceError("invalid", _("That overlaps a shift you already have."))
    return WeeklyShift.objects.create(mentor=user, weekday=weekday, starts_at=start, ends_at=end)


def do_remove_weekly_shift(user: User, shift_id: int) -> None:
    deleted, _count = WeeklyShift.objects.filter(mentor=user, pk=shift_id).delete()
    if not deleted:
        raise ServiceError("not_found", _("There is no such shift of yours."))
