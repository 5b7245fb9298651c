"""Blind v21's families with checks of their own (the cases are in tests/risk_families/v21.py;
the rest of its lists are checked with every round's in tests/test_risk_family_rounds.py).

Harm to another under way (crushed pills about to be given to a parent who suffers, a parent at
the top of the stairs who feels they will drop the baby) is ``harm_to_others`` with a time, the
writer's own imminent risk, and pages whatever the model says; flashes of a pillow over a
child's or a parent's face are high, harm to others; a relapse of self-harm told now is a plain
intent, so the model's floor does not keep it at low."""

from __future__ import annotations

import pytest

from escalation.risk import ALERT_LEVELS, rule_detector
from tests.risk_families.v21 import HARM_HIGH, HARM_NOW, RELAPSE
from tests.risk_family_checks import (
    Case,
    assert_pages_with_the_model_at_zero,
    assert_rules_read_own_imminent,
    case_id,
)


@pytest.mark.parametrize("case", HARM_NOW, ids=case_id)
def test_harm_to_another_under_way_is_the_writers_own_imminent_risk(case: Case) -> None:
    assert_rules_read_own_imminent(*case)


@pytest.mark.parametrize("case", HARM_NOW, ids=case_id)
def test_harm_to_another_under_way_pages_whatever_the_model_says(case: Case) -> None:
    assert_pages_with_the_model_at_zero(*case)


@pytest.mark.parametrize("case", HARM_NOW, ids=case_id)
def test_harm_to_another_under_way_is_read_as_such(case: Case) -> None:
    found = rule_detector().assess(case[1], case[0])
    assert {"harm_to_others", "timeframe"} <= set(found.reasons)


@pytest.mark.parametrize("case", HARM_HIGH, ids=case_id)
def test_the_rules_read_the_writers_own_high_risk(case: Case) -> None:
    language, text = case
    found = rule_detector().assess(text, language)
    assert found.level in ALERT_LEVELS
    assert found.who == "self"
    assert "harm_to_others" in found.reasons


@pytest.mark.parametrize("case", RELAPSE, ids=case_id)
def test_a_relapse_told_now_is_a_plain_intent_that_pages_with_the_model_at_zero(
    case: Case,
) -> None:
    language, text = case
    assert "intent" in rule_detector().assess(text, language).reasons
    assert_pages_with_the_model_at_zero(language, text)
