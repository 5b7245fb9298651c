"""``python manage.py oncall``: the on-call rota from the command line.

    oncall list
    oncall now [--hours N]
    oncall weekly add EMAIL --tier primary --day mon,tue --start 09:00 --end 17:00 \\
        --tz Europe/Madrid
    oncall weekly remove ID
    oncall override add EMAIL --tier backup --starts 2026-12-24T18:00+01:00 [--ends ...]
    oncall override remove ID

Admins normally edit the rota in the Django admin; this is for scripts and first
set-up. Every argument is checked; a bad one is refused with a sentence and
nothing is stored.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import available_timezones

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from chatplatform import roles
from chatplatform.models import User
from escalation import oncall
from escalation.models import OnCallOverride, Tier, WeeklyShift

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date and time (ISO 8601)") from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _clock(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a time of day (HH:MM)") from None


def _days(value: str) -> list[int]:
    if value == "all":
        return list(range(7))
    names = [part.strip().lower()[:3] for part in value.split(",")]
    unknown = [name for name in names if name not in DAYS]
    if unknown:
        raise CommandError(f"unknown day {unknown[0]!r}: use mon,tue,wed,thu,fri,sat,sun or all")
    return [DAYS[name] for name in names]


def _zone(value: str) -> str:
    if value not in available_timezones():
        raise CommandError(f"{value!r} is not a time zone (e.g. Europe/Madrid)")
    return value


def _person(email: str) -> User:
    user = User.objects.filter(email=email.strip().lower()).first()
    if user is None or roles.role_of(user) not in (roles.SUPERVISOR, roles.ADMIN):
        raise CommandError(f"{email} is not a supervisor or admin")
    return user


class Command(BaseCommand):
    help = "Show or edit the on-call rota: weekly shifts and one-off overrides."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Every weekly shift and every override not yet over.")
        now = sub.add_parser("now", help="Who is on call now and next; holes in the rota.")
        now.add_argument("--hours", type=int, default=None, help="How far to look for holes.")
        weekly = sub.add_parser("weekly", help="Weekly recurring shifts.").add_subparsers(
            dest="kind", required=True
        )
        add = weekly.add_parser("add", help="Add a weekly shift on one or more days.")
        add.add_argument("email")
        add.add_argument("--tier", choices=Tier.values, required=True)
        add.add_argument("--day", type=_days, required=True, help="mon,tue,... or all")
        add.add_argument("--start", type=_clock, required=True, help="HH:MM, local time")
        add.add_argument(
            "--end", type=_clock, required=True, help="HH:MM; at or before start: next day"
        )
        add.add_argument("--tz", type=_zone, default="UTC", help="e.g. Europe/Madrid")
        weekly.add_parser("remove", help="Remove a weekly shift.").add_argument("id", type=int)
        override = sub.add_parser("override", help="One-off shifts.").add_subparsers(
            dest="kind", required=True
        )
        once = override.add_parser("add", help="Put someone on call for a period.")
        once.add_argument("email")
        once.add_argument("--tier", choices=Tier.values, required=True)
        once.add_argument("--starts", type=_moment, default=None, help="ISO time; default now")
        once.add_argument("--ends", type=_moment, default=None, help="ISO time; default open")
        override.add_parser("remove", help="Remove an override.").add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action, kind = options["action"], options.get("kind")
        if action == "weekly" and kind == "add":
            user = _person(options["email"])
            for day in options["day"]:
                WeeklyShift.objects.create(
                    user=user,
                    tier=options["tier"],
                    weekday=day,
                    starts=options["start"],
                    ends=options["end"],
                    time_zone=options["tz"],
                )
        elif action == "override" and kind == "add":
            starts = options["starts"] or timezone.now()
            if options["ends"] is not None and options["ends"] <= starts:
                raise CommandError("an override must end after it starts")
            OnCallOverride.objects.create(
                user=_person(options["email"]),
                tier=options["tier"],
                starts_at=starts,
                ends_at=options["ends"],
            )
        elif kind == "remove":
            model = WeeklyShift if action == "weekly" else OnCallOverride
            deleted, _ = model.objects.filter(pk=options["id"]).delete()
            if not deleted:
                raise CommandError(f"there is no {action} shift {options['id']}")
        if action == "now":
            self._now(options["hours"])
        else:
            self._list()

    def _list(self) -> None:
        for shift in WeeklyShift.objects.select_related("user"):
            self.stdout.write(
                f"weekly   {shift.pk:<5} {shift.tier:<8} {shift.user.email:<32} "
                f"{shift.get_weekday_display():<9} {shift.starts:%H:%M}-{shift.ends:%H:%M} "
                f"{shift.time_zone}"
            )
        current = OnCallOverride.objects.exclude(ends_at__lte=timezone.now()).select_related("user")
        for shift in current:
            ends = shift.ends_at.isoformat() if shift.ends_at else "open"
            self.stdout.write(
                f"override {shift.pk:<5} {shift.tier:<8} {shift.user.email:<32} "
                f"{shift.starts_at.isoformat()} -> {ends}"
            )

    def _now(self, hours: int | None) -> None:
        rota = oncall.status(hours=hours)
        for tier, people in rota.current.items():
            names = ", ".join(user.email for user in people) or "nobody"
            self.stdout.write(f"now      {tier:<8} {names}")
        for tier, segment, people in rota.upcoming[:10]:
            names = ", ".join(user.email for user in people) or "nobody"
            self.stdout.write(f"from     {segment.starts_at.isoformat()} {tier:<8} {names}")
        warning = oncall.gap_warning(rota.now)
        if warning:
            self.stdout.write(f"WARNING  {warning}")
