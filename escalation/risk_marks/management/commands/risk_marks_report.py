"""``manage.py risk_marks_report``: this deployment's risk-detection counts, no text."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from escalation.risk_marks import services


class Command(BaseCommand):
    help = (
        "Counts of automatic alerts (confirmed, dismissed, unresolved) and of messages "
        "marked risk missed or false alarm, per language. No message text."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(services.format_report(services.report()), ending="")
