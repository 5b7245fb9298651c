"""Urgent-help presses that a defence kept from opening a case: counted, never invisible.

Two defences still hold against abuse: a network past both its new-identity
limits (``NEW_IDENTITIES_PER_HOUR`` then ``URGENT_HELP_IDENTITIES_PER_HOUR``), and
a banned identity past ``URGENT_HELP_BANNED_CASES_PER_DAY``. Their presses are
folded into one ``UnreachedAlert`` per kind, subject and hour, with a count. The
first press of the hour reaches every supervisor console at once; the consoles
list the last hour's alerts on connect, and every page that goes out carries
the count (``queries.recent_unreached_counts``), and the hour's first press
triggers the pager once. The audit log gets the kind and the count only.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chatplatform import audit
from chatplatform.events import publish_on_commit
from chatplatform.models import Participant
from escalation import queries, webhook
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
        if created:
            _write_pager_alarm(alert, now)
        publish_on_commit(
            CONSOLE_GROUP,
            {
                "type": "escalation.unreached",
                "new": created,
                "alert": queries.unreached_summary(alert),
            },
        )
    return alert


def _write_pager_alarm(alert: UnreachedAlert, now: datetime) -> None:
    """The hour's first press of this kind and subject also triggers the pager, once.

    The incident is left for a person to resolve: it says someone may be in crisis.
    """
    with translation.override(settings.LANGUAGE_CODE):
        summary = (
            _("Urgent help: a banned participant asked again past the daily limit of cases")
            if alert.kind == UnreachedAlert.Kind.BANNED
            else _("Urgent help: presses from one network opened no case (its hourly limit)")
        )
    webhook.write_alarm(
        f"unreached:{alert.pk}",
        f"urgent-help-unreached-{alert.pk}",
        summary,
        {"kind": alert.kind, "alert": alert.pk},
        now,
        component="urgent-help",
        alarm_class="urgent_help_unreached",
    )
