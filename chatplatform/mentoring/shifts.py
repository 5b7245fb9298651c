"""Hours online: shifts opened by availability, extended by the console's heartbeat.

The core sends ``mentor_presence`` when a mentor sets their availability and on every
console heartbeat; a gap longer than MENTOR_ONLINE_SECONDS ends a shift where the
console was last heard from.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from chatplatform.mentoring.models import OnlineShift
from chatplatform.models import MentorProfile


def _gap() -> timedelta:
    return timedelta(seconds=settings.MENTOR_ONLINE_SECONDS)


def do_touch_shift(user_id: int, status: str | None, now: datetime) -> None:
    """Record presence: ``status`` after an availability change, None for a heartbeat."""
    with transaction.atomic():
        if status is None:
            status = (
                MentorProfile.objects.filter(user_id=user_id)
                .values_list("status", flat=True)
                .first()
            )
        available = status == MentorProfile.Status.AVAILABLE
        shift = (
            OnlineShift.objects.select_for_update()
            .filter(user_id=user_id, ended_at__isnull=True)
            .order_by("-started_at")
            .first()
        )
        if shift is not None:
            heard_recently = now - shift.last_seen_at <= _gap()
            if available and heard_recently:
                shift.last_seen_at = now
                shift.save(update_fields=["last_seen_at"])
                return
            shift.ended_at = now if heard_recently else shift.last_seen_at
            shift.save(update_fields=["ended_at"])
        if available:
            OnlineShift.objects.create(user_id=user_id, started_at=now, last_seen_at=now)


def on_mentor_presence(user_id: int, status: str | None, at: datetime, **kwargs: Any) -> None:
    do_touch_shift(user_id, status, at)


def current_shift(user_id: int, now: datetime) -> OnlineShift | None:
    """The shift going on now, if the mentor is available and was heard from lately."""
    return (
        OnlineShift.objects.filter(
            user_id=user_id, ended_at__isnull=True, last_seen_at__gte=now - _gap()
        )
        .order_by("-started_at")
        .first()
    )


def shift_end(shift: OnlineShift) -> datetime:
    """When a shift ended, or its console was last heard from if it never said goodbye."""
    return shift.ended_at or shift.last_seen_at
