from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluation.models import SyntheticCohort
from evaluation.synthetic import seed

DEMO_PARTICIPANTS = 800


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Create a synthetic cohort for demos, tests and benchmarks: visits, 1:1 chats with "
        "message metadata (no content), escalations and surveys with a known effect. Only "
        "with DEBUG on; every page then says the site holds demo data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=_positive, help="How many people.")
        parser.add_argument(
            "--demo",
            action="store_true",
            help=f"The small demo cohort of `make run` ({DEMO_PARTICIPANTS} people), "
            "once: nothing happens when a synthetic cohort exists already.",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (same seed, same cohort)."
        )
        parser.add_argument(
            "--days", type=_positive, default=330, help="How many days back the cohort starts."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "synthetic data only with DEBUG on: this is for demos, tests and benchmarks, "
                "never for a site real people use"
            )
        if options["demo"]:
            if SyntheticCohort.objects.exists():
                self.stdout.write("A synthetic cohort exists already; nothing to do.")
                return
            options["participants"] = options["participants"] or DEMO_PARTICIPANTS
        if options["participants"] is None:
            raise CommandError("--participants is required (or --demo)")
        if options["participants"] > 1_000_000:
            raise CommandError("--participants must be at most 1000000")
        started = time.perf_counter()
        counts = seed(options["participants"], seed=options["seed"], days=options["days"])
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in counts.items())
        self.stdout.write(f"Seeded {summary} in {elapsed:.1f} s.")
