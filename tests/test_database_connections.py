"""A node's PostgreSQL connections stay bounded however many HTTP requests it serves."""

from __future__ import annotations

import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

pytestmark = [pytest.mark.integration]


def server_connections(database_url: str) -> int:
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres") as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchone()
    return row[0]


def test_http_requests_leave_no_database_connection_open(start_nodes, postgres_database):
    # Under ASGI each request runs in a thread of its own; with persistent connections
    # each of those threads used to keep a PostgreSQL connection open.
    database_url = postgres_database()
    (node,) = start_nodes(database_url=database_url)

    def get(_: int) -> int:
        with urllib.request.urlopen(node.base_url + "/api/rooms/", timeout=30) as response:
            response.read()
            return response.status

    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(get, range(60)))
    assert statuses == [200] * 60
    assert server_connections(database_url) <= 1
