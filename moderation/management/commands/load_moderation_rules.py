from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatplatform import audit
from chatplatform.models import Room
from moderation import ruleset
from moderation.models import Rule
from moderation.rulefile import DEFAULT_RULES_FILE, parse_rules
from moderation.rules import RuleError
from moderation.services.rulebook import do_load_rules


class Command(BaseCommand):
    help = (
        "Load automatic moderation rules from a YAML file (default: the shipped rules). "
        "A rule replaces the rule of the same name; other rules are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_RULES_FILE))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            result = do_load_rules(parse_rules(path.read_text()), Rule, Room)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        except RuleError as error:
            raise CommandError(f"{path}: {error}") from None
        ruleset.invalidate()
        audit.record(
            audit.SYSTEM,
            "load_rules",
            reason=path.name,
            data={"created": result.created, "replaced": result.updated},
        )
        self.stdout.write(f"Loaded {path.name}: {result.created} new, {result.updated} replaced.")
