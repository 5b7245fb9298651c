"""Randomised study definitions: parsing, validation and the pre-registration document.

No Django here. An evaluator writes a study as YAML; it is validated strictly (an error
names the field and the problem) and frozen, at registration, into a canonical JSON
document whose SHA-256 hash and date are kept before anyone is allocated.

Arms may change only what this module allows, and nothing allowed touches access to
support: a short message shown while waiting in the queue, a reminder of the follow-up
after a chat, or nothing. Waiting times, matching and the chat itself are the same in
every arm.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

LANGUAGES = ("en", "es")
# What an arm may change. None of these changes who is helped, when or how.
INTERVENTIONS = ("queue_message", "followup_reminder", "none")
COMPARISONS = ("pre_post", "pre_followup")
STRATA = ("language",)
MAX_TEXT = 600


class StudyError(ValueError):
    """A study definition breaks a rule; the message names the field."""


@dataclass(frozen=True)
class Arm:
    id: str
    intervention: str
    # queue_message: the message per language; otherwise empty.
    text: Mapping[str, str]


@dataclass(frozen=True)
class StudyDefinition:
    slug: str
    title: str
    hypothesis: str
    arms: tuple[Arm, ...]
    ratio: Mapping[str, int]
    block_size: int
    strata: str
    reference_arm: str
    instrument: str
    subscale: str
    comparison: str
    analysis: str

    def arm(self, arm_id: str) -> Arm:
        return next(a for a in self.arms if a.id == arm_id)

    def block(self) -> list[str]:
        """One block's arms before shuffling: each arm ratio times, repeated to the size."""
        unit = [arm.id for arm in self.arms for _ in range(self.ratio[arm.id])]
        return unit * (self.block_size // len(unit))

    def as_data(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "hypothesis": self.hypothesis,
            "arms": [
                {"id": a.id, "intervention": a.intervention, "text": dict(a.text)}
                for a in self.arms
            ],
            "ratio": dict(self.ratio),
            "block_size": self.block_size,
            "strata": self.strata,
            "reference_arm": self.reference_arm,
            "primary_outcome": {
                "instrument": self.instrument,
                "subscale": self.subscale,
                "comparison": self.comparison,
            },
            "analysis": self.analysis,
        }


def _text(data: Mapping[str, Any], field: str, limit: int = 2000) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise StudyError(f"{field}: required text")
    if len(value) > limit:
        raise StudyError(f"{field}: at most {limit} characters")
    return value.strip()


def parse(text: str) -> StudyDefinition:
    """A study from its YAML definition. Raises StudyError naming the field and problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise StudyError(f"the definition is not valid YAML{line}") from None
    if not isinstance(data, Mapping):
        raise StudyError("the definition must be a mapping (slug, title, arms, ...)")
    slug = data.get("slug")
    if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{2,49}", slug):
        raise StudyError("slug: 3 to 50 lowercase letters, digits and hyphens")
    raw_arms = data.get("arms")
    if not isinstance(raw_arms, list) or not 2 <= len(raw_arms) <= 4:
        raise StudyError("arms: a list of 2 to 4 arms")
    arms = []
    for position, raw in enumerate(raw_arms, start=1):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            raise StudyError(f"arms: arm {position} needs an id")
        arm_id = raw["id"]
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,29}", arm_id):
            raise StudyError(f"arms: id {arm_id!r} must be lowercase letters, digits and _")
        if any(a.id == arm_id for a in arms):
            raise StudyError(f"arms: id {arm_id!r} is used twice")
        intervention = raw.get("intervention")
        if intervention not in INTERVENTIONS:
            raise StudyError(
                f"arms: {arm_id}: intervention must be one of {', '.join(INTERVENTIONS)} "
                "(arms never change access to support)"
            )
        texts: dict[str, str] = {}
        if intervention == "queue_message":
            raw_text = raw.get("text")
            if not isinstance(raw_text, Mapping):
                raise StudyError(f"arms: {arm_id}: text must give the message in each language")
            for language in LANGUAGES:
                value = raw_text.get(language)
                if not isinstance(value, str) or not value.strip():
                    raise StudyError(f"arms: {arm_id}: text has no {language!r} message")
                if len(value) > MAX_TEXT:
                    raise StudyError(f"arms: {arm_id}: text is longer than {MAX_TEXT} characters")
                texts[language] = value.strip()
        elif raw.get("text"):
            raise StudyError(f"arms: {arm_id}: only a queue_message arm has a text")
        arms.append(Arm(arm_id, intervention, texts))
    ids = [a.id for a in arms]
    raw_ratio = data.get("ratio") or dict.fromkeys(ids, 1)
    if not isinstance(raw_ratio, Mapping) or set(raw_ratio) != set(ids):
        raise StudyError("ratio: give every arm (and only the arms) a whole number")
    ratio = {}
    for arm_id in ids:
        value = raw_ratio[arm_id]
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise StudyError(f"ratio: {arm_id} must be a whole number from 1 to 5")
        ratio[arm_id] = value
    block_size = data.get("block_size")
    unit = sum(ratio.values())
    if (
        not isinstance(block_size, int)
        or isinstance(block_size, bool)
        or block_size < unit
        or block_size % unit
        or block_size > 24
    ):
        raise StudyError(
            f"block_size: a multiple of the ratio's total ({unit}), at most 24, so every "
            "block keeps the allocation ratio"
        )
    strata = data.get("strata", "language")
    if strata not in STRATA:
        raise StudyError(f"strata: one of {', '.join(STRATA)}")
    reference = data.get("reference_arm")
    if reference not in ids:
        raise StudyError("reference_arm: the id of one of the arms")
    outcome = data.get("primary_outcome")
    if not isinstance(outcome, Mapping):
        raise StudyError("primary_outcome: instrument, subscale and comparison")
    for field in ("instrument", "subscale", "comparison"):
        if not isinstance(outcome.get(field), str):
            raise StudyError(f"primary_outcome: {field} is required")
    if outcome["comparison"] not in COMPARISONS:
        raise StudyError(f"primary_outcome: comparison must be one of {', '.join(COMPARISONS)}")
    return StudyDefinition(
        slug=slug,
        title=_text(data, "title", 200),
        hypothesis=_text(data, "hypothesis"),
        arms=tuple(arms),
        ratio=ratio,
        block_size=block_size,
        strata=strata,
        reference_arm=reference,
        instrument=outcome["instrument"],
        subscale=outcome["subscale"],
        comparison=outcome["comparison"],
        analysis=_text(data, "analysis"),
    )


def from_data(data: Mapping[str, Any]) -> StudyDefinition:
    """A stored definition (``StudyDefinition.as_data``) back as a definition."""
    return parse(json.dumps(data))


def registration_document(definition: StudyDefinition, registered_on: str) -> str:
    """The frozen pre-registration: the definition, the date and how allocation works."""
    document = {
        "pre_registration": definition.as_data(),
        "registered_on": registered_on,
        "allocation": (
            "At consent, and only for people who consent. Permuted blocks of "
            f"{definition.block_size}, stratified by {definition.strata}, drawn with the "
            "operating system's random generator; the sequence is kept on the server and "
            "no arm is shown before consent."
        ),
        "estimand": (
            "Intention to treat: everyone analysed in the arm allocated, whatever they saw. "
            "ANCOVA of the later score on arm, adjusting for the baseline score; 95% CIs."
        ),
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, indent=2)


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()
