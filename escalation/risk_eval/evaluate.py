"""Evaluate a risk detector against the labelled set (pure Python, no Django).

The labelled set (``labelled.jsonl``) was written before any detector rule.
Each line has ``text``, ``language``, ``level`` (none/low/high/imminent),
``category`` and ``split``: ``dev`` messages may be used to tune rules,
``heldout`` ones (every fourth of each language and category) may not, so their
figures show how the rules generalise.

Figures (the aims come from issue 4):
- recall: labelled high or imminent, detected high or imminent (aim >= 0.95);
- false-positive rate: everyday distress and idioms detected high or imminent,
  i.e. a supervisor alerted for nothing (aim <= 0.05); also shown for every
  ``none`` message (adding negations and mentions) and for any level above none;
- the confusion matrix of levels, and third-party accuracy.

Messages are assessed with ``language=None``, as participants do not declare one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from escalation.risk import LEVELS, Assessment, Detector

LABELLED_SET = Path(__file__).resolve().parent / "labelled.jsonl"
RISK_LEVELS = frozenset({"high", "imminent"})
FALSE_ALARM_CATEGORIES = frozenset({"everyday_distress", "idiom"})
RECALL_AIM = 0.95
FALSE_POSITIVE_AIM = 0.05
_FIELDS = ("text", "language", "level", "category", "split")


@dataclass(frozen=True)
class Example:
    text: str
    language: str
    level: str
    category: str
    split: str


@dataclass(frozen=True)
class Outcome:
    example: Example
    found: Assessment


@dataclass(frozen=True)
class Rate:
    hits: int
    total: int

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def __str__(self) -> str:
        if not self.total:
            return "   n/a"
        return f"{self.hits / self.total:6.3f} ({self.hits}/{self.total})"


@dataclass(frozen=True)
class Figures:
    """Recall and false-positive rates over one slice of the labelled set."""

    recall: Rate
    false_positives: Rate
    false_positives_all_none: Rate
    any_flag_on_false_alarm_categories: Rate


@dataclass(frozen=True)
class Report:
    overall: Figures
    by_split: dict[str, Figures]
    by_language: dict[str, Figures]
    by_language_and_split: dict[tuple[str, str], Figures]
    confusion: dict[str, dict[str, int]]  # labelled level -> detected level -> count
    third_party: Rate
    exact_level: Rate
    misses: list[Outcome] = field(default_factory=list)  # risk detected below high
    false_alarms: list[Outcome] = field(default_factory=list)  # none detected high or above

    def meets_aims(self) -> bool:
        recall, false_positives = self.overall.recall.value, self.overall.false_positives.value
        return (
            recall is not None
            and false_positives is not None
            and recall >= RECALL_AIM
            and false_positives <= FALSE_POSITIVE_AIM
        )


class LabelledSetError(ValueError):
    """A line of the labelled set is malformed; the message names the line."""


def load_examples(path: Path = LABELLED_SET) -> list[Example]:
    examples = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                row = json.loads(line)
                examples.append(Example(**{name: str(row[name]) for name in _FIELDS}))
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise LabelledSetError(f"{path.name} line {number}: {error}") from error
            if examples[-1].level not in LEVELS:
                raise LabelledSetError(f"{path.name} line {number}: unknown level")
    return examples


def assess_all(detector: Detector, examples: Iterable[Example]) -> list[Outcome]:
    return [Outcome(example, detector.assess(example.text)) for example in examples]


def evaluate(detector: Detector, examples: Sequence[Example]) -> Report:
    outcomes = assess_all(detector, examples)
    languages = sorted({outcome.example.language for outcome in outcomes})
    splits = sorted({outcome.example.split for outcome in outcomes})
    confusion = {labelled: dict.fromkeys(LEVELS, 0) for labelled in LEVELS}
    for outcome in outcomes:
        confusion[outcome.example.level][outcome.found.level] += 1
    third_party_cases = [o for o in outcomes if o.example.category == "third_party"]
    return Report(
        overall=_figures(outcomes),
        by_split={split: _figures(_where(outcomes, split=split)) for split in splits},
        by_language={
            language: _figures(_where(outcomes, language=language)) for language in languages
        },
        by_language_and_split={
            (language, split): _figures(_where(outcomes, language=language, split=split))
            for language in languages
            for split in splits
        },
        confusion=confusion,
        third_party=_rate(third_party_cases, lambda o: o.found.third_party),
        exact_level=_rate(outcomes, lambda o: o.found.level == o.example.level),
        misses=[o for o in _risk(outcomes) if not _alarmed(o)],
        false_alarms=[o for o in outcomes if o.example.level == "none" and _alarmed(o)],
    )


def _where(outcomes: list[Outcome], **wanted: str) -> list[Outcome]:
    return [
        outcome
        for outcome in outcomes
        if all(getattr(outcome.example, name) == value for name, value in wanted.items())
    ]


def _risk(outcomes: list[Outcome]) -> list[Outcome]:
    return [outcome for outcome in outcomes if outcome.example.level in RISK_LEVELS]


def _rate(outcomes: list[Outcome], hit: Callable[[Outcome], bool]) -> Rate:
    return Rate(sum(1 for outcome in outcomes if hit(outcome)), len(outcomes))


def _alarmed(outcome: Outcome) -> bool:
    return outcome.found.level in RISK_LEVELS


def _figures(outcomes: list[Outcome]) -> Figures:
    no_risk = [outcome for outcome in outcomes if outcome.example.level == "none"]
    everyday = [o for o in no_risk if o.example.category in FALSE_ALARM_CATEGORIES]
    return Figures(
        recall=_rate(_risk(outcomes), _alarmed),
        false_positives=_rate(everyday, _alarmed),
        false_positives_all_none=_rate(no_risk, _alarmed),
        any_flag_on_false_alarm_categories=_rate(everyday, lambda o: o.found.level != "none"),
    )


def format_report(report: Report, show_errors: bool = True) -> str:
    """The report as text; misclassified messages are listed by line text only on request."""
    lines = [
        "Risk detector evaluation (labelled set, language not given)",
        "",
        f"{'slice':<16}{'recall (high+imminent)':<26}{'false positives':<22}"
        f"{'FP, all none':<22}{'any flag, everyday':<22}",
    ]
    slices = [("overall", report.overall)]
    slices += [(f"split {split}", figures) for split, figures in report.by_split.items()]
    slices += [(f"lang {language}", figures) for language, figures in report.by_language.items()]
    slices += [
        (f"{language} {split}", figures)
        for (language, split), figures in report.by_language_and_split.items()
    ]
    for name, figures in slices:
        lines.append(
            f"{name:<16}{figures.recall!s:<26}{figures.false_positives!s:<22}"
            f"{figures.false_positives_all_none!s:<22}"
            f"{figures.any_flag_on_false_alarm_categories!s:<22}"
        )
    lines += [
        "",
        "false positives: everyday distress and idioms detected high or imminent",
        f"aims: recall >= {RECALL_AIM}, false positives <= {FALSE_POSITIVE_AIM}: "
        + ("met" if report.meets_aims() else "NOT met"),
        "",
        "confusion matrix (rows: labelled, columns: detected)",
        f"{'':<10}" + "".join(f"{level:>10}" for level in LEVELS),
    ]
    for labelled, row in report.confusion.items():
        lines.append(f"{labelled:<10}" + "".join(f"{row[level]:>10}" for level in LEVELS))
    lines += [
        "",
        f"exact level: {report.exact_level}",
        f"third party flagged on third-party concern: {report.third_party}",
    ]
    if show_errors:
        for title, outcomes in (
            ("missed risk", report.misses),
            ("false alarms", report.false_alarms),
        ):
            lines += ["", f"{title}: {len(outcomes)}"]
            lines += [
                f"  [{o.example.split} {o.example.language} {o.example.category}] "
                f"{o.example.level} -> {o.found.level} {list(o.found.reasons)}: {o.example.text}"
                for o in outcomes
            ]
    return "\n".join(lines) + "\n"
