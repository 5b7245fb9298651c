"""Risk signal files: loading, validation and compilation (pure Python, no Django).

One YAML file per language (``escalation/risk_signals/<language>.yaml``). Every
entry is checked when the file is loaded; a mistake raises ``SignalFileError``
naming the file and the entry (``signals.ideation[3]``), so a broken file stops
the detector at start-up instead of silently missing people.

Pattern syntax (each entry is one Python regex, written naturally):
- it is normalised like a message (lower case, accents and apostrophes removed,
  doubled letters collapsed: "don't kill" is stored as "dont kil");
- words are separated by single spaces;
- `` ~ `` stands for up to three other words, `` ~~ `` for up to six
  (never across clause punctuation);
- ``{name}`` inserts the macro ``name`` from the file's ``macros`` section;
- the whole entry is matched on word boundaries, so ``\\b`` is not allowed.

Speed: each family of patterns is compiled into one regex, and a message must
first hit a cheap prefilter built from words every pattern requires (a trie of
literals, derived from the patterns themselves) before any family is searched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

import yaml

from escalation.risk_text import WORD_CHARS, WORD_END, WORD_START, normalise, normalise_pattern

# Signal families, strongest first; reasons are reported in this order.
SIGNALS = (
    "in_progress",
    "means",
    "intent",
    "plan",
    "goodbye",
    "timeframe",
    "ideation",
    "self_harm",
    "harm_to_others",
    "abuse",
    "hopelessness",
    "history",
)
# Phrases removed before any signal is searched: idioms ("this exam is killing me")
# and talk about the topic ("suicide prevention week").
MASKS = ("idiom", "mention")
GRAMMAR = (
    # Words that cut a clause, besides punctuation ("but").
    "clause_break",
    # A negation shortly before a signal cancels it ("I would never kill myself").
    "negator",
    # Phrases that look negative but intensify ("I can't stop thinking about ...").
    "negation_exception",
    # A negation right after a signal cancels it ("killing myself is not something I'd do").
    "negation_after",
    # Inside the matched words: whose life it is ("myself" / "herself").
    "first_person_marker",
    "third_person_marker",
    # Looking back in the clause: who is speaking about whom ("I" / "my friend", "she").
    "first_person_subject",
    "third_person_subject",
    # Looking back in the clause: a story, song or film, not a person ("the song is about").
    "reported_fiction",
)
SECTIONS = (
    "language",
    "common_words",
    "aliases",
    "censored_words",
    "macros",
    "grammar",
    "masks",
    "signals",
)
# Timeframe words ("tonight") never raise a level on their own, so they stay out of the
# prefilter and ordinary messages about tonight's plans skip the full search.
PREFILTER_EXCLUDES = frozenset({"timeframe"})

_GAP = f"(?:[{WORD_CHARS}]+ )"
_MACRO_RE = re.compile(r"\{([a-z_]+)\}")
_OPEN_GROUP_RE = re.compile(r"\((?!\?)")
_CENSORED_TOKEN_RE = re.compile(r"[a-z0-9]*\*[a-z0-9*]*")
_SUBPATTERN = sre_constants.SUBPATTERN
_BRANCH = sre_constants.BRANCH
_LITERAL = sre_constants.LITERAL
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)


class SignalFileError(ValueError):
    """A signal file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class LanguageRules:
    """One language's compiled signals. Build with ``load_language``."""

    language: str
    common_words: frozenset[str]
    alias_re: re.Pattern[str] | None
    aliases: dict[str, str]
    censored_words: tuple[str, ...]
    prefilter: re.Pattern[str]
    mask: re.Pattern[str] | None
    # Past self-harm or attempts, searched first and then masked (see risk._assess_in).
    history: re.Pattern[str] | None
    signals: tuple[tuple[str, re.Pattern[str]], ...]
    grammar: dict[str, re.Pattern[str]]

    def prepare(self, normalised: str) -> str:
        """Resolve censored words ("k*l") and slang ("kms", "wanna") for this language."""
        if "*" in normalised:
            normalised = _CENSORED_TOKEN_RE.sub(self._uncensor, normalised)
        if self.alias_re is not None:
            normalised = self.alias_re.sub(self._alias, normalised)
        return normalised

    def _uncensor(self, match: re.Match[str]) -> str:
        shape = re.compile(re.escape(match.group()).replace(r"\*", "."))
        return next((word for word in self.censored_words if shape.fullmatch(word)), match.group())

    def _alias(self, match: re.Match[str]) -> str:
        return self.aliases[match.group()]


def signal_dir() -> Path:
    return Path(__file__).resolve().parent / "risk_signals"


def load_language(path: Path) -> LanguageRules:
    """Load, validate and compile one signal file; raise ``SignalFileError`` on any mistake."""
    return _Loader(path).load()


class _Loader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.macros: dict[str, str] = {}
        self.triggers: set[str] = set()

    def fail(self, where: str, problem: str) -> SignalFileError:
        return SignalFileError(f"{self.path.name}: {where}: {problem}")

    def load(self) -> LanguageRules:
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise SignalFileError(f"{self.path.name}: cannot be read: {error}") from error
        if not isinstance(data, dict):
            raise self.fail("top level", "must be a mapping of sections")
        unknown = sorted(set(data) - set(SECTIONS))
        if unknown:
            raise self.fail(", ".join(map(str, unknown)), f"unknown section; allowed: {SECTIONS}")
        missing = [section for section in SECTIONS if section not in data]
        if missing:
            raise self.fail(", ".join(missing), "missing section")
        if data["language"] != self.path.stem:
            raise self.fail("language", f"must be {self.path.stem!r}, like the file name")

        aliases = self.word_mapping(data["aliases"], "aliases")
        common = frozenset(map(normalise, self.word_list(data["common_words"], "common_words")))
        censored = tuple(map(normalise, self.word_list(data["censored_words"], "censored_words")))
        for name, source in self.mapping(data["macros"], "macros").items():
            self.macros[name] = self.expand(source, f"macros.{name}")
        grammar = {
            key: _combine([self.pattern(source, f"grammar.{key}")])
            for key, source in self.sections(data["grammar"], "grammar", GRAMMAR, GRAMMAR).items()
        }
        masks = self.sections(data["masks"], "masks", MASKS, ())
        mask_patterns = [
            self.pattern(entry, f"masks.{name}[{index}]")
            for name, entries in masks.items()
            for index, entry in enumerate(self.entries(entries, f"masks.{name}"))
        ]
        signals = []
        for name, entries in self.sections(data["signals"], "signals", SIGNALS, ()).items():
            patterns = []
            for index, entry in enumerate(self.entries(entries, f"signals.{name}")):
                where = f"signals.{name}[{index}]"
                pattern = self.pattern(entry, where)
                if name not in PREFILTER_EXCLUDES:
                    self.triggers |= self.required_words(pattern, where)
                patterns.append(pattern)
            if patterns:
                signals.append((name, _combine(patterns)))
        order = {name: position for position, name in enumerate(SIGNALS)}
        signals.sort(key=lambda item: order[item[0]])
        history = next((regex for name, regex in signals if name == "history"), None)
        if not self.triggers:
            raise self.fail("signals", "no signal patterns")
        return LanguageRules(
            language=self.path.stem,
            common_words=common,
            alias_re=_combine([re.escape(key) for key in aliases]) if aliases else None,
            aliases=aliases,
            censored_words=censored,
            prefilter=re.compile(_trie(self.triggers)),
            mask=_combine(mask_patterns) if mask_patterns else None,
            history=history,
            signals=tuple((name, regex) for name, regex in signals if name != "history"),
            grammar=grammar,
        )

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
            raise self.fail(where, "must be a mapping with text keys")
        return value

    def sections(
        self, value: Any, where: str, allowed: tuple[str, ...], required: tuple[str, ...]
    ) -> dict[str, Any]:
        sections = self.mapping(value, where)
        for key in sections:
            if key not in allowed:
                raise self.fail(f"{where}.{key}", f"unknown name; allowed: {', '.join(allowed)}")
        for key in required:
            if key not in sections:
                raise self.fail(f"{where}.{key}", "missing")
        return sections

    def entries(self, value: Any, where: str) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(where, "must be a list of patterns")
        for index, entry in enumerate(value):
            if not isinstance(entry, str) or not entry.strip():
                raise self.fail(f"{where}[{index}]", "must be a non-empty text pattern")
        return value

    def word_list(self, value: Any, where: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, "must be a list of words")
        for index, word in enumerate(value):
            if not isinstance(word, str) or not re.fullmatch(r"[a-z]+", normalise(word)):
                raise self.fail(f"{where}[{index}]", f"{word!r} is not a single word")
        return value

    def word_mapping(self, value: Any, where: str) -> dict[str, str]:
        words = {}
        for key, replacement in self.mapping(value, where).items():
            if not isinstance(replacement, str) or not normalise(replacement):
                raise self.fail(f"{where}.{key}", "must map to a non-empty phrase")
            if not normalise(key):
                raise self.fail(f"{where}.{key}", "has no letters or digits")
            words[normalise(key)] = normalise(replacement)
        return words

    def expand(self, source: Any, where: str) -> str:
        if not isinstance(source, str) or not source.strip():
            raise self.fail(where, "must be a non-empty text pattern")
        if "\\b" in source:
            raise self.fail(where, "\\b is not allowed: every entry is matched on word boundaries")

        def macro(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.macros:
                raise self.fail(where, f"unknown macro {{{name}}} (define it above in macros)")
            return f"(?:{self.macros[name]})"

        pattern = _MACRO_RE.sub(macro, normalise_pattern(source.strip()))
        pattern = pattern.replace(" ~~ ", f" {_GAP}{{0,6}}").replace(" ~ ", f" {_GAP}{{0,3}}")
        if "~" in pattern:
            raise self.fail(where, "'~' must stand alone between two words")
        return _OPEN_GROUP_RE.sub("(?:", pattern)

    def pattern(self, source: Any, where: str) -> str:
        pattern = self.expand(source, where)
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            raise self.fail(where, f"invalid pattern {source!r}: {error}") from error
        if compiled.fullmatch(""):
            raise self.fail(where, f"{source!r} matches empty text")
        return pattern

    def required_words(self, pattern: str, where: str) -> set[str]:
        words = _required_literals(sre_parser.parse(pattern))
        if not words or min(map(len, words)) < 2:
            raise self.fail(
                where,
                "needs a fixed word of two or more letters outside optional parts "
                "(the prefilter is built from them)",
            )
        return set(words)


def _combine(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(WORD_START + "(?:" + "|".join(patterns) + ")" + WORD_END)


def _required_literals(items: Any) -> frozenset[str] | None:
    """Literal strings, one of which every match of the parsed pattern must contain.

    Picks the most selective choice (longest shortest string); None if there is none.
    """
    options: list[frozenset[str]] = []
    for is_literal, group in groupby(items, key=lambda item: item[0] is _LITERAL):
        if is_literal:
            text = "".join(chr(argument) for _, argument in group).strip()
            if text:
                options.append(frozenset({text}))
            continue
        for op, argument in group:
            found = _required_in(op, argument)
            if found:
                options.append(found)
    if not options:
        return None
    return max(options, key=lambda words: min(map(len, words)))


def _required_in(op: Any, argument: Any) -> frozenset[str] | None:
    if op is _SUBPATTERN:
        return _required_literals(argument[-1])
    if op is _BRANCH:
        alternatives = [_required_literals(branch) for branch in argument[1]]
        if all(alternatives):
            return frozenset().union(*alternatives)  # type: ignore[arg-type]
        return None
    if op in _REPEATS and argument[0] >= 1:
        return _required_literals(argument[2])
    return None


def _trie(words: set[str]) -> str:
    """One regex matching any of ``words``, factored by common prefixes so it stays fast."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        # A word ends here: for a yes/no prefilter, longer words sharing the prefix add nothing.
        if "" in node:
            return ""
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items())]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(root)
