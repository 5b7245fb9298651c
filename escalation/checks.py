"""The risk check in the message pipeline: it flags, it never blocks.

A participant at risk must always be heard, so the verdict is ALLOW; the flag
carries the level, whose risk it is (``who``), the model's score, the signal
names (never text) and the language the message is written in to the
``message_stored`` receiver, which opens the
escalation in the same transaction (or raises the one already open). The
detector runs here once per message and nowhere else; conversation memory
(``escalation.risk_memory``) then reads the message together with the same
sender's last messages in the same room.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from chatplatform import pipeline
from escalation.risk import Assessment, Evidence
from escalation.risk_memory import ConversationMemory

RISK_SOURCE = "risk"
ESCALATING_LEVELS = frozenset({"high", "imminent"})
# Who may be escalated for: the writer, or someone they are worried about; never a quote.
ESCALATING_WHO = frozenset({"self", "other"})
_DETECTOR_SETTINGS = frozenset({"RISK_DETECTOR", "RISK_ALERT_THRESHOLD", "RISK_IMMINENT_THRESHOLD"})
_MEMORY_SETTINGS = frozenset(
    {"RISK_MEMORY_MESSAGES", "RISK_MEMORY_SECONDS", "RISK_MEMORY_CONVERSATIONS"}
)


@cache
def detector() -> Any:
    """The configured detector (settings.RISK_DETECTOR names a zero-argument factory),
    with the threshold settings applied when it has thresholds."""
    built = import_string(settings.RISK_DETECTOR)()
    with_thresholds = getattr(built, "with_thresholds", None)
    if callable(with_thresholds):
        built = with_thresholds(
            alert=settings.RISK_ALERT_THRESHOLD, imminent=settings.RISK_IMMINENT_THRESHOLD
        )
    return built


@cache
def memory() -> ConversationMemory | None:
    if settings.RISK_MEMORY_MESSAGES == 0:
        return None
    found = detector()
    return ConversationMemory(
        messages=settings.RISK_MEMORY_MESSAGES,
        seconds=settings.RISK_MEMORY_SECONDS,
        conversations=settings.RISK_MEMORY_CONVERSATIONS,
        model=getattr(found, "model", None),
        thresholds=getattr(found, "thresholds", None),
    )


@receiver(setting_changed)
def _forget_detector(setting: str, **kwargs: Any) -> None:
    if setting in _DETECTOR_SETTINGS:
        detector.cache_clear()
    if setting in _DETECTOR_SETTINGS | _MEMORY_SETTINGS:
        memory.cache_clear()


def _assess(draft: pipeline.Draft) -> tuple[Assessment, Evidence]:
    """A detector that gives memory its evidence does; any other still gets its signals kept."""
    found = detector()
    with_evidence = getattr(found, "assess_with_evidence", None)
    if callable(with_evidence):
        return with_evidence(draft.body, draft.language)
    plugged = found.assess(draft.body, draft.language)
    # A detector written before ``who`` and ``score`` existed: read it into an Assessment.
    who = getattr(plugged, "who", "other" if plugged.third_party else "self")
    assessment = Assessment(
        plugged.level, tuple(plugged.reasons), who=who, score=getattr(plugged, "score", None)
    )
    own = frozenset(assessment.reasons) if who == "self" else frozenset()
    return assessment, Evidence(own, None)


def written_language(draft: pipeline.Draft) -> str:
    """The language the flagged message is written in ("" when unclear): the crisis lines
    of a Spanish writer with nothing else to go on are chosen by asking their country.

    Asked only of flagged messages, so the detector reads the language once more there
    and nowhere else.
    """
    if draft.language:
        return draft.language
    likely_language = getattr(detector(), "likely_language", None)
    return str(likely_language(draft.body) or "") if callable(likely_language) else ""


def risk_check(draft: pipeline.Draft) -> pipeline.Verdict:
    if draft.sender_kind != "participant":
        return pipeline.Verdict()
    assessment, evidence = _assess(draft)
    remembered = memory()
    if remembered is not None:
        key = (draft.room_id, draft.sender_id)
        assessment = remembered.assess(key, assessment, evidence, time.monotonic())
    who = assessment.who
    if assessment.level not in ESCALATING_LEVELS or who not in ESCALATING_WHO:
        return pipeline.Verdict()
    score = assessment.score
    return pipeline.Verdict(
        flags=(
            pipeline.Flag(
                source=RISK_SOURCE,
                kind=assessment.level,
                data={
                    "reasons": list(assessment.reasons),
                    "third_party": who == "other",
                    "who": who,
                    "score": None if score is None else round(score, 3),
                    "language": written_language(draft),
                },
            ),
        )
    )
