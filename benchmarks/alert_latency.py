"""Alert latency under the chat load of ``make bench``: risk message sent -> supervisor has it.

The same server and the same paced load as ``benchmarks/load.py`` (its helpers
are reused): one Daphne process with the embedded defaults, N clients in 1:1
rooms sending ``--rate`` messages/s for ``--seconds``. Meanwhile ``--probes``
other participants, each in their own 1:1 room, send "I have the pills in
front of me right now" at even intervals, so each opens a new escalation
(through the real risk detector); the demo supervisor's console is connected
over ``/ws/supervisor/``. For each probe the script records the time from just
before its send to the console's first alert frame (the targeted
``escalation.page`` or the ``escalation.changed`` "opened" broadcast, whichever
comes first), and to each of the two. The paging worker runs beside the node,
as deployed.

    .venv/bin/python benchmarks/alert_latency.py [--clients 1000] [--rate 200] [--seconds 20]
        [--probes 100] [--database-url postgres://...] [--redis-url redis://...]

Results are printed and written to var/bench/alert_latency.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load import RESULTS, Stats, close_all, open_client, open_many, paced, percentile

from tests.servers import REPO_ROOT, LiveClient, Node, free_port, manage, server_env, stop_process

RISK_MESSAGE = "I have the pills in front of me right now"
SUPERVISOR = ("supervisor@example.org", "demo-password-123")


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(samples, 0.50) * 1000, 1),
        "p95": round(percentile(samples, 0.95) * 1000, 1),
        "p99": round(percentile(samples, 0.99) * 1000, 1),
        "max": round(max(samples, default=float("nan")) * 1000, 1),
        "samples": len(samples),
    }


class AlertProbes:
    """Risk messages from participants in their own 1:1 rooms, timed to a supervisor's console.

    Usable by any load script: ``await open(node, pairs)`` before the load starts
    (``node`` runs the site with the demo supervisor; each pair holds a ``room`` and
    a ``participant`` session key), then ``await fire(seconds)`` while it runs.
    """

    async def open(self, node: Node, pairs: list[dict[str, Any]]) -> None:
        self.supervisor = LiveClient(node)
        self.supervisor.login(*SUPERVISOR)
        self.console = await self.supervisor.websocket("/ws/supervisor/")
        await self.console.receive_type("escalations")
        self.stats = stats = Stats()
        self.probes = await open_many(
            [
                lambda p=pair: open_client(
                    node, f"/ws/rooms/{p['room']}/", p["participant"], "probe", p["room"], stats
                )
                for pair in pairs
            ]
        )

    missing: list[int] = []
    unacked: list[int] = []

    async def fire(self, seconds: float) -> dict[str, list[float]]:
        """One risk message per probe, evenly over ``seconds``; latencies in seconds."""
        sent: dict[int, float] = {}
        # The ack (or an error) for each probe's message: an alert missing for a
        # message the server never stored is a different failure from a lost alert.
        acked: dict[int, asyncio.Future] = {}
        arrivals: dict[str, dict[int, float]] = {"escalation.changed": {}, "escalation.page": {}}

        probe_rooms = {probe.room for probe in self.probes}

        async def listen() -> None:
            while min(len(seen) for seen in arrivals.values()) < len(self.probes):
                frame = await self.console.receive(timeout=60)
                seen = arrivals.get(frame["type"])
                # Only the probes' rooms count: an alert from anywhere else must not
                # end the wait before the last probe's alert has arrived.
                if (
                    seen is not None
                    and frame.get("event", "opened") == "opened"
                    and frame["escalation"]["room"] in probe_rooms
                ):
                    seen.setdefault(frame["escalation"]["room"], time.perf_counter())

        listener = asyncio.create_task(listen())
        interval = seconds / len(self.probes)
        start = time.perf_counter()
        for n, probe in enumerate(self.probes):
            await asyncio.sleep(max(0.0, start + n * interval - time.perf_counter()))
            sent[probe.room] = time.perf_counter()
            client_id = str(uuid.uuid4())
            acked[probe.room] = probe.acks[client_id] = asyncio.get_running_loop().create_future()
            frame = {"type": "message.send", "client_id": client_id, "body": RISK_MESSAGE}
            await probe.connection.send(json.dumps(frame))
        try:
            await asyncio.wait_for(listener, timeout=60)
        except TimeoutError:
            sys.stdout.write("some alerts never arrived within 60 s\n")
        await close_all(self.probes)
        await self.supervisor.close()
        changed, pages = arrivals["escalation.changed"], arrivals["escalation.page"]
        self.missing = sorted(room for room in sent if room not in changed and room not in pages)
        self.unacked = sorted(room for room, future in acked.items() if not future.done())
        first = {
            room: min(seen[room] for seen in (changed, pages) if room in seen)
            for room in sent
            if room in changed or room in pages
        }
        return {
            "first_alert": [first[room] - sent[room] for room in first],
            "console_update": [changed[room] - sent[room] for room in sent if room in changed],
            "page": [pages[room] - sent[room] for room in sent if room in pages],
        }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    env = server_env(
        {
            "VAR_DIR": str(directory),
            "DATABASE_URL": args.database_url or f"sqlite:///{directory}/db.sqlite3",
            # As in load.py: the load measures the server, not the per-person rate limit.
            "MESSAGE_RATE_BURST": "100000",
            "MESSAGE_RATE_PER_MINUTE": "1000000",
            "LOG_LEVEL": "WARNING",
        }
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--quiet-logins")
    pair_count = args.clients // 2 + args.probes
    seeded = subprocess.run(
        [sys.executable, "benchmarks/seed_pairs.py", "--pairs", str(pair_count)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    pairs = json.loads(seeded.stdout)
    load_pairs, probe_pairs = pairs[: args.clients // 2], pairs[args.clients // 2 :]
    node = Node(env=env, port=free_port(), log_path=directory / "daphne.log")
    node.start()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "escalation_worker"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    probes: AlertProbes | None = None
    try:
        stats = Stats()
        clients = await open_many(
            [
                lambda p=pair, s=side: open_client(
                    node, f"/ws/rooms/{p['room']}/", p[s], f"{s}-{p['room']}", p["room"], stats
                )
                for pair in load_pairs
                for side in ("participant", "mentor")
            ]
        )
        probes = AlertProbes()
        await probes.open(node, probe_pairs)
        await asyncio.sleep(2)
        achieved, alerts = await asyncio.gather(
            paced(clients, stats, args.rate, args.seconds), probes.fire(args.seconds)
        )
        await asyncio.sleep(2)
        await close_all(clients)
    finally:
        stop_process(worker)
        node.stop()
        missing = probes.missing if probes is not None else []
        if missing:
            # Kept for inspection: the database and the server's log say where they went.
            sys.stdout.write(
                f"alerts missing for rooms {missing} (never acknowledged: "
                f"{probes.unacked if probes else []}); kept {directory}\n"
            )
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return {
        "clients": args.clients,
        "rate": args.rate,
        "seconds": args.seconds,
        "achieved_send_rate": round(achieved, 1),
        "load_errors": stats.errors,
        "chat_latency_ms": summary(stats.latencies),
        "probes": args.probes,
        "alert_latency_ms": summary(alerts["first_alert"]),
        "console_update_latency_ms": summary(alerts["console_update"]),
        "page_latency_ms": summary(alerts["page"]),
        "probe_errors": probes.stats.errors,
        "database": "postgresql" if args.database_url else "sqlite",
        "channel_layer": "redis" if args.redis_url else "in-memory",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000, help="load clients (two per room)")
    parser.add_argument("--rate", type=float, default=200, help="load messages per second")
    parser.add_argument("--seconds", type=float, default=20, help="length of the load")
    parser.add_argument("--probes", type=int, default=100, help="risk messages during the load")
    parser.add_argument("--database-url", help="default: SQLite in a temp dir")
    parser.add_argument("--redis-url", help="default: the in-memory channel layer")
    args = parser.parse_args()
    if args.clients < 2 or args.clients % 2 or args.probes < 1:
        parser.error("--clients must be even and at least 2; --probes at least 1")
    result = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "alert_latency.json").write_text(json.dumps(result, indent=2))
    alert, chat = result["alert_latency_ms"], result["chat_latency_ms"]
    sys.stdout.write(
        f"load: {result['achieved_send_rate']} msg/s for {result['seconds']} s "
        f"({result['clients']} clients), chat latency p50 {chat['p50']} p99 {chat['p99']} ms\n"
        f"alert latency ms ({alert['samples']}/{result['probes']} probes, "
        f"{result['probe_errors']} refused): p50 {alert['p50']}  "
        f"p95 {alert['p95']}  p99 {alert['p99']}  max {alert['max']}\n"
        f"  console update p99 {result['console_update_latency_ms']['p99']} ms, "
        f"page p99 {result['page_latency_ms']['p99']} ms\n"
    )


if __name__ == "__main__":
    main()
