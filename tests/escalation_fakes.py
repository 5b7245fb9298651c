"""A stand-in risk detector for the escalation tests: fixed phrases, fixed answers.

The escalation tests check what happens after a detection, so they use this
instead of the real detector (escalation.risk), whose accuracy has its own tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

IMMINENT_PHRASE = "pills in front of me"
HIGH_PHRASE = "want to die"
THIRD_PARTY_PHRASE = "my friend wants to die"


@dataclass(frozen=True)
class FakeAssessment:
    level: str
    reasons: tuple[str, ...] = ()
    third_party: bool = False


class PhraseDetector:
    def assess(self, text: str, language: str | None = None) -> FakeAssessment:
        lowered = text.lower()
        if IMMINENT_PHRASE in lowered:
            return FakeAssessment("imminent", ("means", "timeframe"))
        if THIRD_PARTY_PHRASE in lowered:
            return FakeAssessment("high", ("ideation",), third_party=True)
        if HIGH_PHRASE in lowered:
            return FakeAssessment("high", ("ideation",))
        return FakeAssessment("none")


def make_detector() -> PhraseDetector:
    return PhraseDetector()


@pytest.fixture
def fake_detector(settings) -> None:
    """Point RISK_DETECTOR at the phrase detector above for this test."""
    settings.RISK_DETECTOR = "tests.escalation_fakes.make_detector"


def flag_worry_for_someone_else(draft):
    """A risk check as the detector reports concern for another person: ``who`` is ``other``."""
    from chatplatform import pipeline
    from escalation.checks import RISK_SOURCE

    return pipeline.Verdict(
        flags=(
            pipeline.Flag(
                source=RISK_SOURCE, kind="high", data={"reasons": ["ideation"], "who": "other"}
            ),
        )
    )
