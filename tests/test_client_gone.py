"""A client that goes away while its message is being stored: an info event, not an error.

Daphne drops what the application sends once it has noticed a disconnect. There
is a window before it notices: the client's close frame has been answered (the
socket is closed for sending) but the TCP connection is still flushing what the
server wrote. A send in that window raises autobahn's ``Disconnected``. The window
is short for a client that reads; it stays open as long as the server still has
unread data queued for the client, which is how the live test below holds it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
import struct
import threading
import uuid
from urllib.parse import urlparse

import pytest
from asgiref.sync import sync_to_async
from autobahn.exception import Disconnected
from channels.testing import WebsocketCommunicator

from chatplatform.models import Message
from chatplatform.services import messages as message_service
from tests.conftest import ORIGIN
from tests.servers import LiveClient, wait_until

LONG_BODY = "This is a long message that fills the page. " * 80  # 3,600 characters
PAGES = 20


@pytest.fixture
def application():
    """The ASGI application, imported before the test runs: its first import sets up
    Django's logging again, which would take pytest's log capture off the root logger."""
    from chatplatform.asgi import application

    return application


@pytest.mark.django_db(transaction=True)
async def test_a_send_to_a_client_that_left_while_its_message_was_stored_is_dropped_quietly(
    application, make_participant, make_group_room, session_for, monkeypatch, caplog
):
    """The consumer on its own: the client leaves while the group-commit writer holds its
    message, and the acknowledgement's send fails as Daphne's does in that window."""
    room = await sync_to_async(make_group_room)()
    participant = await sync_to_async(make_participant)()
    session = await sync_to_async(session_for)(participant)
    gone = asyncio.Event()

    async def like_daphne(scope, receive, send):
        async def send_or_fail(message):
            if gone.is_set():
                raise Disconnected("Attempt to send on a closed protocol")
            await send(message)

        await application(scope, receive, send_or_fail)

    writing, release = threading.Event(), threading.Event()
    real_write = message_service.do_send_messages

    def held_write(requests):
        writing.set()
        assert release.wait(10)
        return real_write(requests)

    monkeypatch.setattr(message_service, "do_send_messages", held_write)
    headers = [(b"host", b"testserver"), (b"origin", ORIGIN.encode())]
    headers.append((b"cookie", f"sessionid={session}".encode()))
    communicator = WebsocketCommunicator(like_daphne, f"/ws/rooms/{room.pk}/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    assert json.loads(await communicator.receive_from(timeout=5))["type"] == "hello"
    client_id = str(uuid.uuid4())
    caplog.set_level(logging.INFO)
    await communicator.send_to(
        text_data=json.dumps({"type": "message.send", "client_id": client_id, "body": "bye"})
    )
    assert await asyncio.to_thread(writing.wait, 10)
    gone.set()
    release.set()
    await asyncio.to_thread(
        wait_until,
        lambda: any(getattr(r, "event", "") == "ws.client_gone" for r in caplog.records),
        10,
        "the client-gone event",
    )
    # A frame after that is handled, and its reply dropped quietly too.
    await communicator.send_to(text_data=json.dumps({"type": "ping"}))
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()

    gone_events = [r for r in caplog.records if getattr(r, "event", "") == "ws.client_gone"]
    assert [r.levelname for r in gone_events] == ["INFO"]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    stored = await sync_to_async(Message.objects.filter(client_id=client_id).count)()
    assert stored == 1


class RawWebsocket:
    """A websocket client that reads nothing unless asked, so the server's writes pile up."""

    def __init__(self, url: str, cookie: str, origin: str) -> None:
        parsed = urlparse(url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # A small receive window: what the server writes stays queued on its side.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((parsed.hostname, parsed.port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parsed.path} HTTP/1.1\r\nHost: {parsed.hostname}:{parsed.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {origin}\r\nCookie: {cookie}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(4096)
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def frame(self, opcode: int, payload: bytes) -> bytes:
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return header + mask + masked

    def send_json(self, frame: dict) -> None:
        self.sock.sendall(self.frame(0x1, json.dumps(frame).encode()))

    def read_frame(self) -> tuple[int, bytes]:
        def need(count: int) -> bytes:
            while len(self.buffer) < count:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                self.buffer += chunk
            data, self.buffer = self.buffer[:count], self.buffer[count:]
            return data

        first, second = need(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", need(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", need(8))
        return first & 0x0F, need(length)

    def close(self) -> None:
        self.sock.close()


@pytest.mark.integration
async def test_a_client_gone_while_its_message_is_stored_is_an_info_event_not_an_error(
    start_nodes,
):
    (node,) = start_nodes(
        env={
            "MESSAGE_RATE_BURST": "1000",
            "WS_FRAME_BURST": "1000",
            "WS_IDENTITY_FRAMES_PER_MINUTE": "100000",
        }
    )
    writer = LiveClient(node)
    leaver = LiveClient(node)
    raw = None
    try:
        # A room with enough long messages that a few history pages overfill the socket.
        writer.get("/chat/1/")
        socket_ = await writer.websocket("/ws/rooms/1/")
        await socket_.receive_type("hello")
        for _ in range(100):
            await socket_.send(
                {"type": "message.send", "client_id": str(uuid.uuid4()), "body": LONG_BODY}
            )
            await socket_.receive_type("message.ack", timeout=30)
        await writer.close()

        leaver.get("/chat/1/")
        cookie = "; ".join(f"{c.name}={c.value}" for c in leaver.jar)
        raw = RawWebsocket(node.ws_url + "/ws/rooms/1/", cookie, node.base_url)
        _opcode, hello = raw.read_frame()
        assert json.loads(hello)["type"] == "hello"
        for _ in range(PAGES):  # megabytes the client never reads
            raw.send_json({"type": "history", "limit": 100})
        # Frames are handled in order: once this one is stored, the pages have been written.
        marker = str(uuid.uuid4())
        raw.send_json({"type": "message.send", "client_id": marker, "body": "still here"})
        await asyncio.to_thread(
            wait_until, lambda: count_stored(node, marker) == 1, 60, "the marker message"
        )
        client_id = str(uuid.uuid4())
        # The message and the close in one write: the server has answered the close
        # (and stopped sending) before the message's batch commits and it acknowledges.
        raw.sock.sendall(
            raw.frame(
                0x1,
                json.dumps(
                    {"type": "message.send", "client_id": client_id, "body": "goodbye"}
                ).encode(),
            )
            + raw.frame(0x8, struct.pack("!H", 1000))
        )

        def answered() -> bool:
            logs = node.logs()
            return "ws.client_gone" in logs or '"level": "ERROR"' in logs

        await asyncio.to_thread(
            wait_until, answered, 60, "the message's outcome in the log", node.log_path
        )
    finally:
        if raw is not None:
            raw.close()
        await writer.close()

    lines = [json.loads(line) for line in node.logs().splitlines() if line.startswith("{")]
    errors = [line for line in lines if line.get("level") in ("ERROR", "CRITICAL")]
    assert errors == [], [line.get("exc_info", line["message"])[-400:] for line in errors]
    gone = [line for line in lines if line.get("event") == "ws.client_gone"]
    assert len(gone) == 1 and gone[0]["level"] == "INFO", gone
    assert gone[0]["route"] == "RoomConsumer"
    # The message is stored, once, even though its sender is gone (the client re-sends it
    # with its client_id after reconnecting). The sender may be found gone by an earlier
    # send (an echo or a page still flushing) before this message's batch commits.
    await asyncio.to_thread(
        wait_until, lambda: count_stored(node, client_id) >= 1, 30, "the message stored"
    )
    assert await sync_to_async(count_stored)(node, client_id) == 1


def count_stored(node, client_id: str) -> int:
    import sqlite3

    path = node.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM chatplatform_message WHERE client_id = ?",
            (uuid.UUID(client_id).hex,),
        ).fetchone()
    return count
