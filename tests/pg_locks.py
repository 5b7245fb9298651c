"""For scripts run on a real PostgreSQL: one call made while another session holds a lock.

Used inside the scripts of the two-node race tests (``python -c`` from the repository
root), where a second connection plays the other node.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg


def run_while_blocked(url: str, blocker: Any, call: Callable[[], Any], what: str) -> Any:
    """Run ``call`` in a thread until it waits for a lock ``blocker`` holds, then commit
    ``blocker`` and return what ``call`` returned (failing the script if it raised or
    never waited)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except Exception as error:  # noqa: BLE001 (any failure of the call is the finding)
            outcome["error"] = repr(error)
        finally:
            from django.db import connection

            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    waiting = 0
    with psycopg.connect(url, autocommit=True) as watcher:
        for _ in range(600):  # until the call waits for the lock
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            ).fetchone()[0]
            if waiting:
                break
            time.sleep(0.05)
    assert waiting, f"{what} never waited for the room's row lock"
    blocker.commit()
    blocker.close()
    thread.join(60)
    assert "error" not in outcome, outcome
    return outcome["result"]
