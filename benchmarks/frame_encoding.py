"""CPU to encode a chat message's three frames (ack, echo, the other member's copy).

``json.dumps`` with separators (a new encoder per call) against ``frames.encode``
(one shared encoder), rounds alternated; prints the medians in microseconds per
message. The two give the same bytes.

    .venv/bin/python benchmarks/frame_encoding.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chatplatform import frames

MESSAGE = {
    "type": "message",
    "id": 12345,
    "client_id": "3f0c6a8e-1b2c-4d5e-8f90-123456789abc",
    "room": 42,
    "sender": {"handle": "Quiet Otter 17", "role": "participant"},
    "body": "hello there, how are you doing today?",
    "sent_at": "2026-12-06T19:05:53.123456+00:00",
    "kind": "text",
    "mine": False,
}
FRAMES = [
    {"type": "message.ack", "client_id": MESSAGE["client_id"], "id": 12345},
    {**MESSAGE, "mine": True},
    MESSAGE,
]


def us_per_message(encode: Callable[[dict[str, Any]], str], messages: int = 20000) -> float:
    started = time.process_time()
    for _ in range(messages):
        for frame in FRAMES:
            encode(frame)
    return (time.process_time() - started) / messages * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    for frame in FRAMES:
        assert frames.encode(frame) == json.dumps(frame, separators=(",", ":"))
    base: list[float] = []
    shared: list[float] = []
    for _ in range(args.rounds):
        base.append(us_per_message(lambda frame: json.dumps(frame, separators=(",", ":"))))
        shared.append(us_per_message(frames.encode))
    sys.stdout.write(
        f"three frames per message, median of {args.rounds} alternated rounds: "
        f"json.dumps {statistics.median(base):.2f} us, "
        f"frames.encode {statistics.median(shared):.2f} us\n"
    )


if __name__ == "__main__":
    main()
