"""Reading the audit log: supervisors and admins, filtered by room, actor and date."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _

from chatplatform import audit
from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.models import AuditEntry, Room, User
from chatplatform.services.access import SUPERVISING_ROLES

PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditFilter:
    room_id: int | None = None
    actor: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None


def check_can_read_audit(actor: Actor | None) -> None:
    if actor is None or not actor.is_staff or actor.role not in SUPERVISING_ROLES:
        raise ServiceError("forbidden", _("Only supervisors and admins can read the audit log."))


def _label(actor: str, names: dict[int, str]) -> str:
    if actor.startswith("staff:") and actor[6:].isdigit():
        return names.get(int(actor[6:]), actor)
    return actor


@dataclass(frozen=True)
class AuditView:
    page: Page
    rows: list[dict[str, Any]]
    rooms: list[dict[str, Any]]
    actors: list[tuple[str, str]]


def audit_view(reader: Actor | None, filters: AuditFilter, page: int) -> AuditView:
    """A page of entries, newest first, with names for staff and rooms, and the filter choices."""
    check_can_read_audit(reader)
    entries = AuditEntry.objects.order_by("-seq")
    if filters.room_id is not None:
        entries = entries.filter(room_id=filters.room_id)
    if filters.actor:
        entries = entries.filter(actor=filters.actor)
    if filters.since is not None:
        entries = entries.filter(created_at__date__gte=filters.since)
    if filters.until is not None:
        entries = entries.filter(created_at__date__lte=filters.until)
    current = Paginator(entries, PAGE_SIZE).get_page(page)
    staff_ids = {
        int(e.actor[6:]) for e in current if e.actor.startswith("staff:") and e.actor[6:].isdigit()
    }
    names = dict(User.objects.filter(pk__in=staff_ids).values_list("pk", "display_name"))
    rooms = dict(
        Room.objects.filter(pk__in={e.room_id for e in current if e.room_id}).values_list(
            "pk", "title"
        )
    )
    rows = [
        {
            "entry": entry,
            "actor_name": _label(entry.actor, names),
            "room_title": rooms.get(entry.room_id, ""),
        }
        for entry in current
    ]
    return AuditView(
        page=current,
        rows=rows,
        rooms=list(Room.objects.order_by("kind", "title").values("id", "title", "kind")),
        actors=actor_choices(),
    )


def actor_choices() -> list[tuple[str, str]]:
    """Everyone who has acted, for the filter: automod, system and staff by name."""
    labels = set(AuditEntry.objects.values_list("actor", flat=True).distinct())
    ids = {int(a[6:]) for a in labels if a.startswith("staff:") and a[6:].isdigit()}
    names: dict[int, Any] = dict(User.objects.filter(pk__in=ids).values_list("pk", "display_name"))
    choices = [(a, _label(a, names)) for a in labels]
    choices.sort(key=lambda pair: (pair[0] not in (audit.AUTOMOD, audit.SYSTEM), pair[1]))
    return choices
