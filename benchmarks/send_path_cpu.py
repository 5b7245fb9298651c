"""The send path's CPU per message, this tree against another, paired in one run.

Starts one worker process per tree (this checkout, and ``--tree DIR``: another
checkout, e.g. ``git archive <commit> | tar -x -C DIR``), each on its own SQLite
database (the embedded defaults) with ``--rooms`` warm group rooms of two
members. Then it alternates rounds: each worker in turn sends ``--messages``
messages through group commit (``group_commit.send_message``, the consumer's
call: ``--batch`` senders at once, each in its own held-events block, random
rooms) and reports the CPU time of its whole process (event loop and database
thread) per message. The websocket and the load client are not in it, so the
figure is the part of a node's CPU per message that the database path decides;
alternating the trees round by round keeps the machine's load out of the
difference. Prints each round and the medians.

    .venv/bin/python benchmarks/send_path_cpu.py --tree DIR [--rounds 8] [--messages 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve()


def worker(rooms: int, batch: int, seed: int) -> None:
    """Run in a tree's directory: set up its rooms, then serve rounds named on stdin."""
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()
    from asgiref.sync import sync_to_async

    from chatplatform import events, group_commit
    from chatplatform.actors import participant_actor
    from chatplatform.models import Participant, Room
    from chatplatform.services import access as access_service

    def open_rooms() -> list[access_service.RoomAccess]:
        accesses = []
        for n in range(rooms):
            room = Room.objects.create(
                kind=Room.Kind.GROUP, slug=f"cpu-{n}", title=f"Group {n}", is_listed=True
            )
            for member in range(2):
                actor = participant_actor(Participant.objects.create(handle=f"p{n}-{member}"))
                accesses.append(
                    access_service.do_enter_room(access_service.check_room_access(actor, room.pk))
                )
        return accesses

    async def send(access: access_service.RoomAccess, body: str) -> None:
        async with events.held_until_reply():
            await group_commit.send_message(access, str(uuid.uuid4()), body)

    chooser = random.Random(seed)

    async def serve() -> None:
        accesses = await sync_to_async(open_rooms, thread_sensitive=True)()
        for access in accesses[::2]:  # warm: every room's data key exists
            await send(access, "warm up")
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            count = int(line)
            started = time.process_time()
            for _ in range(count // batch):
                await asyncio.gather(
                    *(
                        send(chooser.choice(accesses), "how was everyone's week?")
                        for _ in range(batch)
                    )
                )
            used = time.process_time() - started
            sys.stdout.write(f"{used / (count // batch * batch) * 1e6:.1f}\n")
            sys.stdout.flush()

    asyncio.run(serve())


def start(tree: Path, directory: Path, args: argparse.Namespace) -> subprocess.Popen:
    sys.path.insert(0, str(HERE.parent.parent))
    from tests.servers import server_env

    env = server_env(
        {
            "VAR_DIR": str(directory),
            "DATABASE_URL": f"sqlite:///{directory}/db.sqlite3",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "chatplatform.settings",
            "PYTHONPATH": str(tree),
        }
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=tree, env=env, capture_output=True, check=True,
    )  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, str(HERE), "--worker", "--rooms", str(args.rooms),
         "--batch", str(args.batch)],
        cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"the worker for {tree} did not start")
    return process


def round_of(process: subprocess.Popen, messages: int) -> float:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{messages}\n")
    process.stdin.flush()
    return float(process.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, help="the other checkout (the base)")
    parser.add_argument("--rooms", type=int, default=500)
    parser.add_argument("--batch", type=int, default=8, help="senders waiting at once")
    parser.add_argument("--messages", type=int, default=2000, help="per round")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.rooms, args.batch, seed=1)
        return
    if args.tree is None:
        parser.error("--tree is required")
    trees = {"base": args.tree.resolve(), "this tree": HERE.parent.parent}
    directory = Path(tempfile.mkdtemp(prefix="send-path-cpu-"))
    workers = {}
    try:
        for index, (name, tree) in enumerate(trees.items()):
            (directory / str(index)).mkdir()
            workers[name] = start(tree, directory / str(index), args)
        figures: dict[str, list[float]] = {name: [] for name in trees}
        load = os.getloadavg()[0]
        for number in range(args.rounds):
            # Alternate which tree goes first, so a trend in the machine's load hits both.
            order = list(trees) if number % 2 == 0 else list(reversed(trees))
            for name in order:
                figures[name].append(round_of(workers[name], args.messages))
            sys.stdout.write(
                f"round {number + 1}: "
                + ", ".join(f"{name} {figures[name][-1]:.0f} µs" for name in trees)
                + "\n"
            )
            sys.stdout.flush()
        base, this = (statistics.median(figures[name]) for name in trees)
        ratios = [t / b for b, t in zip(*figures.values(), strict=True)]
        sys.stdout.write(
            f"median CPU per message: base {base:.0f} µs, this tree {this:.0f} µs "
            f"({this / base - 1:+.1%}; paired ratios {min(ratios):.2f} to {max(ratios):.2f}); "
            f"load average {load:.1f} → {os.getloadavg()[0]:.1f}\n"
        )
        sys.stdout.write(json.dumps(figures) + "\n")
    finally:
        for process in workers.values():
            process.kill()


if __name__ == "__main__":
    main()
