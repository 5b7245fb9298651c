"""Suicide, self-harm and harm risk detection for participant messages (pure Python, no Django).

``assess(text, language=None)`` returns an ``Assessment``: a level (``none``,
``low``, ``high`` or ``imminent``), the names of the signals that matched (never
message text) and whether the concern is about someone else. The message
pipeline calls it on every participant message before delivery, so it is fast
(over 20,000 messages/s on one core, see ``benchmarks/risk_throughput.py``).

How it decides
--------------
Signals are data, one YAML file per language in ``escalation/risk_signals/``
(validated on load, see ``escalation.risk_rules``). A message is normalised once
(``escalation.risk_text``), idioms and topic mentions are masked, then each
signal family is one compiled regex. A match is dropped when a negation comes
just before it in the same clause ("I would never kill myself"), and is credited
to someone else when the words or the clause say so ("my friend wants to end
her life"). Levels:

- ``imminent``: something is happening now (pills taken, standing on a bridge),
  or two of means / intent / plan / goodbye / time-frame together (means words
  plus intent or a time-frame predict an active rescue far better than the word
  "suicide": "I have the pills in front of me right now" is imminent);
- ``high``: ideation, intent, self-harm, means, plan, goodbye, harm to others,
  abuse or danger at home; concern about someone else is reported at the level
  it reads at, with ``third_party=True`` (a friend who has taken pills is
  ``imminent``), unless the writer's own level is as high;
- ``low``: hopelessness, or past self-harm, attempts or suicide loss;
- ``none``: nothing above (everyday distress, idioms, negations, mentions).

With ``language=None`` (participants do not declare one) every shipped language
is checked and the highest result wins; an unknown language code is treated
the same way, because missing a person at risk is worse than a wasted check.

How to plug in a trained model
------------------------------
Any object with ``assess(text, language) -> Assessment`` satisfies ``Detector``.
Write a zero-argument factory that builds it once (load the model there, not
per message) and name it in the ``RISK_DETECTOR`` setting, a dotted path such
as ``myorg.risk.make_detector``; the default is
``escalation.risk.default_detector``. Keep the contract: levels from
``LEVELS``, reasons are signal names and never message text, no I/O per
message, and the same speed budget. Run ``escalation.risk_eval`` against the
new detector before switching (see ``docs/risk-detection.md``).

Command line: ``python -m escalation.risk [--language en|es]`` reads one message
per line on stdin and writes one JSON object per line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import BinaryIO, Protocol, TextIO

from escalation.risk_model import LinearModel, Scores
from escalation.risk_model import load as load_model
from escalation.risk_rules import (
    ALONE_MEANS_NOTHING,
    LITERAL,
    MASK,
    SIGNALS,
    LanguageRules,
    Rule,
    load_language,
    signal_dir,
)
from escalation.risk_text import normalise

LEVELS = ("none", "low", "high", "imminent")
ALERT_LEVELS = frozenset({"high", "imminent"})
# Whose risk: the writer's, someone they are worried about, or a song, book, case or game.
WHO = ("self", "other", "quoted")
_RANK = {level: rank for rank, level in enumerate(LEVELS)}
# At equal levels the writer's own risk outranks a third party's, which outranks a quote.
_WHO_RANK = {"quoted": 0, "other": 1, "self": 2}

# Each of these, found alone, makes a message high.
HIGH_SIGNALS = frozenset(
    {
        "in_progress",
        "means",
        "intent",
        "plan",
        "goodbye",
        "ideation",
        "self_harm",
        "harm_to_others",
        "abuse",
    }
)
LOW_SIGNALS = frozenset({"hopelessness", "history"})
# Two of these together are imminent. Self-harm urges with a time-frame stay high
# ("I want to cut tonight but I'm trying not to"), and so do suicidal thoughts
# with one ("suicidal thoughts again tonight"): thoughts are not yet a plan.
IMMINENT_WITH = {
    "means": frozenset({"ideation", "intent", "plan", "goodbye", "timeframe", "harm_to_others"}),
    "intent": frozenset({"timeframe", "plan", "goodbye"}),
    "plan": frozenset({"timeframe", "goodbye"}),
    "goodbye": frozenset({"timeframe", "ideation"}),
    "harm_to_others": frozenset({"timeframe"}),
}
# Harm to others is about someone else by nature, a loss to suicide is the writer's own
# history, and a time-frame belongs to whatever it comes with: none is a third party's risk.
_ALWAYS_FIRST_PERSON = frozenset({"harm_to_others", "history", "timeframe"})
# "I won't be here tomorrow" negates being here, not tomorrow.
_NEVER_NEGATED = frozenset({"timeframe"})
# In these, a pronoun in the matched words names a thing ("take them all"), an addressee
# ("texted me goodbye") or is idiomatic ("no le veo salida"), not the person at risk; only
# the clause tells whose words they are.
_OBJECT_PRONOUN_SIGNALS = frozenset({"in_progress", "means", "plan", "goodbye", "hopelessness"})
# A wish to die followed by laughter, alone, is hyperbole ("me quiero morir jaja"); a plan,
# a method or self-harm followed by laughter is not.
_LAUGHABLE = frozenset({"ideation"})
# The model alone does not alert on messages shorter than this: up to three words ("bye",
# "something unkind", "I'm at home") carry too little for its n-grams, and short messages
# are most of a chat's small talk. The rules still read them, and memory still adds up
# their sums. (Four, not three: on grouped cross-validation with blind v7 in training,
# the detector alerted on 11 of 145 harmless three-word messages; holding the model back
# there cost 0.0004 of recall and saved 0.0016 of false alarms.)
MODEL_MIN_WORDS = 4
# A threshold no probability reaches: ``literal_override`` absent from a model file.
NEVER = 1.01
# Not a signal: the rules found a risk phrase only in negated form ("I would never kill
# myself"). Like a literal use, it holds the model back when the rules found no risk of
# their own, but it gives way sooner (``negated_override``, ``negated_yield_imminent``;
# see ``combine``); it never reaches reasons or memory.
NEGATED = "negated"
# The rules' reading of the writer's own plain intent ("I am going to hang myself"): their
# high with it is never dismissed by the model's floor (``floored``).
INTENT = "intent"
# Reasons besides signal names: the model raised the level; conversation memory did.
MODEL_REASON = "model"
MEMORY_REASON = "memory"
_SIGNAL_ORDER = {
    name: position for position, name in enumerate((*SIGNALS, MODEL_REASON, MEMORY_REASON))
}
_CLAUSE_PUNCTUATION_RE = re.compile(r"[.,;:!?]+")
# A message is "clearly" in one language with at least this many of its common words,
# and this many times more than any other language's.
_CLEAR_LANGUAGE_WORDS = 2
_CLEAR_LANGUAGE_RATIO = 3
_NEGATION_WINDOW_WORDS = 5
_SUBJECT_WINDOW_WORDS = 10  # at least _NEGATION_WINDOW_WORDS + 2: one clause serves both
# Words read before a window's own: room for a clause break of several words that ends
# inside the window (see ``_clause_before``).
_LOOK_BACK_MARGIN_WORDS = 10
# Up to this many characters, the words before a match are counted all at once.
_SHORT_PREFIX_CHARS = 400
_AFTER_WINDOW_CHARS = 40
# Laughter may come further on: a long "JAJAJAJ" after a story of up to 15 words ("ME
# QUIERO MORIR LE MANDÉ UN AUDIO A MI PROFE … JAJAJAJ"; the grammar's laughter_after).
_LAUGHTER_WINDOW_CHARS = 120


@dataclass(frozen=True)
class Assessment:
    """What the detector found. ``who`` says whose risk ``level`` is; ``third_party`` is
    kept for detectors written before ``who`` existed and always equals ``who == "other"``."""

    level: str  # one of LEVELS
    reasons: tuple[str, ...] = ()  # signal names that matched; never message text
    third_party: bool = False  # the concern is about someone else
    who: str = ""  # one of WHO; derived from third_party when not given
    # The model's calibrated probability that the message is high or imminent risk of
    # ``who``; None from a detector without a model.
    score: float | None = None

    def __post_init__(self) -> None:
        who = self.who
        if not who:
            object.__setattr__(self, "who", "other" if self.third_party else "self")
            return
        if who not in WHO:
            raise ValueError(f"who must be one of {WHO}")
        if self.third_party != (who == "other"):
            object.__setattr__(self, "third_party", who == "other")


NO_RISK = Assessment("none")
QUOTED = Assessment("none", who="quoted")


class Detector(Protocol):
    def assess(self, text: str, language: str | None = None) -> Assessment: ...


class RuleDetector:
    """The shipped detector: the signal files of every language, loaded once."""

    def __init__(self, directory: Path | None = None) -> None:
        paths = sorted((directory or signal_dir()).glob("*.yaml"))
        self.languages = {path.stem: load_language(path) for path in paths}
        if not self.languages:
            raise ValueError("no risk signal files found")

    def assess(self, text: str, language: str | None = None) -> Assessment:
        return self.assess_normalised(normalise(text), language)

    def assess_normalised(self, normalised: str, language: str | None = None) -> Assessment:
        return self.read(normalised, language)[0]

    def read(self, normalised: str, language: str | None = None) -> tuple[Assessment, frozenset]:
        """The assessment, and every signal credited to the writer (a lone time-frame too)."""
        if not normalised:
            return NO_RISK, frozenset()
        rules = self.languages.get(language or "") or self._clear_language(normalised)
        if rules is not None:
            return _assess_in(rules, normalised)
        readings = [_assess_in(rules, normalised) for rules in self.languages.values()]
        own = frozenset().union(*(signals for _, signals in readings))
        return _strongest([found for found, _ in readings]), own

    def language_of(self, text: str) -> str:
        """The language a message is clearly written in ("en", "es"), or "" when unclear."""
        rules = self._clear_language(normalise(text))
        return rules.language if rules is not None else ""

    def likely_language(self, text: str) -> str:
        """The language an alerting message is most likely written in ("" when nothing
        tells): the one it is clearly written in; else the only language whose signals
        alert on it; else the one with the most of its common words.

        Looser than ``language_of`` (which chooses the rules to read with): short crisis
        messages are rarely "clearly" in a language, and this only picks whether to ask
        a person's country. Costs a reading per language: call it on flagged messages.
        """
        normalised = normalise(text)
        if not normalised:
            return ""
        clear = self._clear_language(normalised)
        if clear is not None:
            return clear.language
        alerting = [
            rules.language
            for rules in self.languages.values()
            if _assess_in(rules, normalised)[0].level in ALERT_LEVELS
        ]
        if len(alerting) == 1:
            return alerting[0]
        words = set(normalised.split())
        counts = sorted(
            (
                (len(words & rules.common_words), rules.language)
                for rules in self.languages.values()
            ),
            reverse=True,
        )
        if counts[0][0] and (len(counts) == 1 or counts[0][0] > counts[1][0]):
            return counts[0][1]
        return ""

    def _clear_language(self, normalised: str) -> LanguageRules | None:
        """The one language a message is clearly written in, judged by its common words.

        None for short, mixed or unclear messages, which are then read in every language.
        """
        words = set(normalised.split())
        best, runner_up, rules = 0, 0, None
        for candidate in self.languages.values():
            count = len(words & candidate.common_words)
            if count > best:
                best, runner_up, rules = count, best, candidate
            elif count > runner_up:
                runner_up = count
        if best >= _CLEAR_LANGUAGE_WORDS and best >= _CLEAR_LANGUAGE_RATIO * runner_up:
            return rules
        return None


class RiskDetector:
    """Rules and the learned model together: each can raise the level (see ``combine``).

    Either may be None for the ablation (``rules_only_detector``, ``model_only_detector``).
    """

    def __init__(
        self,
        rules: RuleDetector | None,
        model: LinearModel | None,
        thresholds: Mapping[str, float] | None = None,
        rules_decide: bool = True,
    ) -> None:
        if rules is None and model is None:
            raise ValueError("a detector needs rules, a model or both")
        self.rules = rules
        self.model = model
        # False for the model-only ablation: the rules' reading is then never a level of
        # its own, nor context that holds the model back.
        self.rules_decide = rules_decide
        self.thresholds = dict(model.thresholds if model is not None else {})
        self.thresholds.update(thresholds or {})

    def with_thresholds(self, alert: float | None, imminent: float | None) -> RiskDetector:
        """The same detector with other thresholds (None keeps the model file's)."""
        changed = {
            name: value
            for name, value in (("alert", alert), ("imminent", imminent))
            if value is not None
        }
        return RiskDetector(
            self.rules, self.model, {**self.thresholds, **changed}, self.rules_decide
        )

    def assess(self, text: str, language: str | None = None) -> Assessment:
        return self.assess_with_evidence(text, language)[0]

    def likely_language(self, text: str) -> str:
        """The language an alerting message is most likely written in, by the rules (see
        ``RuleDetector.likely_language``); "" when unclear, or without rules."""
        return self.rules.likely_language(text) if self.rules is not None else ""

    def assess_with_evidence(
        self, text: str, language: str | None = None
    ) -> tuple[Assessment, Evidence]:
        """The assessment, and the derived numbers conversation memory may keep (no text)."""
        normalised = normalise(text)
        if not normalised:
            return NO_RISK, Evidence(frozenset(), None)
        found, own = self.rules.read(normalised, language) if self.rules else (NO_RISK, frozenset())
        if self.model is None:
            return found, Evidence(own - _CONTEXT_ONLY, None)
        sums = self.model.linear(normalised)
        scores = self.model.scores_of_sums(*sums)
        if not self.rules_decide:
            found, own = NO_RISK, frozenset()
        literal = bool(own & _CONTEXT_ONLY)
        combined = combine(
            found,
            scores,
            self.thresholds,
            literal=literal,
            words=sums[3],
            negated=_negated_only(own),
        )
        return combined, Evidence(own - _CONTEXT_ONLY, sums)


# What the rules' reading holds besides signals: literal use, negation.
_CONTEXT_ONLY = frozenset({LITERAL, NEGATED})


def _negated_only(own: frozenset[str]) -> bool:
    """Whether the rules' context is a negation with no literal use beside it."""
    return NEGATED in own and LITERAL not in own


@dataclass(frozen=True)
class Evidence:
    """What one message leaves for conversation memory: signal names and model sums."""

    own_signals: frozenset[str]
    # The model's unscaled head sums and word count (see LinearModel.linear), or None.
    sums: tuple[float, float, float, int] | None


def combine(
    found: Assessment,
    scores: Scores,
    thresholds: Mapping[str, float],
    literal: bool = False,
    words: int = MODEL_MIN_WORDS,
    negated: bool = False,
) -> Assessment:
    """The rules' assessment raised by the model's scores.

    The writer's own risk comes first: the model's level (``model_level``) and the
    rules' own level, the higher wins, but for one exception: the rules' own level is
    first checked against the model's floors (``floored``): their ``high`` on a message
    the model reads as harmless is kept as ``low`` (never when their reasons include
    ``intent``: a plain statement of what the writer is going to do always pages), their
    ``imminent`` is downgraded to ``high``, which still pages, never further.
    Without an own alert, worry about someone else (the rules' third-party reading, or
    the model's ``other`` head) is reported as ``who="other"``, and so is the rules'
    third-party reading when the model also reads it as someone else's. When the rules
    recognised a literal use of the risk words (``literal`` masks: "my cold pills",
    "cutting onions") or only negated ones, and found no risk of their own, the model may
    not raise the message (the rules' "literal" context), unless its alert probability
    is at least ``literal_override``: a mask reads a phrase, the model the whole message
    ("saving up my blood pressure pills to not wake up"); nor when the model alerts (its
    alert probability at least ``alert``) with an imminent head of at least
    ``literal_yield_imminent`` ("me tomé las pastillas de la presión de mi papá, todas":
    the mask reads whose pills, the model that all were taken; ``literal_yields``).
    A context that is only a negation (``negated``: the rules read "I don't want to die",
    "no me quiero matar" and nothing literal) gives way sooner: when the model's alert
    probability is at least ``negated_override``, or when it alerts with an imminent head
    of at least ``negated_yield_imminent`` ("took 30 co codamol 15 mins ago and now i dont
    want to die anymore": the negation reads the wish, the model the act; ``negation_yields``).
    When the rules read the writer's own alert but the model is all but certain the
    risk is someone else's (its ``other`` head at least ``other_override``) and scores
    the writer's own risk under ``other_override_alert`` (the ``dismiss`` floor when the
    file has none), the rules' reading is reported as someone else's, at the rules' level
    ("mi amiga me mandó un audio diciendo que se tomó todas las pastillas", "mi primo ...
    ya guardó una soga en su pieza": the rules give the relative's act to the writer).
    Reasons gain ``model`` when the model raised the level.
    """
    if (
        found.who == "self"
        and found.level in ALERT_LEVELS
        and words >= MODEL_MIN_WORDS
        and scores.other >= thresholds.get("other_override", NEVER)
        and scores.alert < other_override_alert(thresholds)
    ):
        return Assessment(found.level, found.reasons, who="other", score=scores.other)
    rule_own = found.level if found.who == "self" else "none"
    if rule_own in ALERT_LEVELS:
        kept = floored(rule_own, scores, thresholds, words, intent=INTENT in found.reasons)
        if kept != rule_own:
            found = Assessment(kept, found.reasons, who="self", score=scores.alert)
            rule_own = kept
    held_back = (
        literal
        and rule_own not in ALERT_LEVELS
        and scores.alert < thresholds.get("literal_override", NEVER)
        and not literal_yields(scores, thresholds)
        and not (negated and negation_yields(scores, thresholds))
    )
    model_own = "none" if held_back else model_level(scores, thresholds, words)
    own = rule_own if _RANK[rule_own] >= _RANK[model_own] else model_own
    if (
        found.who == "other"
        and found.level in ALERT_LEVELS
        and scores.other >= thresholds["other"]
        and _RANK[model_own] <= _RANK[found.level]
    ):
        return Assessment(found.level, found.reasons, who="other", score=scores.other)
    if own in ALERT_LEVELS:
        reasons = found.reasons if found.who == "self" else ()
        if own != rule_own:
            reasons = (*reasons, MODEL_REASON)
        return Assessment(own, reasons, who="self", score=scores.alert)
    if found.who == "other" and found.level in ALERT_LEVELS:
        return Assessment(
            found.level, found.reasons, who="other", score=max(scores.other, scores.alert)
        )
    if scores.other >= thresholds["other"] and found.who != "quoted" and words >= MODEL_MIN_WORDS:
        return Assessment("high", (MODEL_REASON,), who="other", score=scores.other)
    return Assessment(found.level, found.reasons, who=found.who, score=scores.alert)


def literal_yields(scores: Scores, thresholds: Mapping[str, float]) -> bool:
    """Whether the rules' literal or negated reading gives way to a model that alerts and
    is all but sure the message is imminent: its alert probability at least ``alert`` and
    its imminent head at least ``literal_yield_imminent`` (never, when the model file has
    none). A mask reads a phrase ("las pastillas de la presión de mi papá"), the imminent
    head the act told with it ("todas", "took 30 ... 15 mins ago")."""
    return scores.imminent >= thresholds.get(
        "literal_yield_imminent", NEVER
    ) and scores.alert >= thresholds.get("alert", NEVER)


def negation_yields(scores: Scores, thresholds: Mapping[str, float]) -> bool:
    """Whether the rules' negated reading (a negation with no literal use beside it) gives
    way to the model: its alert probability at least ``negated_override``, or at least
    ``alert`` with an imminent head of at least ``negated_yield_imminent`` (never, when the
    model file has neither). A negation reads a few words ("I don't want to die"), the
    model the message ("took them all an hour ago and now I don't want to die")."""
    return scores.alert >= thresholds.get("negated_override", NEVER) or (
        scores.imminent >= thresholds.get("negated_yield_imminent", NEVER)
        and scores.alert >= thresholds.get("alert", NEVER)
    )


def other_override_alert(thresholds: Mapping[str, float]) -> float:
    """The model's own alert probability under which ``other_override`` applies: the
    file's ``other_override_alert``, else its ``dismiss`` floor (files before it)."""
    return thresholds.get("other_override_alert", thresholds.get("dismiss", 0.0))


def floored(
    level: str,
    scores: Scores,
    thresholds: Mapping[str, float],
    words: int,
    intent: bool = False,
) -> str:
    """The rules' own ``level`` after the model's floors on its alert probability (0,
    none, when the model file has no such floor):

    - ``high`` under ``dismiss`` is kept as ``low`` (no page; the mentor's side still
      sees it): the rules' patterns fire on literal uses, idioms and work talk of
      writers they were not written for; but never when the rules read the writer's
      own ``intent`` (``intent=True``: "I am going to hang myself", "me voy a pegar un
      tiro"): a plain statement of what a person is going to do always pages, whatever
      the model says. Negated, someone else's, quoted, idiom-masked and past readings
      are decided by the rules before this (they are not the writer's own intent);
    - ``imminent`` (an attempt under way, means with a time) under ``dismiss_imminent``
      is downgraded to ``high``: it still pages a supervisor, only not as imminent, and
      never less (not then checked against ``dismiss``). A false page costs a supervisor
      minutes, a missed attempt a life.

    The floors are chosen on grouped cross-validation (``risk_train``): imminent recall
    and recall first, then the fewest false alarms. Messages under MODEL_MIN_WORDS words
    keep the rules' level."""
    if words < MODEL_MIN_WORDS:
        return level
    if level == "imminent" and scores.alert < thresholds.get("dismiss_imminent", 0.0):
        return "high"
    if level == "high" and not intent and scores.alert < thresholds.get("dismiss", 0.0):
        return "low"
    return level


def model_level(scores: Scores, thresholds: Mapping[str, float], words: int = 3) -> str:
    """The writer's own level by the model alone: high over the alert threshold, and
    imminent when the imminent head is over its threshold too (never without an alert);
    imminent, too, when the imminent head is at least ``imminent_lift`` and the alert
    probability at least ``imminent_lift_alert``, under the alert threshold ("thank u
    for trying, im going to the bridge now. goodbye": alert 0.35, imminent 0.92);
    nothing for a message under MODEL_MIN_WORDS words."""
    if words < MODEL_MIN_WORDS:
        return "none"
    lifted = scores.imminent >= thresholds.get(
        "imminent_lift", NEVER
    ) and scores.alert >= thresholds.get("imminent_lift_alert", NEVER)
    if scores.alert < thresholds["alert"]:
        return "imminent" if lifted else "none"
    return "imminent" if lifted or scores.imminent >= thresholds["imminent"] else "high"


@cache
def rule_detector() -> RuleDetector:
    return RuleDetector()


@cache
def default_detector() -> RiskDetector:
    """Rules and the shipped model (``escalation/risk_model.json.gz``), loaded once."""
    return RiskDetector(rule_detector(), load_model())


@cache
def rules_only_detector() -> RiskDetector:
    return RiskDetector(rule_detector(), None)


@cache
def model_only_detector() -> RiskDetector:
    """The model alone (ablation): the rules' reading is its input features, never a level."""
    return RiskDetector(rule_detector(), load_model(), rules_decide=False)


def assess(text: str, language: str | None = None) -> Assessment:
    return default_detector().assess(text, language)


def _assess_in(rules: LanguageRules, normalised: str) -> tuple[Assessment, frozenset]:
    text = rules.prepare(normalised)
    triggered = rules.triggered(text)
    if not triggered:
        return NO_RISK, frozenset()
    if all(rule.signal in ALONE_MEANS_NOTHING for rule in triggered):
        seen = {rule.signal for rule in triggered if rule.regex.search(text)}
        return NO_RISK, frozenset(seen)
    found = _Found()
    for rule in triggered:
        if rule.signal in (MASK, LITERAL):
            if rule.signal == LITERAL and rule.regex.search(text):
                found.own.add(LITERAL)
            text = rule.regex.sub(".", text)
        elif (
            rule.signal not in found.own
            and _credit(rules, rule, text, found)
            and rule.signal == "history"
        ):
            # A past attempt ("I tried to overdose years ago") must not read as a present one.
            text = rule.regex.sub(".", text)
    if found.laughed_off - found.own and found.own - ALONE_MEANS_NOTHING:
        # "me quiero matar jajaja no aguanto más": laughter does not cancel a wish to die
        # that comes with anything else.
        found.own |= found.laughed_off
    if _recovered(rules, text, found.own):
        found.own = (found.own - _RECOVERABLE) | {"history"}
    own = frozenset(found.own | ({NEGATED} if found.negated else set()))
    found.own.discard(LITERAL)
    level = _level_of(found.own)
    if level == "none" and found.laughed_off:
        # Said laughing it is usually hyperbole, but not always: "low" pages nobody and
        # lets the mentor's side suggest a gentle question.
        return Assessment("low", _ordered(found.laughed_off)), own
    # A time-frame is always credited to the writer, but times a friend's act as well.
    others_level = _level_of(found.others | (found.own & {"timeframe"}))
    if _RANK[others_level] > _RANK[level] and _RANK[others_level] >= _RANK["high"]:
        return Assessment(others_level, _ordered(found.others), third_party=True), own
    if level != "none":
        return Assessment(level, _ordered(found.own)), own
    return (QUOTED if found.quoted and not found.others else NO_RISK), own


# Risk that a message can tell as past and recovered from; a method at hand, an act in
# progress, a goodbye, abuse or harm to others never are.
_RECOVERABLE = frozenset({"ideation", "self_harm", "intent", "hopelessness", "timeframe"})


def _recovered(rules: LanguageRules, text: str, own: set[str]) -> bool:
    """ "I wanted to kill myself years ago, but I'm doing well now": the "when" is past."""
    grammar = rules.grammar
    if not own & _RECOVERABLE or own - _RECOVERABLE - {"history"}:
        return False
    markers = ("past_marker", "recovery_marker", "current_marker")
    if not all(marker in grammar for marker in markers):
        return False
    return (
        grammar["past_marker"].search(text) is not None
        and grammar["recovery_marker"].search(text) is not None
        and grammar["current_marker"].search(text) is None
    )


@dataclass
class _Found:
    """The signals found so far in one message, by whose they are."""

    own: set[str] = field(default_factory=set)
    others: set[str] = field(default_factory=set)
    # The writer's wishes to die followed by laughter ("me quiero morir jaja"): hyperbole
    # unless the message holds any other signal.
    laughed_off: set[str] = field(default_factory=set)
    # A signal was found inside a story, song, film or case ("the song is about ...").
    quoted: bool = False
    # A signal's words were found negated ("I would never kill myself").
    negated: bool = False


def _credit(rules: LanguageRules, rule: Rule, text: str, found: _Found) -> bool:
    """Add the rule's signal to the writer's or to others' signals; True if it matched at all."""
    signal = rule.signal
    matched = False
    # What a match reads depends only on its words, the clause before it and the text just
    # after it: a message repeating a sentence reads each copy once.
    seen: set[tuple[str, str, str]] = set()
    for match in rule.regex.finditer(text):
        # The clause before the match, read once for both the negation and the speaker.
        clause = _clause_before(rules, text, match.start(), _SUBJECT_WINDOW_WORDS)
        context = (clause, match.group(), _after(text, match))
        if context in seen:
            continue  # read before, with the same effect on ``found`` and ``matched``
        seen.add(context)
        if signal not in _NEVER_NEGATED and _negated(rules, text, match, clause):
            found.negated = True
            continue
        matched = True
        speaker = _speaker(rules, signal, match, clause)
        if speaker is None:
            found.quoted = True
        elif speaker == "third":
            found.others.add(signal)
        elif speaker == "first" and signal in _LAUGHABLE and _laughed_off(rules, text, match):
            found.laughed_off.add(signal)
        elif speaker == "first":
            found.own.add(signal)
    return matched


def _level_of(signals: set[str]) -> str:
    if "in_progress" in signals or any(
        signal in signals and signals & partners for signal, partners in IMMINENT_WITH.items()
    ):
        return "imminent"
    if signals & HIGH_SIGNALS:
        return "high"
    if signals & LOW_SIGNALS:
        return "low"
    return "none"


def _clause_before(rules: LanguageRules, text: str, start: int, words: int) -> str:
    """The last ``words`` words before ``start`` in its clause (after the last clause
    punctuation or clause break).

    Only a stretch of ``words`` plus ``_LOOK_BACK_MARGIN_WORDS`` words before ``start`` is
    read: a cut further back cannot change the last ``words`` words. (Reading all the
    text before every match made the time grow with the square of a long message's
    length: 0.2-0.6 s for 20,000 characters of a repeated risk sentence.) The stretch
    begins at a word, so clause breaks of single words, as in the shipped signal files,
    are found exactly as a scan from the clause's start finds them; a break of several
    words could only differ if it straddled the stretch's start.
    ``tests/test_risk_long_messages.py`` holds this to the full scan on every training
    message.
    """
    look_back = _words_back(text, start, words + _LOOK_BACK_MARGIN_WORDS)
    cut = look_back
    for found in _CLAUSE_PUNCTUATION_RE.finditer(text, look_back, start):
        cut = found.end()
    for found in rules.grammar["clause_break"].finditer(text, cut, start):
        cut = found.end()
    return " ".join(text[cut:start].split()[-words:])


def _words_back(text: str, end: int, words: int) -> int:
    """Where the ``words``-th word before ``end`` begins (0 when there are fewer)."""
    if end <= _SHORT_PREFIX_CHARS and text.count(" ", 0, end) < words:
        return 0  # the usual short message, counted in one step
    position = end
    for _ in range(words):
        if position <= 1:
            return 0
        position = text.rfind(" ", 0, position - 1) + 1
    if "  " in text[max(position - 1, 0) : end]:
        # Normalised text has one space between words; anything else is counted word by word.
        position = end
        for _ in range(words):
            while position > 0 and text[position - 1] == " ":
                position -= 1
            position = text.rfind(" ", 0, position) + 1
    return position


def _negated(rules: LanguageRules, text: str, match: re.Match[str], clause: str) -> bool:
    """Whether a negation governs the match; ``clause`` is the clause before it, at least
    ``_NEGATION_WINDOW_WORDS + 2`` words long where the clause has them."""
    grammar = rules.grammar
    window = " ".join(clause.split()[-(_NEGATION_WINDOW_WORDS + 2) :])
    window = grammar["negation_exception"].sub(" ", window)
    window = " ".join(window.split()[-_NEGATION_WINDOW_WORDS:])
    negation = _last(grammar["negator"], window)
    if negation is not None:
        # A subject after the negated verb starts a clause the negation does not govern
        # ("my mum doesn't know I want to die"); right after it, it is the negated verb
        # itself ("no estoy pensando en ...") or its object ("asked if I want to die").
        later_words = " ".join(window[negation.end() :].split()[1:])
        if not grammar["first_person_subject"].search(later_words):
            return True
    return grammar["negation_after"].match(_after(text, match)) is not None


def _laughed_off(rules: LanguageRules, text: str, match: re.Match[str]) -> bool:
    return (
        rules.grammar["laughter_after"].match(_after(text, match, _LAUGHTER_WINDOW_CHARS))
        is not None
    )


def _after(text: str, match: re.Match[str], chars: int = _AFTER_WINDOW_CHARS) -> str:
    return text[match.end() : match.end() + chars].lstrip()


def _speaker(rules: LanguageRules, signal: str, match: re.Match[str], window: str) -> str | None:
    """ "first" (the writer), "third" (someone they speak of) or None (a story or a song);
    ``window`` is the clause before the match, its last ``_SUBJECT_WINDOW_WORDS`` words."""
    grammar = rules.grammar
    fiction = _last(grammar["reported_fiction"], window)
    if fiction is not None and not grammar["first_person_subject"].search(window[fiction.end() :]):
        return None
    if signal in _ALWAYS_FIRST_PERSON:
        return "first"
    span = match.group()
    if signal not in _OBJECT_PRONOUN_SIGNALS:
        if grammar["first_person_marker"].search(span):
            return "first"
        if grammar["third_person_marker"].search(span):
            return "third"
    last_first = _last(grammar["first_person_subject"], window)
    last_third = _last(grammar["third_person_subject"], window)
    if last_third is not None and (last_first is None or last_third.end() > last_first.end()):
        return "third"
    if last_first is None and last_third is None and _own_subject_is_third(grammar, span):
        return "third"
    return "first"


def _own_subject_is_third(grammar: Mapping[str, re.Pattern[str]], span: str) -> bool:
    """Whether matched words that open with their own subject, where the clause before
    names nobody, tell someone else's act: the subject is a third person ("he's on top of
    the car park", after "my cousin rang me," whose comma cut the clause) and the rest
    holds no first-person subject or object once the writer's own going or helping is
    taken out ("... saying sorry, I'm on my way"), or when the words end with that going or
    helping ("... sent me a photo, I'm driving there"). "My husband is driving over with
    the gun and says he'll kill me" stays the writer's: "me" is in the act. Needs the optional
    ``first_person_object`` grammar entry (without it, nothing changes)."""
    if "first_person_object" not in grammar:
        return False
    lead = grammar["third_person_subject"].match(span) or grammar["third_person_marker"].match(span)
    if lead is None or lead.end() == 0:
        return False
    rest = span[lead.end() :]
    if rest[:1].isalnum():
        return False
    helping = grammar.get("helping")
    if helping is not None:
        if any(found.end() == len(span) for found in helping.finditer(span)):
            return True  # the act told, then the writer's own going or helping
        rest = helping.sub(" ", rest)
    return (
        grammar["first_person_subject"].search(rest) is None
        and grammar["first_person_object"].search(rest) is None
    )


def _last(regex: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in regex.finditer(text):  # noqa: B007 - the loop keeps the last match
        pass
    return found


def _ordered(signals: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(signals, key=_SIGNAL_ORDER.__getitem__))


def _strongest(assessments: list[Assessment]) -> Assessment:
    """The highest level; at equal levels the writer's own risk outranks a third party's."""
    best = max(assessments, key=lambda found: (_RANK[found.level], _WHO_RANK[found.who]))
    reasons = {
        reason
        for found in assessments
        if (found.level, found.who) == (best.level, best.who)
        for reason in found.reasons
    }
    return Assessment(best.level, _ordered(reasons), who=best.who)


def as_json(assessment: Assessment) -> str:
    """The CLI's output line: level, reasons, score (null without a model) and who, plus
    ``third_party`` when true (as before ``who`` existed)."""
    score = None if assessment.score is None else round(assessment.score, 4)
    result: dict[str, object] = {
        "level": assessment.level,
        "reasons": list(assessment.reasons),
        "score": score,
        "who": assessment.who,
    }
    if assessment.third_party:
        result["third_party"] = True
    return json.dumps(result)


def run_cli(
    lines: BinaryIO, out: TextIO, err: TextIO, detector: Detector, language: str | None
) -> int:
    """Assess each input line; a line that is not UTF-8 is reported and skipped, not fatal.

    Every input line gets exactly one output line, so outputs stay aligned with
    inputs; a bad line's output is ``{"error": "invalid_utf8", "line": N}``.
    Returns the exit status: 1 if any line was bad, else 0.
    """
    status = 0
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as error:
            err.write(
                f"line {number}: not valid UTF-8 (byte {error.start + 1}); skipped, "
                "the other lines are assessed\n"
            )
            out.write(json.dumps({"error": "invalid_utf8", "line": number}) + "\n")
            status = 1
            continue
        out.write(as_json(detector.assess(text, language)) + "\n")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m escalation.risk",
        description="Assess one message per line on stdin; write one JSON object per line.",
    )
    parser.add_argument("--language", help="language code (en, es); default: check every language")
    arguments = parser.parse_args(argv)
    return run_cli(sys.stdin.buffer, sys.stdout, sys.stderr, default_detector(), arguments.language)


if __name__ == "__main__":
    sys.exit(main())


def rules_context(rules: RuleDetector | None, text: str) -> tuple[Assessment, bool, bool]:
    """The rules' assessment of a message, whether they saw a literal use or a negation,
    and whether that was a negation alone (``combine``'s ``literal`` and ``negated``)."""
    if rules is None:
        return NO_RISK, False, False
    found, own = rules.read(normalise(text))
    return found, bool(own & _CONTEXT_ONLY), _negated_only(own)


def word_count(text: str) -> int:
    return len(normalise(text).split())


def rank(level: str) -> int:
    """The order of LEVELS: none < low < high < imminent."""
    return _RANK[level]


def level_of_signals(signals: Iterable[str]) -> str:
    """The level the rules give a set of the writer's own signals (used by memory)."""
    return _level_of(set(signals))


def ordered_reasons(reasons: Iterable[str]) -> tuple[str, ...]:
    return _ordered(reasons)
