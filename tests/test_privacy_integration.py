"""Privacy on real servers: what the database and the logs hold after real chats."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus

from tests.servers import LiveClient, Node, find_program
from tests.test_two_nodes import DEMO_PASSWORD, match_participant_with_mentor

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


def unique_sentence() -> str:
    return f"My flatmate Ingrid does not know {uuid.uuid4().hex[:10]} about the pills"


async def chat_both_ways(participant: LiveClient, mentor: LiveClient, said: list[str]) -> int:
    """A 1:1 chat with one message each way; returns the room id."""
    room = await match_participant_with_mentor(participant, mentor)
    p_socket = await participant.websocket(f"/ws/rooms/{room}/")
    m_socket = await mentor.websocket(f"/ws/rooms/{room}/")
    await p_socket.receive_type("hello")
    await m_socket.receive_type("hello")
    for socket_, body in ((p_socket, said[0]), (m_socket, said[1])):
        await socket_.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": body})
        await socket_.receive_type("message.ack")
    received = await p_socket.receive_type("message")
    while received["body"] != said[1]:
        received = await p_socket.receive_type("message")
    return room


def database_files(node: Node) -> bytes:
    """The SQLite database with its journal files, as a backup would copy them."""
    path = Path(node.env["DATABASE_URL"].removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def test_after_a_chat_the_sqlite_file_holds_no_sentence(start_nodes):
    (node,) = start_nodes()
    participant, mentor = LiveClient(node), LiveClient(node)
    said = [unique_sentence(), unique_sentence()]
    try:
        await chat_both_ways(participant, mentor, said)
    finally:
        await participant.close()
        await mentor.close()
    node.stop()
    stored = database_files(node)
    assert b"demo-password" not in stored and b"General support" in stored  # really the DB
    for sentence in said:
        assert sentence.encode() not in stored
        assert sentence.split()[-4].encode() not in stored  # not even the unique word


async def test_after_a_chat_a_pg_dump_holds_no_sentence(start_nodes, postgres_database, redis_url):
    database_url = postgres_database()
    (node,) = start_nodes(database_url=database_url, redis_url=redis_url)
    participant, mentor = LiveClient(node), LiveClient(node)
    said = [unique_sentence(), unique_sentence()]
    try:
        await chat_both_ways(participant, mentor, said)
    finally:
        await participant.close()
        await mentor.close()
    dump = subprocess.run(
        [find_program("pg_dump"), "--no-owner", database_url],
        capture_output=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert b"General support" in dump and b"chatplatform_message" in dump
    for sentence in said:
        assert sentence.encode() not in dump


async def test_a_cross_site_websocket_handshake_is_refused(start_nodes):
    (node,) = start_nodes()
    participant = LiveClient(node)
    participant.post("/chat/request/")
    with pytest.raises(InvalidStatus) as refused:
        await participant.websocket("/ws/queue/", origin="https://evil.example")
    assert refused.value.response.status_code == 403
    await participant.websocket("/ws/queue/")  # same site: accepted
    await participant.close()


async def test_sentinel_never_reaches_daphnes_output_and_no_ip_is_logged(start_nodes):
    """Real Daphne, default verbosity: private data through failing paths, then read stdout+stderr.

    The node runs tests.sentinel_settings: a message check that fails quoting the
    message, and a form view that fails quoting the answer.
    """
    (node,) = start_nodes(env={"DJANGO_SETTINGS_MODULE": "tests.sentinel_settings"})
    sentinel = "sentinel-" + uuid.uuid4().hex
    participant, supervisor = LiveClient(node), LiveClient(node)
    try:
        participant.post("/chat/request/")
        rooms = participant.get("/api/rooms/").text
        room_id = int(rooms.split('"id": ')[1].split(",")[0])
        socket_ = await participant.websocket(f"/ws/rooms/{room_id}/")
        await socket_.receive_type("hello")
        await socket_.send(
            {"type": "message.send", "client_id": str(uuid.uuid4()), "body": f"I am {sentinel}"}
        )
        # The failing check fails the message's batch: the sender is told, nothing is stored.
        refused = await socket_.receive_type("error")
        assert refused["code"] == "not_sent"
        assert participant.post("/test-explode/", {"answer": f"{sentinel} again"}).status == 500
        assert participant.get(f"/test-explode/?q={sentinel}").status == 500
        failed = LiveClient(node).post(
            "/accounts/login/", {"login": sentinel, "password": sentinel}
        )
        assert failed.status == 200

        # A supervisor signs in with two factors (first-time setup) and looks in.
        supervisor.login("supervisor@example.org", DEMO_PASSWORD)
        assert supervisor.get("/staff/").status == 200
        look = await supervisor.websocket(f"/ws/rooms/{room_id}/?reason=checking+in")
        assert (await look.receive_type("hello"))["you"]["role"] == "supervisor"
    finally:
        await participant.close()
        await supervisor.close()
    node.stop()
    output = node.logs()
    assert "message batch failed" in output and "Internal Server Error" in output
    assert sentinel not in output
    assert "127.0.0.1" not in output and "supervisor@example.org" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert all(line.startswith("{") and line.endswith("}") for line in lines), [
        line for line in lines if not line.startswith("{")
    ][:3]
