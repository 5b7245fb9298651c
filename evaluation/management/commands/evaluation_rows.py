from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluation import rows


class Command(BaseCommand):
    help = (
        "Write the row-level export as CSV: one row per person, instrument, subscale and wave "
        "(pseudonyms new for every export, generalised demographics, no text, no dates). "
        "Recorded as a release; docs/evaluation.md shows how to recompute the report from it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="Write to this file instead of stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        if output is not None and not output.parent.is_dir():
            raise CommandError(f"--output: the directory {output.parent} does not exist")
        text = rows.do_export(channel="command").csv()
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text, encoding="utf-8")
