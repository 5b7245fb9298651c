"""Staff reading a whole transcript outside the chat itself (the Django admin): audited."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from chatplatform import audit, logs
from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.models import Room
from chatplatform.services.access import SUPERVISING_ROLES, TRANSCRIPT_READ
from chatplatform.services.messages import transcript_payloads


def check_transcript_reader(actor: Actor | None) -> Actor:
    if actor is None or actor.role not in SUPERVISING_ROLES:
        raise ServiceError("forbidden", _("Only supervisors and admins can read transcripts."))
    return actor


def do_read_transcript(actor: Actor, room: Room, reason: str) -> list[dict[str, Any]]:
    """Every message of the room as staff see it, after writing who read it and why.

    Preconditions: ``actor`` passed check_transcript_reader and ``reason`` is not blank.
    """
    audit.record(
        audit.staff_label(actor.id),
        TRANSCRIPT_READ,
        room_id=room.pk,
        reason=reason.strip()[:200],
        data={"via": "admin"},
    )
    payloads = transcript_payloads(room.pk)
    logs.mark_private([payload["body"] for payload in payloads])
    return payloads
