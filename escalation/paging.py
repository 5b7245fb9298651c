"""Running the paging policy: durable timers in the database, each page sent exactly once.

Two steps, each in its own transaction, each claiming rows with
``SELECT ... FOR UPDATE SKIP LOCKED`` so that any number of workers (and the
web process's fast path) can run side by side:

1. ``do_advance_due``: for every open escalation whose ``next_page_at`` has
   come, write one Page row per recipient and channel for the current policy
   step, then move the escalation's timer to the next step.
2. ``do_deliver_pages``: send every unsent Page and mark it sent, holding its
   row lock while sending, so no other worker can send it too.

A crash after sending but before commit sends that page again on the next run:
at least once, and exactly once whenever the transaction commits.

The first step is the exception: ``do_first_page`` runs inside the transaction
that creates the escalation and writes its pages already sent; they go out as
that transaction commits, so the first alert never waits for a worker poll.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import events
from chatplatform.models import User
from escalation import console_watch, oncall, policy, webhook
from escalation.models import Escalation, OutboundAlert, Page
from escalation.publishing import pager_group
from escalation.queries import recent_unreached_counts, summary

logger = logging.getLogger(__name__)

ADVANCE_BATCH = 50
DELIVER_BATCH = 200
MAX_ATTEMPTS = 5


def timing() -> policy.Timing:
    return policy.Timing(
        t1=timedelta(seconds=settings.ESCALATION_T1_SECONDS),
        t2=timedelta(seconds=settings.ESCALATION_T2_SECONDS),
        repeats=settings.ESCALATION_POLICY_REPEATS,
        repeat_every=timedelta(seconds=settings.ESCALATION_REPEAT_SECONDS),
    )


def recipients(step: policy.Step, now: datetime) -> list[User]:
    """Whom a step pages. An empty tier falls through to the last: nobody is skipped."""
    chosen: dict[int, User] = {}
    for tier in step.targets:
        users = [] if tier == policy.EVERYONE else oncall.on_call(tier, now)
        for user in users or oncall.everyone():
            chosen.setdefault(user.pk, user)
    return list(chosen.values())


def _open_and_due(now: datetime) -> QuerySet[Escalation]:
    return Escalation.objects.filter(state=Escalation.State.OPEN, next_page_at__lte=now)


def _due(now: datetime, escalation_id: int | None) -> QuerySet[Escalation]:
    queryset = _open_and_due(now).select_for_update(skip_locked=True)
    if escalation_id is not None:
        queryset = queryset.filter(pk=escalation_id)
    return queryset.order_by("next_page_at", "pk")[:ADVANCE_BATCH]


def do_advance_due(now: datetime, escalation_id: int | None = None) -> int:
    """Write the pages of every due policy step and move each timer on. Returns steps run.

    Preconditions: none. Safe to run concurrently: an escalation being advanced by
    another worker is skipped, and (escalation, step, recipient, channel) is unique.
    The policy never ends, so an open escalation always has a next page due.
    """
    advanced = 0
    current_timing = timing()
    with transaction.atomic():
        for escalation in _due(now, escalation_id):
            current = policy.catch_up(
                escalation.policy_step, now - escalation.created_at, current_timing
            )
            _write_pages(escalation, current, now)
            webhook.write_trigger(escalation, current.number, now)
            advanced += 1
            following = policy.step(current.number + 1, current_timing)
            escalation.policy_step = following.number
            escalation.next_page_at = escalation.created_at + following.after
            escalation.save(update_fields=["policy_step", "next_page_at"])
    return advanced


def _write_pages(escalation: Escalation, current: policy.Step, now: datetime) -> None:
    channels = [Page.Channel.CONSOLE] + ([Page.Channel.EMAIL] if current.email else [])
    Page.objects.bulk_create(
        [
            Page(
                escalation=escalation,
                step=current.number,
                recipient=user,
                channel=channel,
                created_at=now,
            )
            for user in recipients(current, now)
            for channel in channels
        ],
        ignore_conflicts=True,
    )


def do_stop_paging(escalation: Escalation, now: datetime) -> None:
    """Someone took responsibility: pages not yet sent are cancelled, and the pager is told.

    Preconditions: inside the transaction that acknowledged ``escalation``
    (its ``next_page_at`` is already cleared).
    """
    Page.objects.filter(
        escalation=escalation, sent_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)
    webhook.write_closing(escalation, OutboundAlert.Action.ACKNOWLEDGE, now)


def do_page_resolved(escalation: Escalation, now: datetime) -> None:
    """The escalation was resolved: the pager's incident is resolved with the same dedup key.

    Preconditions: inside the transaction that resolved ``escalation``.
    """
    webhook.write_closing(escalation, OutboundAlert.Action.RESOLVE, now)


def _unsent() -> QuerySet[Page]:
    return Page.objects.filter(
        sent_at__isnull=True,
        cancelled_at__isnull=True,
        failed_at__isnull=True,
        escalation__state=Escalation.State.OPEN,
    )


def _pending(escalation_id: int | None) -> QuerySet[Page]:
    queryset = (
        _unsent().select_for_update(skip_locked=True, of=("self",)).select_related("recipient")
    )
    if escalation_id is not None:
        queryset = queryset.filter(escalation_id=escalation_id)
    return queryset.order_by("created_at", "pk")[:DELIVER_BATCH]


def page_event(step: int, escalation_summary: dict[str, Any]) -> dict[str, Any]:
    """A console page. ``unreached``: urgent-help presses that opened no case in the last
    hour, by kind, so whoever is paged also hears of the ones a defence held back."""
    return {
        "type": "escalation.page",
        "step": step,
        "repeat": step > 0,
        "escalation": escalation_summary,
        "unreached": recent_unreached_counts(),
    }


def do_first_page(
    escalation: Escalation, escalation_summary: dict[str, Any], now: datetime
) -> None:
    """Step 0 of a new escalation: page the primary on-call supervisors as it commits.

    Preconditions: called inside the transaction that created ``escalation``. The
    pages are written as sent, so no worker sends them again; if the process died
    between the commit and the publish they would be lost, and step 1 repeats them.
    """
    current_timing = timing()
    first = policy.step(0, current_timing)
    users = recipients(first, now)
    Page.objects.bulk_create(
        Page(
            escalation=escalation,
            step=first.number,
            recipient=user,
            channel=Page.Channel.CONSOLE,
            created_at=now,
            sent_at=now,
            attempts=1,
        )
        for user in users
    )
    following = policy.step(first.number + 1, current_timing)
    escalation.policy_step = following.number
    escalation.next_page_at = escalation.created_at + following.after
    escalation.first_alerted_at = now if users else None
    escalation.save(update_fields=["policy_step", "next_page_at", "first_alerted_at"])
    webhook.write_trigger(escalation, first.number, now)
    for user in users:
        events.publish_on_commit(pager_group(user.pk), page_event(first.number, escalation_summary))


def _send(page: Page, escalation: Escalation, now: datetime) -> None:
    if page.channel == Page.Channel.CONSOLE:
        events.send_to_group(
            pager_group(page.recipient_id), page_event(page.step, summary(escalation, now))
        )
        return
    minutes = max(1, int((now - escalation.created_at).total_seconds() // 60))
    send_mail(
        _("Urgent: escalation %(id)s (%(level)s) is waiting for a supervisor")
        % {"id": escalation.pk, "level": escalation.get_level_display()},
        _(
            "Escalation %(id)s (%(level)s) has waited %(minutes)s min without a "
            "supervisor acknowledging it.\n\nOpen the supervisor console now: %(url)s\n\n"
            "This email holds no details of the conversation."
        )
        % {
            "id": escalation.pk,
            "level": escalation.get_level_display(),
            "minutes": minutes,
            "url": settings.ESCALATION_CONSOLE_URL,
        },
        None,
        [page.recipient.email],
    )


def do_deliver_pages(now: datetime, escalation_id: int | None = None) -> int:
    """Send unsent pages of open escalations; each is marked sent in the same transaction.

    Preconditions: none. Pages of acknowledged escalations were cancelled and are skipped.
    """
    delivered = 0
    with transaction.atomic():
        pages = list(_pending(escalation_id))
        escalations = {
            e.pk: e
            for e in Escalation.objects.filter(
                pk__in={p.escalation_id for p in pages}
            ).select_related("room", "participant", "acknowledged_by", "resolved_by")
        }
        for page in pages:
            escalation = escalations[page.escalation_id]
            page.attempts += 1
            try:
                _send(page, escalation, now)
            except (smtplib.SMTPException, OSError) as error:
                logger.warning(
                    "page delivery failed",
                    extra={
                        "page": page.pk,
                        "attempt": page.attempts,
                        "error": type(error).__name__,
                    },
                )
                if page.attempts >= MAX_ATTEMPTS:
                    page.failed_at = now
                page.save(update_fields=["attempts", "failed_at"])
                continue
            page.sent_at = now
            page.save(update_fields=["attempts", "sent_at"])
            delivered += 1
            if escalation.first_alerted_at is None:
                escalation.first_alerted_at = now
                Escalation.objects.filter(pk=escalation.pk, first_alerted_at__isnull=True).update(
                    first_alerted_at=now
                )
    return delivered


def console_pages_sent_since(
    recipient_id: int, since: datetime, already_shown: set[tuple[int, int]]
) -> list[dict[str, Any]]:
    """Console pages of open escalations sent to this supervisor since ``since``.

    Pages are published through the channel layer, which can lose them: without
    Redis the worker's layer lives inside its own process, and any layer drops an
    event for a consumer whose queue is full. Consoles therefore also read them
    from here. ``already_shown`` holds the (escalation, step) pairs the console
    has already shown; those are left out.
    """
    pages = (
        Page.objects.filter(
            recipient_id=recipient_id,
            channel=Page.Channel.CONSOLE,
            sent_at__gte=since,
            escalation__state=Escalation.State.OPEN,
        )
        .select_related("escalation__room", "escalation__participant")
        .order_by("sent_at", "pk")
    )
    now = timezone.now()
    return [
        page_event(page.step, summary(page.escalation, now))
        for page in pages
        if (page.escalation_id, page.step) not in already_shown
    ]


def _work_waiting(now: datetime) -> bool:
    """Whether a pass has anything to do; plain reads, so no write lock is taken."""
    return (
        _open_and_due(now).exists()
        or _unsent().exists()
        or webhook.work_waiting(now)
        or console_watch.needs_change(now)
    )


@dataclass(frozen=True)
class Pass:
    steps: int = 0
    pages: int = 0
    alerts: int = 0

    def __bool__(self) -> bool:
        return bool(self.steps or self.pages or self.alerts)


def run_once(now: datetime | None = None) -> Pass:
    """One pass of the worker: policy steps run, pages and outside alerts delivered.

    On SQLite each transaction below takes the database's single write lock at
    its start, and a worker process descheduled while holding it stalls every
    message of the web process; so an idle pass, by far the most common, only reads.
    Alerts to the pager are sent with no database lock held (escalation.webhook).
    """
    now = now or timezone.now()
    if not _work_waiting(now):
        return Pass()
    steps = do_advance_due(now)
    console_watch.do_check(now)
    pages = do_deliver_pages(now)
    return Pass(steps=steps, pages=pages, alerts=webhook.do_deliver_alerts(now))
