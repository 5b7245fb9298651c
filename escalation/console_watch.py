"""The dead man's switch: escalations are waiting and no supervisor console is connected.

Every supervisor console notes its presence when it connects and every
``HEARTBEAT`` while it stays open, and forgets it when it closes (a console on a
node that died simply stops being seen). A worker pass (``do_check``) raises the
alarm when an escalation has been open and unacknowledged, with no console seen,
for ``ESCALATION_NO_CONSOLE_SECONDS``: one critical ``trigger`` to the pager
webhook and one email to every supervisor and admin, once per alarm however many
workers notice, and a banner for admins on every staff page. The alarm clears,
resolving the pager's incident, when a console is seen again or nothing waits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from escalation import oncall, webhook
from escalation.models import ConsolePresence, Escalation, NoConsoleAlarm

# How often an open console says it is still there; well inside the alarm's threshold.
HEARTBEAT = timedelta(seconds=15)


def threshold() -> timedelta:
    return timedelta(seconds=settings.ESCALATION_NO_CONSOLE_SECONDS)


def do_console_seen(channel_name: str, user_id: int, now: datetime | None = None) -> None:
    now = now or timezone.now()
    updated = ConsolePresence.objects.filter(channel_name=channel_name).update(seen_at=now)
    if not updated:
        ConsolePresence.objects.get_or_create(
            channel_name=channel_name,
            defaults={"user_id": user_id, "connected_at": now, "seen_at": now},
        )


def do_console_closed(channel_name: str) -> None:
    ConsolePresence.objects.filter(channel_name=channel_name).delete()


def last_console_seen() -> datetime | None:
    return ConsolePresence.objects.aggregate(last=Max("seen_at"))["last"]


def waiting_escalations() -> int:
    return Escalation.objects.filter(state=Escalation.State.OPEN).count()


def should_alarm(now: datetime) -> bool:
    """An escalation has waited, with no console seen, for the whole threshold."""
    oldest = Escalation.objects.filter(state=Escalation.State.OPEN).aggregate(
        oldest=Min("created_at")
    )["oldest"]
    if oldest is None:
        return False
    last = last_console_seen()
    unwatched_since = max(oldest, last) if last is not None else oldest
    return now - unwatched_since >= threshold()


def active_alarm() -> NoConsoleAlarm | None:
    return NoConsoleAlarm.objects.filter(is_active=True).first()


def needs_change(now: datetime) -> bool:
    """Whether ``do_check`` has anything to do; reads only."""
    return should_alarm(now) != (active_alarm() is not None)


def _dedup_key(alarm: NoConsoleAlarm) -> str:
    return f"no-supervisor-console-{alarm.pk}"


def _raise(now: datetime) -> NoConsoleAlarm | None:
    last = last_console_seen()
    waiting = waiting_escalations()
    try:
        with transaction.atomic():
            alarm = NoConsoleAlarm.objects.create(
                started_at=now, console_last_seen_at=last, open_escalations=waiting
            )
    except IntegrityError:
        return None  # another worker raised it first
    key = f"no-console:{alarm.pk}"
    with translation.override(settings.LANGUAGE_CODE):
        waiting_text = ngettext(
            "%(count)s escalation is waiting for a supervisor",
            "%(count)s escalations are waiting for a supervisor",
            waiting,
        ) % {"count": waiting}
        summary = _("No supervisor console is connected. %(waiting)s.") % {"waiting": waiting_text}
        subject = _("Urgent: nobody is watching the supervisor console")
        text = _(
            "%(waiting)s, and no supervisor console has been connected for at least "
            "%(minutes)s min.\n\nOpen the supervisor console now: %(url)s\n\n"
            "This email holds no details of any conversation."
        ) % {
            "waiting": waiting_text,
            "minutes": int(threshold().total_seconds() // 60),
            "url": settings.ESCALATION_CONSOLE_URL,
        }
    webhook.write_alarm(
        key,
        _dedup_key(alarm),
        summary,
        {
            "open_escalations": waiting,
            "console_last_seen": last.isoformat() if last else None,
        },
        now,
    )
    for user in oncall.everyone():
        if user.email:
            webhook.write_email(f"{key}:email:{user.pk}", user.pk, subject, text, key, now)
    return alarm


def _clear(alarm: NoConsoleAlarm, now: datetime) -> None:
    alarm.is_active = False
    alarm.cleared_at = now
    alarm.save(update_fields=["is_active", "cleared_at"])
    webhook.write_alarm_cleared(f"no-console:{alarm.pk}", _dedup_key(alarm), now)


def do_check(now: datetime | None = None) -> None:
    """Raise or clear the alarm as the consoles and the escalations now stand."""
    now = now or timezone.now()
    with transaction.atomic():
        alarm = NoConsoleAlarm.objects.select_for_update().filter(is_active=True).first()
        wanted = should_alarm(now)
        if wanted and alarm is None:
            _raise(now)
        elif not wanted and alarm is not None:
            _clear(alarm, now)


def banner(now: datetime | None = None) -> dict[str, object] | None:
    """What admins are shown while the alarm is on (None when it is off)."""
    alarm = active_alarm()
    if alarm is None:
        return None
    now = now or timezone.now()
    since = alarm.console_last_seen_at
    return {
        "started_at": alarm.started_at,
        "waiting": waiting_escalations(),
        "minutes": int((now - since).total_seconds() // 60) if since else None,
    }
