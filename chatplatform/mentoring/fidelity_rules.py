"""The fidelity checklist as data, and agreement between raters. No Django here.

Each element is answered ``yes``, ``no`` or, for elements that only apply sometimes
(when risk was present, when appropriate), ``na``. Agreement between a mentor's
self-rating and a supervisor's rating of the same chat is Cohen's kappa over those
categories, computed by scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from sklearn.metrics import cohen_kappa_score

from chatplatform.mentoring.curriculum import LANGUAGES

YES, NO, NA = "yes", "no", "na"
ANSWERS = (YES, NO, NA)
CONDITIONS = ("always", "risk", "appropriate")


class ChecklistError(ValueError):
    """The checklist file breaks a rule; ``str()`` names the file and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")


@dataclass(frozen=True)
class Element:
    id: str
    text: Mapping[str, str]
    applies_when: str

    @property
    def choices(self) -> tuple[str, ...]:
        return (YES, NO) if self.applies_when == "always" else ANSWERS


@dataclass(frozen=True)
class Checklist:
    version: int
    elements: tuple[Element, ...]
    digest: str

    def parse(self, form: Mapping[str, str]) -> dict[str, str]:
        """Answers from fields named after the elements; ValueError names a missing one."""
        answers = {}
        for element in self.elements:
            value = (form.get(element.id) or "").strip()
            if value not in element.choices:
                raise ValueError(element.id)
            answers[element.id] = value
        return answers


def load_checklist(path: Path) -> Checklist:
    source = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ChecklistError(source, f"cannot be read: {error}") from None
    if not isinstance(data, dict) or set(data) != {"version", "elements"}:
        raise ChecklistError(source, "must give a version and its elements")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ChecklistError(source, "version must be a whole number from 1")
    raw = data["elements"]
    if not isinstance(raw, list) or not raw:
        raise ChecklistError(source, "elements must be a non-empty list")
    elements = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) - {"id", "text", "applies_when"}:
            raise ChecklistError(source, f"element {number}: give id, text and applies_when")
        element_id = item.get("id")
        if not isinstance(element_id, str) or not element_id.isidentifier():
            raise ChecklistError(source, f"element {number}: id must be a word like asked_safety")
        text = item.get("text")
        if not isinstance(text, dict) or set(text) != set(LANGUAGES):
            raise ChecklistError(source, f"element {element_id}: text needs en and es")
        applies = item.get("applies_when", "always")
        if applies not in CONDITIONS:
            raise ChecklistError(source, f"element {element_id}: applies_when is {CONDITIONS}")
        elements.append(Element(element_id, {k: str(v) for k, v in text.items()}, applies))
    if len({e.id for e in elements}) != len(elements):
        raise ChecklistError(source, "two elements share an id")
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return Checklist(version=version, elements=tuple(elements), digest=digest)


def kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of (self, supervisor) answers; None when it is undefined.

    Undefined with no pairs, or when both raters used one and the same category
    throughout (chance agreement is then 1).
    """
    if not pairs:
        return None
    first = [a for a, _ in pairs]
    second = [b for _, b in pairs]
    if len(set(first) | set(second)) == 1:
        return None
    return float(cohen_kappa_score(first, second, labels=list(ANSWERS)))
