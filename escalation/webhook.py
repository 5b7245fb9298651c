"""Alerts beyond the consoles: the on-call team's pager (PagerDuty Events API v2 or any JSON
webhook), and emails about the platform itself (the dead man's switch).

Writing and sending are apart, like the console pages:

* ``write_*`` runs inside the transaction that decided the alert (a policy step,
  an acknowledgement, a resolution, an alarm) and stores one ``OutboundAlert``
  with a unique key, so an alert is written once however many workers run;
* ``do_deliver_alerts`` (the worker) claims due alerts under a lease in a short
  transaction, sends them with no database lock held, then records the result.
  A failure is retried with exponential backoff; a permanent refusal (HTTP 4xx
  other than 408 and 429) or ``MAX_ATTEMPTS`` failures mark it failed.

Alerts with one dedup key (one escalation) go out in the order they were
written: a ``resolve`` never overtakes the ``trigger`` it closes. A worker that
dies after sending and before recording sends that alert again once its lease
ends: at least once, and exactly once whenever the record commits.

Nothing anybody typed is ever in an alert: levels, counts, times and ids only.
"""

from __future__ import annotations

import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from escalation.models import Escalation, OutboundAlert
from escalation.queries import recent_unreached_counts

logger = logging.getLogger(__name__)

CLIENT = "Peer support chat"
DELIVER_BATCH = 20
MAX_ROUNDS = 10
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(seconds=4)
LONGEST_RETRY = timedelta(minutes=5)
# HTTP statuses worth trying again; any other 4xx means the event itself was refused.
RETRY_STATUSES = frozenset({408, 429})
SEVERITY = {Escalation.Level.IMMINENT: "critical", Escalation.Level.HIGH: "error"}


def enabled() -> bool:
    return bool(settings.PAGER_WEBHOOK_URL)


def escalation_dedup_key(escalation_id: int) -> str:
    """One incident per escalation: every trigger, acknowledge and resolve carries this."""
    return f"escalation-{escalation_id}"


def _source() -> str:
    return urlsplit(settings.ESCALATION_CONSOLE_URL).hostname or CLIENT


def _write(
    key: str,
    channel: str,
    action: str,
    dedup_key: str,
    body: dict[str, Any],
    now: datetime,
    *,
    escalation: Escalation | None = None,
    recipient_id: int | None = None,
) -> None:
    OutboundAlert.objects.bulk_create(
        [
            OutboundAlert(
                key=key,
                channel=channel,
                action=action,
                dedup_key=dedup_key,
                body=body,
                escalation=escalation,
                recipient_id=recipient_id,
                created_at=now,
                next_attempt_at=now,
            )
        ],
        ignore_conflicts=True,
    )


def trigger_event(escalation: Escalation, step: int, now: datetime) -> dict[str, Any]:
    """A PagerDuty ``trigger`` for one page round (``routing_key`` is added when sending)."""
    waited = max(0, int((now - escalation.created_at).total_seconds()))
    with translation.override(settings.LANGUAGE_CODE):
        risk = (
            _("Imminent risk") if escalation.level == Escalation.Level.IMMINENT else _("High risk")
        )
        summary = _(
            "%(risk)s: escalation %(id)s has waited %(minutes)s min for a supervisor "
            "(page round %(step)s)"
        ) % {"risk": risk, "id": escalation.pk, "minutes": waited // 60, "step": step}
    return {
        "event_action": OutboundAlert.Action.TRIGGER,
        "dedup_key": escalation_dedup_key(escalation.pk),
        "payload": {
            "summary": summary,
            "source": _source(),
            "severity": SEVERITY.get(escalation.level, "warning"),
            "timestamp": now.isoformat(),
            "component": "escalation",
            "group": "crisis-escalations",
            "class": escalation.level,
            "custom_details": {
                "escalation": escalation.pk,
                "level": escalation.level,
                "source": escalation.source,
                "state": escalation.state,
                "step": step,
                "waited_seconds": waited,
                "sanction_kind": escalation.sanction_kind or None,
                "unreached_last_hour": recent_unreached_counts(now),
                "console": settings.ESCALATION_CONSOLE_URL,
            },
        },
        "client": CLIENT,
        "client_url": settings.ESCALATION_CONSOLE_URL,
    }


def write_trigger(escalation: Escalation, step: int, now: datetime) -> None:
    """Page the on-call team's pager for this policy step. Once per (escalation, step)."""
    if not enabled():
        return
    _write(
        f"escalation:{escalation.pk}:trigger:{step}",
        OutboundAlert.Channel.WEBHOOK,
        OutboundAlert.Action.TRIGGER,
        escalation_dedup_key(escalation.pk),
        trigger_event(escalation, step, now),
        now,
        escalation=escalation,
    )


def write_closing(escalation: Escalation, action: str, now: datetime) -> None:
    """``acknowledge`` or ``resolve``: the incident with this escalation's dedup key.

    Preconditions: inside the transaction that acknowledged or resolved it. Triggers
    not yet sent (and not in flight) are cancelled: someone has taken responsibility.
    When no trigger ever went out there is no incident, and nothing is written.
    """
    dedup_key = escalation_dedup_key(escalation.pk)
    if action == OutboundAlert.Action.ACKNOWLEDGE:
        _cancel_pending_triggers(dedup_key, now)
    if not enabled() or not _incident_exists(dedup_key, now):
        return
    _write(
        f"escalation:{escalation.pk}:{action}",
        OutboundAlert.Channel.WEBHOOK,
        action,
        escalation_dedup_key(escalation.pk),
        {"event_action": action, "dedup_key": escalation_dedup_key(escalation.pk)},
        now,
        escalation=escalation,
    )


def _in_flight(now: datetime) -> Q:
    return Q(claimed_until__gt=now)


def _cancel_pending_triggers(dedup_key: str, now: datetime) -> None:
    _pending().filter(dedup_key=dedup_key, action=OutboundAlert.Action.TRIGGER).exclude(
        _in_flight(now)
    ).update(cancelled_at=now)


def _incident_exists(dedup_key: str, now: datetime) -> bool:
    """A trigger with this key went out, or is going out: there is something to close."""
    triggers = OutboundAlert.objects.filter(
        dedup_key=dedup_key, action=OutboundAlert.Action.TRIGGER
    )
    return triggers.filter(
        Q(sent_at__isnull=False)
        | (_in_flight(now) & Q(failed_at__isnull=True, cancelled_at__isnull=True))
    ).exists()


def write_alarm(
    key: str,
    dedup_key: str,
    summary: str,
    details: dict[str, Any],
    now: datetime,
    *,
    component: str = "supervisor-console",
    alarm_class: str = "no_console",
) -> None:
    """A critical ``trigger`` about the platform itself (not one escalation)."""
    if not enabled():
        return
    _write(
        f"{key}:trigger",
        OutboundAlert.Channel.WEBHOOK,
        OutboundAlert.Action.TRIGGER,
        dedup_key,
        {
            "event_action": OutboundAlert.Action.TRIGGER,
            "dedup_key": dedup_key,
            "payload": {
                "summary": summary,
                "source": _source(),
                "severity": "critical",
                "timestamp": now.isoformat(),
                "component": component,
                "group": "crisis-escalations",
                "class": alarm_class,
                "custom_details": {**details, "console": settings.ESCALATION_CONSOLE_URL},
            },
            "client": CLIENT,
            "client_url": settings.ESCALATION_CONSOLE_URL,
        },
        now,
    )


def write_alarm_cleared(key: str, dedup_key: str, now: datetime) -> None:
    if not enabled():
        return
    _write(
        f"{key}:resolve",
        OutboundAlert.Channel.WEBHOOK,
        OutboundAlert.Action.RESOLVE,
        dedup_key,
        {"event_action": OutboundAlert.Action.RESOLVE, "dedup_key": dedup_key},
        now,
    )


def write_email(
    key: str, recipient_id: int, subject: str, text: str, dedup_key: str, now: datetime
) -> None:
    _write(
        key,
        OutboundAlert.Channel.EMAIL,
        OutboundAlert.Action.TRIGGER,
        dedup_key,
        {"subject": subject, "text": text},
        now,
        recipient_id=recipient_id,
    )


# --- Delivery --------------------------------------------------------------------------------


def _pending() -> QuerySet[OutboundAlert]:
    return OutboundAlert.objects.filter(
        sent_at__isnull=True, failed_at__isnull=True, cancelled_at__isnull=True
    )


def _claimable(now: datetime) -> QuerySet[OutboundAlert]:
    """Due, unclaimed (or whose lease ran out), and first in line for their dedup key."""
    earlier = _pending().filter(dedup_key=OuterRef("dedup_key"), pk__lt=OuterRef("pk"))
    return (
        _pending()
        .filter(next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .exclude(Exists(earlier))
    )


def work_waiting(now: datetime) -> bool:
    return _claimable(now).exists()


def lease() -> timedelta:
    """Long enough to send a whole batch, each call bounded by its timeout."""
    return timedelta(seconds=settings.PAGER_WEBHOOK_TIMEOUT_SECONDS * DELIVER_BATCH + 30)


def _claim(now: datetime) -> tuple[str, list[OutboundAlert]]:
    token = secrets.token_hex(8)
    with transaction.atomic():
        claimed = list(
            _claimable(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .order_by("pk")[:DELIVER_BATCH]
        )
        OutboundAlert.objects.filter(pk__in=[a.pk for a in claimed]).update(
            claimed_until=now + lease(), claim=token
        )
    return token, claimed


@dataclass(frozen=True)
class Attempt:
    ok: bool
    retry: bool
    status: int | None = None
    error: str = ""


def post_json(url: str, event: dict[str, Any], timeout: float) -> Attempt:
    """POST one event; what came of it. Never raises for the network or the server."""
    request = urllib.request.Request(  # noqa: S310 (http(s) only: settings refuse other schemes)
        url,
        data=json.dumps(event).encode(),
        headers={"Content-Type": "application/json", "User-Agent": CLIENT},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only: settings refuse other schemes)
            return Attempt(ok=True, retry=False, status=response.status)
    except urllib.error.HTTPError as error:
        retry = error.code >= 500 or error.code in RETRY_STATUSES
        return Attempt(ok=False, retry=retry, status=error.code, error=f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        return Attempt(ok=False, retry=True, error=type(error).__name__)


def _send(alert: OutboundAlert) -> Attempt:
    if alert.channel == OutboundAlert.Channel.EMAIL:
        if alert.recipient is None or not alert.recipient.email:
            return Attempt(ok=False, retry=False, error="no address")
        try:
            send_mail(alert.body["subject"], alert.body["text"], None, [alert.recipient.email])
        except OSError as error:  # smtplib's errors are OSErrors
            return Attempt(ok=False, retry=True, error=type(error).__name__)
        return Attempt(ok=True, retry=False)
    event = dict(alert.body)
    if settings.PAGER_ROUTING_KEY:
        event = {"routing_key": settings.PAGER_ROUTING_KEY, **event}
    return post_json(settings.PAGER_WEBHOOK_URL, event, settings.PAGER_WEBHOOK_TIMEOUT_SECONDS)


def retry_delay(attempts: int) -> timedelta:
    """4 s, 8 s, 16 s ... up to five minutes between tries."""
    return min(LONGEST_RETRY, FIRST_RETRY * (2 ** max(0, attempts - 1)))


def _record(alert: OutboundAlert, token: str, result: Attempt, now: datetime) -> bool:
    """Store what came of one send, if this worker still holds the lease."""
    attempts = alert.attempts + 1
    changes: dict[str, Any] = {
        "attempts": attempts,
        "last_status": result.status,
        "claimed_until": None,
        "claim": "",
    }
    if result.ok:
        changes["sent_at"] = now
    elif not result.retry or attempts >= MAX_ATTEMPTS:
        changes["failed_at"] = now
        logger.error(
            "alert given up",
            extra={"alert": alert.pk, "channel": alert.channel, "error": result.error},
        )
    else:
        changes["next_attempt_at"] = now + retry_delay(attempts)
        logger.warning(
            "alert delivery failed",
            extra={
                "alert": alert.pk,
                "channel": alert.channel,
                "attempt": attempts,
                "error": result.error,
            },
        )
    with transaction.atomic():
        return bool(OutboundAlert.objects.filter(pk=alert.pk, claim=token).update(**changes))


def do_deliver_alerts(now: datetime | None = None) -> int:
    """Send every due alert once. Returns how many went out.

    Preconditions: none. Safe to run in any number of workers at once.
    """
    now = now or timezone.now()
    delivered = 0
    # An alert sent can free the next one with its dedup key (a resolve after its
    # trigger), so claim again while rounds succeed.
    for _round in range(MAX_ROUNDS):
        token, claimed = _claim(now)
        sent = 0
        for alert in claimed:
            result = _send(alert)
            if _record(alert, token, result, now) and result.ok:
                sent += 1
        delivered += sent
        if not sent:
            break
    return delivered
