"""A ``message.send`` frame's identity limits on Redis: the node's CPU, paired.

Starts a real redis-server and, in one process, alternates rounds of:

- ``two hops``: the frame limit then the message limit, each in its own worker-thread
  hop and Redis transaction (``identity_frame_wait``, ``identity_message_wait``);
- ``one hop``: both in one hop and one script call (``identity_send_waits``);

and, for an open socket's connection slot, Django's ``touch`` (then ``add`` when the
slot lapsed) against ``refresh_connection`` through the kept client. It prints the
process CPU (all threads) and Redis server CPU per operation, per variant, with the
spread over rounds. The limits are set high so that every frame and message counts.

    .venv/bin/python benchmarks/send_limits.py [--ops 2000] [--rounds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import running_redis


def redis_cpu(client) -> float:
    info = client.info("cpu")
    return info["used_cpu_sys"] + info["used_cpu_user"]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=8)
    options = parser.parse_args()

    with running_redis() as url:
        os.environ["REDIS_URL"] = url
        os.environ.setdefault("DEBUG", "1")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatplatform.settings")
        import django

        django.setup()
        from asgiref.sync import sync_to_async
        from django.conf import settings
        from django.core.cache import cache, caches

        from chatplatform import throttle

        settings.WS_IDENTITY_FRAMES_PER_MINUTE = 10**9
        settings.MESSAGE_RATE_PER_MINUTE = 10**9
        server = caches["default"]._cache.get_client(write=True)

        def hop(function):
            return sync_to_async(function, thread_sensitive=False)

        async def two_hops(n: int) -> None:
            for i in range(n):
                key = f"p{i % 200}"
                await hop(throttle.identity_frame_wait)(key)
                await hop(throttle.identity_message_wait)(key)

        async def one_hop(n: int) -> None:
            for i in range(n):
                await hop(throttle.identity_send_waits)(f"p{i % 200}", True)

        slots = [throttle.acquire_connection(f"p{n}", f"c{n}") for n in range(200)]

        def django_refresh(slot: str, connection_id: str) -> None:
            if not cache.touch(slot, throttle.CONNECTION_SLOT_SECONDS):
                cache.add(slot, connection_id, timeout=throttle.CONNECTION_SLOT_SECONDS)

        async def refreshes(function, n: int) -> None:
            for i in range(n):
                await hop(function)(slots[i % 200], f"c{i % 200}")

        variants = {
            "limits, two hops": lambda n: two_hops(n),
            "limits, one hop": lambda n: one_hop(n),
            "slot refresh, Django touch": lambda n: refreshes(django_refresh, n),
            "slot refresh, kept client": lambda n: refreshes(throttle.refresh_connection, n),
        }
        for run in variants.values():  # warm: threads, connections, the script
            await run(200)
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
        for round_number in range(options.rounds):
            names = list(variants)
            if round_number % 2:
                names.reverse()
            for name in names:
                node, redis = time.process_time(), redis_cpu(server)
                await variants[name](options.ops)
                results[name].append(
                    (
                        (time.process_time() - node) / options.ops * 1e6,
                        (redis_cpu(server) - redis) / options.ops * 1e6,
                    )
                )
        print(
            f"{options.ops} operations x {options.rounds} rounds, alternated;"
            f" load average {os.getloadavg()[0]:.1f}"
        )
        for name, rows in results.items():
            node = [row[0] for row in rows]
            redis = [row[1] for row in rows]
            print(
                f"{name:30} node {statistics.median(node):6.0f} us/op"
                f" (min {min(node):.0f}, max {max(node):.0f}),"
                f" redis {statistics.median(redis):5.0f} us/op"
            )


if __name__ == "__main__":
    asyncio.run(main())
