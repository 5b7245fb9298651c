"""The command-line report and the synthetic cohort."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from evaluation import report
from evaluation.models import ChatRecord, SurveyResponse, SyntheticCohort
from evaluation.synthetic import EFFECTS, seed


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("evaluation_report", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_same_report_as_json_and_csv(db):
    seed(120, seed=5, days=60)
    as_json = json.loads(run("--format", "json"))
    assert as_json["tables"] == report.release("export")["tables"]
    assert "codebook" in as_json
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv"))))
    assert {r["table"] for r in rows} >= {"survey_change", "reach_weekly"}


def test_a_bad_format_is_a_clear_error(db):
    with pytest.raises(CommandError, match="invalid choice: 'xml'"):
        call_command("evaluation_report", "--format", "xml")


def test_an_output_in_a_missing_directory_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("evaluation_report", "--output", str(tmp_path / "nope" / "r.json"))


def test_seeding_needs_a_positive_number_of_participants(db, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--participants"):
        call_command("seed_evaluation", "--participants", "0")


def test_synthetic_data_are_refused_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("seed_evaluation", "--demo")
    assert not SyntheticCohort.objects.exists() and not SurveyResponse.objects.exists()


def test_the_demo_cohort_is_seeded_once_and_every_page_says_so(db, settings, client):
    settings.DEBUG = True
    call_command("seed_evaluation", "--demo", stdout=io.StringIO())
    responses = SurveyResponse.objects.count()
    out = io.StringIO()
    call_command("seed_evaluation", "--demo", stdout=out)
    assert "nothing to do" in out.getvalue()
    assert SurveyResponse.objects.count() == responses > 0
    for path in ("/", "/privacy/", "/help/"):
        assert "Demo data:" in client.get(path).content.decode()
    assert report.release("export")["release"]["demo_data"] is True


def test_the_synthetic_cohort_has_chats_surveys_and_escalations(db, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_evaluation", "--participants", "200", "--seed", "2", stdout=out)
    assert "Seeded 200 participants" in out.getvalue()
    assert ChatRecord.objects.count() > 200
    assert SurveyResponse.objects.filter(wave="followup").exists()


def test_the_analysis_recovers_the_designed_effect(db):
    seed(1500, seed=11, days=200)
    rows = report.build(report.timezone.localdate(), k=11, epsilon=None)["tables"]["survey_change"][
        "rows"
    ]
    measured = {(r["instrument"], r["subscale"], r["comparison"]): r["mean_change"] for r in rows}
    for instrument, subscale, comparison, wave in [
        ("stigma", "self_stigma_help_seeking", "pre_followup", 1),
        ("help_seeking", "professional", "pre_followup", 1),
        ("distress", "distress", "pre_post", 0),
    ]:
        designed = EFFECTS[(instrument, subscale)][wave]
        found = measured[(instrument, subscale, comparison)]
        # Rounding and clipping to the scale shrink the effect a little, never flip it.
        assert designed * found > 0
        assert abs(found - designed) < 0.2 * abs(designed) + 0.1, (instrument, found)
