"""The checks every family of risk phrasings shares (the blind sets' families, each
round's in tests/risk_families/, all run by tests/test_risk_family_rounds.py): the rules
read the writer's own imminent risk, it pages whatever the model says, someone else's risk
is theirs, and the harmless look-alikes raise no alert."""

from __future__ import annotations

from escalation.risk import (
    ALERT_LEVELS,
    combine,
    default_detector,
    rule_detector,
    rules_context,
    word_count,
)
from escalation.risk_model import Scores

Case = tuple[str, str]  # (language, text)

# A model that says nothing at all: what the rules alone must still page.
NOTHING = Scores(0.0, 0.0, 0.0)


def case_id(case: Case) -> str:
    return case[1]


def assert_rules_read_own_imminent(language: str, text: str) -> None:
    found = rule_detector().assess(text, language)
    assert (found.level, found.who) == ("imminent", "self")


def assert_pages_with_the_model_at_zero(language: str, text: str) -> None:
    detector = default_detector()
    assert detector.assess(text, language).level in ALERT_LEVELS
    reading, literal, negated = rules_context(rule_detector(), text)
    found = combine(
        reading, NOTHING, detector.thresholds, literal, word_count(text), negated=negated
    )
    assert found.level in ALERT_LEVELS
    assert found.who == "self"


def assert_rules_raise_no_alert(language: str, text: str) -> None:
    """The rules alone raise no alert (the model may: its false alarms are data's to answer)."""
    assert rule_detector().assess(text, language).level not in ALERT_LEVELS


def assert_someone_elses(language: str, text: str) -> None:
    """The rules and the whole detector alert, as someone else's risk."""
    for found in (
        rule_detector().assess(text, language),
        default_detector().assess(text, language),
    ):
        assert found.level in ALERT_LEVELS
        assert found.who == "other"


def assert_no_alert(language: str, text: str) -> None:
    """Neither the rules nor the whole detector alert."""
    assert rule_detector().assess(text, language).level not in ALERT_LEVELS
    assert default_detector().assess(text, language).level not in ALERT_LEVELS
