"""Who is on call: the people each tier of the paging policy reaches at a moment."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from chatplatform import roles
from chatplatform.models import User
from escalation.models import OnCallShift

SUPERVISING_GROUPS = (roles.SUPERVISOR, roles.ADMIN)


def _supervising(queryset=None) -> list[User]:
    users = (queryset if queryset is not None else User.objects).filter(
        is_active=True, groups__name__in=SUPERVISING_GROUPS
    )
    return list(users.distinct().order_by("pk"))


def everyone() -> list[User]:
    """The last tier: every active supervisor and admin."""
    return _supervising()


def on_call(tier: str, now: datetime) -> list[User]:
    """Supervisors and admins whose shift of this tier covers ``now``."""
    shifts = OnCallShift.objects.filter(tier=tier, starts_at__lte=now).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )
    return _supervising(User.objects.filter(pk__in=shifts.values("user_id")))
