"""Reading moderation rules from YAML. No Django here.

The file format is described at the top of moderation/data/default_rules.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from moderation.rules import RuleError, RuleSpec, compile_rule

DEFAULT_RULES_FILE = Path(__file__).resolve().parent / "data" / "default_rules.yaml"
_KNOWN_KEYS = frozenset(
    {
        "name",
        "description",
        "match",
        "action",
        "patterns",
        "allow",
        "room",
        "exempt_staff",
        "active",
        "notice",
    }
)


@dataclass(frozen=True)
class FileRule:
    spec: RuleSpec
    description: str
    room_slug: str | None
    active: bool


def _strings(rule_name: str, key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise RuleError(f"rule {rule_name!r}: {key} must be a list of strings")
    return tuple(str(v) for v in value)


def parse_rules(text: str) -> list[FileRule]:
    """Parse and check every rule; raises RuleError naming the first bad one."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RuleError(f"not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RuleError("the file must have a top-level 'rules' list")
    parsed: list[FileRule] = []
    seen: set[str] = set()
    for position, item in enumerate(document["rules"], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise RuleError(f"rule #{position} needs a name")
        name = item["name"].strip()
        unknown = set(item) - _KNOWN_KEYS
        if unknown:
            raise RuleError(f"rule {name!r}: unknown keys {sorted(unknown)}")
        if name in seen:
            raise RuleError(f"rule {name!r} appears twice")
        seen.add(name)
        spec = RuleSpec(
            name=name,
            match=str(item.get("match", "")),
            action=str(item.get("action", "")),
            patterns=_strings(name, "patterns", item.get("patterns")),
            allow=_strings(name, "allow", item.get("allow")),
            exempt_staff=bool(item.get("exempt_staff", True)),
            notice=str(item.get("notice") or "").strip(),
        )
        compile_rule(spec)
        room = item.get("room")
        parsed.append(
            FileRule(
                spec=spec,
                description=str(item.get("description") or "").strip(),
                room_slug=str(room) if room else None,
                active=bool(item.get("active", True)),
            )
        )
    return parsed
