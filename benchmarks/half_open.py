"""Half-open upgrade requests: how long a node holds connections whose handshake never ends.

Opens ``--connections`` (2,000) connections to one node, each sending a websocket
upgrade's request line and some headers but never the blank line that ends
them, and then nothing. Reports how many the server still holds after
``--hold`` seconds (30) and when it closed the others, for the node as run
(``python -m chatplatform.serve``, ``REQUEST_RECEIVE_TIMEOUT_SECONDS`` 10) and
for stock Daphne (``--stock``).

    .venv/bin/python benchmarks/half_open.py [--connections 2000] [--hold 30] [--stock]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load import RESULTS, load_average, percentile

from tests.servers import Node, free_port, manage, server_env


async def hold(port: int, hold_seconds: float) -> float | None:
    """Seconds until the server closed the connection, or None if it still held it."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /ws/rooms/1/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n".encode()
    )
    await writer.drain()
    try:
        await asyncio.wait_for(reader.read(), timeout=hold_seconds)
        return time.monotonic() - started
    except (TimeoutError, ConnectionError):
        return None
    finally:
        writer.close()


async def run(args: argparse.Namespace) -> dict:
    directory = Path(tempfile.mkdtemp(prefix="bench-half-open-"))
    env = server_env({"VAR_DIR": str(directory), "LOG_LEVEL": "WARNING",
                      "DATABASE_URL": f"sqlite:///{directory}/db.sqlite3"})  # fmt: skip
    manage(env, "migrate", "--noinput", "-v0")
    node = Node(env=env, port=free_port(), log_path=directory / "node.log")
    if args.stock:
        node.server_module = "daphne"
    node.start()
    try:
        closed = await asyncio.gather(
            *(hold(node.port, args.hold) for _ in range(args.connections))
        )
    finally:
        node.stop()
    times = sorted(t for t in closed if t is not None)
    return {
        "server": "stock daphne" if args.stock else "chatplatform.serve (bound 10 s)",
        "connections": args.connections,
        "hold_seconds": args.hold,
        "still_held": closed.count(None),
        "closed_after_seconds": {
            "min": round(times[0], 1) if times else None,
            "p50": round(percentile(times, 0.5), 1) if times else None,
            "max": round(times[-1], 1) if times else None,
        },
        "load_average": load_average(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--hold", type=float, default=30)
    parser.add_argument("--stock", action="store_true", help="stock Daphne, for comparison")
    args = parser.parse_args()
    if args.connections < 1 or args.hold <= 0:
        parser.error("--connections and --hold must be positive")
    result = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "half-open-stock.json" if args.stock else "half-open.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
