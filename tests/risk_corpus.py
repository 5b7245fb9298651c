"""The risk training corpus, read once per test session, and the shipped rules' readings
of it, computed once: several risk tests check every training message (the model's
equality with scikit-learn, the scan, two loads of the rules, the bounded clause and
look-arounds), and each used to read all ~28k messages and score them again.

Everything here is a pure function of the files in the repository, cached for the
session, and returned as tuples so that no test can change what the next one reads. A
test that changes where the corpus lives (``monkeypatch`` on
``escalation.risk_eval.corpus``) must call ``training_examples()`` itself; so must one
that wants the rules' readings with a monkeypatched rule engine (read the shipped ones
here before patching, as tests/test_risk_long_messages.py does).
"""

from __future__ import annotations

from functools import cache

from escalation.risk import RuleDetector, _assess_in, rule_detector
from escalation.risk_eval.corpus import Example, training_examples
from escalation.risk_text import normalise


@cache
def training_set() -> tuple[Example, ...]:
    """Every training message (``training_examples()``, read once)."""
    return tuple(training_examples())


@cache
def training_texts() -> tuple[str, ...]:
    return tuple(example.text for example in training_set())


@cache
def normalised_training_texts() -> tuple[str, ...]:
    """``normalise`` of each training message, in the same order."""
    return tuple(normalise(text) for text in training_texts())


def readings(detector: RuleDetector, texts: tuple[str, ...] | list[str]) -> list[tuple]:
    """Each text's reading (level, who, reasons, the writer's signals), across languages
    as the detector chooses, then in each language on its own."""
    rows = []
    for text in texts:
        normalised = normalise(text)
        found, own = detector.read(normalised)
        row: list = [(found.level, found.who, found.reasons, tuple(sorted(own)))]
        for _, rules in sorted(detector.languages.items()):
            if normalised:
                found, own = _assess_in(rules, normalised)
                row.append((found.level, found.who, found.reasons, tuple(sorted(own))))
        rows.append(tuple(row))
    return rows


@cache
def shipped_readings_of_the_training_set() -> tuple[tuple, ...]:
    """``readings`` of every training message by the shipped rules (``rule_detector()``),
    as the code stands: call it before monkeypatching anything the rules use."""
    return tuple(readings(rule_detector(), training_texts()))
