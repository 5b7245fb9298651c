"""Where a chat node's CPU goes per message: py-spy on one node under load.py's load shape.

Starts one chat node (embedded defaults, load.py's settings), seeds ``--clients``
participants in two-person group rooms, opens their sockets, warms every room
with one message each (so the profile is of warm rooms, as most of a day is),
then samples the node with py-spy for ``--seconds`` while ``--rate`` messages a
second are sent from random clients. It prints the node's CPU time per message
during the sampling and, for each step of the send path, its share of the
samples and the CPU milliseconds per message that share stands for.

    .venv/bin/python benchmarks/profile_send.py [--clients 1000] [--rate 300] [--seconds 20]

Needs py-spy (``pip install py-spy``; not a project dependency). Raw stacks:
``var/bench/profile-send-<tree>.txt`` (py-spy's collapsed format, for a flame graph).

Paired A/B, no py-spy (``make bench-pair``): ``--compare KEY=VALUE,...`` runs B with
these settings added, ``--compare-tree DIR`` runs B on another checkout; A and B
alternate in ABBA order ``--pairs`` times, each on a fresh node and database, and
the B ÷ A ratio of CPU per message is printed per pair with each run's mean
group-commit batch (CPU per message falls as batches grow; ``--env
SEND_BATCH_MAX=1`` fixes it for both sides).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import load
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.servers import REPO_ROOT, running_postgres, running_redis

# Each step of the send path and the frames that mark it in py-spy's stacks
# ("function (path:line)", joined by ";"). A sample counts for the first step, in
# this order, with a marker on its stack: narrower steps come first.
STEPS: list[tuple[str, tuple[str, ...]]] = [
    ("risk model + memory (escalation risk_check)", (";risk_check (escalation/checks.py:",)),
    ("moderation rules", (";rules (moderation/checks.py:",)),
    (
        "ban/removal/room state SQL (moderation)",
        (
            ";participant_may_post (moderation/checks.py:",
            ";still_allowed (moderation/checks.py:",
            ";room_state (moderation/checks.py:",
        ),
    ),
    ("other checks", (";run_checks (chatplatform/pipeline.py:",)),
    ("message_stored receivers", (";Signal.send (django/dispatch/dispatcher.py:",)),
    ("encryption", (";encrypt_body (chatplatform/services/keys.py:",)),
    ("next id: UPDATE ... RETURNING", (";_take_next_seq (chatplatform/services/messages.py:",)),
    ("INSERT", (";insert (chatplatform/fastsql.py:",)),
    ("payload + publish on commit", (";notify_message (chatplatform/services/messages.py:",)),
    ("Message() instance", (";Model.__init__ (django/db/models/base.py:",)),
    (
        "savepoints, transaction, commit",
        (
            ";Atomic.__exit__ (django/db/transaction.py:",
            ";Atomic.__enter__ (django/db/transaction.py:",
        ),
    ),
    ("rest of the batch", (";do_send_messages (chatplatform/services/messages.py:",)),
    ("database thread: hop to and from the loop", ("_worker (concurrent/futures/thread.py:",)),
    (
        "websocket frame out (JSON, autobahn, Twisted write)",
        (
            ";FrameConsumer.send_json (",
            ";WebSocketProtocol.handle_reply (",
            ";FileDescriptor.doWrite (",
        ),
    ),
    ("delivery: per-viewer render (chat_message)", (";RoomConsumer.chat_message (",)),
    ("channel layer", ("channels/layers.py:", "chatplatform/layers.py:")),
    ("throttle (frame and message limits)", (";_cache_call (chatplatform/consumers.py:",)),
    ("frame in: decode, parse, group commit wait", (";FrameConsumer.receive (",)),
    ("consumer dispatch (Channels, log contexts)", (";FrameConsumer.dispatch (", "channels/")),
    ("websocket frame in (Twisted read, autobahn)", (";Connection.doRead (",)),
    ("event loop, reactor, timers", ("asyncio/", "twisted/")),
]


# Leaf frames of a thread that waits rather than works: the event loop in epoll, the
# database thread for its next batch. py-spy counts a waiting thread as active when
# the machine is busy (it is runnable); these samples are left out of the shares.
WAITING_LEAVES = ("EpollSelector.select (selectors.py:", "_worker (concurrent/futures/thread.py:")


WAITING = "waiting (left out)"


def step_of(stack: str) -> str:
    if stack.rsplit(";", 1)[-1].startswith(WAITING_LEAVES):
        return WAITING
    for name, markers in STEPS:
        if any(marker in stack for marker in markers):
            return name
    return "other"


async def batch_counts(node: load.Node) -> dict[str, int] | None:
    """The node's group-commit counts so far; None when its code has no such endpoint."""
    try:
        async with connect(
            node.ws_url + "/ws/bench/batches/",
            additional_headers={"Origin": node.base_url},
            open_timeout=10,
        ) as ws:
            return json.loads(await asyncio.wait_for(ws.recv(), 10))
    except (TimeoutError, OSError, ConnectionClosed, InvalidStatus):
        return None


async def profile(args: argparse.Namespace, tree: Path, extra: dict[str, str], label: str) -> dict:
    """One node of ``tree`` with ``extra`` settings under load; its CPU per message and more."""
    directory = Path(tempfile.mkdtemp(prefix="profile-send-"))
    env = {**load.node_env(directory, args), **extra}
    if args.new_database is not None:
        env["DATABASE_URL"] = args.new_database()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=tree, env=env, capture_output=True, check=True,
    )  # fmt: skip
    rooms = load.seed_rooms(env, args.clients // 2, tree)
    node = load.start_node(env, directory, "chat", tree)
    spy = None
    try:
        assert node.process is not None
        stats = load.Stats()
        clients = await load.open_chat_clients([node], rooms, stats)
        # One message per room: every room's data key exists, as in a warm day.
        by_room = {client.room: client for client in clients}
        for client in by_room.values():
            client_id = str(uuid.uuid4())
            stats.expect(client, client_id)
            await client.connection.send(load.chat_frame(client_id, "warm up"))
            await asyncio.sleep(0.005)
        await load.drain(stats, 30)
        await load.paced(clients, stats, args.rate, 3)  # settle
        await load.drain(stats, 10)
        stats.latencies = []
        raw = Path(load.RESULTS) / f"profile-send-{label}.txt"
        if args.spy:
            raw.parent.mkdir(parents=True, exist_ok=True)
            spy = subprocess.Popen(
                [args.py_spy, "record", "--pid", str(node.process.pid), "--format", "raw",
                 "--rate", "250", "--duration", str(int(args.seconds)), "--output", str(raw),
                 "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            await asyncio.sleep(1)  # py-spy attaches
        batches_before = await batch_counts(node)
        cpu_before = load.cpu_seconds(node.process.pid)
        sent_before = len(stats.sent)
        load_before = load.load_average()
        started = time.perf_counter()
        await load.paced(clients, stats, args.rate, args.seconds - (1.5 if args.spy else 0))
        wall = time.perf_counter() - started
        cpu = load.cpu_seconds(node.process.pid) - cpu_before
        messages = len(stats.sent) - sent_before
        batches_after = await batch_counts(node)
        if spy is not None:
            await asyncio.to_thread(spy.wait)
        await load.drain(stats, 10)
        await load.close_all(clients)
    finally:
        node.stop()
    result = {
        "label": label,
        "messages": messages,
        "wall": wall,
        "ms_per_message": cpu * 1000 / messages,
        "core": cpu / wall,
        "load_average": f"{load_before}-{load.load_average()}",
        "latency": load.summary_ms(stats.latencies),
        "batch_mean": None,
    }
    if batches_before is not None and batches_after is not None:
        batches = batches_after["batches"] - batches_before["batches"]
        in_batches = batches_after["messages"] - batches_before["messages"]
        result["batch_mean"] = in_batches / batches if batches else None
    batch = f"{result['batch_mean']:.2f}" if result["batch_mean"] is not None else "not reported"
    sys.stdout.write(
        f"[{label}] {messages} messages in {wall:.1f} s at {args.rate}/s, "
        f"load average {result['load_average']}; "
        f"node CPU {result['ms_per_message']:.3f} ms/msg ({result['core']:.2f} core); "
        f"mean batch {batch}; "
        f"p50 {result['latency']['p50']} p99 {result['latency']['p99']} ms\n"
    )
    sys.stdout.flush()
    if spy is not None and not write_table(raw, result["ms_per_message"]):
        sys.stdout.write(spy.stderr.read().decode() if spy.stderr else "no samples\n")
    return result


async def compare(args: argparse.Namespace) -> None:
    """A and B in ABBA order, ``--pairs`` times; B ÷ A of CPU per message in each pair."""
    sides = {
        "A": (args.tree, args.env, args.label),
        "B": (args.compare_tree or args.tree, {**args.env, **args.compare}, args.label + "-B"),
    }
    pairs = []
    for number in range(args.pairs):
        order = "AB" if number % 2 == 0 else "BA"
        results = {}
        for side in order:
            tree, extra, label = sides[side]
            results[side] = await profile(args, tree, extra, label)
        pairs.append(results)
        ratio = results["B"]["ms_per_message"] / results["A"]["ms_per_message"]
        sys.stdout.write(f"pair {number + 1} ({order}): B/A CPU per message {ratio:.3f}\n")
        sys.stdout.flush()
    sys.stdout.write(
        f"A: {args.tree} {args.env or ''}\nB: {sides['B'][0]} {sides['B'][1]}\n"
        "| pair | order | A ms/msg (batch, p50) | B ms/msg (batch, p50) | B/A | load |\n"
        "|---|---|---|---|---|---|\n"
    )
    ratios = []
    for number, results in enumerate(pairs):
        a, b = results["A"], results["B"]
        ratios.append(b["ms_per_message"] / a["ms_per_message"])
        sys.stdout.write(
            f"| {number + 1} | {'AB' if number % 2 == 0 else 'BA'} | {cell(a)} | {cell(b)} "
            f"| {ratios[-1]:.3f} | {a['load_average']}, {b['load_average']} |\n"
        )
    sys.stdout.write(
        f"B/A median {statistics.median(ratios):.3f}, range {min(ratios):.3f}-{max(ratios):.3f}\n"
    )


def cell(result: dict) -> str:
    batch = f"{result['batch_mean']:.2f}" if result["batch_mean"] is not None else "?"
    return f"{result['ms_per_message']:.3f} ({batch}, {result['latency']['p50']} ms)"


def write_table(raw: Path, ms_per_message: float) -> bool:
    """The table of steps from py-spy's collapsed stacks; False when there were no samples."""
    samples: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        step = step_of(stack)
        samples[step] += int(count)
        total += int(count) if step != WAITING else 0
    if not total:
        return False
    sys.stdout.write(
        f"{total} samples\n| step | share of samples | CPU ms per message |\n|---|---|---|\n"
    )
    for name, count in samples.most_common():
        if name == WAITING:
            sys.stdout.write(f"| {name} | {count} samples | |\n")
            continue
        share = count / total
        sys.stdout.write(f"| {name} | {share:.1%} | {share * ms_per_message:.3f} |\n")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--tree",
        type=Path,
        default=REPO_ROOT,
        help="profile the code of another checkout (e.g. `git archive <commit> | tar -x -C DIR`)",
    )
    parser.add_argument(
        "--py-spy", default=shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    )
    parser.add_argument(
        "--services",
        action="store_true",
        help="the node on a real PostgreSQL and Redis (channels_redis' pub/sub layer)",
    )
    parser.add_argument(
        "--env",
        type=load.parse_settings,
        default={},
        metavar="KEY=VALUE,...",
        help="settings for the node (both sides of --compare), e.g. SEND_BATCH_MAX=1",
    )
    parser.add_argument(
        "--compare",
        type=load.parse_settings,
        metavar="KEY=VALUE,...",
        help="paired A/B: B is a node with these settings added; runs in ABBA order, "
        "--pairs times, without py-spy, and prints B/A CPU per message per pair",
    )
    parser.add_argument(
        "--compare-tree",
        type=Path,
        help="paired A/B: B runs this checkout's code (with --compare's settings, if any)",
    )
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--no-spy", action="store_true", help="CPU per message only, no py-spy")
    parser.add_argument(
        "--table",
        nargs=2,
        metavar=("STACKS", "MS_PER_MESSAGE"),
        help="only print the table for stacks saved by an earlier run and its CPU ms/msg",
    )
    args = parser.parse_args()
    if args.table:
        write_table(Path(args.table[0]), float(args.table[1]))
        return
    args.label = "this-tree" if args.tree == REPO_ROOT else args.tree.name
    args.database_url = args.redis_url = args.new_database = None
    args.layer = "pubsub"
    if args.clients < 2 or args.clients % 2:
        parser.error("--clients must be an even number of at least 2")
    if args.compare is None and args.compare_tree is not None:
        args.compare = {}
    args.spy = args.compare is None and not args.no_spy
    if args.services:
        args.label += "-postgresql-redis"
    with ExitStack() as stack:
        if args.services:
            cluster = stack.enter_context(running_postgres())
            args.redis_url = stack.enter_context(running_redis())
            # A new database for each node: B must not start on A's messages.
            args.new_database = cluster.create_database
        if args.compare is not None:
            asyncio.run(compare(args))
        else:
            asyncio.run(profile(args, args.tree, args.env, args.label))


if __name__ == "__main__":
    main()
