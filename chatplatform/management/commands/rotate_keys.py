from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chatplatform import audit
from chatplatform.services.keys import do_rotate_keys


class Command(BaseCommand):
    help = (
        "Re-wrap every room data key under the current key-encryption key (the first entry "
        "of ENCRYPTION_KEYS), and re-encrypt staff two-factor secrets under it. Messages are "
        "not re-encrypted. Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = do_rotate_keys()
        audit.record(
            audit.SYSTEM,
            "keys.rotated",
            data={
                "kek": report.current_kek,
                "rewrapped": report.rewrapped,
                "already_current": report.already_current,
                "unreadable": report.unreadable,
                "secrets_resealed": report.secrets_resealed,
            },
        )
        self.stdout.write(
            f"Re-wrapped {report.rewrapped} data keys under {report.current_kek!r}; "
            f"{report.already_current} were already current; {report.shredded} are shredded."
        )
        self.stdout.write(
            f"Re-encrypted {report.secrets_resealed} two-factor secrets under "
            f"{report.current_kek!r}."
        )
        self.stdout.write(f"Key-encryption keys still in use: {', '.join(report.kek_ids_in_use)}")
        if report.unreadable:
            raise CommandError(
                f"{report.unreadable} data keys or two-factor secrets are sealed under a "
                "key-encryption key that is "
                "not in ENCRYPTION_KEYS; add it back (after the current one) and run this again."
            )
        if report.removable_kek_ids:
            self.stdout.write(
                "No data key needs these any more; you can remove them from ENCRYPTION_KEYS: "
                + ", ".join(report.removable_kek_ids)
            )
