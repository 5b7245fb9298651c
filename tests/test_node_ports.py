"""A test node answers from its own process, never from whatever took its port.

``free_port()`` lets the port go before Daphne binds it; another process on the
machine (another test run, a benchmark's node) can take it in between. These tests put
a stranger HTTP server on the port, one that answers 200 to everything as a node
would, and check that the node neither mistakes the stranger's answers for its own
nor leaves the caller talking to the stranger.
"""

from __future__ import annotations

import http.server
import os
import socket
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.servers import Node, PortTaken, free_port, listening_socket_owner


class _Stranger(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Stranger", "yes")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def stranger_on(port: int) -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Stranger)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def answered_by_stranger(node: Node) -> bool:
    with urllib.request.urlopen(node.base_url + "/api/rooms/", timeout=5) as reply:
        return reply.headers.get("X-Stranger") == "yes"


def test_listening_socket_owner_tells_this_process_from_another():
    port = free_port()
    with stranger_on(port):
        assert listening_socket_owner(os.getpid(), port)
        assert not listening_socket_owner(os.getppid(), port)
    assert not listening_socket_owner(os.getpid(), port)


def test_a_first_start_on_a_taken_port_moves_to_a_free_one_and_answers_itself(start_nodes):
    (first,) = start_nodes()
    taken = free_port()
    node = Node(env=first.env, port=taken, log_path=first.log_path.with_name("moved.log"))
    with stranger_on(taken):
        try:
            node.start()
            assert node.port != taken
            assert node.process is not None
            assert listening_socket_owner(node.process.pid, node.port)
            assert not answered_by_stranger(node)
            assert "Address already in use" in node.logs()
        finally:
            node.stop()
    assert node.process is None


def test_a_restart_on_a_port_taken_meanwhile_is_a_clear_error(start_nodes):
    (node,) = start_nodes()
    port = node.port
    node.stop()
    with stranger_on(port):
        with pytest.raises(PortTaken, match=f"port {port} is held by another process"):
            node.start()
        assert node.port == port
        assert node.process is None
    node.start()
    assert node.port == port
    assert node.process is not None
    assert listening_socket_owner(node.process.pid, port)
    assert not answered_by_stranger(node)


@pytest.mark.parametrize("server", ["redis", "postgres"])
def test_redis_and_postgres_move_off_a_port_another_process_took(server, monkeypatch):
    import tests.servers as servers

    taken = free_port()
    offered = iter([taken])
    real_free_port = servers.free_port
    monkeypatch.setattr(servers, "free_port", lambda: next(offered, None) or real_free_port())
    with stranger_on(taken):
        if server == "redis":
            with servers.running_redis() as url:
                port = int(url.rsplit(":", 1)[1].split("/")[0])
                assert port != taken
                with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                    conn.sendall(b"PING\r\n")
                    assert conn.recv(16).startswith(b"+PONG")
        else:
            import psycopg

            with servers.running_postgres() as cluster:
                assert cluster.port != taken
                assert listening_socket_owner(cluster.process.pid, cluster.port)
                with psycopg.connect(cluster.url("postgres")) as conn:
                    assert conn.execute("select 1").fetchone() == (1,)
