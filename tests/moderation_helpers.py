"""Shared set-up for the moderation tests: a hosted group room with two participants talking."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from chatplatform import roles
from chatplatform.extensions import ROOM_FRAMES
from chatplatform.frames import parse_frame
from chatplatform.models import Participant, Room, User
from chatplatform.services import messages as message_service


@dataclass
class Scene:
    room: Room
    mentor: User
    target: Participant
    bystander: Participant
    target_message: int

    def send(self, access: Any, body: str) -> message_service.SendResult:
        return message_service.do_send_message(access, str(uuid.uuid4()), body)


def run_frame(access: Any, frame: dict[str, Any]) -> list[dict[str, Any]]:
    """What the room consumer does with a moderation frame: validate it, call its handler."""
    extension = ROOM_FRAMES[frame["type"]]
    _, clean = parse_frame(frame, {frame["type"]: extension.fields})
    return extension.handler(access, clean) or []


@pytest.fixture
def scene(make_participant, make_staff, make_group_room, access_for) -> Scene:
    mentor = make_staff(roles.MENTOR)
    room = make_group_room("General support", hosts=(mentor,))
    target, bystander = make_participant("Loud Crow 4"), make_participant("Quiet Heron 17")
    result = message_service.do_send_message(
        access_for(target, room), str(uuid.uuid4()), "something unkind"
    )
    message_service.do_send_message(access_for(bystander, room), str(uuid.uuid4()), "hello all")
    return Scene(
        room=room,
        mentor=mentor,
        target=target,
        bystander=bystander,
        target_message=result.id,
    )


@pytest.fixture(autouse=True)
def fresh_rules():
    """Each test starts from the rules in its own database (the compiled set is per process)."""
    from moderation import ruleset

    ruleset.invalidate()
    yield
    ruleset.invalidate()


def load_default_rules() -> None:
    """Transactional tests flush the tables, taking the migration's default rules with them."""
    from chatplatform.models import Room
    from moderation.models import Rule
    from moderation.rulefile import DEFAULT_RULES_FILE, parse_rules
    from moderation.services.rulebook import do_load_rules

    do_load_rules(parse_rules(DEFAULT_RULES_FILE.read_text()), Rule, Room)


def audit_note(entry: Any) -> str | None:
    """The moderator's words an audit entry refers to: its note, a message in the room."""
    from chatplatform.models import Message

    note = Message.objects.get(room_id=entry.room_id, seq=entry.data["note"])
    return message_service.decrypt_message(note)
