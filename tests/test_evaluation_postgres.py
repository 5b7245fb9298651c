"""The report's SQL (STRING_AGG, EXTRACT EPOCH) on a real PostgreSQL, end to end."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.servers import manage, server_env

pytestmark = pytest.mark.integration


def test_seed_and_report_on_postgresql(postgres_database):
    env = server_env({"DATABASE_URL": postgres_database()})
    manage(env, "migrate", "--noinput", "-v0")
    manage({**env, "DEBUG": "true"}, "seed_evaluation", "--participants", "300", "--seed", "4")
    report = json.loads(manage(env, "evaluation_report", "--format", "json").stdout)
    change = {
        (r["instrument"], r["subscale"], r["comparison"]): r
        for r in report["tables"]["survey_change"]["rows"]
    }
    distress = change[("distress", "distress", "pre_post")]
    assert distress["n_paired"] >= 11 and distress["mean_change"] < 0
    assert report["tables"]["waits_weekly"]["rows"]
    assert report["tables"]["return_rate"]["rows"][0]["cohort"] > 0
    rows = list(
        csv.DictReader(io.StringIO(manage(env, "evaluation_report", "--format", "csv").stdout))
    )
    assert {r["table"] for r in rows} >= {"survey_change", "reach_weekly", "escalations"}
    # The kept parts are keyed by aggregates here: no change counters (evaluation.changes).
    keys = "from evaluation import kept; print(kept.chats_fingerprint(), kept.rooms_fingerprint())"
    printed = manage(env, "shell", "-c", keys).stdout.splitlines()[-1]
    assert printed.startswith("((") and "'counted'" not in printed
