"""Scale-out: two real Daphne processes sharing one real Redis and one real PostgreSQL."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.servers import LiveClient

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

DEMO_PASSWORD = "demo-password-123"


async def match_participant_with_mentor(participant: LiveClient, mentor: LiveClient) -> int:
    """The participant asks for a peer on one node and the mentor accepts on the other."""
    participant.get("/")
    response = participant.post("/chat/request/", {"survey": "skip"})
    assert response.url.endswith("/queue/"), response.url
    queue = await participant.websocket("/ws/queue/")
    status = await queue.receive_type("queue.status")
    assert status["state"] == "waiting" and status["position"] == 1

    mentor.login("mentor@example.org", DEMO_PASSWORD)
    console = await mentor.websocket("/ws/staff/")
    await console.receive_type("staff.snapshot")
    await console.send({"type": "availability.set", "status": "available", "max_chats": 3})
    snapshot = await console.receive_type("staff.snapshot")
    while not snapshot["queue"]:
        snapshot = await console.receive_type("staff.snapshot")
    await console.send({"type": "queue.accept", "ticket": snapshot["queue"][0]["ticket"]})
    accepted = await console.receive_type("queue.accepted")
    matched = await queue.receive_type("queue.matched")
    assert matched["room"] == accepted["room"]
    return accepted["room"]


async def test_participant_on_one_node_and_mentor_on_another_chat_both_ways(
    start_nodes, redis_url, postgres_database
):
    node_a, node_b = start_nodes(count=2, database_url=postgres_database(), redis_url=redis_url)
    participant, mentor = LiveClient(node_a), LiveClient(node_b)
    try:
        room = await match_participant_with_mentor(participant, mentor)
        p_socket = await participant.websocket(f"/ws/rooms/{room}/")
        m_socket = await mentor.websocket(f"/ws/rooms/{room}/")
        assert (await p_socket.receive_type("hello"))["you"]["role"] == "participant"
        assert (await m_socket.receive_type("hello"))["you"]["role"] == "mentor"

        hello_id = str(uuid.uuid4())
        await p_socket.send(
            {"type": "message.send", "client_id": hello_id, "body": "hi from node A"}
        )
        ack = await p_socket.receive_type("message.ack")
        at_mentor = await m_socket.receive_type("message")
        assert at_mentor["body"] == "hi from node A" and at_mentor["id"] == ack["id"]
        assert at_mentor["sender"]["role"] == "participant"

        reply_id = str(uuid.uuid4())
        await m_socket.send(
            {"type": "message.send", "client_id": reply_id, "body": "hello from node B"}
        )
        await m_socket.receive_type("message.ack")
        at_participant = await p_socket.receive_type("message")
        while at_participant["client_id"] != reply_id:
            at_participant = await p_socket.receive_type("message")
        assert at_participant["body"] == "hello from node B"
        assert at_participant["sender"]["role"] == "mentor"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", at_participant["sent_at"])
    finally:
        await participant.close()
        await mentor.close()


async def test_typing_and_mentor_presence_cross_nodes(start_nodes, redis_url, postgres_database):
    node_a, node_b = start_nodes(count=2, database_url=postgres_database(), redis_url=redis_url)
    participant, mentor = LiveClient(node_a), LiveClient(node_b)
    try:
        room = await match_participant_with_mentor(participant, mentor)
        p_socket = await participant.websocket(f"/ws/rooms/{room}/")
        await p_socket.receive_type("hello")
        m_socket = await mentor.websocket(f"/ws/rooms/{room}/")
        await m_socket.receive_type("hello")
        presence = await p_socket.receive_type("presence")
        assert presence["state"] == "joined" and presence["role"] == "mentor"
        await m_socket.send({"type": "typing"})
        typing = await p_socket.receive_type("typing")
        assert typing["role"] == "mentor"
        await m_socket.close()
        left = await p_socket.receive_type("presence")
        assert left["state"] == "left"
    finally:
        await participant.close()
        await mentor.close()
