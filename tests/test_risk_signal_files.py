"""Signal files are validated on load, with errors that name the file and the entry."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from escalation.risk import RuleDetector
from escalation.risk_rules import SignalFileError, load_language, signal_dir
from escalation.risk_text import normalise
from tests.risk_corpus import normalised_training_texts, training_set

VALID: dict[str, Any] = {
    "language": "xx",
    "common_words": ["the", "i", "to"],
    "aliases": {"wanna": "want to"},
    "censored_words": ["die"],
    "macros": {"self": "myself|herself"},
    "grammar": {
        "clause_break": "but",
        "negator": "not|never",
        "negation_exception": "cant stop",
        "negation_after": "is not something",
        "laughter_after": "lol",
        "first_person_marker": "me|my|myself",
        "third_person_marker": "her|herself",
        "first_person_subject": "i|im",
        "third_person_subject": "she|my friend",
        "reported_fiction": "the song is about",
    },
    "masks": {"idiom": ["dying to see"]},
    "signals": {"ideation": ["want to die", "kill {self}"], "timeframe": ["tonight"]},
}


def write(tmp_path: Path, data: Any, name: str = "xx.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def changed(**sections: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    data.update(sections)
    return data


def load_error(tmp_path: Path, data: Any) -> str:
    with pytest.raises(SignalFileError) as raised:
        load_language(write(tmp_path, data))
    return str(raised.value)


def test_a_valid_file_loads_and_detects(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    detector = RuleDetector(tmp_path)
    assert detector.assess("I wanna die").level == "high"
    assert detector.assess("I would never kill myself").level == "none"
    assert detector.assess("I'm dying to see it").level == "none"


@pytest.mark.parametrize("path", sorted(signal_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_signal_files_load(path: Path) -> None:
    assert load_language(path).language == path.stem


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param("language: [xx", "xx.yaml: cannot be read", id="broken YAML"),
        pytest.param(["not", "a", "mapping"], "xx.yaml: top level", id="not a mapping"),
        pytest.param(changed(extra={}), "xx.yaml: extra: unknown section", id="unknown section"),
        pytest.param(changed(language="en"), "xx.yaml: language: must be 'xx'", id="language"),
        pytest.param(
            changed(common_words=["the", True]),
            "xx.yaml: common_words[1]: True is not a single word",
            id="YAML turned a word into a boolean",
        ),
        pytest.param(
            changed(grammar={"negator": "not"}),
            "xx.yaml: grammar.clause_break: missing",
            id="missing grammar rule",
        ),
        pytest.param(
            changed(signals={"ideation": ["want to die"], "despair": ["no hope"]}),
            "xx.yaml: signals.despair: unknown name",
            id="unknown signal",
        ),
        pytest.param(
            changed(signals={"ideation": ["want to die", "want to (die"]}),
            "xx.yaml: signals.ideation[1]: invalid pattern 'want to (die'",
            id="invalid regex",
        ),
        pytest.param(
            changed(signals={"ideation": ["kill {yourself}"]}),
            "xx.yaml: signals.ideation[0]: unknown macro {yourself}",
            id="unknown macro",
        ),
        pytest.param(
            changed(signals={"ideation": ["\\bdie\\b"]}),
            "xx.yaml: signals.ideation[0]: \\b is not allowed",
            id="word boundary",
        ),
        pytest.param(
            changed(signals={"ideation": ["(die)?"]}),
            "xx.yaml: signals.ideation[0]: '(die)?' matches empty text",
            id="matches nothing",
        ),
        pytest.param(
            changed(signals={"ideation": [42]}),
            "xx.yaml: signals.ideation[0]: must be a non-empty text pattern",
            id="not text",
        ),
        pytest.param(
            changed(signals={"ideation": "want to die"}),
            "xx.yaml: signals.ideation: must be a list of patterns",
            id="not a list",
        ),
        pytest.param(
            changed(signals={"ideation": ["i ~want to die"]}),
            "xx.yaml: signals.ideation[0]: '~' must stand alone",
            id="misplaced gap",
        ),
        pytest.param(
            changed(signals={"ideation": ["the (i|to)"]}),
            "xx.yaml: signals.ideation[0]: needs a distinctive word",
            id="only common words",
        ),
        pytest.param(
            changed(masks={"idiom": ["dying to"], "jokes": ["lol"]}),
            "xx.yaml: masks.jokes: unknown name",
            id="unknown mask",
        ),
    ],
)
def test_mistake_is_reported_with_file_and_entry(tmp_path: Path, data: Any, expected: str) -> None:
    assert expected in load_error(tmp_path, data)


def test_detector_without_signal_files_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no risk signal files"):
        RuleDetector(tmp_path)


@pytest.mark.parametrize("path", sorted(signal_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_the_scan_never_hides_a_rule_that_matches(path: Path) -> None:
    """Every rule matching a message is among the rules the scan selects for it."""
    rules = load_language(path)
    every_rule = {rule for group in rules.rules_by_literal.values() for rule in group}
    for example, normalised in zip(training_set(), normalised_training_texts(), strict=True):
        text = rules.prepare(normalised)
        matching = {rule for rule in every_rule if rule.regex.search(text)}
        if any(rule.signal not in {"timeframe", "mask"} for rule in matching):
            assert matching <= set(rules.triggered(text)), example.text


@pytest.mark.parametrize("path", sorted(signal_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_the_rules_run_in_one_order_whatever_set_order_the_scan_gives(path: Path) -> None:
    """The scan finds rules as a set, hashed by identity, so its order differs between
    processes; ``triggered`` sorts them by signal and then by their place in the file,
    so a reading never depends on the process."""
    rules = load_language(path)
    every_rule = sorted(
        {rule for group in rules.rules_by_literal.values() for rule in group},
        key=lambda rule: (rule.order, rule.position),
    )
    assert len({rule.position for rule in every_rule}) == len(every_rule)
    for normalised in normalised_training_texts()[::3]:
        text = rules.prepare(normalised)
        found = rules.triggered(text)
        assert found == sorted(found, key=lambda rule: (rule.order, rule.position))


def test_two_loads_of_the_rules_read_every_training_message_alike() -> None:
    """Two rule sets loaded apart (other objects, so other set orders) agree on every
    message: before the rules were ordered within a signal, 16 of 10,976 did not (the
    negation marker, and once the level)."""
    first, second = RuleDetector(), RuleDetector()
    for example, text in zip(training_set(), normalised_training_texts(), strict=True):
        assert first.read(text) == second.read(text), example.source


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("I DON\u2019T want to DIIIIE!!!", "i dont want to die !!!"),
        ("k1ll1ng mys3lf t0night", "kiling myself tonight"),
        ("i want to k i l l myself", "i want to kil myself"),
        ("Mí mamá 😔", "mi mama"),
        ("60 tablets of 500mg", "60 tablets of 500 mg"),
        ("*hugs* s*icide", "hugs s*icide"),
    ],
)
def test_normalisation(text: str, normalised: str) -> None:
    assert normalise(text) == normalised
    assert re.fullmatch(r"[a-z0-9*.,;:!? ]*", normalise(text))
