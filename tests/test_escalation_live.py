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
from tests.webhook_receiver import webhook_receiver  # noqa: F401 (a fixture)

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


T1_SECONDS = 15


def repage_timer(database_url: str, escalation: int) -> tuple[int, int, float]:
    """The escalation's next policy step, how many pages of that step were written, and the
    seconds until the step is due."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT e.policy_step, "
            "(SELECT count(*) FROM escalation_page p "
            " WHERE p.escalation_id = e.id AND p.step = e.policy_step), "
            "EXTRACT(EPOCH FROM e.next_page_at - now())::float "
            "FROM escalation_escalation e WHERE e.id = %s",
            [escalation],
        ).fetchone()


async def test_unacknowledged_alert_repages_the_backup_after_t1_across_a_full_restart(
    start_nodes, redis_url, postgres_database
):
    database_url = postgres_database()
    (node,) = start_nodes(
        database_url=database_url,
        redis_url=redis_url,
        # T1 outlasts the shutdown below even on a loaded machine (stop_process alone may
        # give the worker 10 s), so the repage cannot go out before everything is down.
        env={"ESCALATION_T1_SECONDS": str(T1_SECONDS), "ESCALATION_T2_SECONDS": "120"},
    )
    manage(node.env, "add_staff", "backup@example.org", "--role", "supervisor",
           "--password", DEMO_PASSWORD, "--name", "Casey")  # fmt: skip
    manage(node.env, "oncall", "override", "add", "supervisor@example.org", "--tier", "primary")
    manage(node.env, "oncall", "override", "add", "backup@example.org", "--tier", "backup")
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
        # Nothing of step 1 was written before the shutdown; wait until it is due.
        step, pages_written, seconds_left = repage_timer(database_url, escalation)
        assert (step, pages_written) == (1, 0)
        time.sleep(max(seconds_left, 0) + 0.5)
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


async def test_an_unacknowledged_imminent_case_keeps_paging_and_the_pager_gets_trigger_then_resolve(
    start_nodes,
    webhook_receiver,  # noqa: F811
):
    short_timers = {
        "ESCALATION_T1_SECONDS": "1",
        "ESCALATION_T2_SECONDS": "2",
        "ESCALATION_POLICY_REPEATS": "0",
        "ESCALATION_REPEAT_SECONDS": "5",
        "ESCALATION_NO_CONSOLE_SECONDS": "100000",
        "PAGER_WEBHOOK_URL": webhook_receiver.url,
        "PAGER_ROUTING_KEY": "live-routing-key",
    }
    (node,) = start_nodes(env=short_timers)
    worker_log = node.log_path.with_name("worker.log")
    worker = start_worker(node.env, worker_log)
    participant, supervisor = LiveClient(node), LiveClient(node)
    try:
        deadline = time.monotonic() + 60
        while "escalation worker started" not in worker_log.read_text(errors="replace"):
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.2)
        participant.get("/")
        pressed = participant.post("/help/urgent/")
        assert (pressed.status, pressed.url) == (200, node.base_url + "/help/urgent/")

        # Past the policy's only cycle (steps 0-2), paging goes on, round after round. (A
        # worker slowed down by a busy machine runs late rounds as one, so numbers may skip.)
        deadline = time.monotonic() + 60
        while len(webhook_receiver.events) < 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        steps = [e["payload"]["custom_details"]["step"] for e in webhook_receiver.events]
        assert steps[0] == 0 and steps == sorted(set(steps))
        assert len([step for step in steps if step > 2]) >= 2
        (dedup_key,) = {e["dedup_key"] for e in webhook_receiver.events}
        first = webhook_receiver.events[0]
        assert first["routing_key"] == "live-routing-key"
        assert first["payload"]["severity"] == "critical"
        escalation = first["payload"]["custom_details"]["escalation"]
        assert dedup_key == f"escalation-{escalation}"

        console, snapshot = await console_of(supervisor, "supervisor@example.org")
        assert [e["id"] for e in snapshot["escalations"]] == [escalation]
        await console.send({"type": "escalation.ack", "escalation": escalation})
        await console.receive_type("escalation.done")
        await console.send(
            {"type": "escalation.resolve", "escalation": escalation, "outcome": "de_escalated"}
        )
        await console.receive_type("escalation.done")
        deadline = time.monotonic() + 30
        while webhook_receiver.actions()[-1][0] != "resolve" and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for client in (participant, supervisor):
            await client.close()
        stop_process(worker)
    actions = webhook_receiver.actions()
    assert actions[-2:] == [("acknowledge", dedup_key), ("resolve", dedup_key)]
    assert {key for _, key in actions} == {dedup_key}
    assert all(action == "trigger" for action, _ in actions[:-2])
