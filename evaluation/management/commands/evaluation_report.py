from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluation import openapi, providers, report
from evaluation.models import Release


class Command(BaseCommand):
    help = (
        "Print the de-identified evaluation report (the same release as the dashboard and "
        "the API: small cells suppressed, differential privacy when EVALUATION_DP is on)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", choices=("json", "csv"), default="json", help="json (with codebook) or csv."
        )
        parser.add_argument("--output", type=Path, help="Write to this file instead of stdout.")
        parser.add_argument(
            "--openapi", action="store_true", help="Print the API's OpenAPI schema instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        if output is not None and not output.parent.is_dir():
            raise CommandError(f"--output: the directory {output.parent} does not exist")
        if options["openapi"]:
            text = json.dumps(openapi.schema(providers.specs()), indent=2, sort_keys=True) + "\n"
        else:
            payload = report.release(Release.Channel.COMMAND)
            if options["format"] == "csv":
                text = report.to_csv(payload)
            else:
                text = json.dumps(report.to_json(payload), indent=1) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text, encoding="utf-8")
