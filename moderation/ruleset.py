"""The compiled rule set each node uses, rebuilt when the rules change.

Compiling on every message would cost more than matching, so each process keeps
one compiled RuleSet. Saving a rule rebuilds it at once in that process; other
processes (other nodes) pick the change up within REFRESH_SECONDS.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from chatplatform.models import CrisisResource
from moderation.models import Rule
from moderation.rules import CONTACT, RuleSet

REFRESH_SECONDS = 10.0

_lock = threading.Lock()
_current: tuple[float, RuleSet] | None = None


def crisis_numbers() -> tuple[str, ...]:
    """Crisis lines are never masked: a participant passing one on may save a life."""
    numbers = CrisisResource.objects.filter(is_active=True).values_list("phone", "text_number")
    return tuple(sorted({n for pair in numbers for n in pair if n}))


def build() -> RuleSet:
    allowed_numbers = crisis_numbers()
    return RuleSet(
        (
            rule.spec(extra_allow=allowed_numbers if rule.match == CONTACT else ())
            for rule in Rule.objects.filter(is_active=True)
        ),
        phone_regions=settings.MODERATION_PHONE_REGIONS,
    )


def current() -> RuleSet:
    global _current
    cached = _current
    if cached is not None and time.monotonic() - cached[0] < REFRESH_SECONDS:
        return cached[1]
    with _lock:
        ruleset = build()
        _current = (time.monotonic(), ruleset)
    return ruleset


def invalidate(**kwargs: object) -> None:
    global _current
    _current = None
