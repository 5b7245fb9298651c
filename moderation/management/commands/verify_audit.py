from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chatplatform import audit
from chatplatform.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain. Exits non-zero and names the first bad entry "
        "if any entry was edited, deleted or reordered."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problem = audit.verify_chain()
        if problem is not None:
            raise CommandError(
                f"The audit log is broken at entry {problem.seq}: {problem.problem}."
            )
        count = AuditEntry.objects.count()
        self.stdout.write(f"The audit log is intact: {count} entries verified.")
