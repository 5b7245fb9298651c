"""The room websocket protocol, through Channels' WebsocketCommunicator and the real ASGI app."""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async

from chatplatform import roles

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def send_frame(body: str, client_id: str | None = None) -> dict:
    return {"type": "message.send", "client_id": client_id or str(uuid.uuid4()), "body": body}


@pytest.fixture
def group_room(make_group_room, make_staff):
    mentor = make_staff(roles.MENTOR)
    return make_group_room(hosts=(mentor,)), mentor


async def open_room(ws_connect, session_for, who, room):
    key = await sync_to_async(session_for)(who)
    connected, code, socket = await ws_connect(f"/ws/rooms/{room.pk}/", key)
    assert connected, code
    hello = await socket.receive_type("hello")
    return socket, hello


class TestHandshake:
    async def test_connection_without_a_session_is_refused(self, ws_connect, group_room):
        room, _ = group_room
        connected, code, _ = await ws_connect(f"/ws/rooms/{room.pk}/")
        assert (connected, code) == (False, 4401)

    async def test_foreign_origin_is_refused(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, _ = group_room
        key = await sync_to_async(session_for)(await sync_to_async(make_participant)())
        connected, _, _ = await ws_connect(
            f"/ws/rooms/{room.pk}/", key, origin="https://evil.example"
        )
        assert not connected

    async def test_missing_origin_is_refused(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, _ = group_room
        key = await sync_to_async(session_for)(await sync_to_async(make_participant)())
        connected, _, _ = await ws_connect(f"/ws/rooms/{room.pk}/", key, origin=None)
        assert not connected

    async def test_someone_elses_direct_chat_is_refused(
        self, ws_connect, session_for, make_participant, make_direct_chat
    ):
        room, _, _ = await sync_to_async(make_direct_chat)()
        key = await sync_to_async(session_for)(await sync_to_async(make_participant)())
        connected, code, _ = await ws_connect(f"/ws/rooms/{room.pk}/", key)
        assert (connected, code) == (False, 4403)

    async def test_unassigned_mentor_is_refused_from_a_group_room(
        self, ws_connect, session_for, make_staff, group_room
    ):
        room, _ = group_room
        key = await sync_to_async(session_for)(await sync_to_async(make_staff)(roles.MENTOR))
        connected, code, _ = await ws_connect(f"/ws/rooms/{room.pk}/", key)
        assert (connected, code) == (False, 4403)

    async def test_evaluator_never_enters_a_chat(
        self, ws_connect, session_for, make_staff, group_room
    ):
        room, _ = group_room
        key = await sync_to_async(session_for)(await sync_to_async(make_staff)(roles.EVALUATOR))
        connected, code, _ = await ws_connect(f"/ws/rooms/{room.pk}/", key)
        assert (connected, code) == (False, 4403)

    async def test_unknown_room_is_refused(self, ws_connect, session_for, make_participant, db):
        key = await sync_to_async(session_for)(await sync_to_async(make_participant)())
        connected, code, _ = await ws_connect("/ws/rooms/999999/", key)
        assert (connected, code) == (False, 4404)

    async def test_hello_names_the_room_and_the_user(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, _ = group_room
        participant = await sync_to_async(make_participant)("Quiet Heron 17")
        _, hello = await open_room(ws_connect, session_for, participant, room)
        assert hello["room"] == {"id": room.pk, "title": room.title, "kind": "group"}
        assert hello["you"] == {"handle": "Quiet Heron 17", "role": "participant"}
        assert hello["last_id"] == 0

    async def test_supervisor_may_enter_any_room(
        self, ws_connect, session_for, make_staff, group_room
    ):
        room, _ = group_room
        supervisor = await sync_to_async(make_staff)(roles.SUPERVISOR)
        _, hello = await open_room(ws_connect, session_for, supervisor, room)
        assert hello["you"]["role"] == "supervisor"


class TestMessages:
    async def test_frames_are_compact_json_with_non_ascii_text_escaped(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, _ = group_room
        sender = await sync_to_async(make_participant)()
        socket, _ = await open_room(ws_connect, session_for, sender, room)
        await socket.send(send_frame("¿qué tal? 🙂"))
        await socket.receive_type("message.ack")
        raw = await socket.communicator.receive_from()
        frame = json.loads(raw)
        assert frame["type"] == "message"
        assert frame["body"] == "¿qué tal? 🙂"
        assert raw == json.dumps(frame, separators=(",", ":"))
        assert raw.isascii() and ": " not in raw and ", " not in raw

    async def test_message_is_acked_then_broadcast_to_everyone_including_the_sender(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, mentor = group_room
        sender = await sync_to_async(make_participant)()
        sender_socket, _ = await open_room(ws_connect, session_for, sender, room)
        mentor_socket, _ = await open_room(ws_connect, session_for, mentor, room)
        frame = send_frame("hello everyone")
        await sender_socket.send(frame)
        ack = await sender_socket.receive()
        assert ack == {"type": "message.ack", "client_id": frame["client_id"], "id": 1}
        own = await sender_socket.receive_type("message")
        other = await mentor_socket.receive_type("message")
        for message in (own, other):
            assert message["id"] == 1
            assert message["client_id"] == frame["client_id"]
            assert message["room"] == room.pk
            assert message["body"] == "hello everyone"
            assert message["sender"] == {"handle": sender.handle, "role": "participant"}
            assert message["sent_at"].endswith("Z")
        assert own["mine"] and not other["mine"]

    async def test_resent_client_id_is_acked_with_the_original_id_and_not_broadcast_again(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, mentor = group_room
        sender = await sync_to_async(make_participant)()
        socket, _ = await open_room(ws_connect, session_for, sender, room)
        mentor_socket, _ = await open_room(ws_connect, session_for, mentor, room)
        frame = send_frame("only once")
        await socket.send(frame)
        first = await socket.receive_type("message.ack")
        await mentor_socket.receive_type("message")
        await socket.send(frame)
        second = await socket.receive_type("message.ack")
        assert second["id"] == first["id"]
        assert await mentor_socket.nothing()

    async def test_reconnecting_client_resumes_without_losing_anything(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, mentor = group_room
        reader = await sync_to_async(make_participant)()
        socket, _ = await open_room(ws_connect, session_for, reader, room)
        await socket.close()
        mentor_socket, _ = await open_room(ws_connect, session_for, mentor, room)
        for n in range(3):
            await mentor_socket.send(send_frame(f"while you were away {n}"))
            await mentor_socket.receive_type("message.ack")
        socket, hello = await open_room(ws_connect, session_for, reader, room)
        assert hello["last_id"] == 3
        await socket.send({"type": "resume", "after": 1})
        replayed = [await socket.receive_type("message") for _ in range(2)]
        assert [m["id"] for m in replayed] == [2, 3]
        done = await socket.receive_type("resume.done")
        assert done["last_id"] == 3

    async def test_history_pages_older_messages(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, _ = group_room
        participant = await sync_to_async(make_participant)()
        socket, _ = await open_room(ws_connect, session_for, participant, room)
        for n in range(4):
            await socket.send(send_frame(f"m{n}"))
            await socket.receive_type("message")
        await socket.send({"type": "history", "before": 4, "limit": 2})
        page = await socket.receive_type("history.page")
        assert [m["id"] for m in page["messages"]] == [2, 3]
        assert page["has_more"] is True

    async def test_typing_reaches_others_but_not_the_typist(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, mentor = group_room
        typist = await sync_to_async(make_participant)()
        socket, _ = await open_room(ws_connect, session_for, typist, room)
        mentor_socket, _ = await open_room(ws_connect, session_for, mentor, room)
        await socket.receive_type("presence")
        await socket.send({"type": "typing"})
        typing = await mentor_socket.receive_type("typing")
        assert typing == {"type": "typing", "handle": typist.handle, "role": "participant"}
        assert await socket.nothing()

    async def test_participants_see_mentors_join_and_leave(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, mentor = group_room
        socket, _ = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        mentor_socket, _ = await open_room(ws_connect, session_for, mentor, room)
        joined = await socket.receive_type("presence")
        assert (joined["state"], joined["role"]) == ("joined", "mentor")
        await mentor_socket.close()
        left = await socket.receive_type("presence")
        assert left["state"] == "left"


class TestErrors:
    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("not json", "bad_json"),
            ("[1, 2]", "bad_json"),
            ('{"type": "dance"}', "unknown_type"),
            ('{"no_type": true}', "invalid"),
            ('{"type": "message.send", "body": "hi"}', "invalid"),
            ('{"type": "message.send", "client_id": "not-a-uuid", "body": "hi"}', "invalid"),
            (
                '{"type": "message.send", "client_id": "6f1c1c1e-1f0a-4b8a-9d55-2b0f1c6c9a10", '
                '"body": 7}',
                "invalid",
            ),
            ('{"type": "resume", "after": "five"}', "invalid"),
            ('{"type": "resume", "after": true}', "invalid"),
            ('{"type": "history", "limit": 101}', "invalid"),
            ('{"type": "chat.transfer", "to": 1}', "forbidden"),
        ],
    )
    async def test_bad_input_gets_an_error_frame_and_the_connection_stays_open(
        self, ws_connect, session_for, make_participant, group_room, raw, code
    ):
        room, _ = group_room
        socket, _ = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        await socket.send(raw)
        error = await socket.receive_type("error")
        assert error["code"] == code
        assert error["detail"]
        assert "ref" in error
        await socket.send(send_frame("still here"))
        assert (await socket.receive_type("message.ack"))["id"] == 1

    async def test_too_long_body_is_refused_with_the_limit(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, _ = group_room
        socket, _ = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        frame = send_frame("x" * 4001)
        await socket.send(frame)
        error = await socket.receive_type("error")
        assert (error["code"], error["ref"], error["limit"]) == (
            "too_long",
            frame["client_id"],
            4000,
        )
        await socket.send(send_frame("x" * 4000))
        assert (await socket.receive_type("message.ack"))["id"] == 1

    async def test_error_detail_never_echoes_the_body(
        self, ws_connect, session_for, make_participant, group_room
    ):
        room, _ = group_room
        socket, _ = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        await socket.send(
            {"type": "message.send", "client_id": "secret-words-here", "body": "private"}
        )
        error = await socket.receive_type("error")
        assert "secret-words-here" not in error["detail"] and "private" not in error["detail"]

    async def test_fast_sender_is_rate_limited(
        self, ws_connect, session_for, make_participant, group_room, settings
    ):
        settings.MESSAGE_RATE_BURST = 3
        room, _ = group_room
        socket, _ = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        codes = []
        for n in range(5):
            await socket.send(send_frame(f"spam {n}"))
            frame = await socket.receive()
            while frame["type"] == "message":
                frame = await socket.receive()
            codes.append(frame.get("code", frame["type"]))
        assert codes[:3] == ["message.ack"] * 3
        assert "rate_limited" in codes[3:]


class TestDirectChat:
    async def test_either_side_can_end_the_chat_and_nobody_can_post_after(
        self, ws_connect, session_for, make_direct_chat
    ):
        room, participant, mentor = await sync_to_async(make_direct_chat)()
        p_socket, _ = await open_room(ws_connect, session_for, participant, room)
        m_socket, _ = await open_room(ws_connect, session_for, mentor, room)
        await p_socket.send({"type": "chat.end"})
        for socket in (p_socket, m_socket):
            ended = await socket.receive_type("chat.ended")
            assert ended["by"] == "participant"
        await m_socket.send(send_frame("are you there?"))
        assert (await m_socket.receive_type("error"))["code"] == "room_closed"

    async def test_transfer_keeps_history_and_moves_the_chat_to_the_new_mentor(
        self, ws_connect, session_for, make_direct_chat, make_staff
    ):
        from chatplatform.actors import staff_actor
        from chatplatform.services.queue import do_set_availability

        room, participant, mentor = await sync_to_async(make_direct_chat)()
        second = await sync_to_async(make_staff)(roles.MENTOR, name="Alex")
        await sync_to_async(lambda: do_set_availability(staff_actor(second), "available", 3))()
        p_socket, _ = await open_room(ws_connect, session_for, participant, room)
        m_socket, _ = await open_room(ws_connect, session_for, mentor, room)
        await p_socket.send(send_frame("before transfer"))
        await p_socket.receive_type("message.ack")
        await m_socket.send({"type": "chat.transfer", "to": second.pk})
        assert (await m_socket.receive_type("revoked"))["room"] == room.pk
        notice = await p_socket.receive_type("message")
        while notice["kind"] != "system" or "Alex" not in notice["body"]:
            notice = await p_socket.receive_type("message")
        new_socket, _ = await open_room(ws_connect, session_for, second, room)
        await new_socket.send({"type": "history", "limit": 50})
        page = await new_socket.receive_type("history.page")
        assert "before transfer" in [m["body"] for m in page["messages"]]
        key = await sync_to_async(session_for)(mentor)
        connected, code, _ = await ws_connect(f"/ws/rooms/{room.pk}/", key)
        assert (connected, code) == (False, 4403)


class TestActorEvents:
    async def test_an_event_for_another_page_leaves_the_room_socket_open(
        self, ws_connect, session_for, make_participant, group_room
    ):
        from channels.layers import get_channel_layer

        room, _ = group_room
        participant = await sync_to_async(make_participant)()
        socket, _ = await open_room(ws_connect, session_for, participant, room)
        layer = get_channel_layer()
        await layer.group_send(f"actor.p{participant.pk}", {"type": "queue.matched", "room": 99})
        await layer.group_send(f"actor.p{participant.pk}", {"type": "chat.assigned", "room": 99})
        await socket.send(send_frame("still connected"))
        assert (await socket.receive_type("message.ack"))["id"] >= 1
