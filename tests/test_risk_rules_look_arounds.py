"""The loader refuses a look-around that can read to the end of the message (issue 10).

A look-around ("(?!.* lol)") is tried at every place its pattern reaches, often every
word start; an unbounded gap in it reads to the end of the message each time, which made
long messages take quadratic time twice. Any unbounded repeat of something broad (that
can match a character other than a-z, 0-9 and "*", above all a space) in a look-around is
refused, with an error naming the file, the entry and the pattern; bounded gaps and
unbounded repeats of word characters (one word) load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from escalation.risk import RuleDetector
from escalation.risk_rules import load_language, signal_dir
from tests.test_risk_signal_files import VALID, changed, load_error, write


def with_signal(pattern: str) -> dict:
    return changed(signals={**VALID["signals"], "plan": ["going to die", pattern]})


@pytest.mark.parametrize(
    ("pattern", "repeat", "look_around"),
    [
        pytest.param("kil myself(?!.* lol)", ".*", "negative look-ahead (?!", id="(?!.*"),
        pytest.param("kil myself(?!.*(lol|haha))", ".*", "negative look-ahead (?!", id="(?!.*("),
        pytest.param("kil myself(?=.* tonight)", ".*", "look-ahead (?=", id="(?=.*"),
        pytest.param("kil myself(?!.+ lol)", ".+", "negative look-ahead (?!", id=".+"),
        pytest.param("kil myself(?!.{3,} lol)", ".{3,}", "negative look-ahead (?!", id=".{3,}"),
        pytest.param("kil myself(?!.*? lol)", ".*?", "negative look-ahead (?!", id=".*?"),
        pytest.param("kil myself(?!.*+ lol)", ".*+", "negative look-ahead (?!", id=".*+"),
        pytest.param(
            "kil myself(?!(?>.*) lol)", ".*", "negative look-ahead (?!", id="atomic group"
        ),
        pytest.param("kil myself(?![^.]* lol)", "[^...]*", "negative look-ahead (?!", id="[^.]*"),
        pytest.param("kil myself(?![^,;]+ lol)", "[^...]+", "negative look-ahead (?!", id="[^,;]+"),
        pytest.param(
            "kil myself(?![a-z ]* lol)", "[...]*", "negative look-ahead (?!", id="[a-z ]*"
        ),
        pytest.param("kil myself(?!\\s* lol)", "[...]*", "negative look-ahead (?!", id="\\s*"),
        pytest.param(
            "kil myself(?!( [a-z]+)* lol)", "(...)*", "negative look-ahead (?!", id="words*"
        ),
        pytest.param(
            "kil myself(?! (not|(?:[a-z]+ )+lol))", "(...)+", "negative look-ahead (?!", id="nested"
        ),
        pytest.param(
            "kil myself(?!(?=.* lol))", ".*", "negative look-ahead (?!", id="look-around inside"
        ),
        pytest.param("(?<=.* )kil myself", ".*", "look-behind (?<=", id="(?<=.*"),
        pytest.param("(?<!.* not )kil myself", ".*", "negative look-behind (?<!", id="(?<!.*"),
    ],
)
def test_an_unbounded_look_around_is_refused_naming_file_signal_and_pattern(
    tmp_path: Path, pattern: str, repeat: str, look_around: str
) -> None:
    error = load_error(tmp_path, with_signal(pattern))
    assert error.startswith(f"xx.yaml: signals.plan[1]: unbounded {repeat!r} in a {look_around}")
    assert "reads to the end of the message" in error
    assert "bound it, e.g. '.{0,600}' instead of '.*'" in error
    assert error.endswith(f"in {pattern!r}")


@pytest.mark.parametrize(
    "where",
    ["masks", "grammar", "macros"],
)
def test_masks_grammar_and_macros_are_checked_too(tmp_path: Path, where: str) -> None:
    if where == "masks":
        data = changed(masks={"idiom": ["dying to see(?!.* sad)"]})
        expected = "xx.yaml: masks.idiom[0]: unbounded '.*'"
    elif where == "grammar":
        data = changed(grammar={**VALID["grammar"], "negator": "not(?!.* but)|never"})
        expected = "xx.yaml: grammar.negator: unbounded '.*'"
    else:
        data = changed(
            macros={"self": "myself(?!.* lol)|herself"},
            signals={"ideation": ["kil {self}"]},
        )
        expected = "xx.yaml: signals.ideation[0]: unbounded '.*'"
    assert load_error(tmp_path, data).startswith(expected)


@pytest.mark.parametrize(
    "pattern",
    [
        "kil myself(?!.{0,600} lol)",
        "kil myself(?!.{0,600}(lol|haha))",
        "kil myself(?=.{2,40} tonight)",
        "kil myself(?![^.]{0,80} lol)",
        "kil myself(?!( [a-z]+){0,6} lol)",
        "kil myself(?! [a-z]+ lol)",
        "kil myself(?! [a-z0-9*]* lol)",
        "kil myself(?! (\\d+|no)+ lol)",
        "(?<!not )kil myself",
        "kil myself( [a-z]+)* now",
    ],
)
def test_a_bounded_look_around_loads_and_reads(tmp_path: Path, pattern: str) -> None:
    write(tmp_path, with_signal(pattern))
    detector = RuleDetector(tmp_path)
    assert detector.languages["xx"].language == "xx"
    assert detector.assess("I'm going to die").level == "high"


def test_a_bounded_look_ahead_still_excludes_within_its_bound(tmp_path: Path) -> None:
    write(tmp_path, changed(signals={"ideation": ["kil myself(?!.{0,40} lol)"]}))
    detector = RuleDetector(tmp_path)
    assert detector.assess("I want to kill myself").level == "high"
    assert detector.assess("I want to kill myself lol").level == "none"
    # Past the bound the exclusion is not seen: the signal stands.
    assert detector.assess("I want to kill myself " + "and so on " * 6 + "lol").level == "high"


@pytest.mark.parametrize("path", sorted(signal_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_no_pattern_of_the_shipped_signal_files_is_refused(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert "(?!.{0,600}" in source
    assert "(?!.*" not in source
    assert load_language(path).language == path.stem
