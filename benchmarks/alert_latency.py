"""Alert latency under load: a risk message is sent -> a supervisor's console socket has the alert.

Run it standalone (it starts PostgreSQL, Redis, two Daphne nodes and the paging
worker through the integration harness in tests/servers.py):

    .venv/bin/python benchmarks/alert_latency.py                 # 200 msg/s for 60 s
    ALERT_BENCH_RATE=100 ALERT_BENCH_SECONDS=30 .venv/bin/python benchmarks/alert_latency.py

Background load: participants in 20 group rooms send ordinary messages at
ALERT_BENCH_RATE messages per second (spread over both nodes; every message
passes the whole pipeline, the risk detector included). Probes: fresh
participants on node A each send "I have the pills in front of me right now"
in a crisis room, so each opens a new escalation; a supervisor is connected to
node B. Latency is from just before the probe's send to the arrival of the
``escalation.changed`` (opened) frame, and of the targeted ``escalation.page``.

A load script that runs its own nodes can call ``probe_alerts`` while its load runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RISK_MESSAGE = "I have the pills in front of me right now"
LOAD_ROOMS = 20
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 (the seeded demo accounts)
SETUP_ROOMS = """
from chatplatform.services.rooms import do_create_group_room
ids = [do_create_group_room(f"bench-{n}", f"Bench {n}").pk for n in range(%d)]
crisis = do_create_group_room("bench-crisis", "Bench crisis").pk
print(" ".join(map(str, ids)), crisis)
"""


@dataclass
class AlertLatency:
    probes: int
    alerts_received: int
    pages_received: int
    alert_ms: dict[str, float]
    page_ms: dict[str, float]
    load_rate_target: float = 0.0
    load_rate_achieved: float = 0.0
    load_errors: int = 0


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)

    return {
        "p50": round(statistics.median(ordered), 1),
        "p90": at(0.90),
        "p99": at(0.99),
        "max": round(ordered[-1], 1),
    }


async def probe_alerts(probe_node, supervisor_node, room: int, count: int, interval: float):
    """Send ``count`` risk messages from fresh participants; time each alert at a supervisor.

    Returns (alert latencies ms, page latencies ms). Nodes are tests.servers.Node objects
    sharing one database and channel layer; the demo supervisor must exist.
    """
    from tests.servers import LiveClient

    supervisor = LiveClient(supervisor_node)
    supervisor.login("supervisor@example.org", DEMO_PASSWORD)
    console = await supervisor.websocket("/ws/supervisor/")
    await console.receive_type("escalations")
    probes = []
    for _ in range(count):
        client = LiveClient(probe_node)
        client.get(f"/chat/{room}/")
        socket = await client.websocket(f"/ws/rooms/{room}/")
        hello = await socket.receive_type("hello")
        probes.append((client, socket, hello["you"]["handle"]))

    sent: dict[str, float] = {}
    alerts: dict[str, float] = {}
    pages: dict[str, float] = {}

    async def listen() -> None:
        while len(alerts) < count or len(pages) < count:
            frame = await console.receive(timeout=30)
            handle = frame.get("escalation", {}).get("handle")
            now = time.perf_counter()
            if frame["type"] == "escalation.changed" and frame["event"] == "opened":
                alerts.setdefault(handle, now)
            elif frame["type"] == "escalation.page":
                pages.setdefault(handle, now)

    async def drain(socket) -> None:
        while True:
            await socket.receive(timeout=3600)

    listener = asyncio.create_task(listen())
    drains = [asyncio.create_task(drain(socket)) for _, socket, _ in probes]
    start = time.perf_counter()
    for n, (_, socket, handle) in enumerate(probes):
        await asyncio.sleep(max(0.0, start + n * interval - time.perf_counter()))
        sent[handle] = time.perf_counter()
        await socket.send(
            {"type": "message.send", "client_id": str(uuid.uuid4()), "body": RISK_MESSAGE}
        )
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(listener, timeout=30)
    for task in drains:
        task.cancel()
    for client, _, _ in probes:
        await client.close()
    await supervisor.close()
    alert_ms = [(alerts[h] - sent[h]) * 1000 for h in sent if h in alerts]
    page_ms = [(pages[h] - sent[h]) * 1000 for h in sent if h in pages]
    return alert_ms, page_ms


async def generate_load(nodes, rooms: list[int], rate: float, seconds: float) -> tuple[int, int]:
    """Ordinary chat at ``rate`` messages/s over ``rooms``; returns (acked, errors)."""
    from tests.servers import LiveClient

    senders = []
    for index, room in enumerate(rooms):
        client = LiveClient(nodes[index % len(nodes)])
        client.get(f"/chat/{room}/")
        socket = await client.websocket(f"/ws/rooms/{room}/")
        await socket.receive_type("hello")
        senders.append((client, socket))
    counts = {"acked": 0, "errors": 0}
    per_sender_interval = len(senders) / rate

    async def send_loop(socket, offset: float) -> None:
        start = time.perf_counter() + offset
        n = 0
        while time.perf_counter() - start < seconds:
            await asyncio.sleep(max(0.0, start + n * per_sender_interval - time.perf_counter()))
            body = f"revision check-in {n}: the library was quiet today"
            await socket.send(
                {"type": "message.send", "client_id": str(uuid.uuid4()), "body": body}
            )
            n += 1

    async def read_loop(socket) -> None:
        while True:
            frame = await socket.receive(timeout=3600)
            if frame["type"] == "message.ack":
                counts["acked"] += 1
            elif frame["type"] == "error":
                counts["errors"] += 1

    readers = [asyncio.create_task(read_loop(socket)) for _, socket in senders]
    await asyncio.gather(
        *(
            send_loop(socket, n * per_sender_interval / len(senders))
            for n, (_, socket) in enumerate(senders)
        )
    )
    await asyncio.sleep(2)
    for task in readers:
        task.cancel()
    for client, _ in senders:
        await client.close()
    return counts["acked"], counts["errors"]


async def measure(nodes, rooms: list[int], crisis_room: int) -> AlertLatency:
    rate = float(os.environ.get("ALERT_BENCH_RATE", "200"))
    seconds = float(os.environ.get("ALERT_BENCH_SECONDS", "60"))
    count = int(os.environ.get("ALERT_BENCH_PROBES", "100"))
    warmup = 5.0
    load = asyncio.create_task(generate_load(nodes, rooms, rate, seconds))
    await asyncio.sleep(warmup)
    alert_ms, page_ms = await probe_alerts(
        nodes[0], nodes[-1], crisis_room, count, (seconds - warmup - 5) / count
    )
    acked, errors = await load
    return AlertLatency(
        probes=count,
        alerts_received=len(alert_ms),
        pages_received=len(page_ms),
        alert_ms=percentiles(alert_ms),
        page_ms=percentiles(page_ms),
        load_rate_target=rate,
        load_rate_achieved=round(acked / seconds, 1),
        load_errors=errors,
    )


def test_alert_latency(start_nodes, redis_url, postgres_database) -> None:
    """Run by main() through pytest, for the harness's server fixtures."""
    import subprocess

    from tests.servers import manage, stop_process

    env = {
        "MESSAGE_RATE_PER_MINUTE": "100000",
        "MESSAGE_RATE_BURST": "1000",
        "LOG_LEVEL": "WARNING",
    }
    nodes = start_nodes(count=2, database_url=postgres_database(), redis_url=redis_url, env=env)
    *rooms, crisis_room = map(
        int, manage(nodes[0].env, "shell", "-v", "0", "-c", SETUP_ROOMS % LOAD_ROOMS).stdout.split()
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "escalation_worker"],
        cwd=REPO_ROOT, env=nodes[0].env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        result = asyncio.run(measure(nodes, rooms, crisis_room))
    finally:
        stop_process(worker)
    output = REPO_ROOT / "var" / "bench" / "alert_latency.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(asdict(result), indent=2))
    print(json.dumps(asdict(result), indent=2))
    assert result.alerts_received == result.probes, "some alerts never arrived"


def main() -> int:
    import pytest

    os.chdir(REPO_ROOT)
    sys.path.insert(0, str(REPO_ROOT))
    return pytest.main(
        [f"{__file__}::test_alert_latency", "-p", "tests.servers", "-q", "-s", "--no-header"]
    )


if __name__ == "__main__":
    sys.exit(main())
