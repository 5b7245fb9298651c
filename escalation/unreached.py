"""Urgent-help presses that a defence kept from opening a case: counted, never invisible.

Two defences still hold against abuse: a network past both its new-identity
limits (``NEW_IDENTITIES_PER_HOUR`` then ``URGENT_HELP_IDENTITIES_PER_HOUR``), and
a banned identity past ``URGENT_HELP_BANNED_CASES_PER_DAY``. Their presses are
folded into one ``UnreachedAlert`` per kind, subject and hour, with a count. The
first press of the hour reaches every supervisor console at once; the consoles
list the last hour's alerts on connect, and every page that goes out carries
the count (``queries.recent_unreached_counts``). The audit log gets the kind and the count only.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from chatplatform import audit
from chatplatform.events import publish_on_commit
from chatplatform.models import Participant
from escalation import queries
from escalation.models import UnreachedAlert
from escalation.publishing import CONSOLE_GROUP


def _window_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def do_count(
    kind: str,
    subject: str,
    participant: Participant | None = None,
    now: datetime | None = None,
) -> UnreachedAlert:
    """Count one press that opened no case; the consoles hear of it as this commits."""
    now = now or timezone.now()
    window_start = _window_start(now)
    with transaction.atomic():
        try:
            with transaction.atomic():
                alert, created = UnreachedAlert.objects.get_or_create(
                    kind=kind,
                    subject=subject,
                    window_start=window_start,
                    defaults={"participant": participant, "first_at": now, "last_at": now},
                )
        except IntegrityError:  # Another process created this hour's row first.
            alert, created = (
                UnreachedAlert.objects.get(kind=kind, subject=subject, window_start=window_start),
                False,
            )
        UnreachedAlert.objects.filter(pk=alert.pk).update(count=F("count") + 1, last_at=now)
        alert = UnreachedAlert.objects.select_related("participant").get(pk=alert.pk)
        audit.record(
            audit.SYSTEM,
            "escalation.unreached",
            target=f"unreached:{alert.pk}",
            data={"kind": kind, "count": alert.count},
        )
        publish_on_commit(
            CONSOLE_GROUP,
            {
                "type": "escalation.unreached",
                "new": created,
                "alert": queries.unreached_summary(alert),
            },
        )
    return alert
