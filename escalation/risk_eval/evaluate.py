"""Figures of a risk detector on labelled messages (no Django).

What counts (the same rules on every split, see ``docs/risk-detection.md``):

- **recall**: of the messages whose writer is at high or imminent risk, the
  share the detector alerts on *as the writer's own risk* (level high or
  imminent, ``who`` = ``self``). An alert worded as concern for someone else
  ("how to help a friend") does not count: the writer would be answered wrongly.
- **imminent recall**: of the writer-imminent messages, the share detected
  ``imminent`` as the writer's own risk.
- **false alarms**: of the harmless messages (writer's level ``none``), the
  share alerted as the writer's own risk: a supervisor paged and the person told
  to call emergency services for nothing. This includes worry about a friend
  alerted as the writer's own risk (an error), but not a third-party alert on
  it, which is a separate, correct reason.
- **third party flagged**: of the messages about someone else at high or
  imminent risk, the share alerted as third-party concern.

Each rate comes with its Wilson 95% interval (scipy). Messages are assessed with
``language=None``, as participants do not declare one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from scipy.stats import binomtest

from escalation.risk import Assessment, Detector, rank
from escalation.risk_eval.corpus import FAMILIES, RISK_LEVELS, Conversation, Example
from escalation.risk_memory import ConversationMemory

RECALL_AIM = 0.95
IMMINENT_RECALL_AIM = 0.90
FALSE_ALARM_AIM = 0.03


@dataclass(frozen=True)
class Outcome:
    example: Example
    found: Assessment

    @property
    def own_alert(self) -> bool:
        return self.found.level in RISK_LEVELS and self.found.who == "self"

    @property
    def own_imminent(self) -> bool:
        return self.found.level == "imminent" and self.found.who == "self"

    @property
    def other_alert(self) -> bool:
        return self.found.level in RISK_LEVELS and self.found.who == "other"


@dataclass(frozen=True)
class Rate:
    hits: int
    total: int

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The Wilson score 95% interval, or None without any message."""
        if not self.total:
            return None
        found = binomtest(self.hits, self.total).proportion_ci(0.95, method="wilson")
        return found.low, found.high

    def __str__(self) -> str:
        interval = self.interval
        if interval is None:
            return "n/a"
        return f"{self.value:.3f} [{interval[0]:.2f}-{interval[1]:.2f}] {self.hits}/{self.total}"


@dataclass(frozen=True)
class Figures:
    recall: Rate
    imminent_recall: Rate
    false_alarms: Rate
    third_party: Rate
    # Worry about someone else alerted as the writer's own risk (counted in false alarms).
    other_read_as_own: Rate
    # The writer's own risk alerted, but as someone else's (counted as a miss).
    own_read_as_other: Rate
    low_alerted: Rate

    def meets_aims(self) -> bool:
        return (
            (self.recall.value or 0) >= RECALL_AIM
            and (self.imminent_recall.value or 0) >= IMMINENT_RECALL_AIM
            and (self.false_alarms.value or 0) <= FALSE_ALARM_AIM
        )


def _rate(outcomes: Iterable[Outcome], hit: Callable[[Outcome], bool]) -> Rate:
    outcomes = list(outcomes)
    return Rate(sum(1 for outcome in outcomes if hit(outcome)), len(outcomes))


def figures(outcomes: Sequence[Outcome]) -> Figures:
    at_risk = [o for o in outcomes if o.example.at_risk]
    return Figures(
        recall=_rate(at_risk, lambda o: o.own_alert),
        imminent_recall=_rate(
            (o for o in outcomes if o.example.level == "imminent"), lambda o: o.own_imminent
        ),
        false_alarms=_rate(
            (o for o in outcomes if o.example.level == "none"), lambda o: o.own_alert
        ),
        third_party=_rate(
            (o for o in outcomes if o.example.other_at_risk), lambda o: o.other_alert
        ),
        other_read_as_own=_rate(
            (o for o in outcomes if o.example.who == "other" and o.example.level == "none"),
            lambda o: o.own_alert,
        ),
        own_read_as_other=_rate(at_risk, lambda o: o.other_alert),
        low_alerted=_rate((o for o in outcomes if o.example.level == "low"), lambda o: o.own_alert),
    )


def assess_all(detector: Detector, examples: Iterable[Example]) -> list[Outcome]:
    return [Outcome(example, detector.assess(example.text)) for example in examples]


@dataclass(frozen=True)
class Report:
    title: str
    overall: Figures
    by_language: dict[str, Figures]
    by_family: dict[str, Figures]
    confusion: dict[str, dict[str, int]]  # writer's labelled level -> detected own level
    outcomes: list[Outcome]

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.example.at_risk and not o.own_alert]

    def false_alarms(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.example.level == "none" and o.own_alert]

    def imminent_misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.example.level == "imminent" and not o.own_imminent]


def report(title: str, outcomes: list[Outcome]) -> Report:
    languages = sorted({o.example.language for o in outcomes})
    families = [f for f in FAMILIES if any(o.example.family == f for o in outcomes)]
    families += sorted({o.example.family for o in outcomes} - set(families))
    confusion = {
        level: dict.fromkeys(("none", "low", "high", "imminent"), 0) for level in confusion_rows()
    }
    for outcome in outcomes:
        detected = outcome.found.level if outcome.found.who == "self" else "none"
        confusion[outcome.example.level][detected] += 1
    return Report(
        title=title,
        overall=figures(outcomes),
        by_language={
            language: figures([o for o in outcomes if o.example.language == language])
            for language in languages
        },
        by_family={
            family: figures([o for o in outcomes if o.example.family == family])
            for family in families
        },
        confusion=confusion,
        outcomes=outcomes,
    )


def confusion_rows() -> tuple[str, ...]:
    return ("none", "low", "high", "imminent")


def evaluate(title: str, detector: Detector, examples: Sequence[Example]) -> Report:
    return report(title, assess_all(detector, examples))


_COLUMNS = ("recall (high+imminent)", "imminent recall", "false alarms", "third party flagged")


def _row(name: str, found: Figures, width: int = 22) -> str:
    cells = (found.recall, found.imminent_recall, found.false_alarms, found.third_party)
    return f"{name:<{width}}" + "".join(f"{cell!s:<29}" for cell in cells).rstrip()


def format_report(found: Report, *, show_errors: bool = False, families: bool = True) -> str:
    """Figures as text. Per-message errors only on request, and never for a blind split."""
    lines = [f"== {found.title}", "", f"{'slice':<22}" + "".join(f"{c:<29}" for c in _COLUMNS)]
    lines.append(_row("all", found.overall))
    lines += [_row(f"language {lang}", fig) for lang, fig in found.by_language.items()]
    if families:
        lines += [_row(f"  {family}", fig) for family, fig in found.by_family.items()]
    overall = found.overall
    lines += [
        "",
        f"worry about someone else alerted as the writer's own risk: {overall.other_read_as_own}",
        f"writer's own risk alerted as someone else's (a miss):     {overall.own_read_as_other}",
        f"low-level messages alerted:                                {overall.low_alerted}",
        "",
        "writer's level (rows) against the level detected as the writer's own (columns)",
        f"{'':<10}" + "".join(f"{level:>10}" for level in confusion_rows()),
    ]
    for labelled, row in found.confusion.items():
        lines.append(f"{labelled:<10}" + "".join(f"{row[level]:>10}" for level in confusion_rows()))
    if show_errors:
        for title, outcomes in (
            ("missed risk", found.misses()),
            ("imminent read below imminent", found.imminent_misses()),
            ("false alarms", found.false_alarms()),
        ):
            lines += ["", f"{title}: {len(outcomes)}"]
            lines += [_error_line(outcome) for outcome in outcomes]
    return "\n".join(lines) + "\n"


def _error_line(outcome: Outcome) -> str:
    example, found = outcome.example, outcome.found
    score = "-" if found.score is None else f"{found.score:.2f}"
    return (
        f"  [{example.source} {example.family} {example.style}] {example.level}/{example.who}"
        f" -> {found.level}/{found.who} {score} {list(found.reasons)}: {example.text}"
    )


def format_ablation(title: str, reports: dict[str, Report]) -> str:
    """Rules only / model only / both, per language: recall, imminent recall, false alarms."""
    lines = [
        f"== {title}",
        "",
        f"{'detector':<14}{'slice':<14}" + "".join(f"{c:<29}" for c in _COLUMNS[:3]),
    ]
    for name, found in reports.items():
        slices = [("all", found.overall), *found.by_language.items()]
        for slice_name, fig in slices:
            cells = (fig.recall, fig.imminent_recall, fig.false_alarms)
            lines.append(
                f"{name:<14}{slice_name:<14}" + "".join(f"{cell!s:<29}" for cell in cells).rstrip()
            )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ConversationFigures:
    recall: Rate  # conversations at high/imminent risk that raised an own alert
    imminent_recall: Rate  # imminent conversations that reached imminent
    false_alarms: Rate  # conversations with no risk that raised an own alert
    raised_by_memory: int  # conversations whose highest level came from memory


def conversation_figures(
    detector: Detector, conversations: Sequence[Conversation], memory: bool
) -> ConversationFigures:
    """Each conversation's messages in order through the detector (and memory); the
    highest own level reached is the conversation's."""
    reached = []
    raised = 0
    for number, conversation in enumerate(conversations):
        remembered = ConversationMemory(
            model=getattr(detector, "model", None), thresholds=getattr(detector, "thresholds", None)
        )
        highest = "none"
        by_memory = False
        for position, text in enumerate(conversation.messages):
            evidence_of = getattr(detector, "assess_with_evidence", None)
            if memory and callable(evidence_of):
                alone, evidence = evidence_of(text)
                found = remembered.assess(number, alone, evidence, float(position))
            else:
                found = alone = detector.assess(text)
            level = found.level if found.who == "self" else "none"
            if rank(level) > rank(highest):
                highest = level
                by_memory = found is not alone
        reached.append(highest)
        raised += by_memory
    pairs = list(zip(conversations, reached, strict=True))
    return ConversationFigures(
        recall=Rate(
            sum(1 for c, r in pairs if c.combined_level in RISK_LEVELS and r in RISK_LEVELS),
            sum(1 for c, _ in pairs if c.combined_level in RISK_LEVELS),
        ),
        imminent_recall=Rate(
            sum(1 for c, r in pairs if c.combined_level == "imminent" and r == "imminent"),
            sum(1 for c, _ in pairs if c.combined_level == "imminent"),
        ),
        false_alarms=Rate(
            sum(1 for c, r in pairs if c.combined_level == "none" and r in RISK_LEVELS),
            sum(1 for c, _ in pairs if c.combined_level == "none"),
        ),
        raised_by_memory=raised,
    )


def format_conversations(title: str, found: dict[str, ConversationFigures]) -> str:
    lines = [f"== {title}", "", f"{'memory':<14}" + "".join(f"{c:<29}" for c in _COLUMNS[:3])]
    for name, fig in found.items():
        cells = (fig.recall, fig.imminent_recall, fig.false_alarms)
        lines.append(f"{name:<14}" + "".join(f"{cell!s:<29}" for cell in cells).rstrip())
    return "\n".join(lines) + "\n"
