"""Mentor wellbeing limits, as a duty check: a risk-weighted caseload, a cool-down after
a crisis chat, and limits on shift length and on crisis chats per shift.

A crisis chat is one with a high or imminent escalation, i.e. one that owes a debrief.
The limits apply to MENTOR_PROGRAMME_ROLES and only to new chats (accepting one,
receiving a transfer); they never close a chat that is open.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils.translation import gettext as _

from chatplatform import duties
from chatplatform.errors import ServiceError
from chatplatform.mentoring import certification, shifts
from chatplatform.mentoring.models import Debrief
from chatplatform.models import MentorProfile, Room, RoomMembership, User

NEW_CHAT_DUTIES = (duties.ACCEPT, duties.RECEIVE_TRANSFER)


def risk_weighted_load(user: User) -> tuple[int, int]:
    """(open 1:1 chats, their load with each crisis chat counted MENTOR_CRISIS_CHAT_WEIGHT)."""
    open_rooms = set(
        RoomMembership.objects.filter(
            user=user, left_at__isnull=True, room__kind=Room.Kind.DIRECT, room__closed_at=None
        ).values_list("room_id", flat=True)
    )
    crisis = Debrief.objects.filter(mentor=user, room_id__in=open_rooms).count()
    return len(open_rooms), len(open_rooms) + crisis * (settings.MENTOR_CRISIS_CHAT_WEIGHT - 1)


def cooldown_ends(user: User, now: datetime) -> datetime | None:
    """When the cool-down after the mentor's last finished crisis chat ends."""
    last = Debrief.objects.filter(mentor=user, room__closed_at__lte=now).aggregate(
        last=Max("room__closed_at")
    )["last"]
    if last is None:
        return None
    return last + timedelta(minutes=settings.MENTOR_CRISIS_COOLDOWN_MINUTES)


def _refuse(user: User, duty: str, code: str, mine: str, **extra: object) -> ServiceError:
    if duty == duties.RECEIVE_TRANSFER:
        detail = _("%(name)s can't take another chat right now.") % {"name": user}
        return ServiceError(code, detail, **extra)
    return ServiceError(code, mine, **extra)


def caseload_refusal(user: User, duty: str, now: datetime) -> ServiceError | None:
    if duty not in NEW_CHAT_DUTIES or not certification.is_programme_mentor(user):
        return None
    max_chats = (
        MentorProfile.objects.filter(user=user).values_list("max_chats", flat=True).first()
        or settings.MENTOR_DEFAULT_MAX_CHATS
    )
    chats, load = risk_weighted_load(user)
    if load > chats and load + 1 > max_chats:
        return _refuse(
            user,
            duty,
            "at_capacity",
            _(
                "A crisis chat counts as %(weight)d chats in your caseload, so you have no "
                "room for another one now."
            )
            % {"weight": settings.MENTOR_CRISIS_CHAT_WEIGHT},
        )
    ends = cooldown_ends(user, now)
    if ends is not None and now < ends:
        wait = math.ceil((ends - now).total_seconds())
        return _refuse(
            user,
            duty,
            "cooling_down",
            _(
                "Take a few minutes after that difficult chat: new chats are offered again "
                "in %(minutes)d minutes."
            )
            % {"minutes": math.ceil(wait / 60)},
            retry_after=wait,
        )
    shift = shifts.current_shift(user.pk, now)
    if shift is None:
        return None
    if now - shift.started_at > timedelta(minutes=settings.MENTOR_SHIFT_MAX_MINUTES):
        return _refuse(
            user,
            duty,
            "shift_limit",
            _("You have reached the longest shift of %(hours)s hours. Time for a break.")
            % {"hours": round(settings.MENTOR_SHIFT_MAX_MINUTES / 60, 1)},
        )
    limit = settings.MENTOR_SHIFT_MAX_CRISIS_CHATS
    if limit and Debrief.objects.filter(mentor=user, created_at__gte=shift.started_at).count() >= (
        limit
    ):
        return _refuse(
            user,
            duty,
            "shift_limit",
            _("You have had %(count)d crisis chats this shift, the most in one shift.")
            % {"count": limit},
        )
    return None


def check_caseload(user: User, duty: str, now: datetime) -> None:
    """MENTOR_DUTY_CHECKS entry: the wellbeing limits on new chats."""
    refusal = caseload_refusal(user, duty, now)
    if refusal is not None:
        raise refusal
