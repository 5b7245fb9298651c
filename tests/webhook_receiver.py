"""A local HTTP server standing in for PagerDuty's Events API (or any JSON webhook).

It records every JSON body it is sent and answers 202 as PagerDuty does, or the
statuses a test queues up first (to exercise retries and refusals).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Receiver:
    url: str
    events: list[dict[str, Any]] = field(default_factory=list)
    # Statuses to answer with, in order, before answering 202 again.
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_next(self, *statuses: int) -> None:
        with self.lock:
            self.statuses.extend(statuses)

    def actions(self) -> list[tuple[str, str]]:
        return [(e["event_action"], e["dedup_key"]) for e in self.events]


def start_receiver() -> tuple[ThreadingHTTPServer, Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/v2/enqueue")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                status = receiver.statuses.pop(0) if receiver.statuses else 202
                if status == 202:
                    receiver.events.append(json.loads(body))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "success"}' if status == 202 else b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, receiver


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    server, receiver = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()
