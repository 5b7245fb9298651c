from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from chatplatform.services.retention import do_purge_expired


class Command(BaseCommand):
    help = (
        "Shred message content older than MESSAGE_RETENTION_DAYS (rooms on hold excepted), "
        "finish postponed erasures and delete expired sessions. Idempotent; run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = do_purge_expired()
        self.stdout.write(
            f"Shredded {report.messages_shredded} expired messages and {report.keys_shredded} "
            f"data keys (retention {settings.MESSAGE_RETENTION_DAYS} days); "
            f"{report.erasure_messages_shredded} messages of erased participants; "
            f"kept {report.messages_kept_on_hold} expired messages in "
            f"{report.rooms_on_hold} rooms on hold; deleted {report.sessions_deleted} "
            "expired sessions."
            + "".join(
                f" {name}: deleted {count}." for name, count in report.other_rows_deleted.items()
            )
        )
