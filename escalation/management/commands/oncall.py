"""``python manage.py oncall``: list or add on-call shifts from the command line.

Admins normally edit the schedule in the Django admin; this is for scripts
and first set-up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from chatplatform import roles
from chatplatform.models import User
from escalation.models import OnCallShift


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "List the on-call schedule, or add a shift: oncall add EMAIL --tier primary|backup."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Show every shift.")
        add = sub.add_parser("add", help="Put a supervisor on call.")
        add.add_argument("email")
        add.add_argument("--tier", choices=[t.value for t in OnCallShift.Tier], required=True)
        add.add_argument("--starts", type=_moment, default=None, help="ISO time; default now.")
        add.add_argument("--ends", type=_moment, default=None, help="ISO time; default open.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            user = User.objects.filter(email=options["email"].strip().lower()).first()
            if user is None or roles.role_of(user) not in (roles.SUPERVISOR, roles.ADMIN):
                raise CommandError(f"{options['email']} is not a supervisor or admin")
            OnCallShift.objects.create(
                user=user,
                tier=options["tier"],
                starts_at=options["starts"] or timezone.now(),
                ends_at=options["ends"],
            )
        for shift in OnCallShift.objects.select_related("user"):
            ends = shift.ends_at.isoformat() if shift.ends_at else "open"
            self.stdout.write(
                f"{shift.tier:<8} {shift.user.email:<32} {shift.starts_at.isoformat()} -> {ends}"
            )
