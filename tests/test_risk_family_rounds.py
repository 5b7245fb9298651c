"""Every round's families of risk phrasings, checked the same way (blind v15 to v21).

Each round's cases are lists of (language, text) in a data module of
``tests/risk_families/`` (its docstring says what the round's families are and why);
this module runs the checks of ``tests/risk_family_checks.py`` over every round's lists,
one test per kind of list, each case's id its round and its text:

- ``RISKY``: the rules read the writer's own imminent risk, and it pages with the model at 0;
- ``HIGH``: the rules read the writer's own high risk (high exactly);
- ``OWN_ALERT``: the rules read an alert (high or imminent) as the writer's own;
- ``HARMLESS``: neither the rules nor the shipped detector alert;
- ``RULES_HARMLESS`` (and blind v15's ``IDIOMS``): the rules raise no alert;
- ``NOT_IMMINENT``: the rules do not read imminent;
- ``OTHERS``: the rules and the shipped detector alert, as someone else's risk;
- ``OTHERS_WHO``: the rules and the shipped detector read it as someone else's;
- ``RULES_OTHERS``: the rules alert as someone else's and the detector alerts;
- ``STILL_RISK``: the masks do not hide real risk (the rules alert, as the writer's own).

Adding a round is one line: write ``tests/risk_families/v22.py`` with the round's docstring
and lists under the names above (a list no test reads must be named in the module's
``OWN_CHECKS``, else ``test_every_case_list_is_checked`` fails), then add
``"v22": v22,`` to ``ROUNDS`` (and ``v22`` to the import). A check of a new kind is a new
test here over a new list name.
"""

from __future__ import annotations

import pytest

from escalation.risk import ALERT_LEVELS, default_detector, rule_detector
from tests.risk_families import v15, v16, v17, v18, v19, v20, v20_farewell, v21
from tests.risk_family_checks import (
    Case,
    assert_no_alert,
    assert_pages_with_the_model_at_zero,
    assert_rules_raise_no_alert,
    assert_rules_read_own_imminent,
    assert_someone_elses,
)

ROUNDS = {
    "v15": v15,  # tests/risk_families/v15.py: blind v15's silent imminent families
    "v16": v16,
    "v17": v17,
    "v18": v18,
    "v19": v19,
    "v20": v20_farewell,
    "v20-families": v20,
    "v21": v21,
}

# Every list name a test below reads.
KINDS = (
    "RISKY",
    "HIGH",
    "OWN_ALERT",
    "HARMLESS",
    "RULES_HARMLESS",
    "IDIOMS",
    "NOT_IMMINENT",
    "OTHERS",
    "OTHERS_WHO",
    "RULES_OTHERS",
    "STILL_RISK",
)


def cases(*kinds: str) -> list:
    """Every round's cases in the lists named ``kinds``, with ids "<round>-<text>"."""
    return [
        pytest.param(case, id=f"{name}-{case[1]}")
        for name, module in ROUNDS.items()
        for kind in kinds
        for case in getattr(module, kind, ())
    ]


def test_every_case_list_is_checked() -> None:
    """A list under a name no test reads (a typo, a new kind) would check nothing."""
    for name, module in ROUNDS.items():
        lists = [
            attribute
            for attribute, value in vars(module).items()
            if attribute.isupper() and isinstance(value, list)
        ]
        assert lists, name
        unread = set(lists) - set(KINDS) - set(getattr(module, "OWN_CHECKS", ()))
        assert not unread, (name, sorted(unread))
        for attribute in lists:
            for case in getattr(module, attribute):
                assert isinstance(case, tuple) and len(case) == 2, (name, attribute, case)
                assert case[0] in ("en", "es"), (name, attribute, case)


@pytest.mark.parametrize("case", cases("RISKY"))
def test_the_rules_read_the_writers_own_imminent_risk(case: Case) -> None:
    assert_rules_read_own_imminent(*case)


@pytest.mark.parametrize("case", cases("RISKY"))
def test_it_pages_whatever_the_model_says(case: Case) -> None:
    assert_pages_with_the_model_at_zero(*case)


@pytest.mark.parametrize("case", cases("HIGH"))
def test_the_rules_read_the_writers_own_high_risk(case: Case) -> None:
    language, text = case
    found = rule_detector().assess(text, language)
    assert (found.level, found.who) == ("high", "self")


@pytest.mark.parametrize("case", cases("OWN_ALERT"))
def test_the_rules_read_the_writers_own_risk_as_an_alert(case: Case) -> None:
    language, text = case
    found = rule_detector().assess(text, language)
    assert found.level in ALERT_LEVELS
    assert found.who == "self"


@pytest.mark.parametrize("case", cases("HARMLESS"))
def test_the_harmless_look_alikes_raise_no_alert(case: Case) -> None:
    assert_no_alert(*case)


@pytest.mark.parametrize("case", cases("RULES_HARMLESS", "IDIOMS"))
def test_the_rules_raise_no_alert_on_these_look_alikes(case: Case) -> None:
    assert_rules_raise_no_alert(*case)


@pytest.mark.parametrize("case", cases("NOT_IMMINENT"))
def test_these_look_alikes_are_not_read_as_imminent(case: Case) -> None:
    language, text = case
    assert rule_detector().assess(text, language).level != "imminent"


@pytest.mark.parametrize("case", cases("OTHERS"))
def test_someone_elses_risk_is_theirs(case: Case) -> None:
    assert_someone_elses(*case)


@pytest.mark.parametrize("case", cases("OTHERS_WHO"))
def test_someone_elses_wish_to_be_dead_is_theirs(case: Case) -> None:
    language, text = case
    for found in (
        rule_detector().assess(text, language),
        default_detector().assess(text, language),
    ):
        assert found.who == "other"


@pytest.mark.parametrize("case", cases("RULES_OTHERS"))
def test_the_rules_read_someone_elses_risk_now_as_theirs_across_a_comma(case: Case) -> None:
    language, text = case
    found = rule_detector().assess(text, language)
    assert found.level in ALERT_LEVELS
    assert found.who == "other"
    assert default_detector().assess(text, language).level in ALERT_LEVELS


@pytest.mark.parametrize("case", cases("STILL_RISK"))
def test_the_masks_do_not_hide_real_risk(case: Case) -> None:
    language, text = case
    found = rule_detector().assess(text, language)
    assert found.level in ALERT_LEVELS
    assert found.who == "self"
