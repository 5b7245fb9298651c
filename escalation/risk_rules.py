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
- a look-around (``(?=``, ``(?!``, ``(?<=``, ``(?<!``) may not hold an unbounded gap
  (``.*``, ``.+``, ``[^.]*``...): write ``(?!.{0,600} lol)``, not ``(?!.* lol)``
  (``_unbounded_look_around`` says why and what "broad" means).

Speed: the loader derives from each pattern the literal words that any match
must contain (``_required_literals``) and builds one trie-shaped regex of all of
them. A message is scanned once with it; only the patterns whose words occur
are then run, usually a handful out of several hundred, and most ordinary
messages stop after the scan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import takewhile
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
MASKS = ("idiom", "mention", "literal")
GRAMMAR = (
    # Words that cut a clause, besides punctuation ("but").
    "clause_break",
    # A negation shortly before a signal cancels it ("I would never kill myself").
    "negator",
    # Phrases that look negative but intensify ("I can't stop thinking about ...").
    "negation_exception",
    # A negation right after a signal cancels it ("killing myself is not something I'd do").
    "negation_after",
    # Right after a wish to die: laughter, which alone makes it hyperbole ("me quiero morir jaja").
    "laughter_after",
    # Inside the matched words: whose life it is ("myself" / "herself").
    "first_person_marker",
    "third_person_marker",
    # Looking back in the clause: who is speaking about whom ("I" / "my friend", "she").
    "first_person_subject",
    "third_person_subject",
    # Looking back in the clause: a story, song or film, not a person ("the song is about").
    "reported_fiction",
    # Anywhere in the message, all three optional: risk told as past ("years ago") and
    # recovered ("I'm doing well now"), with nothing saying it is back ("again"), is history.
    "past_marker",
    "recovery_marker",
    "current_marker",
    # Optional, read inside the matched words of an act told with its own subject at the
    # clause's start ("my cousin rang me, he's on top of the car park ... I'm on my way"):
    # the writer as an object ("me", "myself"), and the writer's own going or helping
    # ("I'm on my way", "voy manejando"), which does not make the act theirs.
    "first_person_object",
    "helping",
)
OPTIONAL_GRAMMAR = frozenset(
    {"past_marker", "recovery_marker", "current_marker", "first_person_object", "helping"}
)
# Rules that hide text (idioms, mentions) rather than signal risk.
MASK = "mask"
# Masks of literal uses of risk words ("my cold pills", "cutting onions"): they hide the
# words like any mask, and also tell the detector that the model may not raise the
# message on those words (see escalation.risk.combine).
LITERAL = "literal"
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
# Timeframe words ("tonight") never raise a level on their own: a message that only
# triggers these rules (or masks) stops after the scan.
ALONE_MEANS_NOTHING = frozenset({"timeframe", MASK, LITERAL})

_GAP = f"(?:[{WORD_CHARS}]+ )"
# A rule's scan literal must have at least this many letters outside common words.
_MIN_DISTINCTIVENESS = 2
_MACRO_RE = re.compile(r"\{([a-z_]+)\}")
_OPEN_GROUP_RE = re.compile(r"\((?!\?)")
_CENSORED_TOKEN_RE = re.compile(r"[a-z0-9]*\*[a-z0-9*]*")
_SUBPATTERN = sre_constants.SUBPATTERN
_BRANCH = sre_constants.BRANCH
_LITERAL = sre_constants.LITERAL
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)
_ASSERTS = (sre_constants.ASSERT, sre_constants.ASSERT_NOT)
# Greedy, lazy ("*?") and possessive ("*+"): each can read to the end of the text.
_ANY_REPEATS = (*_REPEATS, sre_constants.POSSESSIVE_REPEAT)
_LOOK_AROUNDS = {
    (sre_constants.ASSERT, 1): "look-ahead (?=",
    (sre_constants.ASSERT_NOT, 1): "negative look-ahead (?!",
    (sre_constants.ASSERT, -1): "look-behind (?<=",
    (sre_constants.ASSERT_NOT, -1): "negative look-behind (?<!",
}
_WORD_CHAR_SET = frozenset(map(ord, "abcdefghijklmnopqrstuvwxyz0123456789*"))


class SignalFileError(ValueError):
    """A signal file is malformed; the message names the file and the entry."""


@dataclass(frozen=True, eq=False)
class Rule:
    """One compiled entry of a signal file. Compared and hashed by identity: each is built
    once, and hashing its fields (a compiled regex among them) on every message was a
    measurable share of the scan."""

    signal: str  # a name from SIGNALS, or MASK
    regex: re.Pattern[str]
    # Masks run first, then history (which masks what it matched), then SIGNALS order.
    order: int
    # Among rules of one signal, the order of the signal files and their entries: which
    # runs first can matter (a mask, a negation that credits nothing), and the rules an
    # index finds come as a set, whose order would otherwise differ between processes.
    position: int = 0


@dataclass(frozen=True)
class LanguageRules:
    """One language's compiled signals. Build with ``load_language``."""

    language: str
    common_words: frozenset[str]
    alias_re: re.Pattern[str] | None
    aliases: dict[str, str]
    censored_words: tuple[str, ...]
    grammar: dict[str, re.Pattern[str]]
    # Finds, at every position, the longest literal some rule requires.
    scan: re.Pattern[str]
    # Literal found by the scan -> the rules requiring it or any literal it starts with.
    rules_by_literal: dict[str, frozenset[Rule]]

    def triggered(self, text: str) -> list[Rule]:
        """The rules that can match ``text``, in the order they must run.

        When only time-frame rules and masks can match, just the time-frame rules: a
        time-frame alone raises no level, but conversation memory keeps it ("tonight"
        two messages after "I have the pills here").
        """
        literals = set(self.scan.findall(text))
        found = {rule for literal in literals for rule in self.rules_by_literal[literal]}
        if all(rule.signal in ALONE_MEANS_NOTHING for rule in found):
            return sorted((rule for rule in found if rule.signal != MASK), key=_rule_order)
        return sorted(found, key=_rule_order)

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
        self.common_words: frozenset[str] = frozenset()
        self.rules: list[Rule] = []
        # Literal -> the rules that require it.
        self.literals: dict[str, list[Rule]] = {}

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
        self.common_words = common
        censored = tuple(map(normalise, self.word_list(data["censored_words"], "censored_words")))
        for name, source in self.mapping(data["macros"], "macros").items():
            self.macros[name] = self.expand(source, f"macros.{name}")
        grammar = {
            key: _combine([self.pattern(source, f"grammar.{key}")])
            for key, source in self.sections(
                data["grammar"],
                "grammar",
                GRAMMAR,
                tuple(key for key in GRAMMAR if key not in OPTIONAL_GRAMMAR),
            ).items()
        }
        for name, entries in self.sections(data["masks"], "masks", MASKS, ()).items():
            for index, entry in enumerate(self.entries(entries, f"masks.{name}")):
                self.add_rule(LITERAL if name == LITERAL else MASK, entry, f"masks.{name}[{index}]")
        for name, entries in self.sections(data["signals"], "signals", SIGNALS, ()).items():
            for index, entry in enumerate(self.entries(entries, f"signals.{name}")):
                self.add_rule(name, entry, f"signals.{name}[{index}]")
        if all(rule.signal in ALONE_MEANS_NOTHING for rule in self.rules):
            raise self.fail("signals", "no signal patterns")
        return LanguageRules(
            language=self.path.stem,
            common_words=common,
            alias_re=_combine([re.escape(key) for key in aliases]) if aliases else None,
            aliases=aliases,
            censored_words=censored,
            grammar=grammar,
            scan=re.compile(f"{WORD_START}(?=({_trie(set(self.literals))}))"),
            rules_by_literal=self.closed_over_prefixes(),
        )

    def add_rule(self, signal: str, source: Any, where: str) -> None:
        pattern = self.pattern(source, where)
        rule = Rule(signal, _combine([pattern]), _RULE_ORDER[signal], len(self.rules))
        self.rules.append(rule)
        for literal in self.required_words(pattern, where, signal in ALONE_MEANS_NOTHING):
            self.literals.setdefault(literal, []).append(rule)

    def closed_over_prefixes(self) -> dict[str, frozenset[Rule]]:
        """The scan reports the longest literal at a position; it stands for its prefixes too."""
        return {
            literal: frozenset(
                rule
                for prefix, rules in self.literals.items()
                if literal.startswith(prefix)
                for rule in rules
            )
            for literal in self.literals
        }

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
            parsed = sre_parser.parse(pattern)
        except re.error as error:
            raise self.fail(where, f"invalid pattern {source!r}: {error}") from error
        unbounded = _unbounded_look_around(parsed)
        if unbounded:
            look_around, repeat = unbounded
            raise self.fail(
                where,
                f"unbounded {repeat!r} in a {look_around}...): it reads to the end of the "
                "message at every place the pattern reaches it, so long messages take "
                "quadratic time; bound it, e.g. '.{0,600}' instead of '.*', in "
                f"{source!r}",
            )
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            raise self.fail(where, f"invalid pattern {source!r}: {error}") from error
        if compiled.fullmatch(""):
            raise self.fail(where, f"{source!r} matches empty text")
        return pattern

    def required_words(self, pattern: str, where: str, only_with_others: bool) -> set[str]:
        """The literals that trigger this rule: distinctive ones, unless the rule only counts
        alongside others (a time-frame, a mask) and so never starts a full check alone."""
        words = _required_literals(sre_parser.parse(pattern), self.distinctiveness)
        needed = 0 if only_with_others else _MIN_DISTINCTIVENESS
        if not words or min(map(self.distinctiveness, words)) < needed:
            raise self.fail(
                where,
                "needs a distinctive word (not only common words like 'the' or 'going') "
                "outside optional parts: the scan that picks rules to run is built from them",
            )
        return set(words)

    def distinctiveness(self, literal: str) -> int:
        """How rarely ``literal`` occurs in ordinary messages: its letters outside common words."""
        return sum(len(word) for word in literal.split() if word not in self.common_words)


_RULE_ORDER = {MASK: -2, LITERAL: -2, "history": -1} | {
    name: position for position, name in enumerate(SIGNALS) if name != "history"
}


def _rule_order(rule: Rule) -> tuple[int, int]:
    return rule.order, rule.position


def _combine(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(WORD_START + "(?:" + "|".join(patterns) + ")" + WORD_END)


def _required_literals(
    items: Any, score: Callable[[str], int], at_word_start: bool = True
) -> frozenset[str] | None:
    """Literal strings, one of which every match of the parsed pattern must contain.

    Each starts at a word start, so the scan only tries word starts. Picks the most
    selective choice (best lowest ``score``); None if there is none.
    """
    options: list[frozenset[str]] = []
    run = ""
    run_at_word_start = word_start = at_word_start
    for op, argument in [*items, (None, None)]:
        if op is _LITERAL:
            if not run:
                run_at_word_start = word_start
            run += chr(argument)
            word_start = chr(argument) == " "
            continue
        heads = _leading_texts([(op, argument)]) if run and op is not None else None
        if heads:
            # The parser moves a shared start out of an alternation ("kil|kms" becomes
            # "k" + "il|ms"); joining it back gives whole words to scan for.
            joined = {_from_word_start(run + head, run_at_word_start) for head in heads}
            if all(joined):
                options.append(frozenset(joined))
        if _from_word_start(run, run_at_word_start):
            options.append(frozenset({_from_word_start(run, run_at_word_start)}))
        run = ""
        found = _required_in(op, argument, score, word_start)
        if found:
            options.append(found)
        # After an optional part the position may be where it started.
        optional = op in _REPEATS and argument[0] == 0
        word_start = _ends_with_space(op, argument) and (word_start or not optional)
    if not options:
        return None
    return max(options, key=lambda words: min(map(score, words)))


def _unbounded_look_around(items: Any, inside: str | None = None) -> tuple[str, str] | None:
    """The first look-around (its kind) whose body has an unbounded repeat of something broad
    (that repeat, as written), or None.

    A look-around is tried at every place its pattern reaches, often every word start; an
    unbounded gap in it reads to the end of the message each time, which is quadratic in the
    message's length (issue 10). "Broad" is anything that can match a character other than
    a word character (a-z, 0-9, "*"), above all a space: ``.``, ``[^...]``, ``\\s``, a group
    with a space in it. An unbounded repeat of word characters only (``[a-z]+``) stays in one
    word and is allowed; so is any repeat with an upper bound (``.{0,600}``).
    """
    for op, argument in items:
        if op in _ANY_REPEATS:
            low, high, body = argument
            if inside and high == sre_constants.MAXREPEAT and not _word_chars_only(body):
                return inside, _show_repeat(op, low, body)
            children = [body]
        elif op is sre_constants.ATOMIC_GROUP:
            children = [argument]
        elif op is sre_constants.GROUPREF_EXISTS:
            children = [branch for branch in argument[1:] if branch]
        elif op in _ASSERTS:
            # The parser gives a look-ahead direction 1, a look-behind -1.
            direction = 1 if argument[0] >= 0 else -1
            found = _unbounded_look_around(argument[1], inside or _LOOK_AROUNDS[op, direction])
            if found:
                return found
            continue
        elif op is _SUBPATTERN:
            children = [argument[-1]]
        elif op is _BRANCH:
            children = argument[1]
        else:
            continue
        for child in children:
            found = _unbounded_look_around(child, inside)
            if found:
                return found
    return None


def _word_chars_only(items: Any) -> bool:
    """Whether every character ``items`` can match is a word character (a-z, 0-9, "*")."""
    for op, argument in items:
        if op is _LITERAL:
            ok = argument in _WORD_CHAR_SET
        elif op is sre_constants.IN:
            ok = all(
                (kind is _LITERAL and value in _WORD_CHAR_SET)
                or (
                    kind is sre_constants.RANGE
                    and set(range(value[0], value[1] + 1)) <= _WORD_CHAR_SET
                )
                or (kind is sre_constants.CATEGORY and value is sre_constants.CATEGORY_DIGIT)
                for kind, value in argument
            )
        elif op is _SUBPATTERN:
            ok = _word_chars_only(argument[-1])
        elif op is _BRANCH:
            ok = all(_word_chars_only(branch) for branch in argument[1])
        elif op in _ANY_REPEATS:
            ok = _word_chars_only(argument[2])
        elif op is sre_constants.ATOMIC_GROUP:
            ok = _word_chars_only(argument)
        else:
            ok = False
        if not ok:
            return False
    return True


def _show_repeat(op: Any, low: int, body: Any) -> str:
    """A repeat as a person would write it: '.*', '.+', '.{2,}', '[^,]*', '(...)*'."""
    items = list(body)
    if len(items) == 1 and items[0][0] is sre_constants.ANY:
        shown = "."
    elif len(items) == 1 and items[0][0] in (sre_constants.IN, sre_constants.NOT_LITERAL):
        negated = items[0][0] is sre_constants.NOT_LITERAL or (
            items[0][1] and items[0][1][0][0] is sre_constants.NEGATE
        )
        shown = "[^...]" if negated else "[...]"
    else:
        shown = "(...)"
    count = {0: "*", 1: "+"}.get(low, f"{{{low},}}")
    return (
        shown
        + count
        + {sre_constants.MIN_REPEAT: "?", sre_constants.POSSESSIVE_REPEAT: "+"}.get(op, "")
    )


def _ends_with_space(op: Any, argument: Any) -> bool:
    if op is _LITERAL:
        return chr(argument) == " "
    if op is _SUBPATTERN:
        return bool(argument[-1]) and _ends_with_space(*list(argument[-1])[-1])
    if op is _BRANCH:
        return all(branch and _ends_with_space(*list(branch)[-1]) for branch in argument[1])
    if op in _REPEATS:
        return bool(argument[2]) and _ends_with_space(*list(argument[2])[-1])
    return False


def _from_word_start(text: str, at_word_start: bool) -> str:
    """``text`` from its first word start on: all of it, or what follows its first space."""
    if not at_word_start:
        text = text.partition(" ")[2]
    return text.strip()


def _leading_texts(items: Any) -> set[str] | None:
    """The literal text any match of ``items`` starts with, one per alternative; None if any
    alternative can start otherwise."""
    items = list(items)
    if not items:
        return None
    op, argument = items[0]
    if op is _LITERAL:
        return {"".join(chr(a) for _, a in takewhile(lambda item: item[0] is _LITERAL, items))}
    if op is _SUBPATTERN:
        return _leading_texts(argument[-1])
    if op is _BRANCH:
        alternatives = [_leading_texts(branch) for branch in argument[1]]
        if all(alternatives):
            return set().union(*alternatives)  # type: ignore[arg-type]
    return None


def _required_in(
    op: Any, argument: Any, score: Callable[[str], int], at_word_start: bool
) -> frozenset[str] | None:
    if op is _SUBPATTERN:
        return _required_literals(argument[-1], score, at_word_start)
    if op is _BRANCH:
        alternatives = [_required_literals(b, score, at_word_start) for b in argument[1]]
        if all(alternatives):
            return frozenset().union(*alternatives)  # type: ignore[arg-type]
        return None
    if op in _REPEATS and argument[0] >= 1:
        return _required_literals(argument[2], score, at_word_start)
    return None


def _trie(words: set[str]) -> str:
    """One regex matching the longest of ``words`` at a position, factored by common prefixes."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        group = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return group
        # A word ends here; the greedy optional part still prefers a longer word.
        return f"(?:{group})?" if len(branches) > 1 or len(branches[0]) > 1 else f"{group}?"

    return build(root)
