"""The risk check in the message pipeline: it flags, it never blocks.

A participant at risk must always be heard, so the verdict is ALLOW; the flag
carries the level and signal names (never text) to the ``message_stored``
receiver, which opens the escalation in the same transaction. The detector
runs here once per message and nowhere else.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from chatplatform import pipeline

RISK_SOURCE = "risk"
ESCALATING_LEVELS = frozenset({"high", "imminent"})


@cache
def detector() -> Any:
    """The configured detector (settings.RISK_DETECTOR names a zero-argument factory)."""
    return import_string(settings.RISK_DETECTOR)()


@receiver(setting_changed)
def _forget_detector(setting: str, **kwargs: Any) -> None:
    if setting == "RISK_DETECTOR":
        detector.cache_clear()


def risk_check(draft: pipeline.Draft) -> pipeline.Verdict:
    if draft.sender_kind != "participant":
        return pipeline.Verdict()
    assessment = detector().assess(draft.body, draft.language)
    if assessment.level not in ESCALATING_LEVELS:
        return pipeline.Verdict()
    return pipeline.Verdict(
        flags=(
            pipeline.Flag(
                source=RISK_SOURCE,
                kind=assessment.level,
                data={
                    "reasons": list(assessment.reasons),
                    "third_party": bool(assessment.third_party),
                },
            ),
        )
    )
