"""Long messages: the rules read only a bounded stretch before each match, so their time
grows about linearly with a message's length (issue 10), and every reading is the one the
full clause scan gave.

The reference is ``full_scan_clause_before``, the clause reading as it was before the
bound (read the whole text before every match), kept here verbatim: the readings of every
training message are computed with it swapped in and compared with the shipped code's.
Speed itself is measured in ``benchmarks/risk_throughput.py --long``, never asserted here.
"""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from escalation import risk, risk_rules
from escalation.risk import LanguageRules, RuleDetector, _assess_in, rule_detector
from escalation.risk_text import normalise
from tests.risk_corpus import (
    normalised_training_texts,
    readings,
    shipped_readings_of_the_training_set,
    training_texts,
)

# The most characters MESSAGE_MAX_LENGTH allows (chatplatform/settings.py).
LONGEST = 20_000


def full_scan_clause_before(rules: LanguageRules, text: str, start: int, words: int) -> str:
    """The clause reading before the bound: every clause cut in all the text before ``start``."""
    before = text[:start]
    cut = 0
    for found in risk._CLAUSE_PUNCTUATION_RE.finditer(before):
        cut = found.end()
    for found in rules.grammar["clause_break"].finditer(before, cut):
        cut = found.end()
    return " ".join(before[cut:].split()[-words:])


def repeated(sentence: str, length: int = LONGEST) -> str:
    """``sentence`` repeated, space-separated, up to ``length`` characters."""
    unit = sentence + " "
    return (unit * (length // len(unit))).strip()


def test_every_training_message_reads_as_with_the_full_clause_scan(monkeypatch) -> None:
    detector = rule_detector()
    texts = training_texts()
    bounded = shipped_readings_of_the_training_set()  # read before the patch below
    monkeypatch.setattr(risk, "_clause_before", full_scan_clause_before)
    full = readings(detector, texts)
    differ = [
        text for text, mine, theirs in zip(texts, bounded, full, strict=True) if mine != theirs
    ]
    assert len(texts) > 20_000
    assert differ == []


def test_the_bounded_clause_equals_the_full_scan_before_every_word_of_the_training_messages() -> (
    None
):
    detector = rule_detector()
    compared = 0
    for normalised in normalised_training_texts():
        for rules in detector.languages.values():
            prepared = rules.prepare(normalised)
            for word in re.finditer(r"(?<![a-z0-9*])[a-z0-9*]", prepared):
                # The one window the rules read (the negation's is its last words).
                words = risk._SUBJECT_WINDOW_WORDS
                bounded = risk._clause_before(rules, prepared, word.start(), words)
                assert bounded == full_scan_clause_before(rules, prepared, word.start(), words), (
                    prepared,
                    word.start(),
                )
                compared += 1
    assert compared > 500_000


@pytest.mark.parametrize(
    "sentence",
    [
        "he is outside my door and he says he will kill me.",
        "I want to kill myself tonight.",
        "I have the pills in front of me.",
        "i cut myself again",
        "my sister wants to kill herself.",
        "the song is about a girl who wants to kill herself.",
        "I would never kill myself.",
        "this exam is killing me haha.",
        "I'm really stressed about my exams.",
        "quiero matarme esta noche.",
        "mi hermana quiere matarse.",
        "nunca me mataría.",
        "me muero de ganas de volver a casa.",
        "estoy muy agobiada con los exámenes.",
    ],
)
def test_a_sentence_repeated_to_the_longest_message_reads_as_one_copy(sentence: str) -> None:
    detector = rule_detector()
    long = repeated(sentence)
    assert len(long) > LONGEST - len(sentence) - 2
    assert readings(detector, [long]) == readings(detector, [sentence])


@pytest.mark.parametrize(
    "sentence",
    [
        "he is outside my door and he says he will kill me",
        "no quiero vivir mas",
        "my friend said she wants to die but I want to die too",
    ],
)
def test_the_longest_repeats_read_as_with_the_full_clause_scan(monkeypatch, sentence) -> None:
    detector = rule_detector()
    long = repeated(sentence)
    bounded = readings(detector, [long])
    monkeypatch.setattr(risk, "_clause_before", full_scan_clause_before)
    assert bounded == readings(detector, [long])
    assert bounded[0][0][0] in ("high", "imminent")


class Spy:
    """A compiled pattern that records how much text each scan was given."""

    def __init__(self, pattern: re.Pattern[str], spans: list[int]) -> None:
        self.pattern = pattern
        self.spans = spans

    def finditer(self, text: str, pos: int = 0, endpos: int = 2**31):
        self.spans.append(min(endpos, len(text)) - pos)
        return self.pattern.finditer(text, pos, endpos)

    def __getattr__(self, name: str):
        return getattr(self.pattern, name)


def test_the_clause_scans_read_a_bounded_stretch_of_a_long_message(monkeypatch) -> None:
    detector = rule_detector()
    spans: list[int] = []
    monkeypatch.setattr(risk, "_CLAUSE_PUNCTUATION_RE", Spy(risk._CLAUSE_PUNCTUATION_RE, spans))
    english = detector.languages["en"]
    spied = dataclasses.replace(
        english,
        grammar={**english.grammar, "clause_break": Spy(english.grammar["clause_break"], spans)},
    )
    found, _ = _assess_in(spied, normalise(repeated("i cut myself again")))
    assert found.level == "high"
    # Hundreds of matches, each scanned within about twenty words before it.
    assert len(spans) > 1_000
    assert max(spans) < 200


def test_a_clause_far_back_does_not_decide_whose_words_they_are() -> None:
    detector = rule_detector()
    filler = repeated("and then we went to the shops and talked about school", 15_000)
    assert detector.assess(f"my sister {filler} and i want to die").who == "self"
    assert detector.assess(f"i {filler} and my sister wants to die").who == "other"
    assert detector.assess(f"{filler}. i would never kill myself").level == "none"
    assert detector.assess(f"i would never {filler} and i want to kill myself").level == "high"


@pytest.mark.parametrize(
    ("text", "words", "start"),
    [
        ("a bb ccc dddd", 2, 5),  # "ccc dddd" before the end
        ("a bb ccc dddd", 4, 0),
        ("a bb ccc dddd", 9, 0),  # fewer words than asked
        ("a  bb   ccc dddd", 2, 8),  # more than one space: counted word by word
        ("a bb  ccc dddd", 3, 2),
        ("", 3, 0),
    ],
)
def test_words_back_finds_where_the_last_words_begin(text: str, words: int, start: int) -> None:
    assert risk._words_back(text, len(text), words) == start
    assert len(text[start:].split()) == min(words, len(text.split()))


def test_words_back_on_texts_short_and_long() -> None:
    chance = random.Random(10)
    vocabulary = ["a", "no", "kil", "myself", ".", "tonight", "quiero", "x" * 30]
    checked = 0
    for spaces in (" ", "  "):
        for size in (5, 60, 150):
            text = spaces.join(chance.choice(vocabulary) for _ in range(size))
            starts = [word.start() for word in re.finditer(r"(?<![^ ])[^ ]", text)]
            for index, end in enumerate(starts):
                for words in (1, 7, 20):
                    found = risk._words_back(text, end, words)
                    if spaces == " ":
                        assert found == (starts[index - words] if index >= words else 0)
                    else:  # never fewer words than asked, from a word start
                        assert found == 0 or text[found - 1] == " " != text[found]
                        assert len(text[found:end].split()) >= min(words, index)
                    checked += 1
    assert checked > 1_000


# A look-around's gap as the signal files bound it, e.g. "(?!.{0,600} " (issue 10).
_BOUNDED_LOOK_AROUND_GAP = re.compile(r"(\(\?<?[=!])\.\{0,\d+\}")


def test_every_training_message_reads_as_with_the_look_arounds_unbounded(
    monkeypatch, tmp_path
) -> None:
    """The bounds on the look-arounds' gaps ("(?!.{0,600} ...)") change no training message's
    reading: the files with every such gap written "(?!.* ...)" again, which the loader now
    refuses (so its check is switched off here), read every training message alike."""
    unbounded_files = 0
    for path in sorted(risk_rules.signal_dir().glob("*.yaml")):
        source = path.read_text(encoding="utf-8")
        unbounded, count = _BOUNDED_LOOK_AROUND_GAP.subn(r"\1.*", source)
        unbounded_files += count > 0
        (tmp_path / path.name).write_text(unbounded, encoding="utf-8")
    assert unbounded_files == 2
    texts = training_texts()
    bounded = shipped_readings_of_the_training_set()  # read before the patch below
    monkeypatch.setattr(risk_rules, "_unbounded_look_around", lambda items, inside=None: None)
    full = readings(RuleDetector(tmp_path), texts)
    differ = [
        text for text, mine, theirs in zip(texts, bounded, full, strict=True) if mine != theirs
    ]
    assert len(texts) > 20_000
    assert differ == []
