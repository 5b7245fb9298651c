"""Escalation frames in the chat room protocol (see docs/escalation.md).

Each handler runs in the database thread, calls one service and returns the
frames for the caller; broadcasts go out on commit.
"""

from __future__ import annotations

from typing import Any

from chatplatform import frames
from chatplatform.extensions import register_room_frame
from chatplatform.frames import field
from chatplatform.models import Participant
from chatplatform.services.access import RoomAccess
from escalation import opening, publishing, queries
from escalation.models import Escalation

NOTE_MAX_LENGTH = 500


def raise_escalation(access: RoomAccess, clean: dict[str, Any]) -> list[dict[str, Any]]:
    opening.do_escalate_by_staff(access, clean["reason"], clean["level"], clean["note"])
    return [queries.room_status(access)]


def escalation_status(access: RoomAccess, clean: dict[str, Any]) -> list[dict[str, Any]]:
    return [queries.room_status(access)]


def urgent_help(access: RoomAccess, clean: dict[str, Any]) -> list[dict[str, Any]]:
    """The participant's press in a chat: the same case however often, and its panel."""
    escalation = opening.do_urgent_help_in_room(access)
    participant = Participant.objects.get(pk=access.actor.id)
    return [
        publishing.participant_panel(escalation, participant, source=escalation.Source.PARTICIPANT)
    ]


def register() -> None:
    register_room_frame(
        "escalation.raise",
        (
            field("reason", frames.choice(*opening.MENTOR_REASONS)),
            field(
                "level",
                frames.choice(Escalation.Level.HIGH, Escalation.Level.IMMINENT),
                required=False,
                default=Escalation.Level.HIGH,
            ),
            field(
                "note",
                frames.text(NOTE_MAX_LENGTH, allow_blank=True),
                required=False,
                default="",
            ),
        ),
        raise_escalation,
    )
    register_room_frame("escalation.status", (), escalation_status)
    register_room_frame("urgent.help", (), urgent_help)
