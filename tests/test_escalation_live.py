"""Crisis escalation on real servers (Daphne, Redis, PostgreSQL, the worker, the real detector)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.servers import REPO_ROOT, LiveClient, manage, stop_process
from tests.test_two_nodes import DEMO_PASSWORD, match_participant_with_mentor

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

RISK_MESSAGE = "I have the pills in front of me right now"


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "escalation_worker", "--poll", "0.2"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


async def console_of(client: LiveClient, email: str):
    client.login(email, DEMO_PASSWORD)
    console = await client.websocket("/ws/supervisor/")
    snapshot = await console.receive_type("escalations")
    return console, snapshot


async def receive_both(socket, *frame_types: str) -> dict[str, dict]:
    """The first frame of each type, in whatever order they arrive."""
    found: dict[str, dict] = {}
    while len(found) < len(frame_types):
        frame = await socket.receive()
        if frame["type"] in frame_types:
            found.setdefault(frame["type"], frame)
    return found


async def say(socket, body: str) -> None:
    await socket.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": body})
    await socket.receive_type("message.ack")


async def test_risk_message_alerts_a_supervisor_on_another_node_then_ack_join_resolve(
    start_nodes, redis_url, postgres_database, record_property
):
    node_a, node_b = start_nodes(count=2, database_url=postgres_database(), redis_url=redis_url)
    participant, mentor, supervisor = LiveClient(node_a), LiveClient(node_a), LiveClient(node_b)
    try:
        room = await match_participant_with_mentor(participant, mentor)
        console, _ = await console_of(supervisor, "supervisor@example.org")
        chat = await participant.websocket(f"/ws/rooms/{room}/")
        await chat.receive_type("hello")

        sent_at = time.perf_counter()
        await chat.send(
            {"type": "message.send", "client_id": str(uuid.uuid4()), "body": RISK_MESSAGE}
        )
        frames = await receive_both(console, "escalation.changed", "escalation.page")
        latency_ms = (time.perf_counter() - sent_at) * 1000
        record_property("alert_latency_ms", round(latency_ms, 1))
        alert, page = frames["escalation.changed"], frames["escalation.page"]
        assert alert["event"] == "opened"
        assert alert["escalation"]["level"] == "imminent"
        assert alert["escalation"]["room"] == room
        assert RISK_MESSAGE not in str(alert)
        assert page["escalation"]["id"] == alert["escalation"]["id"]
        panel = await chat.receive_type("crisis.support")
        assert panel["emergency_first"]

        escalation = alert["escalation"]["id"]
        await console.send({"type": "escalation.ack", "escalation": escalation})
        assert (await console.receive_type("escalation.done"))["action"] == "escalation.ack"
        await console.send({"type": "escalation.join", "escalation": escalation})
        assert (await console.receive_type("escalation.done"))["room"] == room
        notice = await chat.receive_type("message")
        while "supervisor, has joined" not in (notice["body"] or ""):
            notice = await chat.receive_type("message")

        supervisor_chat = await supervisor.websocket(f"/ws/rooms/{room}/")
        await supervisor_chat.receive_type("hello")
        await say(supervisor_chat, "I'm here with you. Are you safe right now?")
        reply = await chat.receive_type("message")
        while reply["sender"]["role"] != "supervisor":
            reply = await chat.receive_type("message")

        await console.send(
            {"type": "escalation.resolve", "escalation": escalation, "outcome": "referred"}
        )
        await console.receive_type("escalation.done")
        resolved = await console.receive_type("escalation.changed")
        while resolved["event"] != "resolved":
            resolved = await console.receive_type("escalation.changed")
        assert resolved["escalation"]["outcome"] == "referred"
    finally:
        for client in (participant, mentor, supervisor):
            await client.close()


async def test_unacknowledged_alert_repages_the_backup_after_t1_across_a_full_restart(
    start_nodes, redis_url, postgres_database
):
    database_url = postgres_database()
    (node,) = start_nodes(
        database_url=database_url,
        redis_url=redis_url,
        env={"ESCALATION_T1_SECONDS": "4", "ESCALATION_T2_SECONDS": "120"},
    )
    manage(node.env, "add_staff", "backup@example.org", "--role", "supervisor",
           "--password", DEMO_PASSWORD, "--name", "Casey")  # fmt: skip
    manage(node.env, "oncall", "add", "supervisor@example.org", "--tier", "primary")
    manage(node.env, "oncall", "add", "backup@example.org", "--tier", "backup")
    worker_log = node.log_path.with_name("worker.log")
    worker = start_worker(node.env, worker_log)
    participant, primary, backup = LiveClient(node), LiveClient(node), LiveClient(node)
    try:
        primary_console, _ = await console_of(primary, "supervisor@example.org")
        backup_console, _ = await console_of(backup, "backup@example.org")
        participant.get("/chat/1/")
        chat = await participant.websocket("/ws/rooms/1/")
        await chat.receive_type("hello")
        await say(chat, RISK_MESSAGE)
        first_page = await primary_console.receive_type("escalation.page")
        assert (first_page["step"], first_page["repeat"]) == (0, False)
        opened = await backup_console.receive_type("escalation.changed")
        escalation = opened["escalation"]["id"]

        # Every process goes down; the T1 timer comes due while nothing runs.
        for client in (participant, primary, backup):
            await client.close()
        stop_process(worker)
        node.stop()
        time.sleep(4)
        node.start()
        backup_console, snapshot = await console_of(backup, "backup@example.org")
        assert [e["id"] for e in snapshot["escalations"]] == [escalation]
        primary_console, _ = await console_of(primary, "supervisor@example.org")
        worker = start_worker(node.env, worker_log)

        repage = await backup_console.receive_type("escalation.page", timeout=30)
        assert (repage["escalation"]["id"], repage["step"], repage["repeat"]) == (
            escalation,
            1,
            True,
        )
        repeated = await primary_console.receive_type("escalation.page", timeout=30)
        assert (repeated["step"], repeated["repeat"]) == (1, True)

        await backup_console.send({"type": "escalation.ack", "escalation": escalation})
        await backup_console.receive_type("escalation.done")
    finally:
        for client in (participant, primary, backup):
            await client.close()
        stop_process(worker)

    with psycopg.connect(database_url) as conn:
        pages = conn.execute(
            "SELECT p.step, u.email, p.sent_at IS NOT NULL FROM escalation_page p "
            "JOIN chatplatform_user u ON u.id = p.recipient_id WHERE p.channel = 'console' "
            "ORDER BY p.step, u.email"
        ).fetchall()
    assert pages == [
        (0, "supervisor@example.org", True),
        (1, "backup@example.org", True),
        (1, "supervisor@example.org", True),
    ]
