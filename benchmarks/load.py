"""Chat load on one node, stepped, against a bare Channels relay measured in the same run.

The load shape of issue 16: ``--clients`` anonymous participants (1,000) in
two-person group rooms (500), each room cold at the start (no member until a
socket joins, no data key until the first message), the embedded defaults
(SQLite, the in-memory channel layer). Two Daphne processes start with the same
settings: the chat, and a stock ``AsyncWebsocketConsumer`` that only relays
frames to its group (``chatplatform.bench``). Each step sends ``rate`` messages
a second from random clients for ``--step-seconds``, first to one server then
to the other (the order alternates), and records send-to-delivery latency at
the room's other member, errors, and messages never delivered. A server's
sustained rate is the highest step before its first step with p99 >= 150 ms, an
error or a loss; the ratio compares the two.

    .venv/bin/python benchmarks/load.py [--clients 1000] [--rates 200,300,...] [--step-seconds 10]

``--services`` runs both servers on a real PostgreSQL and Redis instead
(``--layer`` picks the Redis channel layer). Results: ``var/bench/load-*.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidMessage

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
CONNECT_ATTEMPTS = 5
P99_LIMIT_MS = 150.0
# A step this far over the limit ends the stepping for that server: the backlog
# it leaves would only slow the next step down.
GIVE_UP_P99_MS = 2000.0
LAYERS = {
    "pubsub": "chatplatform.layers.RedisPubSubLayer",
    "core": "chatplatform.layers.RedisLayer",
}
# The per-person limits are for people; the benchmark measures the server.
UNLIMITED = {
    "MESSAGE_RATE_BURST": "100000",
    "MESSAGE_RATE_PER_MINUTE": "1000000",
    "WS_IDENTITY_FRAMES_PER_MINUTE": "1000000",
    "WS_FRAME_BURST": "100000",
    "WS_FRAMES_PER_SECOND": "100000",
    "WS_MAX_CONNECTIONS_PER_IDENTITY": "100",
}


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary_ms(samples: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(samples, 0.50) * 1000, 1),
        "p95": round(percentile(samples, 0.95) * 1000, 1),
        "p99": round(percentile(samples, 0.99) * 1000, 1),
        "max": round(max(samples, default=float("nan")) * 1000, 1),
        "samples": len(samples),
    }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """A process and its live descendants (a chat node's writer process)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with suppress(OSError):
                pending.extend(int(child) for child in task.read_text().split())
    return found


def tree_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU time so far of a node's process and each of its live child processes."""
    times = {}
    for each in process_tree(pid):
        with suppress(OSError):
            times[each] = cpu_seconds(each)
    return times


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


@dataclass
class Client:
    name: str
    room: int
    connection: ClientConnection
    on_frame: Callable[[Client, dict[str, Any]], None]
    reader: asyncio.Task | None = None
    acks: dict[str, asyncio.Future] = field(default_factory=dict)
    # Other members of the room, who should each receive what this client sends.
    peers: int = 1
    # The chat's message ids seen here, for the gap check of the multi-node run.
    last_id: int = 0

    def start(self) -> None:
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        with suppress(ConnectionClosed):
            async for raw in self.connection:
                frame = json.loads(raw)
                self.on_frame(self, frame)


@dataclass
class Stats:
    sent_at: dict[str, float] = field(default_factory=dict)
    sender_of: dict[str, str] = field(default_factory=dict)
    # client_id -> deliveries still expected at the sender's peers.
    undelivered: dict[str, int] = field(default_factory=dict)
    acked: set[str] = field(default_factory=set)
    sent: list[str] = field(default_factory=list)
    # Chat messages that arrived with an id past the next one expected at that socket.
    gaps: int = 0
    latencies: list[float] = field(default_factory=list)
    deliveries: int = 0
    errors: int = 0
    unanswered: int = 0
    error_codes: dict[str, int] = field(default_factory=dict)

    def expect(self, client: Client, client_id: str) -> None:
        self.sent_at[client_id] = time.perf_counter()
        self.sender_of[client_id] = client.name
        self.undelivered[client_id] = client.peers
        self.sent.append(client_id)

    def on_frame(self, client: Client, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message" or kind == "bench":
            self.deliveries += 1
            if kind == "message" and isinstance(frame.get("id"), int):
                if frame["id"] > client.last_id + 1:
                    self.gaps += 1
                client.last_id = max(client.last_id, frame["id"])
            client_id = frame.get("client_id")
            if client_id in self.sent_at and self.sender_of.get(client_id) != client.name:
                self.latencies.append(time.perf_counter() - self.sent_at[client_id])
                left = self.undelivered.get(client_id)
                if left is not None:
                    if left <= 1:
                        del self.undelivered[client_id]
                    else:
                        self.undelivered[client_id] = left - 1
            future = client.acks.pop(client_id, None) if kind == "bench" else None
            if future is not None and not future.done():
                future.set_result(None)
        elif kind == "message.ack":
            if "message" in frame:  # the sender's own copy, in the ack (``?own=ack``)
                self.on_frame(client, frame["message"])
            self.acked.add(frame["client_id"])
            future = client.acks.pop(frame["client_id"], None)
            if future is not None and not future.done():
                future.set_result(None)
        elif kind == "error":
            self.errors += 1
            code = frame.get("code", "?")
            self.error_codes[code] = self.error_codes.get(code, 0) + 1
            for future in client.acks.values():
                if not future.done():
                    future.set_result(None)
            client.acks.clear()


async def open_client(
    node: Node,
    path: str,
    session: str | None,
    name: str,
    room: int,
    stats: Stats,
    peers: int = 1,
) -> Client:
    headers = {"Origin": node.base_url}
    if session:
        headers["Cookie"] = f"sessionid={session}"
    for attempt in range(CONNECT_ATTEMPTS):
        try:
            # No keepalive pings from the client: while it opens another server's
            # thousand sockets its loop can stall past their timeout, and it would
            # close its own idle sockets (Daphne still pings them).
            connection = await connect(
                node.ws_url + path,
                additional_headers=headers,
                open_timeout=120,
                max_queue=None,
                ping_interval=None,
            )
            break
        except InvalidMessage:
            # Daphne drops a handshake the application has not answered in 5 s; on a
            # loaded machine a burst of handshakes can queue that long. Try again.
            if attempt == CONNECT_ATTEMPTS - 1:
                raise
            await asyncio.sleep(1 + attempt)
    client = Client(
        name=name, room=room, connection=connection, on_frame=stats.on_frame, peers=peers
    )
    if session:
        hello = json.loads(await connection.recv())
        assert hello["type"] == "hello", hello
        client.last_id = hello["last_id"]
    client.start()
    return client


async def open_many(factories: list[Callable[[], Any]], parallel: int = 20) -> list[Client]:
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


def bare_frame(client_id: str, body: str) -> str:
    return json.dumps({"type": "bench", "client_id": client_id, "body": body})


async def paced(
    clients: list[Client],
    stats: Stats,
    rate: float,
    seconds: float,
    frame: Callable[[str, str], str] = chat_frame,
) -> float:
    """Send ``rate`` messages per second from random clients; returns the achieved send rate."""
    interval = 1 / rate
    start = time.perf_counter()
    sent = 0
    while (now := time.perf_counter()) - start < seconds:
        due = int((now - start) / interval) + 1
        while sent < due:
            client = random.choice(clients)
            client_id = str(uuid.uuid4())
            stats.expect(client, client_id)
            # A number, not a piece of the uuid: hex such as "c7b" reads as leetspeak
            # for "ctb" (a suicide euphemism), and a load message then opened an escalation.
            try:
                await client.connection.send(frame(client_id, f"How are you doing today? ({sent})"))
            except ConnectionClosed:
                # Counted, not fatal: the step then reports it as an error and a loss.
                stats.errors += 1
                stats.error_codes["closed"] = stats.error_codes.get("closed", 0) + 1
            sent += 1
        await asyncio.sleep(interval / 2)
    return sent / (time.perf_counter() - start)


async def drain(stats: Stats, seconds: float) -> None:
    """Wait until every message sent has reached its peers, or ``seconds`` have passed."""
    deadline = time.perf_counter() + seconds
    while stats.undelivered and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)


def seed_rooms(env: dict[str, str], rooms: int, root: Path = REPO_ROOT) -> list[dict[str, Any]]:
    seeded = subprocess.run(
        [sys.executable, "benchmarks/seed_groups.py", "--rooms", str(rooms)],
        cwd=root, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(seeded.stdout)


async def open_chat_clients(
    nodes: list[Node], rooms: list[dict[str, Any]], stats: Stats
) -> list[Client]:
    """Every room's members, the n-th member of each room on node n (modulo the nodes)."""
    factories = []
    for room in rooms:
        peers = len(room["members"]) - 1
        for index, session in enumerate(room["members"]):
            node = nodes[index % len(nodes)]

            def factory(r=room["room"], s=session, i=index, n=node, p=peers):
                # As the chat page does: its own messages come back in their ack.
                return open_client(n, f"/ws/rooms/{r}/?own=ack", s, f"{i}-{r}", r, stats, p)

            factories.append(factory)
    return await open_many(factories)


async def open_bare_clients(
    nodes: list[Node], rooms: int, members: int, stats: Stats
) -> list[Client]:
    factories = []
    for room in range(rooms):
        for index in range(members):
            node = nodes[index % len(nodes)]

            def factory(r=room, i=index, n=node):
                return open_client(
                    n, f"/ws/bench/bare/{r}/", None, f"{i}-{r}", r, stats, members - 1
                )

            factories.append(factory)
    return await open_many(factories)


@dataclass
class Server:
    """One server under stepped load: its clients, their frames, and each step's figures."""

    name: str
    nodes: list[Node]
    clients: list[Client]
    stats: Stats
    frame: Callable[[str, str], str]
    steps: list[dict[str, Any]] = field(default_factory=list)
    stopped: bool = False

    async def step(self, rate: float, seconds: float) -> dict[str, Any]:
        self.stats.latencies = []
        self.stats.sent = []
        errors_before, gaps_before = self.stats.errors, self.stats.gaps
        cpu_before = [tree_cpu_seconds(n.process.pid) for n in self.nodes]  # type: ignore[union-attr]
        wall_before, client_before = time.perf_counter(), time.process_time()
        achieved = await paced(self.clients, self.stats, rate, seconds, self.frame)
        await drain(self.stats, 10)
        cpu = children = 0.0
        for node, before in zip(self.nodes, cpu_before, strict=True):
            for pid, used_so_far in tree_cpu_seconds(node.process.pid).items():  # type: ignore[union-attr]
                # A child that started during the step counts from zero.
                used = used_so_far - before.get(pid, 0.0)
                cpu += used
                if pid != node.process.pid:  # type: ignore[union-attr]
                    children += used
        wall = time.perf_counter() - wall_before
        client = time.process_time() - client_before
        lost = len(self.stats.undelivered)
        self.stats.undelivered.clear()
        result = {
            "rate": rate,
            "achieved": round(achieved, 1),
            "latency_ms": summary_ms(self.stats.latencies),
            "errors": self.stats.errors - errors_before,
            "lost": lost,
            "gaps": self.stats.gaps - gaps_before,
            "unacked": (
                sum(cid not in self.stats.acked for cid in self.stats.sent)
                if self.frame is chat_frame
                else None
            ),
            "server_cpu_ms_per_message": round(cpu * 1000 / (achieved * seconds), 3),
            "server_cpu_share": round(cpu / wall, 2),
            "child_cpu_ms_per_message": round(children * 1000 / (achieved * seconds), 3),
            # This load client's own CPU: on two cores it competes with the servers.
            "client_cpu_ms_per_message": round(client * 1000 / (achieved * seconds), 3),
            "load_average": load_average(),
        }
        self.steps.append(result)
        if (
            result["latency_ms"]["p99"] >= GIVE_UP_P99_MS
            or result["errors"]
            or lost
            or result["unacked"]
            or achieved < rate * 0.9
        ):
            self.stopped = True
        return result

    def sustained(self) -> float:
        """The highest rate before the first step that missed p99 < 150 ms, or lost or failed."""
        best = 0.0
        for step in self.steps:
            if (
                step["latency_ms"]["p99"] >= P99_LIMIT_MS
                or step["errors"]
                or step["lost"]
                or step["unacked"]
            ):
                break
            best = step["rate"]
        return best


def print_step(name: str, step: dict[str, Any]) -> None:
    latency = step["latency_ms"]
    sys.stdout.write(
        f"  {name:5} {step['rate']:>6.0f}/s (sent {step['achieved']}/s): p50 {latency['p50']} "
        f"p95 {latency['p95']} p99 {latency['p99']} max {latency['max']} ms, "
        f"errors {step['errors']}, lost {step['lost']}, unacked {step['unacked']}, "
        f"server CPU {step['server_cpu_ms_per_message']} ms/msg ({step['server_cpu_share']} core; "
        f"child processes {step['child_cpu_ms_per_message']} ms/msg; "
        f"load client {step['client_cpu_ms_per_message']} ms/msg), "
        f"load {step['load_average']}\n"
    )
    sys.stdout.flush()


async def stepped(servers: list[Server], rates: list[float], seconds: float) -> None:
    for index, rate in enumerate(rates):
        order = servers if index % 2 == 0 else list(reversed(servers))
        for server in order:
            if server.stopped:
                continue
            print_step(server.name, await server.step(rate, seconds))
            await asyncio.sleep(1)
        if all(server.stopped for server in servers):
            break


def node_env(directory: Path, args: argparse.Namespace) -> dict[str, str]:
    env = server_env(
        {
            "VAR_DIR": str(directory),
            "DATABASE_URL": args.database_url or f"sqlite:///{directory}/db.sqlite3",
            "BENCHMARK_ENDPOINTS": "true",
            "LOG_LEVEL": "WARNING",
            **UNLIMITED,
        }
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
        env["REDIS_CHANNEL_LAYER"] = args.layer
    return env


@dataclass
class TreeNode(Node):
    """A node running the code of another checkout (``--baseline-tree``)."""

    root: Path = REPO_ROOT

    def _start_on_port(self, root: Path = REPO_ROOT, timeout: float = 60) -> None:
        super()._start_on_port(self.root, timeout)


def start_node(env: dict[str, str], directory: Path, name: str, root: Path = REPO_ROOT) -> Node:
    log_path = directory / f"daphne-{name}.log"
    if root == REPO_ROOT:
        node = Node(env=env, port=free_port(), log_path=log_path)
    else:
        node = TreeNode(env=env, port=free_port(), log_path=log_path, root=root)
    node.start()
    return node


async def start_chat_variant(
    name: str,
    directory: Path,
    args: argparse.Namespace,
    extra: dict[str, str],
    nodes: list[Node],
    root: Path = REPO_ROOT,
) -> Server:
    """A chat server of its own (database, rooms, clients), with ``extra`` settings.

    Its node joins ``nodes`` as soon as it runs, so that it is stopped whatever happens.
    """
    directory.mkdir(parents=True, exist_ok=True)
    env = {**node_env(directory, args), **extra}
    if args.new_database is not None:
        # Its own PostgreSQL database, as it has its own SQLite file otherwise.
        env["DATABASE_URL"] = await asyncio.to_thread(args.new_database)
    # In threads: the other servers' sockets are open, and a blocked event loop
    # would answer none of Daphne's pings (it closes a socket after 30 s).
    await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=root, env=env, capture_output=True, check=True,
    )  # fmt: skip
    rooms = await asyncio.to_thread(seed_rooms, env, args.clients // 2, root)
    node = await asyncio.to_thread(start_node, env, directory, name, root)
    nodes.append(node)
    stats = Stats()
    clients = await open_chat_clients([node], rooms, stats)
    return Server(name, [node], clients, stats, chat_frame)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="bench-"))
    env = node_env(directory, args)
    manage(env, "migrate", "--noinput")
    rooms = seed_rooms(env, args.clients // 2)
    nodes: list[Node] = []
    chat_node = start_node(env, directory, "chat")
    nodes.append(chat_node)
    bare_node = start_node(env, directory, "bare")
    nodes.append(bare_node)
    result: dict[str, Any] = {
        "clients": args.clients,
        "rooms": len(rooms),
        "step_seconds": args.step_seconds,
        "load_average_at_start": load_average(),
    }
    try:
        await asyncio.sleep(1)
        assert chat_node.process is not None
        baseline = rss_kib(chat_node.process.pid)
        chat_stats, bare_stats = Stats(), Stats()
        started = time.perf_counter()
        chat_clients = await open_chat_clients([chat_node], rooms, chat_stats)
        result["connect_seconds"] = round(time.perf_counter() - started, 2)
        await asyncio.sleep(2)
        loaded = rss_kib(chat_node.process.pid)
        result["rss_mib_idle"] = round(baseline / 1024, 1)
        result["rss_mib_connected"] = round(loaded / 1024, 1)
        result["kib_per_connection"] = round((loaded - baseline) / len(chat_clients), 1)
        bare_clients = await open_bare_clients([bare_node], len(rooms), 2, bare_stats)
        servers = [
            Server("bare", [bare_node], bare_clients, bare_stats, bare_frame),
            Server("chat", [chat_node], chat_clients, chat_stats, chat_frame),
        ]
        for name, extra in args.variant:
            servers.append(await start_chat_variant(name, directory / name, args, extra, nodes))
        if args.baseline_tree:
            servers.append(
                await start_chat_variant(
                    "base", directory / "base", args, {}, nodes, args.baseline_tree
                )
            )
        await stepped(servers, args.rates, args.step_seconds)
        await close_all([client for server in servers for client in server.clients])
        result["rss_mib_after"] = round(rss_kib(chat_node.process.pid) / 1024, 1)
        for server in servers:
            result[server.name] = {"steps": server.steps, "sustained": server.sustained()}
        bare = result["bare"]["sustained"]
        result["ratio"] = round(result["chat"]["sustained"] / bare, 2) if bare else None
        for name in [name for name, _extra in args.variant] + ["base"] * bool(args.baseline_tree):
            result[name]["ratio"] = round(result[name]["sustained"] / bare, 2) if bare else None
    finally:
        for node in nodes:
            node.stop()
    return result


def parse_settings(text: str) -> dict[str, str]:
    """``KEY=VALUE[,KEY=VALUE...]`` as a dict (an argparse type)."""
    found = {}
    for item in filter(None, text.split(",")):
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise argparse.ArgumentTypeError(f"expected KEY=VALUE[,KEY=VALUE...], got {item!r}")
        found[key] = value
    return found


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``name:KEY=VALUE[,KEY=VALUE...]``: one more chat server with these settings."""
    name, _, settings = text.partition(":")
    try:
        extra = parse_settings(settings)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError("a variant is name:KEY=VALUE[,KEY=VALUE...]") from None
    if not name.isidentifier() or name in ("chat", "bare") or not extra:
        raise argparse.ArgumentTypeError("a variant is name:KEY=VALUE[,KEY=VALUE...]")
    return name, extra


def parse_rates(text: str) -> list[float]:
    try:
        rates = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("rates are numbers separated by commas") from None
    if not rates or any(rate <= 0 for rate in rates):
        raise argparse.ArgumentTypeError("give at least one positive rate")
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--clients", type=int, default=1000, help="websocket clients (two per room)"
    )
    parser.add_argument(
        "--rates",
        type=parse_rates,
        default=parse_rates("200,300,400,500,600,700,800,900,1000"),
        help="messages per second, one step each",
    )
    parser.add_argument("--step-seconds", type=float, default=10)
    parser.add_argument("--database-url", help="default: SQLite in a temp dir")
    parser.add_argument("--redis-url", help="default: the in-memory channel layer")
    parser.add_argument("--layer", choices=sorted(LAYERS), default="pubsub")
    parser.add_argument(
        "--variant",
        type=parse_variant,
        action="append",
        default=[],
        help="name:KEY=VALUE,...: one more chat server with these settings, stepped alongside "
        "(e.g. nobatch:SEND_BATCH_MAX=1)",
    )
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        help="a checkout of other code (e.g. `git archive <commit> | tar -x -C DIR`): one more "
        "chat server, 'base', runs it, stepped alongside, for a before/after in one run",
    )
    parser.add_argument(
        "--services",
        action="store_true",
        help="start a real PostgreSQL and Redis for this run",
    )
    args = parser.parse_args()
    if args.clients < 2 or args.clients % 2:
        parser.error("--clients must be an even number of at least 2")
    if args.step_seconds <= 0:
        parser.error("--step-seconds must be positive")
    args.new_database = None
    if args.services:
        with running_postgres() as cluster, running_redis() as redis_url:
            args.database_url, args.redis_url = cluster.create_database(), redis_url
            args.new_database = cluster.create_database
            result = asyncio.run(run(args))
        result["backend"] = f"postgresql+redis-{args.layer}"
    else:
        result = asyncio.run(run(args))
        result["backend"] = "custom" if args.database_url else "sqlite+in-memory"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"load-{result['backend']}.json").write_text(json.dumps(result, indent=2))
    sys.stdout.write(
        f"backend: {result['backend']}, load average at start {result['load_average_at_start']}\n"
        f"clients connected: {result['clients']} in {result['connect_seconds']} s\n"
        f"server memory: {result['rss_mib_idle']} MiB idle, "
        f"{result['rss_mib_connected']} MiB connected "
        f"({result['kib_per_connection']} KiB per connection), "
        f"{result['rss_mib_after']} MiB after the steps\n"
        f"sustained at p99 < {P99_LIMIT_MS:.0f} ms: "
        f"bare relay {result['bare']['sustained']:.0f}/s, "
        f"chat {result['chat']['sustained']:.0f}/s, ratio {result['ratio']}\n"
    )
    for name in [name for name, _extra in args.variant] + ["base"] * bool(args.baseline_tree):
        sys.stdout.write(
            f"variant {name}: {result[name]['sustained']:.0f}/s, ratio {result[name]['ratio']}\n"
        )


if __name__ == "__main__":
    main()
