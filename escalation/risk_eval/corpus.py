"""The labelled risk corpus: loading and validation (pure Python, no Django).

Two kinds of file, both JSONL (one object per line, UTF-8):

- The corpus (``corpus/dev/*.jsonl``, ``corpus/blind/*.jsonl``), labelled as
  ``docs/risk-labelling.md`` says: ``text``, ``language``, ``level`` (the
  writer's own risk now), ``who`` (``self``, ``other``, ``quoted``),
  ``other_level`` (only with ``who`` = ``other``), ``when``, ``family``,
  ``style`` and, for Spanish, an optional ``variety`` (free text, not checked: writers
  add varieties beyond the guide's list, such as ``es-PE`` and ``es-VE``).
- The two older sets (``labelled.jsonl``, ``blind.jsonl``) with ``text``,
  ``language``, ``level``, ``category`` and ``split``. Their third-party
  messages were labelled with the other person's level; they are read here as
  ``who`` = ``other`` with that ``other_level`` and the writer's ``none``.

A malformed line raises ``CorpusError`` naming the file, the line and the
field, never the message text (blind files must stay unread).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("none", "low", "high", "imminent")
RISK_LEVELS = frozenset({"high", "imminent"})
WHO = ("self", "other", "quoted")
WHEN = ("now", "past", "none")
FAMILIES = (
    "attempt_in_progress",
    "plan_means_time",
    "preparatory",
    "ideation_active",
    "ideation_passive",
    "self_harm",
    "self_harm_relapse",
    "harm_to_others",
    "abuse_at_home",
    "hopelessness",
    "history_recovered",
    "suicide_loss",
    "third_party",
    "quoted_media",
    "professional",
    "idiom_hyperbole",
    "literal_use",
    "negation",
    "gaming",
    "medication_question",
    "helpline_question",
    "everyday_distress",
    "smalltalk",
)
STYLES = (
    "plain",
    "buried",
    "flippant",
    "typo_slang",
    "leetspeak",
    "voice_to_text",
    "emoji",
    "caps",
    "no_punct",
    "code_switch",
    "oblique",
)
LANGUAGES = ("en", "es")

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE / "corpus"
DEV_DIR = CORPUS_DIR / "dev"
# Dev data by other writers, one sub-directory per kind of batch (everyday, negatives,
# positives); each file is one writer's batch and is kept as a group for cross-validation.
DEV2_DIR = CORPUS_DIR / "dev2"
# Dev data by a further independent writer, aimed at known weak spots; one group per file.
DEV3_DIR = CORPUS_DIR / "dev3"
BLIND_DIR = CORPUS_DIR / "blind"
# The blind corpora v3 to v21, each by an independent writer, added once a detector was
# final and evaluated (v3 three times, v4 to v21 once); no longer blind, so now
# training data, one group per file (v7's to v21's conversations join the dev
# conversations).
BLIND3_DIR = CORPUS_DIR / "blind3"
BLIND4_DIR = CORPUS_DIR / "blind4"
BLIND5_DIR = CORPUS_DIR / "blind5"
BLIND6_DIR = CORPUS_DIR / "blind6"
BLIND7_DIR = CORPUS_DIR / "blind7"
BLIND7_CONVERSATIONS = BLIND7_DIR / "conversations.jsonl"
BLIND8_DIR = CORPUS_DIR / "blind8"
BLIND8_CONVERSATIONS = BLIND8_DIR / "conversations.jsonl"
BLIND9_DIR = CORPUS_DIR / "blind9"
BLIND9_CONVERSATIONS = BLIND9_DIR / "conversations.jsonl"
BLIND10_DIR = CORPUS_DIR / "blind10"
BLIND10_CONVERSATIONS = BLIND10_DIR / "conversations.jsonl"
BLIND11_DIR = CORPUS_DIR / "blind11"
BLIND11_CONVERSATIONS = BLIND11_DIR / "conversations.jsonl"
BLIND12_DIR = CORPUS_DIR / "blind12"
BLIND12_CONVERSATIONS = BLIND12_DIR / "conversations.jsonl"
BLIND13_DIR = CORPUS_DIR / "blind13"
BLIND13_CONVERSATIONS = BLIND13_DIR / "conversations.jsonl"
BLIND14_DIR = CORPUS_DIR / "blind14"
BLIND14_CONVERSATIONS = BLIND14_DIR / "conversations.jsonl"
# Dev data by a further independent writer (literal uses, idioms, third-party worry,
# passive ideation, preparatory acts); one group per file.
DEV4_DIR = CORPUS_DIR / "dev4"
# Dev data by a further independent writer, aimed at false alarms (short everyday messages,
# third-party worry, work talk, games, idioms); one group per file.
DEV5_DIR = CORPUS_DIR / "dev5"
# Dev data by a further independent writer (hard cases both ways: risk words said harmlessly,
# risk said without them, in both languages, Spanish in several varieties); one group per file.
DEV7_DIR = CORPUS_DIR / "dev7"
DEV7_CONVERSATIONS = DEV7_DIR / "conversations.jsonl"
# Dev data by a further independent writer (plans with means and a time told without the
# usual words, literal uses of the same objects with a time, both languages); one group per file.
DEV8_DIR = CORPUS_DIR / "dev8"
DEV8_CONVERSATIONS = DEV8_DIR / "conversations.jsonl"
# Dev data by a further independent writer, aimed at the misses blind v13 showed (plans
# told by a place and a time with no method word, misspelt or slang overdoses, laughter
# first), with harmless messages using the same words; one group per file.
DEV9_DIR = CORPUS_DIR / "dev9"
DEV9_CONVERSATIONS = DEV9_DIR / "conversations.jsonl"
BLIND15_DIR = CORPUS_DIR / "blind15"
BLIND15_CONVERSATIONS = BLIND15_DIR / "conversations.jsonl"
BLIND16_DIR = CORPUS_DIR / "blind16"
BLIND16_CONVERSATIONS = BLIND16_DIR / "conversations.jsonl"
# Dev data by a further independent writer, aimed at blind v16's misses (places and times
# with no method word, something hidden with a day, harm to another now) and, 60 %, at its
# false alarms (hopeful and everyday emotional messages, accidental cuts, emoji laughter,
# conditional hyperbole, memes, shouted jokes); one group per file.
DEV10_DIR = CORPUS_DIR / "dev10"
DEV10_CONVERSATIONS = DEV10_DIR / "conversations.jsonl"
# Dev data by a further independent writer: everyday emotional life, one area of it per
# file, Spanish written first, 65 % harmless, the risk told in the same everyday words;
# one group per file.
DEV11_DIR = CORPUS_DIR / "dev11"
DEV11_CONVERSATIONS = DEV11_DIR / "conversations.jsonl"
BLIND17_DIR = CORPUS_DIR / "blind17"
BLIND17_CONVERSATIONS = BLIND17_DIR / "conversations.jsonl"
BLIND18_DIR = CORPUS_DIR / "blind18"
BLIND18_CONVERSATIONS = BLIND18_DIR / "conversations.jsonl"
# Dev data by a further independent writer, aimed at blind v18's misses and false alarms:
# literal work, sport and gaming talk, the emoji of a means used harmlessly and in risk,
# threats to the writer, water and heights with no method word, Latin American appliance
# words, risk explained away; one area per file number, 57 % harmless or low; one group
# per file.
DEV12_DIR = CORPUS_DIR / "dev12"
DEV12_CONVERSATIONS = DEV12_DIR / "conversations.jsonl"
BLIND19_DIR = CORPUS_DIR / "blind19"
BLIND19_CONVERSATIONS = BLIND19_DIR / "conversations.jsonl"
BLIND20_DIR = CORPUS_DIR / "blind20"
BLIND20_CONVERSATIONS = BLIND20_DIR / "conversations.jsonl"
# Dev data by a further independent writer, weighted to the model's everyday false alarms
# on blind v20 (a parked car, a view, days that matter, a flatmate's "me va a matar", small
# talk with emoji, work stress, long harmless vents, revenge venting against real plans,
# self-harm told in passing); one group per file.
DEV13_DIR = CORPUS_DIR / "dev13"
DEV13_CONVERSATIONS = DEV13_DIR / "conversations.jsonl"
BLIND21_DIR = CORPUS_DIR / "blind21"
BLIND21_CONVERSATIONS = BLIND21_DIR / "conversations.jsonl"
# Dev data by a further independent writer: health talk and medical means (dose questions,
# wards and discharge, chronic pain, night parenting, carers, eating, recovery, treatment,
# illness humour, diagnoses), the harmless side of each area next to risk told through the
# same means; one group per file.
DEV14_DIR = CORPUS_DIR / "dev14"
DEV14_CONVERSATIONS = DEV14_DIR / "conversations.jsonl"
# The blind corpus v22, by another independent writer, added once the detector is final:
# single messages, and conversations (the format of ``CONVERSATIONS``) in
# ``conversations.jsonl``.
BLIND22_DIR = CORPUS_DIR / "blind22"
BLIND22_CONVERSATIONS = BLIND22_DIR / "conversations.jsonl"
# Training parts written as one batch per file: each file is its own cross-validation group.
GROUPED_BY_FILE = (
    "dev2",
    "dev3",
    "blind3",
    "blind4",
    "dev4",
    "blind5",
    "dev5",
    "blind6",
    "blind7",
    "blind8",
    "blind9",
    "dev7",
    "blind10",
    "blind11",
    "blind12",
    "dev8",
    "blind13",
    "blind14",
    "dev9",
    "blind15",
    "blind16",
    "dev10",
    "dev11",
    "blind17",
    "blind18",
    "dev12",
    "blind19",
    "blind20",
    "dev13",
    "blind21",
    "dev14",
)
LEGACY_LABELLED = HERE / "labelled.jsonl"
LEGACY_BLIND = HERE / "blind.jsonl"
CONVERSATIONS = DEV_DIR / "conversations.jsonl"

# The older sets' categories, in the corpus' family names where one fits.
_LEGACY_FAMILY = {
    "ideation": "ideation_active",
    "plan": "plan_means_time",
    "attempt": "attempt_in_progress",
    "goodbye": "preparatory",
    "abuse": "abuse_at_home",
    "history": "history_recovered",
    "recovery": "history_recovered",
    "idiom": "idiom_hyperbole",
    "mention": "professional",
    "academic": "professional",
}


class CorpusError(ValueError):
    """A corpus line is malformed; the message names the file, line and field."""


@dataclass(frozen=True)
class Example:
    text: str
    language: str
    level: str  # the writer's own risk
    who: str
    other_level: str | None
    when: str
    family: str
    style: str
    split: str  # "dev", "blind", or the older sets' split names
    source: str  # "file:line", never the text

    @property
    def at_risk(self) -> bool:
        return self.level in RISK_LEVELS

    @property
    def other_at_risk(self) -> bool:
        return self.who == "other" and self.other_level in RISK_LEVELS


def _choice(row: dict, name: str, allowed: Iterable[str], where: str) -> str:
    value = row.get(name)
    if value not in allowed:
        raise CorpusError(f"{where}: field {name!r} must be one of {', '.join(allowed)}")
    return value


def _text(row: dict, where: str) -> str:
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: field 'text' must be non-empty text")
    return text


def _rows(path: Path, name: str | None = None) -> Iterable[tuple[str, dict]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            where = f"{name or path.name}:{number}"
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusError(f"{where}: not JSON ({error.msg})") from None
            if not isinstance(row, dict):
                raise CorpusError(f"{where}: must be a JSON object")
            yield where, row


def load_corpus_file(path: Path, split: str, name: str | None = None) -> list[Example]:
    """One corpus file; ``name`` (default: the file name) prefixes each line's ``source``."""
    examples = []
    for where, row in _rows(path, name):
        who = _choice(row, "who", WHO, where)
        other_level = row.get("other_level")
        if who == "other":
            other_level = _choice(row, "other_level", LEVELS, where)
        elif other_level is not None:
            raise CorpusError(f"{where}: field 'other_level' only goes with who 'other'")
        examples.append(
            Example(
                text=_text(row, where),
                language=_choice(row, "language", LANGUAGES, where),
                level=_choice(row, "level", LEVELS, where),
                who=who,
                other_level=other_level,
                when=_choice(row, "when", WHEN, where),
                family=_choice(row, "family", FAMILIES, where),
                style=_choice(row, "style", STYLES, where),
                split=split,
                source=where,
            )
        )
    return examples


def load_corpus(directory: Path, split: str) -> list[Example]:
    """Every ``*-batch-*.jsonl`` file of a corpus directory, in name order."""
    return [
        example
        for path in sorted(directory.glob("*-batch-*.jsonl"))
        for example in load_corpus_file(path, split)
    ]


def load_corpus_tree(directory: Path, split: str) -> list[Example]:
    """Every ``*.jsonl`` file under a directory but ``conversations.jsonl`` (conversations,
    read by ``load_conversations``), in path order; each line's ``source`` is the path
    below the directory ("negatives/en-01.jsonl:3"), so the file is its group."""
    return [
        example
        for path in sorted(directory.rglob("*.jsonl"))
        if path.name != CONVERSATIONS.name
        for example in load_corpus_file(path, split, path.relative_to(directory).as_posix())
    ]


def group_of(example: Example) -> str:
    """The cross-validation group of a training message: who wrote it, as far as known.

    The first dev corpus and the older labelled set each came from one writer, so each is
    one group; each file of dev2, dev3, dev4, dev5, dev7, dev8, dev9 and the retired blind splits v3
    to v21, dev10, dev11, dev12, dev13 and dev14 is a batch by another writer, so each file is
    a group.
    """
    file = example.source.rsplit(":", 1)[0]
    if example.split in GROUPED_BY_FILE:
        return f"{example.split}/{file}"
    if file == LEGACY_LABELLED.name:
        return "older-labelled"
    return "dev"


def load_legacy(path: Path) -> list[Example]:
    """One of the two older sets, in the corpus' terms (see the module docstring)."""
    examples = []
    for where, row in _rows(path):
        level = _choice(row, "level", LEVELS, where)
        category = row.get("category")
        split = row.get("split")
        if not isinstance(category, str) or not isinstance(split, str):
            raise CorpusError(f"{where}: fields 'category' and 'split' must be text")
        third_party = category == "third_party"
        examples.append(
            Example(
                text=_text(row, where),
                language=_choice(row, "language", LANGUAGES, where),
                level="none" if third_party else level,
                who="other" if third_party else "self",
                other_level=level if third_party else None,
                when="past" if category in ("history", "recovery") else "now",
                family=_LEGACY_FAMILY.get(category, category),
                style="plain",
                split=split,
                source=where,
            )
        )
    return examples


def training_examples() -> list[Example]:
    """What the model may learn from: the dev corpus, the older labelled set, the dev
    data of other writers (``dev2``, ``dev3``), the retired blind splits v3 and v4,
    ``dev4``, the retired blind split v5, ``dev5``, the retired blind splits v6, v7,
    v8 and v9, ``dev7``, the retired blind splits v10, v11 and v12, ``dev8``, the retired
    blind splits v13 and v14, ``dev9``, the retired blind splits v15 and v16, ``dev10``,
    ``dev11``, the retired blind splits v17 and v18, ``dev12``, the retired blind
    splits v19 and v20, ``dev13``, the retired blind split v21 and ``dev14``, in that order. Never
    ``blind22`` (nor v2, ``blind/``)."""
    return (
        load_corpus(DEV_DIR, "dev")
        + load_legacy(LEGACY_LABELLED)
        + load_corpus_tree(DEV2_DIR, "dev2")
        + load_corpus_tree(DEV3_DIR, "dev3")
        + load_corpus_tree(BLIND3_DIR, "blind3")
        + load_corpus_tree(BLIND4_DIR, "blind4")
        + load_corpus_tree(DEV4_DIR, "dev4")
        + load_corpus_tree(BLIND5_DIR, "blind5")
        + load_corpus_tree(DEV5_DIR, "dev5")
        + load_corpus_tree(BLIND6_DIR, "blind6")
        + load_corpus_tree(BLIND7_DIR, "blind7")
        + load_corpus_tree(BLIND8_DIR, "blind8")
        + load_corpus_tree(BLIND9_DIR, "blind9")
        + load_corpus_tree(DEV7_DIR, "dev7")
        + load_corpus_tree(BLIND10_DIR, "blind10")
        + load_corpus_tree(BLIND11_DIR, "blind11")
        + load_corpus_tree(BLIND12_DIR, "blind12")
        + load_corpus_tree(DEV8_DIR, "dev8")
        + load_corpus_tree(BLIND13_DIR, "blind13")
        + load_corpus_tree(BLIND14_DIR, "blind14")
        + load_corpus_tree(DEV9_DIR, "dev9")
        + load_corpus_tree(BLIND15_DIR, "blind15")
        + load_corpus_tree(BLIND16_DIR, "blind16")
        + load_corpus_tree(DEV10_DIR, "dev10")
        + load_corpus_tree(DEV11_DIR, "dev11")
        + load_corpus_tree(BLIND17_DIR, "blind17")
        + load_corpus_tree(BLIND18_DIR, "blind18")
        + load_corpus_tree(DEV12_DIR, "dev12")
        + load_corpus_tree(BLIND19_DIR, "blind19")
        + load_corpus_tree(BLIND20_DIR, "blind20")
        + load_corpus_tree(DEV13_DIR, "dev13")
        + load_corpus_tree(BLIND21_DIR, "blind21")
        + load_corpus_tree(DEV14_DIR, "dev14")
    )


@dataclass(frozen=True)
class Conversation:
    """One sender's consecutive messages in one room, for conversation memory."""

    language: str
    messages: tuple[str, ...]
    levels: tuple[str, ...]  # each message's level read alone
    combined_level: str  # the writer's level once the whole conversation is read
    source: str


def load_conversations(path: Path = CONVERSATIONS, name: str | None = None) -> list[Conversation]:
    """``conversations.jsonl``: ``language``, ``messages``, ``levels``, ``combined_level``;
    each one's ``source`` is ``name`` (else the file's name) and its line."""
    found = []
    for where, row in _rows(path, name):
        messages, levels = row.get("messages"), row.get("levels")
        if (
            not isinstance(messages, list)
            or not messages
            or not all(isinstance(m, str) and m.strip() for m in messages)
        ):
            raise CorpusError(f"{where}: field 'messages' must be a list of non-empty texts")
        if not isinstance(levels, list) or len(levels) != len(messages):
            raise CorpusError(f"{where}: field 'levels' must give one level per message")
        for level in levels:
            _choice({"levels": level}, "levels", LEVELS, where)
        found.append(
            Conversation(
                language=_choice(row, "language", LANGUAGES, where),
                messages=tuple(messages),
                levels=tuple(levels),
                combined_level=_choice(row, "combined_level", LEVELS, where),
                source=where,
            )
        )
    return found


def development_conversations() -> list[Conversation]:
    """The conversations used in development: the dev corpus's (one writer), then the
    retired blind splits v7's, v8's and v9's, ``dev7``'s and the retired blind splits v10's,
    v11's and v12's, ``dev8``'s, the retired blind splits v13's and v14's, ``dev9``'s and
    the retired blind splits v15's and v16's, ``dev10``'s, ``dev11``'s and the retired blind
    splits v17's and v18's, ``dev12``'s, the retired blind splits v19's and v20's,
    ``dev13``'s, the retired blind split v21's and ``dev14``'s (twenty-three other writers),
    each when present. Never ``blind22``'s."""
    return [
        conversation
        for path, name in (
            (CONVERSATIONS, "dev/conversations.jsonl"),
            (BLIND7_CONVERSATIONS, "blind7/conversations.jsonl"),
            (BLIND8_CONVERSATIONS, "blind8/conversations.jsonl"),
            (BLIND9_CONVERSATIONS, "blind9/conversations.jsonl"),
            (DEV7_CONVERSATIONS, "dev7/conversations.jsonl"),
            (BLIND10_CONVERSATIONS, "blind10/conversations.jsonl"),
            (BLIND11_CONVERSATIONS, "blind11/conversations.jsonl"),
            (BLIND12_CONVERSATIONS, "blind12/conversations.jsonl"),
            (DEV8_CONVERSATIONS, "dev8/conversations.jsonl"),
            (BLIND13_CONVERSATIONS, "blind13/conversations.jsonl"),
            (BLIND14_CONVERSATIONS, "blind14/conversations.jsonl"),
            (DEV9_CONVERSATIONS, "dev9/conversations.jsonl"),
            (BLIND15_CONVERSATIONS, "blind15/conversations.jsonl"),
            (BLIND16_CONVERSATIONS, "blind16/conversations.jsonl"),
            (DEV10_CONVERSATIONS, "dev10/conversations.jsonl"),
            (DEV11_CONVERSATIONS, "dev11/conversations.jsonl"),
            (BLIND17_CONVERSATIONS, "blind17/conversations.jsonl"),
            (BLIND18_CONVERSATIONS, "blind18/conversations.jsonl"),
            (DEV12_CONVERSATIONS, "dev12/conversations.jsonl"),
            (BLIND19_CONVERSATIONS, "blind19/conversations.jsonl"),
            (BLIND20_CONVERSATIONS, "blind20/conversations.jsonl"),
            (DEV13_CONVERSATIONS, "dev13/conversations.jsonl"),
            (BLIND21_CONVERSATIONS, "blind21/conversations.jsonl"),
            (DEV14_CONVERSATIONS, "dev14/conversations.jsonl"),
        )
        if path.exists()
        for conversation in load_conversations(path, name)
    ]
