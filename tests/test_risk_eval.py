"""The shipped detector against the labelled set, with the aims of issue 4 as thresholds."""

from __future__ import annotations

import pytest

from escalation.risk import default_detector
from escalation.risk_eval.evaluate import (
    FALSE_POSITIVE_AIM,
    RECALL_AIM,
    Report,
    evaluate,
    format_report,
    load_examples,
)


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(default_detector(), load_examples())


def test_labelled_set_has_both_languages_and_both_splits(report: Report) -> None:
    assert set(report.by_language) == {"en", "es"}
    assert set(report.by_split) == {"dev", "heldout"}


def test_recall_on_risk_messages_meets_the_aim(report: Report) -> None:
    assert report.overall.recall.value >= RECALL_AIM, format_report(report)


def test_false_alarms_on_everyday_distress_and_idioms_stay_under_the_aim(report: Report) -> None:
    assert report.overall.false_positives.value <= FALSE_POSITIVE_AIM, format_report(report)


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_language_meets_the_aims_on_held_out_messages(report: Report, language: str) -> None:
    held_out = report.by_language_and_split[(language, "heldout")]
    assert held_out.recall.value >= RECALL_AIM, format_report(report)
    assert held_out.false_positives.value <= FALSE_POSITIVE_AIM, format_report(report)


def test_third_party_concern_is_flagged_as_third_party(report: Report) -> None:
    assert report.third_party.value >= RECALL_AIM, format_report(report)


def test_imminent_messages_are_never_detected_below_high(report: Report) -> None:
    assert report.confusion["imminent"]["none"] == report.confusion["imminent"]["low"] == 0


def test_report_prints_figures_and_confusion_matrix(report: Report) -> None:
    text = format_report(report, show_errors=False)
    assert "recall (high+imminent)" in text
    assert "split heldout" in text
    assert "confusion matrix" in text
