"""Duties a staff member takes on, and the checks that may refuse them.

Becoming available, accepting a chat, hosting a group room and receiving a transfer
are duties. ``MENTOR_DUTY_CHECKS`` names functions ``check(user, duty, now)`` that
raise ServiceError to refuse one (the mentor programme's training gate and caseload
limits). The feature apps provide them; the core imports none of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from chatplatform.errors import ServiceError

if TYPE_CHECKING:
    from chatplatform.models import User

AVAILABLE = "available"
ACCEPT = "accept"
HOST = "host"
RECEIVE_TRANSFER = "receive_transfer"
DUTIES = (AVAILABLE, ACCEPT, HOST, RECEIVE_TRANSFER)


def check_duty(user: User, duty: str, now: datetime | None = None) -> None:
    """Raise the first refusal of the configured checks; return when ``user`` may take it on."""
    if duty not in DUTIES:
        raise ValueError(f"unknown duty {duty!r}")
    now = now or timezone.now()
    for path in settings.MENTOR_DUTY_CHECKS:
        import_string(path)(user, duty, now)


def refusal(user: User, duty: str, now: datetime | None = None) -> ServiceError | None:
    """The error ``check_duty`` would raise, or None: for screens that explain in advance."""
    try:
        check_duty(user, duty, now)
    except ServiceError as error:
        return error
    return None
