"""Blind v20's one imminent miss, answered at the mask (new phrasings, never v20's text).

A last day at work or school, and then a height or a place and a time: the model read an
attempt planned for a time, but the rules' farewell mask ("last day at work") counted as a
*literal* use of a risk word, and a literal reading holds the model back under
``literal_override``. A farewell that says what it is for is context, not a literal use: it
now only masks the rules' own reading (the model may raise the message), and it is literal,
holding the model back too, only with a new start or a do after it (a new job, flying home,
drinks, a move) and with no height, place to fall from, method, "waiting for me", "for
good" or "sorry" (docs/risk-detection.md, "After the v20 run")."""

from __future__ import annotations

import pytest

from escalation.risk import (
    ALERT_LEVELS,
    combine,
    default_detector,
    rule_detector,
    rules_context,
    word_count,
)
from escalation.risk_model import Scores
from tests.risk_families.v20_farewell import (
    NEW_STARTS,
    PLAIN_FAREWELLS,
    PLANS_AFTER_A_LAST_DAY,
)
from tests.risk_family_checks import Case, case_id

# The model's scores on v20's miss (alert, imminent, other), rounded.
SURE_IMMINENT = Scores(0.96, 0.89, 0.0006)


def _shipped_thresholds() -> dict[str, float]:
    return default_detector().thresholds


@pytest.mark.parametrize("case", PLANS_AFTER_A_LAST_DAY, ids=case_id)
def test_no_mask_holds_a_sure_model_back(case: Case) -> None:
    _language, text = case
    found, literal, _ = rules_context(rule_detector(), text)
    assert literal is False
    combined = combine(
        found, SURE_IMMINENT, _shipped_thresholds(), literal=literal, words=word_count(text)
    )
    assert combined.level == "imminent"
    assert combined.who == "self"


@pytest.mark.parametrize("case", NEW_STARTS, ids=case_id)
def test_a_farewell_with_a_new_start_holds_even_a_sure_model_back(case: Case) -> None:
    _language, text = case
    found, literal, _ = rules_context(rule_detector(), text)
    assert literal is True
    combined = combine(
        found, SURE_IMMINENT, _shipped_thresholds(), literal=literal, words=word_count(text)
    )
    assert combined.level not in ALERT_LEVELS


@pytest.mark.parametrize("case", PLAIN_FAREWELLS, ids=case_id)
def test_a_plain_farewell_masks_the_rules_only(case: Case) -> None:
    _language, text = case
    found, literal, _ = rules_context(rule_detector(), text)
    assert found.level not in ALERT_LEVELS
    assert literal is False


def test_the_farewell_mask_stands_down_for_a_height_even_with_a_new_start() -> None:
    text = "last day at work, new job monday, but first the top floor of the multi storey at 5"
    found, literal, _ = rules_context(rule_detector(), text)
    assert literal is False
    combined = combine(
        found, SURE_IMMINENT, _shipped_thresholds(), literal=literal, words=word_count(text)
    )
    assert combined.level == "imminent"
