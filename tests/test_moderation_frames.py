"""Each moderation frame through WebsocketCommunicator and the real ASGI application."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async

from chatplatform import roles
from tests.moderation_helpers import load_default_rules

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def send_frame(body: str) -> dict:
    return {"type": "message.send", "client_id": str(uuid.uuid4()), "body": body}


@pytest.fixture
async def room_with_people(ws_connect, session_for, make_group_room, make_staff, make_participant):
    """A hosted group room with the mentor, a participant who misbehaves and a bystander,
    all connected; the misbehaving participant has sent message ``target``."""

    def build():
        load_default_rules()
        mentor = make_staff(roles.MENTOR)
        room = make_group_room(hosts=(mentor,))
        return room, mentor, make_participant("Loud Crow 4"), make_participant("Quiet Heron 17")

    room, mentor, loud, quiet = await sync_to_async(build)()
    sockets = {}
    for name, who in (("mentor", mentor), ("loud", loud), ("quiet", quiet)):
        key = await sync_to_async(session_for)(who)
        connected, code, socket = await ws_connect(f"/ws/rooms/{room.pk}/", key)
        assert connected, code
        await socket.receive_type("hello")
        sockets[name] = socket
    await sockets["loud"].send(send_frame("something unkind"))
    target = (await sockets["loud"].receive_type("message.ack"))["id"]
    for socket in sockets.values():
        await socket.receive_type("message")
    return {
        "room": room,
        "target": target,
        "keys": {"loud": await sync_to_async(session_for)(loud)},
        **sockets,
    }


async def test_hide_reaches_every_client_in_the_room(room_with_people):
    people = room_with_people
    await people["mentor"].send(
        {"type": "mod.hide", "message": people["target"], "reason": "unkind"}
    )
    done = await people["mentor"].receive_type("moderation.done")
    assert (done["action"], done["message"]) == ("hide", people["target"])
    seen_by_participant = await people["quiet"].receive_type("message")
    assert seen_by_participant["id"] == people["target"]
    assert seen_by_participant["hidden"] is True and seen_by_participant["body"] is None
    note = await people["mentor"].receive_type("message")
    assert note["kind"] == "whisper" and note["body"].endswith(": unkind")
    seen_by_staff = await people["mentor"].receive_type("message")
    assert seen_by_staff["body"] == "something unkind"
    assert seen_by_staff["hidden_reason"] == f"see the moderator's note, message {note['id']}"
    event = await people["mentor"].receive_type("moderation.event")
    assert (event["action"], event["target"]) == ("hide", "Loud Crow 4")


async def test_unhide_shows_it_again(room_with_people):
    people = room_with_people
    await people["mentor"].send({"type": "mod.hide", "message": people["target"], "reason": "x"})
    await people["quiet"].receive_type("message")
    await people["mentor"].send({"type": "mod.unhide", "message": people["target"]})
    shown = await people["quiet"].receive_type("message")
    assert shown["body"] == "something unkind" and "hidden" not in shown


async def test_muted_participant_is_told_and_gets_muted_errors(room_with_people):
    people = room_with_people
    await people["mentor"].send({"type": "mod.mute", "message": people["target"], "minutes": 15})
    await people["mentor"].receive_type("moderation.done")
    muted = await people["loud"].receive_type("moderation.muted")
    assert muted["seconds_left"] == 900
    attempt = send_frame("let me talk")
    await people["loud"].send(attempt)
    error = await people["loud"].receive_type("error")
    assert (error["code"], error["ref"]) == ("muted", attempt["client_id"])
    assert 890 <= error["seconds_left"] <= 900
    assert await people["quiet"].nothing()


async def test_removed_participant_is_disconnected_and_refused(room_with_people, ws_connect):
    people = room_with_people
    await people["mentor"].send({"type": "mod.remove", "message": people["target"]})
    await people["loud"].receive_type("revoked")
    connected, code, _ = await ws_connect(f"/ws/rooms/{people['room'].pk}/", people["keys"]["loud"])
    assert (connected, code) == (False, 4403)


async def test_banned_participant_is_disconnected_and_their_handshake_refused(
    room_with_people, ws_connect, make_group_room
):
    people = room_with_people
    await people["mentor"].send(
        {"type": "mod.ban", "message": people["target"], "reason": "doxxing"}
    )
    closed = await people["loud"].receive_type("closed")
    assert closed["reason"] == "banned"
    other = await sync_to_async(make_group_room)("Exam stress")
    for room in (people["room"], other):
        connected, code, _ = await ws_connect(f"/ws/rooms/{room.pk}/", people["keys"]["loud"])
        assert (connected, code) == (False, 4403)


async def test_a_warning_reaches_only_its_participant(room_with_people):
    people = room_with_people
    await people["mentor"].send(
        {"type": "mod.warn", "message": people["target"], "text": "Please be kind."}
    )
    warning = await people["loud"].receive_type("message")
    assert (warning["kind"], warning["body"]) == ("warning", "Please be kind.")
    assert await people["quiet"].nothing()


async def test_slow_mode_is_announced_and_enforced(room_with_people):
    people = room_with_people
    await people["mentor"].send({"type": "mod.slow_mode", "seconds": 60})
    state = await people["quiet"].receive_type("moderation.state")
    assert state["slow_mode_seconds"] == 60
    await people["quiet"].send(send_frame("one"))
    await people["quiet"].receive_type("message.ack")
    await people["quiet"].send(send_frame("two"))
    error = await people["quiet"].receive_type("error")
    assert error["code"] == "slow_mode" and error["retry_after"] > 0


async def test_a_locked_room_refuses_participants(room_with_people):
    people = room_with_people
    await people["mentor"].send({"type": "mod.lock", "locked": True})
    assert (await people["quiet"].receive_type("moderation.state"))["locked"] is True
    await people["quiet"].send(send_frame("hello?"))
    assert (await people["quiet"].receive_type("error"))["code"] == "room_locked"
    await people["mentor"].send(send_frame("back soon"))
    assert "id" in await people["mentor"].receive_type("message.ack")


async def test_pinned_rules_must_be_accepted_before_posting(room_with_people):
    people = room_with_people
    await people["mentor"].send({"type": "mod.pin_rules", "text": "Be kind."})
    state = await people["quiet"].receive_type("moderation.state")
    rules_id = state["rules"]["id"]
    await people["quiet"].send(send_frame("hi"))
    error = await people["quiet"].receive_type("error")
    assert (error["code"], error["rules"]) == ("rules_not_accepted", rules_id)
    await people["quiet"].send({"type": "moderation.state"})
    mine = await people["quiet"].receive_type("moderation.state")
    assert mine["rules_accepted"] is False and mine["rules"]["text"] == "Be kind."
    await people["quiet"].send({"type": "rules.accept", "rules": rules_id})
    await people["quiet"].receive_type("rules.accepted")
    await people["quiet"].send(send_frame("hi"))
    assert (await people["quiet"].receive_type("message.ack"))["id"]


async def test_a_report_alerts_the_staff_in_the_room(room_with_people):
    people = room_with_people
    await people["quiet"].send(
        {"type": "message.report", "message": people["target"], "category": "harassment"}
    )
    assert (await people["quiet"].receive_type("report.received"))["message"] == people["target"]
    alert = await people["mentor"].receive_type("moderation.alert")
    assert (alert["kind"], alert["message"], alert["reasons"]) == (
        "report",
        people["target"],
        ["harassment"],
    )
    assert await people["loud"].nothing()


async def test_a_blocked_senders_new_messages_are_not_delivered(room_with_people):
    people = room_with_people
    await people["quiet"].send({"type": "participant.block", "message": people["target"]})
    assert (await people["quiet"].receive_type("block.done"))["blocked"] is True
    await people["loud"].send(send_frame("still here"))
    await people["loud"].receive_type("message.ack")
    await people["mentor"].receive_type("message")
    assert await people["quiet"].nothing()


async def test_a_held_message_is_acknowledged_as_held_and_not_broadcast(room_with_people):
    people = room_with_people
    await people["quiet"].send(send_frame("add me on discord"))
    ack = await people["quiet"].receive_type("message.ack")
    assert (ack["id"], ack["status"]) == (None, "held")
    alert = await people["mentor"].receive_type("moderation.alert")
    assert alert["kind"] == "held"
    assert await people["loud"].nothing()


async def test_a_participant_trying_to_moderate_gets_forbidden_and_stays_connected(
    room_with_people,
):
    people = room_with_people
    await people["quiet"].send(
        {"type": "mod.hide", "message": people["target"], "reason": "x", "ref": "r1"}
    )
    error = await people["quiet"].receive_type("error")
    assert (error["code"], error["ref"]) == ("forbidden", "r1")
    await people["quiet"].send({"type": "ping"})
    await people["quiet"].receive_type("pong")


@pytest.mark.parametrize("role", [roles.EVALUATOR, "unassigned mentor"])
async def test_staff_who_may_not_moderate_cannot_open_the_room(
    ws_connect, session_for, make_group_room, make_staff, role
):
    room = await sync_to_async(make_group_room)()
    who = await sync_to_async(make_staff)(roles.MENTOR if role == "unassigned mentor" else role)
    key = await sync_to_async(session_for)(who)
    connected, code, _ = await ws_connect(f"/ws/rooms/{room.pk}/", key)
    assert (connected, code) == (False, 4403)
