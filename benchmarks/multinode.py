"""Two Daphne nodes on PostgreSQL and Redis behind one load client; the bare relay beside them.

Each room's two participants sit on different nodes, so every delivery crosses
Redis. Four Daphne processes start with the same settings: two for the chat and
two for a stock relay consumer (``chatplatform.bench``), with ``--clients-per-node``
sockets on each. Then:

1. **Correctness at the planned load**: ``--rate-per-node`` messages a second per
   node for ``--seconds``; every send must be acknowledged, delivered live to the
   other node, and stored once with gap-free ids per room (checked in PostgreSQL
   afterwards). CPU used by each node, PostgreSQL and Redis gives the cost per
   message.
2. **Stepped, interleaved**: chat and bare relay at ``--rates`` (messages a second
   in total), as in ``load.py``; each one's sustained rate at p99 < 150 ms.

On a 2-core machine the nodes, the databases and the client share the cores, so
the figures are per-message costs and a ratio, not a capacity; docs/deployment.md
turns them into a model. ``--layer core`` runs channels_redis' core layer instead.

    .venv/bin/python benchmarks/multinode.py [--clients-per-node 1000] [--rate-per-node 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from load import (
    LAYERS,
    P99_LIMIT_MS,
    RESULTS,
    Server,
    Stats,
    bare_frame,
    chat_frame,
    close_all,
    cpu_seconds,
    load_average,
    node_env,
    open_bare_clients,
    open_chat_clients,
    parse_rates,
    print_step,
    rss_kib,
    seed_rooms,
    start_node,
    stepped,
)

from tests.servers import Node, manage, running_postgres, running_redis


def children_cpu(parent_pid: int) -> float:
    """CPU seconds of a process and its direct children (PostgreSQL's backends)."""
    total = cpu_seconds(parent_pid)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent_pid:
            total += cpu_seconds(int(stat.parent.name))
    return total


def stored_rooms(database_url: str) -> tuple[int, int]:
    """(messages stored, rooms whose ids are not exactly 1..n)."""
    with psycopg.connect(database_url) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM chatplatform_message").fetchone()
        (broken,) = conn.execute(
            "SELECT COUNT(*) FROM (SELECT room_id FROM chatplatform_message "
            "WHERE seq IS NOT NULL GROUP BY room_id "
            "HAVING MAX(seq) <> COUNT(*) OR MIN(seq) <> 1 OR COUNT(DISTINCT seq) <> COUNT(*)) AS r"
        ).fetchone()
    return count, broken


async def run(args: argparse.Namespace, postgres_pid: int, redis_pid: int) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="bench-multinode-"))
    env = node_env(directory, args)
    manage(env, "migrate", "--noinput")
    rooms = seed_rooms(env, args.clients_per_node)
    chat_nodes: list[Node] = []
    bare_nodes: list[Node] = []
    result: dict[str, Any] = {
        "layer": args.layer,
        "clients_per_node": args.clients_per_node,
        "load_average_at_start": load_average(),
    }
    try:
        for n in range(2):
            chat_nodes.append(start_node(env, directory, f"chat-{n}"))
            bare_nodes.append(start_node(env, directory, f"bare-{n}"))
        await asyncio.sleep(1)
        idle = [rss_kib(n.process.pid) for n in chat_nodes]  # type: ignore[union-attr]
        chat_stats, bare_stats = Stats(), Stats()
        started = time.perf_counter()
        chat_clients = await open_chat_clients(chat_nodes, rooms, chat_stats)
        result["connect_seconds"] = round(time.perf_counter() - started, 2)
        await asyncio.sleep(2)
        connected = [rss_kib(n.process.pid) for n in chat_nodes]  # type: ignore[union-attr]
        result["kib_per_connection"] = [
            round((c - i) / args.clients_per_node, 1) for i, c in zip(idle, connected, strict=True)
        ]
        bare_clients = await open_bare_clients(bare_nodes, len(rooms), 2, bare_stats)
        chat = Server("chat", chat_nodes, chat_clients, chat_stats, chat_frame)
        bare = Server("bare", bare_nodes, bare_clients, bare_stats, bare_frame)

        # 1. The planned load, with every cost measured.
        rate = args.rate_per_node * 2
        services_before = children_cpu(postgres_pid), cpu_seconds(redis_pid)
        nodes_before = [cpu_seconds(n.process.pid) for n in chat_nodes]  # type: ignore[union-attr]
        step = await chat.step(rate, args.seconds)
        nodes_cpu = [
            cpu_seconds(n.process.pid) - b  # type: ignore[union-attr]
            for n, b in zip(chat_nodes, nodes_before, strict=True)
        ]
        postgres_cpu = children_cpu(postgres_pid) - services_before[0]
        redis_cpu = cpu_seconds(redis_pid) - services_before[1]
        sent = step["achieved"] * args.seconds
        count, broken_rooms = stored_rooms(args.database_url)
        result["planned"] = {
            **step,
            "stored": count,
            "acked": len(chat_stats.acked),
            "rooms_with_broken_ids": broken_rooms,
            "cpu_ms_per_message": {
                "each_node": [round(c * 1000 / (sent / 2), 3) for c in nodes_cpu],
                "postgresql": round(postgres_cpu * 1000 / sent, 3),
                "redis": round(redis_cpu * 1000 / sent, 3),
            },
        }
        print_step("chat", step)
        sys.stdout.write(f"  planned load: {json.dumps(result['planned']['cpu_ms_per_message'])}\n")
        chat.steps.clear()
        await asyncio.sleep(1)

        # 2. Stepped, chat and bare relay interleaved.
        await stepped([bare, chat], args.rates, args.step_seconds)
        await close_all(chat_clients + bare_clients)
        for server in (bare, chat):
            result[server.name] = {"steps": server.steps, "sustained": server.sustained()}
        sustained_bare, sustained_chat = result["bare"]["sustained"], result["chat"]["sustained"]
        result["ratio"] = round(sustained_chat / sustained_bare, 2) if sustained_bare else None
        count, broken_rooms = stored_rooms(args.database_url)
        result["stored_after_all_steps"] = count
        result["acked_after_all_steps"] = len(chat_stats.acked)
        result["rooms_with_broken_ids_after_all_steps"] = broken_rooms
    finally:
        for node in chat_nodes + bare_nodes:
            node.stop()
    return result


def redis_pid_of(url: str) -> int:
    port = url.rsplit(":", 1)[1].split("/")[0]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            raw = cmdline.read_bytes()
        except OSError:
            continue
        # redis-server rewrites its command line to "redis-server 127.0.0.1:<port>".
        program = raw.split(b" ")[0].split(b"\0")[0]
        if program.endswith(b"redis-server") and f":{port}".encode() in raw:
            return int(cmdline.parent.name)
    raise RuntimeError("redis-server not found")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients-per-node", type=int, default=1000)
    parser.add_argument("--rate-per-node", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--rates", type=parse_rates, default=parse_rates("200,300,400,500,600,700,800")
    )
    parser.add_argument("--step-seconds", type=float, default=10)
    parser.add_argument("--layer", choices=sorted(LAYERS), default="pubsub")
    args = parser.parse_args()
    if args.clients_per_node < 1 or args.rate_per_node <= 0 or args.seconds <= 0:
        parser.error("--clients-per-node, --rate-per-node and --seconds must be positive")
    with running_postgres() as cluster, running_redis() as redis_url:
        args.database_url, args.redis_url = cluster.create_database(), redis_url
        result = asyncio.run(run(args, cluster.process.pid, redis_pid_of(redis_url)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"multinode-{args.layer}.json").write_text(json.dumps(result, indent=2))
    planned = result["planned"]
    sys.stdout.write(
        f"layer {args.layer}, load average at start {result['load_average_at_start']}\n"
        f"2 nodes x {args.clients_per_node} sockets connected in {result['connect_seconds']} s, "
        f"{result['kib_per_connection']} KiB per connection\n"
        f"planned {args.rate_per_node:.0f} msg/s per node: p99 {planned['latency_ms']['p99']} ms, "
        f"errors {planned['errors']}, lost {planned['lost']}, unacked {planned['unacked']}, "
        f"stored {planned['stored']} of {planned['acked']} acked, "
        f"rooms with broken ids {planned['rooms_with_broken_ids']}\n"
        f"sustained at p99 < {P99_LIMIT_MS:.0f} ms (both nodes): "
        f"bare relay {result['bare']['sustained']:.0f}/s, "
        f"chat {result['chat']['sustained']:.0f}/s, "
        f"ratio {result['ratio']}; stored {result['stored_after_all_steps']} of "
        f"{result['acked_after_all_steps']} acked\n"
    )


if __name__ == "__main__":
    main()
