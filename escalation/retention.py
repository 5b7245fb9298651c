"""Escalations keep their chat's content past retention while they matter (a hold);
the urgent-help alerts a defence raised are deleted once that long has passed."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from escalation.models import Escalation, UnreachedAlert
from escalation.queries import ACTIVE_STATES


def rooms_on_hold(now: datetime | None = None) -> set[int]:
    """Rooms whose messages the retention purge must keep for now.

    A room is on hold while it has an unresolved escalation, and until
    ESCALATION_HOLD_DAYS after its last escalation was resolved.
    """
    now = now or timezone.now()
    since = now - timedelta(days=settings.ESCALATION_HOLD_DAYS)
    return set(
        Escalation.objects.filter(room__isnull=False)
        .filter(Q(state__in=ACTIVE_STATES) | Q(resolved_at__gte=since))
        .values_list("room_id", flat=True)
    )


def purge_unreached_alerts(now: datetime | None = None) -> int:
    """Delete the unreached urgent-help alerts last pressed over ESCALATION_HOLD_DAYS ago.

    They hold a pseudonym or a daily network hash and counts, no text; once no case
    they could explain is still on hold, nothing needs them. Returns rows deleted.
    """
    now = now or timezone.now()
    since = now - timedelta(days=settings.ESCALATION_HOLD_DAYS)
    deleted, _ = UnreachedAlert.objects.filter(last_at__lt=since).delete()
    return deleted
