"""Loading automatic moderation rules from a YAML file into the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from moderation.rulefile import FileRule
from moderation.rules import RuleError


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int


def do_load_rules(parsed: list[FileRule], rule_model: Any, room_model: Any) -> LoadResult:
    """Create or replace each rule by name, keeping the file's order.

    The models are passed in so that a data migration can use its historical models.
    Rules in the database that the file does not name are left alone.
    """
    created = updated = 0
    with transaction.atomic():
        for position, item in enumerate(parsed):
            room = None
            if item.room_slug:
                room = room_model.objects.filter(slug=item.room_slug).first()
                if room is None:
                    raise RuleError(
                        f"rule {item.spec.name!r}: no room with slug {item.room_slug!r}"
                    )
            _, was_created = rule_model.objects.update_or_create(
                name=item.spec.name,
                defaults={
                    "description": item.description,
                    "room": room,
                    "match": item.spec.match,
                    "patterns": "\n".join(item.spec.patterns),
                    "allow": "\n".join(item.spec.allow),
                    "action": item.spec.action,
                    "exempt_staff": item.spec.exempt_staff,
                    "notice": item.spec.notice[:300],
                    "is_active": item.active,
                    "position": position,
                },
            )
            created += was_created
            updated += not was_created
    return LoadResult(created=created, updated=updated)
