"""Who is on call: the people each tier of the paging policy reaches, and holes in the rota.

The rules are in the pure ``escalation.rota``; this module loads the shifts of
people who can still be paged (active supervisors and admins) and asks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chatplatform import roles
from chatplatform.models import User
from escalation import rota
from escalation.models import OnCallOverride, Tier, WeeklyShift

SUPERVISING_GROUPS = (roles.SUPERVISOR, roles.ADMIN)
# How far ahead "who is on call next" looks.
LOOK_AHEAD = timedelta(days=7)


def _supervising(queryset=None) -> list[User]:
    users = (queryset if queryset is not None else User.objects).filter(
        is_active=True, groups__name__in=SUPERVISING_GROUPS
    )
    return list(users.distinct().order_by("pk"))


def everyone() -> list[User]:
    """The last tier: every active supervisor and admin."""
    return _supervising()


def _pageable_ids() -> set[int]:
    return {user.pk for user in _supervising()}


def load(start: datetime, end: datetime) -> tuple[list[rota.WeeklyShift], list[rota.Override]]:
    """The shifts of people who can be paged, as the pure rota takes them."""
    pageable = _pageable_ids()
    weekly = [
        rota.WeeklyShift(s.user_id, s.tier, s.weekday, s.starts, s.ends, s.time_zone)
        for s in WeeklyShift.objects.filter(user_id__in=pageable)
    ]
    overrides = [
        rota.Override(o.user_id, o.tier, o.starts_at, o.ends_at)
        for o in OnCallOverride.objects.filter(user_id__in=pageable, starts_at__lt=end).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=start)
        )
    ]
    return weekly, overrides


def on_call(tier: str, now: datetime) -> list[User]:
    """Supervisors and admins on call for ``tier`` at ``now``."""
    weekly, overrides = load(now, now + timedelta(seconds=1))
    ids = rota.on_call(tier, weekly, overrides, now)
    return _supervising(User.objects.filter(pk__in=ids))


@dataclass(frozen=True)
class Rota:
    """Now and next for each tier, and the first hole in the primary rota ahead."""

    now: datetime
    current: dict[str, list[User]]
    upcoming: list[tuple[str, rota.Segment, list[User]]]
    gap: rota.Segment | None


def status(now: datetime | None = None, hours: int | None = None) -> Rota:
    now = now or timezone.now()
    hours = settings.ONCALL_GAP_WARNING_HOURS if hours is None else hours
    end = now + max(LOOK_AHEAD, timedelta(hours=hours))
    weekly, overrides = load(now, end)
    people = {user.pk: user for user in _supervising()}
    current: dict[str, list[User]] = {}
    upcoming: list[tuple[str, rota.Segment, list[User]]] = []
    gap = None
    for tier in Tier.values:
        segments = rota.timeline(tier, weekly, overrides, now, end)
        current[tier] = [people[i] for i in sorted(segments[0].user_ids)] if segments else []
        upcoming += [(tier, s, [people[i] for i in sorted(s.user_ids)]) for s in segments[1:]]
        if tier == Tier.PRIMARY and hours > 0:
            gap = rota.first_gap(
                rota.timeline(tier, weekly, overrides, now, now + timedelta(hours=hours))
            )
    upcoming.sort(key=lambda item: (item[1].starts_at, item[0]))
    return Rota(now=now, current=current, upcoming=upcoming, gap=gap)


def gap_warning(now: datetime | None = None) -> str:
    """A sentence when the next ONCALL_GAP_WARNING_HOURS have no primary; else ""."""
    found = status(now).gap
    if found is None:
        return ""
    values = {
        "starts": date_format(timezone.localtime(found.starts_at), "DATETIME_FORMAT"),
        "ends": date_format(timezone.localtime(found.ends_at), "DATETIME_FORMAT"),
        "zone": settings.TIME_ZONE,
    }
    return (
        _(
            "No primary supervisor is on call from %(starts)s to %(ends)s (%(zone)s). Escalations "
            "then page every supervisor and admin at once. Add a weekly shift or an override."
        )
        % values
    )


def console_frame(now: datetime | None = None) -> dict[str, str]:
    """What the supervisor console shows about the rota (refreshed while it is open)."""
    return {"type": "oncall.status", "warning": gap_warning(now)}
