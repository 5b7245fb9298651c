"""Many connections on one process: memory per socket, and a light load on top.

One Daphne process with the embedded defaults holds ``--clients`` (5,000)
anonymous participants' sockets in two-person group rooms, opened through the
full stack (origin check, session, room entry). Memory per connection is the
process's RSS growth from idle to all sockets open, divided by their number.
Then the sockets stay mostly idle: ``--rate`` messages a second for
``--seconds`` from random clients, with send-to-delivery latency, errors and
losses; at the end every socket must still be open.

    .venv/bin/python benchmarks/connections.py [--clients 5000] [--rate 50] [--seconds 20]

Aim (issue 16): 5,000 sockets on one process at no more than 50 KiB each.
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

from load import (
    RESULTS,
    Server,
    Stats,
    chat_frame,
    close_all,
    load_average,
    node_env,
    open_chat_clients,
    print_step,
    rss_kib,
    seed_rooms,
    start_node,
)

from tests.servers import manage

AIM_KIB = 50


async def run(args: argparse.Namespace) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="bench-connections-"))
    args.database_url = args.redis_url = None
    env = node_env(directory, args)
    manage(env, "migrate", "--noinput")
    rooms = seed_rooms(env, args.clients // 2)
    node = start_node(env, directory, "chat")
    assert node.process is not None
    result: dict[str, Any] = {"clients": args.clients, "load_average_at_start": load_average()}
    try:
        await asyncio.sleep(2)
        idle = rss_kib(node.process.pid)
        stats = Stats()
        started = time.perf_counter()
        clients = await open_chat_clients([node], rooms, stats)
        result["connect_seconds"] = round(time.perf_counter() - started, 1)
        await asyncio.sleep(5)
        connected = rss_kib(node.process.pid)
        result["rss_mib_idle"] = round(idle / 1024, 1)
        result["rss_mib_connected"] = round(connected / 1024, 1)
        result["kib_per_connection"] = round((connected - idle) / len(clients), 1)
        server = Server("chat", [node], clients, stats, chat_frame)
        step = await server.step(args.rate, args.seconds)
        print_step("chat", step)
        result["light_load"] = step
        result["rss_mib_after_load"] = round(rss_kib(node.process.pid) / 1024, 1)
        result["still_open"] = sum(c.reader is not None and not c.reader.done() for c in clients)
        await close_all(clients)
    finally:
        node.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    if args.clients < 2 or args.clients % 2:
        parser.error("--clients must be an even number of at least 2")
    if args.rate <= 0 or args.seconds <= 0:
        parser.error("--rate and --seconds must be positive")
    result = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "connections.json").write_text(json.dumps(result, indent=2))
    sys.stdout.write(
        f"{result['clients']} sockets connected in {result['connect_seconds']} s "
        f"(load average at start {result['load_average_at_start']}); "
        f"{result['rss_mib_idle']} MiB idle, {result['rss_mib_connected']} MiB connected: "
        f"{result['kib_per_connection']} KiB per connection (aim <= {AIM_KIB}); "
        f"{result['still_open']} still open after the light load; "
        f"{result['rss_mib_after_load']} MiB after it\n"
    )
    sys.exit(0 if result["kib_per_connection"] <= AIM_KIB else 1)


if __name__ == "__main__":
    main()
