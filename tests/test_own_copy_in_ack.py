"""``?own=ack``: a socket's own message comes back in its ack, one frame, not two.

The socket that sent a message gets the ack carrying the message frame it would
otherwise have received as a second frame; the sender's other sockets (tabs) and
everyone else in the room still get the ``message`` frame; a socket that did not
opt in gets the ack and the copy as before (tests/test_room_consumer.py).
"""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async

from chatplatform import roles
from chatplatform.layers import SingleNodeChannelLayer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def send_frame(body: str, client_id: str | None = None) -> dict:
    return {"type": "message.send", "client_id": client_id or str(uuid.uuid4()), "body": body}


@pytest.fixture
def group_room(make_group_room, make_staff):
    mentor = make_staff(roles.MENTOR)
    return make_group_room(hosts=(mentor,)), mentor


async def open_room(ws_connect, session_key, room, own_in_ack=False):
    path = f"/ws/rooms/{room.pk}/" + ("?own=ack" if own_in_ack else "")
    connected, code, socket = await ws_connect(path, session_key)
    assert connected, code
    await socket.receive_type("hello")
    return socket


async def test_the_sending_socket_gets_one_frame_and_every_other_socket_the_copy(
    ws_connect, session_for, make_participant, group_room
):
    room, mentor = group_room
    sender = await sync_to_async(make_participant)()
    key = await sync_to_async(session_for)(sender)
    # The mentor first: their presence frame is then not in the tabs' way.
    mentor_socket = await open_room(ws_connect, await sync_to_async(session_for)(mentor), room)
    sending_tab = await open_room(ws_connect, key, room, own_in_ack=True)
    other_tab = await open_room(ws_connect, key, room, own_in_ack=True)
    frame = send_frame("hello everyone")
    await sending_tab.send(frame)
    ack = await sending_tab.receive()
    assert ack["type"] == "message.ack"
    assert (ack["client_id"], ack["id"]) == (frame["client_id"], 1)
    own = ack["message"]
    assert own["type"] == "message" and own["mine"] is True
    assert (own["id"], own["client_id"], own["room"]) == (1, frame["client_id"], room.pk)
    assert own["body"] == "hello everyone"
    assert own["sender"] == {"handle": sender.handle, "role": "participant"}
    # Exactly one frame for the message on the socket that sent it.
    assert await sending_tab.nothing()
    # The sender's other tab did not send it: it gets the copy, as before.
    copy = await other_tab.receive()
    assert copy == own
    other = await mentor_socket.receive_type("message")
    assert {**other, "mine": True} == own and other["mine"] is False
    assert await other_tab.nothing()


async def test_without_the_option_the_ack_is_unchanged_and_the_copy_follows(
    ws_connect, session_for, make_participant, group_room
):
    room, _ = group_room
    sender = await sync_to_async(make_participant)()
    socket = await open_room(ws_connect, await sync_to_async(session_for)(sender), room)
    frame = send_frame("as before")
    await socket.send(frame)
    assert await socket.receive() == {
        "type": "message.ack",
        "client_id": frame["client_id"],
        "id": 1,
    }
    copy = await socket.receive()
    assert copy["type"] == "message" and copy["mine"] and copy["body"] == "as before"
    assert await socket.nothing()


async def test_staff_sender_gets_their_view_in_the_ack(
    ws_connect, session_for, make_participant, group_room
):
    room, mentor = group_room
    member = await sync_to_async(make_participant)()
    member_socket = await open_room(ws_connect, await sync_to_async(session_for)(member), room)
    mentor_socket = await open_room(
        ws_connect, await sync_to_async(session_for)(mentor), room, own_in_ack=True
    )
    await mentor_socket.send(send_frame("welcome"))
    ack = await mentor_socket.receive()
    assert ack["type"] == "message.ack"
    assert ack["message"]["mine"] is True and ack["message"]["body"] == "welcome"
    assert ack["message"]["sender"]["role"] == "mentor"
    assert await mentor_socket.nothing()
    seen = await member_socket.receive_type("message")
    assert seen["body"] == "welcome" and seen["mine"] is False


async def test_a_resent_client_id_is_acked_alone_and_broadcast_to_nobody(
    ws_connect, session_for, make_participant, group_room
):
    room, mentor = group_room
    sender = await sync_to_async(make_participant)()
    mentor_socket = await open_room(ws_connect, await sync_to_async(session_for)(mentor), room)
    socket = await open_room(
        ws_connect, await sync_to_async(session_for)(sender), room, own_in_ack=True
    )
    frame = send_frame("only once")
    await socket.send(frame)
    first = await socket.receive()
    await mentor_socket.receive_type("message")
    await socket.send(frame)
    second = await socket.receive()
    assert second == {"type": "message.ack", "client_id": frame["client_id"], "id": first["id"]}
    assert await socket.nothing()
    assert await mentor_socket.nothing()


async def test_a_refused_message_gets_one_error_and_no_copy(
    ws_connect, session_for, make_participant, group_room
):
    room, mentor = group_room
    sender = await sync_to_async(make_participant)()
    mentor_socket = await open_room(ws_connect, await sync_to_async(session_for)(mentor), room)
    socket = await open_room(
        ws_connect, await sync_to_async(session_for)(sender), room, own_in_ack=True
    )
    frame = send_frame("   ")
    await socket.send(frame)
    error = await socket.receive()
    assert error["type"] == "error" and error["ref"] == frame["client_id"]
    assert await socket.nothing()
    assert await mentor_socket.nothing()


async def test_the_embedded_layer_does_not_queue_an_event_for_the_excluded_socket():
    layer = SingleNodeChannelLayer()
    channels = [await layer.new_channel() for _ in range(3)]
    for channel in channels:
        await layer.group_add("room.1", channel)
    await layer.group_send("room.1", {"type": "chat.message", "exclude": channels[0]})
    assert layer.channels.get(channels[0]) is None or layer.channels[channels[0]].empty()
    for channel in channels[1:]:
        received = await layer.receive(channel)
        assert received == {"type": "chat.message", "exclude": channels[0]}


async def test_on_a_layer_that_delivers_to_every_socket_the_sender_still_gets_one_frame(
    ws_connect, session_for, make_participant, group_room, monkeypatch
):
    """Layers other than the embedded one (Redis) queue the event for the sending socket
    too; the socket drops it, so it still sees its message once, in the ack."""
    from channels.layers import InMemoryChannelLayer

    monkeypatch.setattr(SingleNodeChannelLayer, "group_send", InMemoryChannelLayer.group_send)
    room, mentor = group_room
    mentor_socket = await open_room(ws_connect, await sync_to_async(session_for)(mentor), room)
    sender = await sync_to_async(make_participant)()
    socket = await open_room(
        ws_connect, await sync_to_async(session_for)(sender), room, own_in_ack=True
    )
    await socket.send(send_frame("once only"))
    ack = await socket.receive()
    assert ack["type"] == "message.ack" and ack["message"]["body"] == "once only"
    assert await socket.nothing(0.5)
    assert (await mentor_socket.receive_type("message"))["body"] == "once only"
