from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatplatform.mentoring import certification, registry
from chatplatform.models import User


class Command(BaseCommand):
    help = (
        "Record training modules as completed for a mentor trained elsewhere: "
        "certify_mentor EMAIL [--module ID ...] (default: every required module). "
        "Modules already current are left alone. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--module", action="append", default=[], help="A module id.")
        parser.add_argument("--quiet", action="store_true", help="Print nothing on success.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["email"].strip().lower()).first()
        if user is None:
            raise CommandError(f"No staff member with the email {options['email']!r}.")
        wanted = options["module"]
        modules = [registry.module(name) for name in wanted] or list(registry.required_modules())
        unknown = [name for name, module in zip(wanted, modules, strict=False) if module is None]
        if unknown:
            raise CommandError(f"No such module: {', '.join(unknown)}")
        current = {s.module.id for s in certification.standings(user) if s.is_current}
        todo = [m for m in modules if m is not None and m.id not in current]
        if todo:
            certification.do_grant(user, todo)
        if not options["quiet"]:
            granted = ", ".join(m.id for m in todo) or "nothing (all current)"
            self.stdout.write(f"{user.email}: granted {granted}.")
