"""``make bench``: every benchmark in one run, one after another, on the same machine.

Figures from one run are comparable with each other; compare ratios, not
absolute numbers, across machines (these are shared and noisy).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (script, arguments); scripts that are not present yet are skipped with a note.
# The two latency benchmarks first: run straight after the evaluation benchmark
# (which writes and deletes a large SQLite database) alert p99 came out 582 ms,
# against 105 ms run alone a minute later.
BENCHMARKS: list[tuple[str, list[str]]] = [
    ("load.py", ["--variant", "nobatch:SEND_BATCH_MAX=1"]),
    ("alert_latency.py", []),
    ("multinode.py", []),
    ("connections.py", []),
    ("moderation_rules.py", []),
    ("phone_masking.py", []),
    ("risk_throughput.py", []),
    ("eager_write.py", []),
    ("evaluation_report.py", []),
]


def main() -> int:
    failures = 0
    for script, arguments in BENCHMARKS:
        path = HERE / script
        sys.stdout.write(f"\n== {script} {' '.join(arguments)}\n")
        sys.stdout.flush()
        if not path.exists():
            sys.stdout.write("   (not present)\n")
            continue
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(path), *arguments], check=False)
        sys.stdout.write(f"   ({time.perf_counter() - started:.0f} s, exit {result.returncode})\n")
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
