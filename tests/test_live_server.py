"""The protocol on a real Daphne process with the embedded defaults (SQLite, in-memory layer)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.servers import LiveClient

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def test_sent_sentence_never_reaches_the_database_file_in_plain_text(start_nodes):
    (node,) = start_nodes()
    sentence = f"my secret sentence {uuid.uuid4().hex}"
    client = LiveClient(node)
    try:
        client.get("/")
        rooms = client.get("/api/rooms/")
        assert rooms.status == 200
        client.get("/chat/1/")
        socket = await client.websocket("/ws/rooms/1/")
        await socket.receive_type("hello")
        await socket.send(
            {"type": "message.send", "client_id": str(uuid.uuid4()), "body": sentence}
        )
        await socket.receive_type("message.ack")
        echoed = await socket.receive_type("message")
        assert echoed["body"] == sentence
    finally:
        await client.close()
    node.stop()
    database = Path(node.env["DATABASE_URL"].removeprefix("sqlite:///"))
    files = [path for path in database.parent.glob(database.name + "*") if path.is_file()]
    assert files
    for path in files:
        assert sentence.encode() not in path.read_bytes(), path


async def test_resume_after_reconnect_on_the_real_server_loses_nothing(start_nodes):
    (node,) = start_nodes()
    reader, writer = LiveClient(node), LiveClient(node)
    try:
        for client in (reader, writer):
            client.get("/chat/1/")
        first = await reader.websocket("/ws/rooms/1/")
        hello = await first.receive_type("hello")
        await first.close()
        sender = await writer.websocket("/ws/rooms/1/")
        await sender.receive_type("hello")
        sent_ids = []
        for n in range(5):
            await sender.send(
                {"type": "message.send", "client_id": str(uuid.uuid4()), "body": f"n{n}"}
            )
            sent_ids.append((await sender.receive_type("message.ack"))["id"])
        again = await reader.websocket("/ws/rooms/1/")
        await again.receive_type("hello")
        await again.send({"type": "resume", "after": hello["last_id"]})
        replayed = [(await again.receive_type("message"))["id"] for _ in sent_ids]
        assert replayed == sent_ids
        assert (await again.receive_type("resume.done"))["last_id"] == sent_ids[-1]
    finally:
        await reader.close()
        await writer.close()
