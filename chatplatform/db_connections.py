"""An HTTP request's database connection is closed when the request ends.

Under ASGI, Django runs each request's database work in a thread of its own.
With persistent connections (CONN_MAX_AGE), each such thread left its
PostgreSQL connection open until the thread's objects were collected:
measured, 144 server connections after 200 requests. Websocket consumers do
their database work on one long-lived thread per process, which keeps its
connection (and the group-commit writer keeps it between batches), so a node
holds about one connection plus one per HTTP request in progress
(docs/deployment.md). SQLite has no server connections to exhaust and is left
alone: reopening it costs more than most queries.
"""

from __future__ import annotations

from typing import Any

from django.db import connections


def close_request_connections(**kwargs: Any) -> None:
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "sqlite":
            connection.close()
