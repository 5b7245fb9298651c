"""The row-level export: anyone can recompute the published paired statistics from it, and
it identifies no one (new pseudonyms every export, k-anonymous demographics, no text or
dates)."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.models import AuditEntry, Participant
from evaluation import report, rows
from evaluation.models import Release
from evaluation.synthetic import seed

DOCS = Path(__file__).resolve().parent.parent / "docs" / "evaluation.md"
TOLERANCE = 1e-9


def docs_script() -> str:
    """The script in docs/evaluation.md, exactly as a reader would copy it."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"```python\n(# reproduce-paired-statistics.*?)```", text, re.DOTALL)
    assert match, "docs/evaluation.md lost its reproduction script"
    return match.group(1)


def export_csv() -> str:
    out = io.StringIO()
    call_command("evaluation_rows", stdout=out)
    return out.getvalue()


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def cohort(db):
    seed(3000, seed=21, days=240, messages=False)


def test_the_documented_script_reproduces_every_published_paired_row(cohort, tmp_path):
    published = report.build(timezone.localdate(), k=11, epsilon=None)["tables"]["survey_change"]
    path = tmp_path / "rows.csv"
    path.write_text(export_csv(), encoding="utf-8")
    script = tmp_path / "reproduce.py"
    script.write_text(docs_script(), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(script), str(path)], capture_output=True, text=True, check=True
    )
    recomputed = {
        (r["instrument"], r["version"], r["subscale"], r["comparison"]): r
        for r in map(json.loads, run.stdout.splitlines())
    }
    compared = 0
    for row in published["rows"]:
        if row["mean_change"] is None:
            continue
        mine = recomputed[(row["instrument"], row["version"], row["subscale"], row["comparison"])]
        assert mine["n"] == row["n_paired"]
        for statistic in ("mean_change", "t", "d_z"):
            assert abs(mine[statistic] - row[statistic]) <= TOLERANCE, (row["subscale"], statistic)
        compared += 1
    comparisons = {r["comparison"] for r in published["rows"] if r["mean_change"] is not None}
    assert compared >= 5 and comparisons == {"pre_post", "pre_followup"}


def test_pseudonyms_change_with_every_export_and_nothing_identifying_is_in_it(cohort):
    first, second = parse(export_csv()), parse(export_csv())
    assert len(first) == len(second) > 1000
    assert not {r["pid"] for r in first} & {r["pid"] for r in second}
    text = export_csv()
    assert not re.search(r"\d{4}-\d{2}", text), "a date or month leaked"
    handles = set(Participant.objects.values_list("handle", flat=True)[:500])
    assert not any(handle in text for handle in handles)
    header = text.splitlines()[0].split(",")
    assert header[:7] == list(rows.COLUMNS)
    assert {r["wave"] for r in first} == {"pre", "post", "followup"}


def test_every_combination_of_demographics_holds_at_least_k_people(cohort):
    exported = parse(export_csv())
    demographic = [c for c in exported[0] if c not in rows.COLUMNS]
    assert "language" in demographic and "gender" in demographic
    people = {r["pid"]: tuple(r[c] for c in demographic) for r in exported}
    assert min(Counter(people.values()).values()) >= 11
    # Something is still said: not every column was dropped.
    assert any(len({combo[i] for combo in people.values()}) > 1 for i in range(len(demographic)))


def test_generalising_merges_rare_answers_before_dropping_a_column():
    genders = ["woman"] * 30 + ["man"] * 25 + ["another"] * 6 + ["prefer_not"] * 6
    values = {
        "gender": np.array(genders, dtype=object),
        "language": np.array(["en"] * len(genders), dtype=object),
    }
    shown, levels = rows._generalise(values, 11)
    assert levels == {"gender": 1, "language": 0}
    assert Counter(shown["gender"].tolist()) == {"woman": 30, "man": 25, "other": 12}
    # A group too small even when merged: the column goes.
    values["gender"][-6:] = "woman"
    values["gender"][-9:-6] = "another"
    shown, levels = rows._generalise(values, 11)
    assert levels["gender"] == 2 and set(shown["gender"].tolist()) == {"*"}


def test_fewer_than_k_people_export_no_rows(db):
    seed(12, seed=3, days=40, messages=False)
    assert rows.build_export(k=1000).rows == []


@pytest.mark.parametrize("role", [roles.EVALUATOR, roles.ADMIN])
def test_evaluators_download_it_and_it_is_audited(role, make_staff, cohort):
    client = Client()
    user = make_staff(role)
    client.force_login(user)
    response = client.get("/evaluation/rows/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    release = Release.objects.get(channel="rows")
    assert release.requested_by == user
    entry = AuditEntry.objects.get(action="evaluation_rows_exported")
    assert entry.actor == f"staff:{user.pk}" and entry.target == f"release:{release.pk}"


@pytest.mark.parametrize("role", [roles.MENTOR, roles.SUPERVISOR])
def test_other_staff_cannot_download_it(role, make_staff, db):
    client = Client()
    client.force_login(make_staff(role))
    assert client.get("/evaluation/rows/").status_code == 403
    assert not Release.objects.exists()
    assert not AuditEntry.objects.filter(action="evaluation_rows_exported").exists()
