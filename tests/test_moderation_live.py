"""Moderation on real servers: Daphne processes, Redis between nodes, PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.servers import LiveClient

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

DEMO_PASSWORD = "demo-password-123"
ROOM = 1  # "General support", seeded first by seed_demo
PHONE = "07911 123456"


def send_frame(body: str) -> dict:
    return {"type": "message.send", "client_id": str(uuid.uuid4()), "body": body}


async def join(client: LiveClient):
    client.get(f"/chat/{ROOM}/")
    socket = await client.websocket(f"/ws/rooms/{ROOM}/")
    await socket.receive_type("hello")
    return socket


async def test_a_hide_reaches_a_participant_on_another_node_then_a_mute_holds(
    start_nodes, redis_url, postgres_database
):
    node_a, node_b = start_nodes(count=2, database_url=postgres_database(), redis_url=redis_url)
    loud, quiet, mentor = LiveClient(node_a), LiveClient(node_a), LiveClient(node_b)
    try:
        mentor.login("mentor@example.org", DEMO_PASSWORD)
        m_socket = await join(mentor)
        loud_socket, quiet_socket = await join(loud), await join(quiet)

        await loud_socket.send(send_frame("something unkind"))
        target = (await loud_socket.receive_type("message.ack"))["id"]
        assert (await quiet_socket.receive_type("message"))["body"] == "something unkind"
        await m_socket.receive_type("message")

        await m_socket.send({"type": "mod.hide", "message": target, "reason": "unkind"})
        hidden = await quiet_socket.receive_type("message")
        assert (hidden["id"], hidden["hidden"], hidden["body"]) == (target, True, None)
        # Staff first get the moderator's note (a staff-only message), then the hidden one.
        note = await m_socket.receive_type("message")
        assert note["kind"] == "whisper" and note["body"].endswith(": unkind")
        staff_view = await m_socket.receive_type("message")
        assert staff_view["id"] == target and staff_view["body"] == "something unkind"
        assert staff_view["hidden_reason"] == f"see the moderator's note, message {note['id']}"

        await m_socket.send({"type": "mod.mute", "message": target, "minutes": 10})
        muted = await loud_socket.receive_type("moderation.muted")
        assert muted["seconds_left"] == 600
        for _ in range(2):
            await loud_socket.send(send_frame("let me talk"))
            error = await loud_socket.receive_type("error")
            assert error["code"] == "muted" and error["seconds_left"] > 0
    finally:
        for client in (loud, quiet, mentor):
            await client.close()


async def test_a_phone_number_arrives_masked_and_is_in_neither_the_database_nor_the_logs(
    start_nodes,
):
    (node,) = start_nodes()
    sender, reader = LiveClient(node), LiveClient(node)
    try:
        s_socket, r_socket = await join(sender), await join(reader)
        await s_socket.send(send_frame(f"text me, my number is {PHONE}"))
        ack = await s_socket.receive_type("message.ack")
        assert ack["status"] == "held" and ack["masked"] is True
        await s_socket.send(send_frame(f"it's {PHONE}"))
        ack = await s_socket.receive_type("message.ack")
        assert ack["masked"] is True and ack["notice"]
        arrived = await r_socket.receive_type("message")
        assert arrived["body"] == "it's [removed]"
    finally:
        await sender.close()
        await reader.close()
    node.stop()
    database = Path(node.env["DATABASE_URL"].removeprefix("sqlite:///"))
    files = [path for path in database.parent.glob(database.name + "*") if path.is_file()]
    assert files
    for form in (PHONE, PHONE.replace(" ", "")):
        for path in files:
            assert form.encode() not in path.read_bytes(), path
        assert form not in node.logs()
