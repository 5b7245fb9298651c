"""Blind v20's scolding mask and the negation's hold-back in ``combine`` (the round's family
cases are in tests/risk_families/v20.py, checked in tests/test_risk_family_rounds.py).

"mi roommate me va a matar, rompí su lámpara" (a scolding for something broken) is literal,
so the model is held back too, never with blows. A context that is only a negation (the rules
read "I don't want to die" and nothing literal) gives way to the model sooner than a literal
mask does (``negated_override``, ``negated_yield_imminent``:
``escalation.risk.negation_yields``)."""

from __future__ import annotations

import pytest

from escalation.risk import (
    ALERT_LEVELS,
    NEVER,
    Assessment,
    combine,
    default_detector,
    rule_detector,
    rules_context,
)
from escalation.risk_model import Scores


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("mi roommate me va a matar, le rompí su taza favorita", True),
        ("mi mamá me va a matar, perdí las llaves otra vez jaja", True),
        # With blows, the threat is read (abuse), not a literal use.
        (
            "mi papá me va a matar porque rompí su celular, la última vez me pegó con el cinturón",
            False,
        ),
    ],
)
def test_a_scolding_for_something_broken_holds_the_model_back_too(text: str, literal: bool) -> None:
    _, found_literal, negated = rules_context(rule_detector(), text)
    assert (found_literal, negated) == (literal, False)


class TestANegationAloneGivesWaySooner:
    NONE = Assessment("none", ())
    THRESHOLDS = {
        "alert": 0.4,
        "imminent": 0.1,
        "other": 0.5,
        "literal_override": 0.99,
        "literal_yield_imminent": 0.995,
        "negated_override": 0.95,
        "negated_yield_imminent": 0.5,
    }

    @pytest.mark.parametrize(
        ("scores", "level"),
        [
            (Scores(0.96, 0.0, 0.0), "high"),  # sure enough: over negated_override
            (Scores(0.94, 0.0, 0.0), "none"),
            (Scores(0.6, 0.55, 0.0), "imminent"),  # alerts, imminent head over the yield
            (Scores(0.6, 0.45, 0.0), "none"),
            (Scores(0.35, 0.9, 0.0), "none"),  # under the alert threshold
        ],
    )
    def test_a_negation_holds_the_model_back_only_under_its_own_thresholds(
        self, scores: Scores, level: str
    ) -> None:
        found = combine(self.NONE, scores, self.THRESHOLDS, literal=True, words=12, negated=True)
        assert (found.level, found.who) == (level, "self")
        if level != "none":
            assert found.reasons == ("model",)

    @pytest.mark.parametrize("scores", [Scores(0.96, 0.0, 0.0), Scores(0.6, 0.55, 0.0)])
    def test_a_literal_use_still_holds_the_model_back_there(self, scores: Scores) -> None:
        found = combine(self.NONE, scores, self.THRESHOLDS, literal=True, words=12)
        assert found.level == "none"

    def test_without_the_thresholds_a_negation_holds_as_before(self) -> None:
        thresholds = {k: v for k, v in self.THRESHOLDS.items() if not k.startswith("negated_")}
        found = combine(
            self.NONE, Scores(0.98, 0.9, 0.0), thresholds, literal=True, words=12, negated=True
        )
        assert found.level == "none"

    def test_a_near_certain_model_still_says_nothing_on_three_words(self) -> None:
        found = combine(
            self.NONE, Scores(0.99, 0.9, 0.0), self.THRESHOLDS, literal=True, words=3, negated=True
        )
        assert found.level == "none"

    @pytest.mark.parametrize(
        ("text", "negated"),
        [
            ("I would never kill myself, I'm just really tired of my job", True),
            ("i dont want to die, i just want everything to stop for a while", True),
            ("mi roommate me va a matar, le rompí su taza favorita", False),
        ],
    )
    def test_the_rules_tell_a_negation_from_a_literal_use(self, text: str, negated: bool) -> None:
        _, literal, found_negated = rules_context(rule_detector(), text)
        assert (literal, found_negated) == (True, negated)

    def test_the_detector_passes_the_negation_to_combine(self, monkeypatch) -> None:
        detector = default_detector()
        # Every model score alerts; only the hold-back stands in its way.
        everything = {**detector.thresholds, "alert": 0.0, "imminent_lift": NEVER}
        monkeypatch.setattr(detector, "thresholds", {**everything, "negated_override": 0.0})
        text = "I would never kill myself, I'm just really tired of my job"
        assert detector.assess(text, "en").level in ALERT_LEVELS
        held = {k: v for k, v in everything.items() if not k.startswith("negated_")}
        monkeypatch.setattr(detector, "thresholds", held)
        assert detector.assess(text, "en").level not in ALERT_LEVELS
