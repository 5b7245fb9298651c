"""Who may open which socket and send which frame, generated from the routing and the registry.

Rows come from the websocket URL configuration and from every registered room
frame (core and feature apps), so a new socket route or frame type without an
entry here fails the test instead of going unchecked. Columns are the nine kinds
of people: anonymous, participant, other participant, banned participant (who has
asked for urgent help), mentor not assigned, mentor assigned, supervisor, evaluator, admin.

The room is a 1:1 chat between the participant and the assigned mentor.
"""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async

from chatplatform import roles
from chatplatform.actors import participant_actor
from chatplatform.consumers import ROOM_SPECS
from chatplatform.extensions import ROOM_FRAMES
from chatplatform.frames import FrameError
from chatplatform.services import messages as message_service
from chatplatform.services.access import check_room_access

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

PEOPLE = (
    "anonymous",
    "participant",
    "other participant",
    "banned participant",
    "mentor not assigned",
    "mentor assigned",
    "supervisor",
    "evaluator",
    "admin",
)
IN_THE_CHAT = ("participant", "mentor assigned", "supervisor", "admin")
STAFF_IN_THE_CHAT = ("mentor assigned", "supervisor", "admin")

# Socket routes: who gets in (None) and the close code of everyone else's refusal.
SOCKETS: dict[str, dict[str, int | None]] = {
    "ws/rooms/<int:room_id>/": {
        "anonymous": 4401,
        "participant": None,
        "other participant": 4403,
        "banned participant": 4403,
        "mentor not assigned": 4403,
        "mentor assigned": None,
        "supervisor": None,
        "evaluator": 4403,
        "admin": None,
    },
    "ws/queue/": {
        "anonymous": 4401,
        "participant": None,
        "other participant": None,
        "banned participant": 4403,
        "mentor not assigned": 4403,
        "mentor assigned": 4403,
        "supervisor": 4403,
        "evaluator": 4403,
        "admin": 4403,
    },
    "ws/staff/": {
        "anonymous": 4401,
        "participant": 4403,
        "other participant": 4403,
        "banned participant": 4403,
        "mentor not assigned": None,
        "mentor assigned": None,
        "supervisor": None,
        "evaluator": 4403,
        "admin": None,
    },
    # Only a banned participant waiting on their own urgent-help case (they have one here).
    "ws/help/urgent/": {
        "anonymous": 4401,
        "participant": 4403,
        "other participant": 4403,
        "banned participant": None,
        "mentor not assigned": 4403,
        "mentor assigned": 4403,
        "supervisor": 4403,
        "evaluator": 4403,
        "admin": 4403,
    },
    "ws/supervisor/": {
        "anonymous": 4401,
        "participant": 4403,
        "other participant": 4403,
        "banned participant": 4403,
        "mentor not assigned": 4403,
        "mentor assigned": 4403,
        "supervisor": None,
        "evaluator": 4403,
        "admin": None,
    },
}

# Room frames: who of those in the chat may send it. Others get the refusal code.
STAFF_ONLY, PARTICIPANT_ONLY, EVERYONE = "staff", "participant", "everyone"
FRAMES: dict[str, tuple[str, str]] = {
    "message.send": (EVERYONE, ""),
    "resume": (EVERYONE, ""),
    "history": (EVERYONE, ""),
    "typing": (EVERYONE, ""),
    "ping": (EVERYONE, ""),
    "chat.end": (EVERYONE, ""),
    "chat.transfer": (STAFF_ONLY, "forbidden"),
    "moderation.state": (EVERYONE, ""),
    "message.report": (PARTICIPANT_ONLY, "invalid"),
    "participant.block": (PARTICIPANT_ONLY, "invalid"),
    "participant.unblock": (PARTICIPANT_ONLY, "invalid"),
    # Staff have no rules to accept: for them it changes nothing.
    "rules.accept": (EVERYONE, ""),
    "urgent.help": (PARTICIPANT_ONLY, "forbidden"),
    "crisis.support": (PARTICIPANT_ONLY, "forbidden"),
    "escalation.raise": (STAFF_ONLY, "forbidden"),
    "escalation.status": (STAFF_ONLY, "forbidden"),
    "screener.record": (STAFF_ONLY, "forbidden"),
    # The participant's own plan, made together with the chat's staff.
    "safety_plan.get": (EVERYONE, ""),
    "safety_plan.save": (EVERYONE, ""),
    **{name: (STAFF_ONLY, "forbidden") for name in ROOM_FRAMES if name.startswith("mod.")},
}


def websocket_routes() -> set[str]:
    from chatplatform.asgi import collect_websocket_routes

    return {str(route.pattern) for route in collect_websocket_routes()}


def test_every_socket_route_and_frame_type_has_a_row():
    assert websocket_routes() - {"ws/bench/bare/<int:room_id>/"} == set(SOCKETS)
    assert set(ROOM_SPECS) | set(ROOM_FRAMES) == set(FRAMES)
    assert all(set(row) == set(PEOPLE) for row in SOCKETS.values())


@pytest.fixture
def cast(make_participant, make_staff, make_direct_chat, session_for):
    """The nine kinds of people, each with a session key (None: anonymous), and the chat."""

    def build():
        from escalation import opening
        from moderation.models import Sanction

        room, participant, mentor = make_direct_chat()
        banned = make_participant()
        Sanction.objects.create(kind=Sanction.Kind.BAN, participant=banned)
        opening.do_request_urgent_help(banned)  # a case they wait on, supervisors only
        people = {
            "participant": participant,
            "other participant": make_participant(),
            "banned participant": banned,
            "mentor not assigned": make_staff(roles.MENTOR),
            "mentor assigned": mentor,
            "supervisor": make_staff(roles.SUPERVISOR),
            "evaluator": make_staff(roles.EVALUATOR),
            "admin": make_staff(roles.ADMIN),
        }
        keys = {name: session_for(person) for name, person in people.items()}
        keys["anonymous"] = None
        first = message_service.do_send_message(
            check_room_access(participant_actor(participant), room.pk), str(uuid.uuid4()), "hi"
        )
        return room, people, keys, first.id

    return build


async def test_who_may_open_each_socket(ws_connect, cast):
    room, _, keys, _ = await sync_to_async(cast)()
    seen = {}
    for route in SOCKETS:
        path = "/" + route.replace("<int:room_id>", str(room.pk))
        for person in PEOPLE:
            connected, code, socket = await ws_connect(path, keys[person])
            seen[(route, person)] = None if connected else code
            if connected:
                await socket.close()
    expected = {
        (route, person): code for route, row in SOCKETS.items() for person, code in row.items()
    }
    assert seen == expected


def frame_for(frame_type: str, target: int, other_staff_id: int) -> dict:
    """A well-formed frame of this type: each field gets the first sample its spec accepts."""
    specs = ROOM_FRAMES[frame_type].fields if frame_type in ROOM_FRAMES else ROOM_SPECS[frame_type]
    samples = {
        "message": [target],
        "client_id": [str(uuid.uuid4())],
        "to": [other_staff_id],
        "rules": [1],
        "category": ["spam"],
        "reason": ["other", "a reason"],
        "answers": [{}],
        "sections": [{}],
    }
    frame: dict = {"type": frame_type, "ref": f"m-{frame_type}"}
    for spec in specs:
        for value in [*samples.get(spec.name, []), "a note", 5, 1, 0, True, "high"]:
            try:
                spec.parse(spec.name, value)
            except FrameError:
                continue
            frame[spec.name] = value
            break
    return frame


@pytest.mark.parametrize("person", IN_THE_CHAT)
async def test_who_may_send_each_room_frame(ws_connect, cast, make_staff, person):
    room, _, keys, target = await sync_to_async(cast)()
    other_mentor = await sync_to_async(make_staff)(roles.MENTOR)
    refused = {}
    for frame_type, (who, refusal) in sorted(FRAMES.items()):
        # A fresh socket per frame: ending or transferring the chat must not hide the rest.
        connected, code, socket = await ws_connect(f"/ws/rooms/{room.pk}/", keys[person])
        if not connected:  # the chat was ended or transferred by an earlier frame
            refused[frame_type] = f"closed {code}"
            continue
        await socket.receive_type("hello")
        await socket.send(json.dumps(frame_for(frame_type, target, other_mentor.pk)))
        await socket.send({"type": "matrix.end", "ref": "end"})
        codes = []
        while True:
            reply = await socket.receive(timeout=10)
            if reply["type"] == "error" and reply.get("ref") == "end":
                break
            if reply["type"] == "error":
                codes.append(reply["code"])
        await socket.close()
        allowed = who == EVERYONE or (who == STAFF_ONLY) == (person in STAFF_IN_THE_CHAT)
        if allowed:
            assert "forbidden" not in codes, (frame_type, person, codes)
        else:
            assert refusal in codes, (frame_type, person, codes)
        refused[frame_type] = codes
    assert refused  # every frame type was tried
