"""The paging worker as real processes: two racing workers send every page exactly once."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.servers import REPO_ROOT, manage, server_env, stop_process
from tests.webhook_receiver import webhook_receiver  # noqa: F401 (a fixture)

ESCALATIONS = 120
SUPERVISORS = 3
# The demo's admin is paged with the supervisors at T2 (the last tier is everyone).
RECIPIENTS = SUPERVISORS + 1
# Escalations that reached T2 unacknowledged: every supervisor and admin gets a console
# page and an email; the pager gets one trigger each.
SETUP = f"""
from datetime import timedelta
from django.utils import timezone
from chatplatform.models import Participant, Room
from chatplatform.services.staff import do_add_staff
from escalation.models import Escalation
for n in range({SUPERVISORS - 1}):
    do_add_staff(f"backup{{n}}@example.org", "supervisor", "demo-password-123", f"Backup {{n}}")
room = Room.objects.get(slug="general-support")
now = timezone.now()
Escalation.objects.bulk_create(
    Escalation(
        room=room, participant=Participant.objects.create(handle=f"Person {{n}}"),
        source="automatic", level="imminent", reasons=["means"],
        created_at=now - timedelta(seconds=200), policy_step=2, next_page_at=now,
    )
    for n in range({ESCALATIONS})
)
"""


def count_sent_pages(database_url: str) -> int:
    query = "SELECT count(*) FROM escalation_page WHERE sent_at IS NOT NULL"
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            return conn.execute(query).fetchone()[0]
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute(query).fetchone()[0]


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "escalation_worker", "--poll", "0.05"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def test_compose_runs_the_worker_with_the_web_nodes_environment():
    import yaml

    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    worker = services["escalation-worker"]
    assert worker["command"] == ["python", "manage.py", "escalation_worker"]
    assert worker["environment"] == services["web1"]["environment"]


@pytest.mark.integration
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_racing_workers_send_each_page_and_pager_event_exactly_once(
    database,
    request,
    webhook_receiver,  # noqa: F811
):
    directory = Path(tempfile.mkdtemp(prefix="test-workers-"))
    database_url = (
        request.getfixturevalue("postgres_database")()
        if database == "postgresql"
        else f"sqlite:///{directory}/db.sqlite3"
    )
    env = server_env(
        {
            "DATABASE_URL": database_url,
            "VAR_DIR": str(directory),
            "ESCALATION_POLICY_REPEATS": "0",
            "ESCALATION_NO_CONSOLE_SECONDS": "100000",
            "PAGER_WEBHOOK_URL": webhook_receiver.url,
            "PAGER_ROUTING_KEY": "race-key",
            "LOG_LEVEL": "INFO",
        }
    )
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--quiet-logins")
    manage(env, "shell", "-c", SETUP)
    logs = [directory / "worker-a.log", directory / "worker-b.log"]
    workers = [start_worker(env, log) for log in logs]
    expected = ESCALATIONS * RECIPIENTS * 2
    try:
        deadline = time.monotonic() + 120
        while (
            count_sent_pages(database_url) < expected or len(webhook_receiver.events) < ESCALATIONS
        ) and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(1)  # a duplicate, if any, would show up in this extra second
    finally:
        for worker in workers:
            stop_process(worker)
    outputs = [log.read_text(errors="replace") for log in logs]
    assert count_sent_pages(database_url) == expected
    emails = Counter(
        match
        for output in outputs
        for match in re.findall(
            r"Subject: Urgent: escalation (\d+) .*?\nFrom: .*?\nTo: (\S+)", output
        )
    )
    assert len(emails) == ESCALATIONS * RECIPIENTS
    assert set(emails.values()) == {1}, "an email went out twice"
    pager = Counter(
        (event["dedup_key"], event["payload"]["custom_details"]["step"])
        for event in webhook_receiver.events
    )
    assert len(pager) == ESCALATIONS
    assert set(pager.values()) == {1}, "a pager event went out twice"
    assert {event["routing_key"] for event in webhook_receiver.events} == {"race-key"}
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output[-2000:]
        assert "escalation worker stopped" in output
