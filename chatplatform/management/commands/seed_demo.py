from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from chatplatform import roles
from chatplatform.models import User
from chatplatform.services.rooms import do_assign_host, do_create_group_room
from chatplatform.services.staff import do_add_staff

DEMO_ROOMS = (
    ("general-support", "General support", "A place to talk about whatever is on your mind."),
    ("exam-stress", "Exam stress", "Revision, deadlines, results: share how it's going."),
)
DEMO_STAFF = (
    ("mentor@example.org", roles.MENTOR, "Sam"),
    ("mentor2@example.org", roles.MENTOR, "Alex"),
    ("supervisor@example.org", roles.SUPERVISOR, "Jordan"),
    ("evaluator@example.org", roles.EVALUATOR, "Riley"),
    ("admin@example.org", roles.ADMIN, "Morgan"),
)
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 (demo data for local runs only)


class Command(BaseCommand):
    help = "Seed demo rooms and staff. Idempotent: running it again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        roles.ensure_role_groups()
        rooms = [
            do_create_group_room(slug, title, description)
            for slug, title, description in DEMO_ROOMS
        ]
        for email, role, name in DEMO_STAFF:
            if not User.objects.filter(email=email).exists():
                do_add_staff(email, role, DEMO_PASSWORD, name)
        for email in ("mentor@example.org", "mentor2@example.org"):
            mentor = User.objects.get(email=email)
            # The demo mentors are trained; a mentor made with add_staff starts untrained.
            if apps.is_installed("chatplatform.mentoring"):
                call_command("certify_mentor", email, "--quiet")
            for room in rooms:
                do_assign_host(room, mentor)
        if not options["quiet_logins"]:
            self.stdout.write(f"Demo staff logins (password for all: {DEMO_PASSWORD}):")
            for email, role, _ in DEMO_STAFF:
                self.stdout.write(f"  {role:<10} {email}")
            self.stdout.write(
                "Supervisors, evaluators and admins set up two-factor sign-in the first time "
                "they sign in: scan the QR code with an authenticator app (or type its secret "
                "into one, e.g. `oathtool --totp -b SECRET`) and keep the recovery codes."
            )
