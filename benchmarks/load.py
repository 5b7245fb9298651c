"""Load test: N websocket clients in 1:1 rooms on one real Daphne process.

Prints send-to-delivery latency p50/p95/p99 at a paced rate, deliveries per
second at saturation, server memory per connection, and, in the same run on
the same server, the throughput of a bare Channels broadcast consumer (no
persistence, no checks) with the ratio between the two.

    .venv/bin/python benchmarks/load.py [--clients 1000] [--rate 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.asyncio.client import ClientConnection, connect

from tests.servers import (
    REPO_ROOT,
    Node,
    free_port,
    manage,
    running_postgres,
    running_redis,
    server_env,
)

RESULTS = REPO_ROOT / "var" / "bench"


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@dataclass
class Client:
    name: str
    room: int
    connection: ClientConnection
    on_frame: Callable[[Client, dict[str, Any]], None]
    reader: asyncio.Task | None = None
    acks: dict[str, asyncio.Future] = field(default_factory=dict)

    def start(self) -> None:
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        async for raw in self.connection:
            frame = json.loads(raw)
            self.on_frame(self, frame)


@dataclass
class Stats:
    sent_at: dict[str, float] = field(default_factory=dict)
    sender_of: dict[str, str] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    deliveries: int = 0
    errors: int = 0
    unanswered: int = 0
    error_codes: dict[str, int] = field(default_factory=dict)

    def on_frame(self, client: Client, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message" or kind == "bench":
            self.deliveries += 1
            client_id = frame.get("client_id")
            if client_id in self.sent_at and self.sender_of.get(client_id) != client.name:
                self.latencies.append(time.perf_counter() - self.sent_at[client_id])
            future = client.acks.pop(client_id, None) if kind == "bench" else None
            if future is not None and not future.done():
                future.set_result(None)
        elif kind == "message.ack":
            future = client.acks.pop(frame["client_id"], None)
            if future is not None and not future.done():
                future.set_result(None)
        elif kind == "error":
            self.errors += 1
            self.error_codes[frame.get("code", "?")] = (
                self.error_codes.get(frame.get("code", "?"), 0) + 1
            )
            for future in client.acks.values():
                if not future.done():
                    future.set_result(None)
            client.acks.clear()


async def open_client(
    node: Node, path: str, session: str | None, name: str, room: int, stats: Stats
) -> Client:
    headers = {"Origin": node.base_url}
    if session:
        headers["Cookie"] = f"sessionid={session}"
    connection = await connect(
        node.ws_url + path, additional_headers=headers, open_timeout=60, max_queue=None
    )
    client = Client(name=name, room=room, connection=connection, on_frame=stats.on_frame)
    if session:
        hello = json.loads(await connection.recv())
        assert hello["type"] == "hello", hello
    client.start()
    return client


async def open_many(factories: list[Callable[[], Any]], parallel: int = 50) -> list[Client]:
    gate = asyncio.Semaphore(parallel)

    async def one(factory: Callable[[], Any]) -> Client:
        async with gate:
            return await factory()

    return await asyncio.gather(*(one(f) for f in factories))


async def close_all(clients: list[Client]) -> None:
    for client in clients:
        if client.reader:
            client.reader.cancel()
    await asyncio.gather(*(c.connection.close() for c in clients), return_exceptions=True)


def chat_frame(client_id: str, body: str) -> str:
    return json.dumps({"type": "message.send", "client_id": client_id, "body": body})


async def warm_up(senders: list[Client], parallel: int = 20) -> None:
    gate = asyncio.Semaphore(parallel)
    loop = asyncio.get_running_loop()

    async def one(client: Client) -> None:
        async with gate:
            client_id = str(uuid.uuid4())
            future = loop.create_future()
            client.acks[client_id] = future
            await client.connection.send(chat_frame(client_id, "hello"))
            await asyncio.wait_for(future, timeout=60)

    await asyncio.gather(*(one(c) for c in senders))
    await asyncio.sleep(1)


async def paced(clients: list[Client], stats: Stats, rate: float, seconds: float) -> float:
    """Send ``rate`` messages per second from random clients; returns the achieved send rate."""
    interval = 1 / rate
    start = time.perf_counter()
    sent = 0
    while (now := time.perf_counter()) - start < seconds:
        due = int((now - start) / interval) + 1
        while sent < due:
            client = random.choice(clients)
            client_id = str(uuid.uuid4())
            stats.sent_at[client_id] = time.perf_counter()
            stats.sender_of[client_id] = client.name
            # A number, not a piece of the uuid: hex such as "c7b" reads as leetspeak
            # for "ctb" (a suicide euphemism), and a load message then opened an escalation.
            await client.connection.send(
                chat_frame(client_id, f"How are you doing today? ({sent})")
            )
            sent += 1
        await asyncio.sleep(interval / 2)
    return sent / (time.perf_counter() - start)


async def saturate(
    senders: list[Client], stats: Stats, seconds: float, window: int, bare: bool
) -> float:
    """Every sender keeps ``window`` messages in flight; returns deliveries per second."""
    stop_at = time.perf_counter() + seconds
    before = stats.deliveries

    async def pump(client: Client) -> None:
        loop = asyncio.get_running_loop()
        while time.perf_counter() < stop_at:
            futures = []
            for _ in range(window):
                client_id = str(uuid.uuid4())
                future = loop.create_future()
                client.acks[client_id] = future
                futures.append(future)
                if bare:
                    text = json.dumps({"type": "bench", "client_id": client_id, "body": "x" * 40})
                else:
                    text = chat_frame(client_id, "x" * 40)
                await client.connection.send(text)
            try:
                await asyncio.wait_for(asyncio.gather(*futures), timeout=30)
            except TimeoutError:
                # Reported, not fatal: the figure then says how many never came back.
                stats.unanswered += sum(not future.done() for future in futures)
                for client_id in [k for k, f in client.acks.items() if f in futures]:
                    client.acks.pop(client_id, None)

    start = time.perf_counter()
    await asyncio.gather(*(pump(c) for c in senders))
    await asyncio.sleep(0.5)  # let the last deliveries arrive
    return (stats.deliveries - before) / (time.perf_counter() - start)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="bench-"))
    env = server_env(
        {
            "VAR_DIR": str(directory),
            "DATABASE_URL": f"sqlite:///{directory}/db.sqlite3",
            "BENCHMARK_ENDPOINTS": "true",
            # The saturation phase measures the server, not the per-person rate limit.
            "MESSAGE_RATE_BURST": "100000",
            "MESSAGE_RATE_PER_MINUTE": "1000000",
            "WS_IDENTITY_FRAMES_PER_MINUTE": "1000000",
            "WS_FRAME_BURST": "100000",
            "WS_FRAMES_PER_SECOND": "100000",
            "LOG_LEVEL": "WARNING",
        }
    )
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    manage(env, "migrate", "--noinput")
    seeded = subprocess.run(
        [sys.executable, "benchmarks/seed_pairs.py", "--pairs", str(args.clients // 2)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    pairs = json.loads(seeded.stdout)
    node = Node(env=env, port=free_port(), log_path=directory / "daphne.log")
    node.start()
    assert node.process is not None
    result: dict[str, Any] = {"clients": args.clients, "rate": args.rate, "seconds": args.seconds}
    try:
        await asyncio.sleep(1)
        baseline = rss_kib(node.process.pid)
        stats = Stats()
        factories = []
        for pair in pairs:
            for side in ("participant", "mentor"):
                name = f"{side}-{pair['room']}"

                def factory(p=pair, s=side, n=name):
                    return open_client(node, f"/ws/rooms/{p['room']}/", p[s], n, p["room"], stats)

                factories.append(factory)
        started = time.perf_counter()
        clients = await open_many(factories)
        result["connect_seconds"] = round(time.perf_counter() - started, 2)
        await asyncio.sleep(2)
        loaded = rss_kib(node.process.pid)
        result["rss_mib_idle"] = round(baseline / 1024, 1)
        result["rss_mib_connected"] = round(loaded / 1024, 1)
        result["kib_per_connection"] = round((loaded - baseline) / len(clients), 1)

        # A room's first message also creates its data key; real rooms have one
        # already, so every room sends one message before anything is measured.
        await warm_up([c for c in clients if c.name.startswith("participant")])
        stats.deliveries = 0
        achieved = await paced(clients, stats, args.rate, args.seconds)
        await asyncio.sleep(2)
        result["achieved_send_rate"] = round(achieved, 1)
        result["latency_ms"] = {
            "p50": round(percentile(stats.latencies, 0.50) * 1000, 1),
            "p95": round(percentile(stats.latencies, 0.95) * 1000, 1),
            "p99": round(percentile(stats.latencies, 0.99) * 1000, 1),
            "max": round(max(stats.latencies, default=float("nan")) * 1000, 1),
            "samples": len(stats.latencies),
        }
        result["paced_deliveries_per_second"] = round(stats.deliveries / args.seconds, 1)
        result["errors"] = stats.errors

        senders = [c for c in clients if c.name.startswith("participant")][
            : args.saturation_senders
        ]
        full = await saturate(senders, stats, args.saturation_seconds, 4, False)
        await close_all(clients)

        bare_stats = Stats()
        bare_factories = []
        for index in range(args.saturation_senders):
            for side in ("a", "b"):

                def bare_factory(i=index, s=side):
                    return open_client(
                        node, f"/ws/bench/bare/{i}/", None, f"{s}-{i}", i, bare_stats
                    )

                bare_factories.append(bare_factory)
        bare_clients = await open_many(bare_factories)
        bare = await saturate(
            [c for c in bare_clients if c.name.startswith("a-")],
            bare_stats,
            args.saturation_seconds,
            4,
            True,
        )
        await close_all(bare_clients)
        result["saturation"] = {
            "senders": args.saturation_senders,
            "errors": stats.errors - result["errors"],
            "error_codes": stats.error_codes,
            "unanswered_after_30_s": stats.unanswered,
            "chat_deliveries_per_second": round(full, 1),
            "bare_deliveries_per_second": round(bare, 1),
            "ratio": round(full / bare, 3) if bare else None,
        }
    finally:
        node.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--clients", type=int, default=1000, help="websocket clients (two per room)"
    )
    parser.add_argument(
        "--rate", type=float, default=200, help="messages per second in the paced phase"
    )
    parser.add_argument("--seconds", type=float, default=20, help="length of the paced phase")
    parser.add_argument("--saturation-senders", type=int, default=50)
    parser.add_argument("--saturation-seconds", type=float, default=10)
    parser.add_argument("--database-url", help="default: SQLite in a temp dir")
    parser.add_argument("--redis-url", help="default: the in-memory channel layer")
    parser.add_argument(
        "--services",
        action="store_true",
        help="start a real PostgreSQL and Redis for this run (the multi-node configuration)",
    )
    args = parser.parse_args()
    if args.clients < 2 or args.clients % 2:
        parser.error("--clients must be an even number of at least 2")
    if args.rate <= 0 or args.seconds <= 0:
        parser.error("--rate and --seconds must be positive")
    if args.services:
        with running_postgres() as cluster, running_redis() as redis_url:
            args.database_url, args.redis_url = cluster.create_database(), redis_url
            result = asyncio.run(run(args))
        result["backend"] = "postgresql+redis"
    else:
        result = asyncio.run(run(args))
        result["backend"] = "custom" if args.database_url else "sqlite+in-memory"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"load-{result['backend']}.json").write_text(json.dumps(result, indent=2))
    latency = result["latency_ms"]
    saturation = result["saturation"]
    lines = [
        f"backend: {result['backend']}",
        f"clients connected: {result['clients']} in {result['connect_seconds']} s",
        f"server memory: {result['rss_mib_idle']} MiB idle, "
        f"{result['rss_mib_connected']} MiB connected "
        f"({result['kib_per_connection']} KiB per connection)",
        f"paced: {result['achieved_send_rate']} msg/s for {result['seconds']} s, "
        f"{result['paced_deliveries_per_second']} deliveries/s, errors {result['errors']}",
        f"send-to-delivery latency ms: p50 {latency['p50']}  p95 {latency['p95']}  "
        f"p99 {latency['p99']}  max {latency['max']}  (n={latency['samples']})",
        f"saturation ({saturation['senders']} senders): "
        f"chat {saturation['chat_deliveries_per_second']} "
        f"deliveries/s, bare Channels {saturation['bare_deliveries_per_second']} deliveries/s, "
        f"ratio {saturation['ratio']}, "
        f"chat errors {saturation['errors']} {saturation['error_codes']}, "
        f"unanswered {saturation['unanswered_after_30_s']}",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
