"""Eager socket writes (EAGER_SOCKET_WRITE, chatplatform/eager_write.py) keep Twisted's guarantees.

A transport that writes at once when nothing is buffered must still deliver
every byte, whole and in order, to a reader too slow to take them at once
(the rest goes through Twisted's buffer, pausing and resuming a streaming
producer as before); close only after what was written has gone; and treat a
peer that vanished as a lost connection, never an error in the writer. Each
case runs a real Twisted asyncio reactor in its own process
(``tests/eager_write_server.py``), as Daphne runs.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time
import uuid

import pytest

from chatplatform import eager_write
from tests.eager_write_server import CHUNK_SIZE, CHUNKS, chunk
from tests.servers import REPO_ROOT, LiveClient
from tests.test_configuration import start_settings


class PeerServer:
    """tests/eager_write_server.py in MODE, and the lines it reports."""

    def __init__(self, mode: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.eager_write_server", mode],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("port "), line + self.process.stderr.read()
        self.port = int(line.split()[1])
        self.seen: dict[str, str] = {}

    def wait_for(self, key: str) -> str:
        """Read the server's reports until ``key`` (the server is still running)."""
        assert self.process.stdout is not None
        while key not in self.seen:
            line = self.process.stdout.readline()
            assert line, f"the server exited before reporting {key}"
            name, _, value = line.rstrip("\n").partition(" ")
            self.seen[name] = value
        return self.seen[key]

    def connect(self, receive_buffer: int | None = None) -> socket.socket:
        conn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        conn.settimeout(30)
        conn.connect(("127.0.0.1", self.port))
        return conn

    def reports(self) -> tuple[dict[str, str], str]:
        stdout, stderr = self.process.communicate(timeout=60)
        found = dict(line.split(" ", 1) for line in stdout.splitlines() if " " in line)
        return {**self.seen, **found}, stderr


def read_all(conn: socket.socket, pause_first: float = 0.0) -> bytes:
    """Everything until the server closes, reading slowly at first when asked."""
    time.sleep(pause_first)
    received = bytearray()
    while True:
        data = conn.recv(16 * 1024)
        if not data:
            return bytes(received)
        received += data


def test_small_writes_go_at_once_and_close_after_them():
    server = PeerServer("small")
    conn = server.connect()
    received = read_all(conn)
    conn.close()
    reports, stderr = server.reports()
    assert received == b"one\ntwo\nthree\n"
    assert reports["eager"] == "True"
    # Nothing was left to Twisted's buffer: all three were sent from write().
    assert reports["buffered_after_writes"] == "0"
    assert reports["lost"] == "ConnectionDone"
    assert "Traceback" not in stderr


def test_a_slow_reader_gets_every_byte_in_order_and_the_close_after_them():
    server = PeerServer("slow")
    conn = server.connect(receive_buffer=16 * 1024)
    received = read_all(conn, pause_first=1.0)
    conn.close()
    reports, stderr = server.reports()
    assert reports["eager"] == "True"
    assert reports["first_write_buffered"] == "0"  # the first chunk went at once
    # The kernel took only part of the rest: Twisted's buffer held the remainder.
    assert int(reports["buffered_after_writes"]) > 0
    assert len(received) == CHUNKS * CHUNK_SIZE
    numbers = [
        struct.unpack(">I", received[n : n + 4])[0] for n in range(0, len(received), CHUNK_SIZE)
    ]
    assert numbers == list(range(CHUNKS))
    assert received == b"".join(chunk(number) for number in range(CHUNKS))
    # The streaming producer was paused while the buffer was full, resumed once it drained.
    assert int(reports["producer_paused"]) >= 1
    assert int(reports["producer_resumed"]) >= 1
    assert reports["lost"] == "ConnectionDone"
    assert "Traceback" not in stderr


def test_a_write_to_a_peer_that_vanished_is_a_lost_connection_not_an_error():
    server = PeerServer("vanish")
    conn = server.connect()
    assert server.wait_for("eager") == "True"  # accepted, and no longer reading
    # Reset, not a polite close: the server's next send() fails.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
    reports, stderr = server.reports()
    assert reports["eager"] == "True"
    assert reports["write_returned"] == "True"
    assert reports["lost"] == "ConnectionLost"
    assert "Traceback" not in stderr


def test_only_twisted_own_tcp_server_transport_is_switched():
    class Wrapped:
        pass

    transport = Wrapped()
    assert eager_write.make_eager(transport) is False
    assert type(transport) is Wrapped


@pytest.mark.parametrize("value", ["sometimes", "2"])
def test_a_bad_eager_socket_write_value_stops_the_site_with_a_clear_sentence(value):
    result = start_settings({"EAGER_SOCKET_WRITE": value})
    assert result.returncode != 0
    assert "EAGER_SOCKET_WRITE must be one of true/false" in result.stderr


@pytest.mark.parametrize("value", ["true", "false"])
def test_good_eager_socket_write_values_start(value):
    result = start_settings({"EAGER_SOCKET_WRITE": value})
    assert result.returncode == 0, result.stderr


@pytest.mark.integration
@pytest.mark.asyncio
async def test_a_chat_on_a_node_with_eager_writes_arrives_whole_and_in_order(start_nodes):
    (node,) = start_nodes(env={"EAGER_SOCKET_WRITE": "true"})
    reader, writer = LiveClient(node), LiveClient(node)
    try:
        for client in (reader, writer):
            client.get("/chat/1/")
        listening = await reader.websocket("/ws/rooms/1/")
        await listening.receive_type("hello")
        sender = await writer.websocket("/ws/rooms/1/")
        await sender.receive_type("hello")
        bodies = [f"n{n}:" + "x" * (n * 700) for n in range(6)]  # up to 3,500 characters
        sent_ids = []
        for body in bodies:
            await sender.send(
                {"type": "message.send", "client_id": str(uuid.uuid4()), "body": body}
            )
            sent_ids.append((await sender.receive_type("message.ack"))["id"])
        got = [await listening.receive_type("message") for _ in bodies]
        assert [frame["id"] for frame in got] == sent_ids
        assert [frame["body"] for frame in got] == bodies
    finally:
        await reader.close()
        await writer.close()
    assert "serve.eager_socket_write" in node.logs()
