from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatplatform import roles
from chatplatform.errors import ServiceError
from chatplatform.services.staff import do_add_staff


class Command(BaseCommand):
    help = (
        "Create or update a staff member: add_staff EMAIL --role ROLE [--password PW] [--name NAME]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=roles.STAFF_ROLES)
        parser.add_argument(
            "--password", help="Without it, a new account gets a generated password."
        )
        parser.add_argument("--name", help="Display name shown to participants.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = do_add_staff(
                options["email"], options["role"], options["password"], options["name"]
            )
        except ServiceError as error:
            raise CommandError(error.detail) from None
        verb = "Created" if result.created else "Updated"
        self.stdout.write(f"{verb} {result.user.email} as {options['role']}.")
        if result.generated_password:
            self.stdout.write(f"Generated password: {result.generated_password}")
