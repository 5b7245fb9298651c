"""The shipped detector against the labelled set, with the aims of issue 4 as thresholds."""

from __future__ import annotations

import pytest

from escalation.risk import default_detector
from escalation.risk_eval.__main__ import main
from escalation.risk_eval.evaluate import (
    FALSE_POSITIVE_AIM,
    LABELLED_SET,
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


def test_split_option_scores_only_that_split(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--split", "heldout", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "split heldout" in text
    assert "split dev" not in text


def test_unknown_split_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--split", "no_such_split"])
    assert "no examples in split" in capsys.readouterr().err


BLIND_SET = LABELLED_SET.parent / "blind.jsonl"


@pytest.fixture(scope="module")
def blind_test() -> Report:
    examples = [e for e in load_examples(BLIND_SET) if e.split == "blind_test"]
    return evaluate(default_detector(), examples)


def test_blind_test_recall_stays_at_or_above_0_63(blind_test: Report) -> None:
    """The blind set's test split, written by someone who never saw the detector and never
    used to tune it, scored recall 0.667 (46/69) when the rules were last changed; the floor
    is that figure minus three points, rounded down. Only figures are shown on failure: the
    test split's messages must stay unread so that it stays blind."""
    assert blind_test.overall.recall.value >= 0.63, format_report(blind_test, show_errors=False)


def test_blind_test_false_alarms_on_everyday_distress_and_idioms_stay_at_or_under_0_05(
    blind_test: Report,
) -> None:
    false_positives = blind_test.overall.false_positives.value
    assert false_positives <= FALSE_POSITIVE_AIM, format_report(blind_test, show_errors=False)


def test_blind_dev_meets_the_aims_it_was_tuned_on() -> None:
    """blind_dev was used to tune the rules (1.000 recall, no false alarms after tuning), so
    this only guards against regressions; blind_test above is the honest figure."""
    examples = [e for e in load_examples(BLIND_SET) if e.split == "blind_dev"]
    assert evaluate(default_detector(), examples).meets_aims()
