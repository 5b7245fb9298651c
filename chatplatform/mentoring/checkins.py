"""Wellbeing check-ins: a short periodic self-check for mentors, marked not validated.

The mentor sees their own answers. Supervisors see only that a recent check-in suggests
a conversation; the evaluation report shows organisation-level counts under the k rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform.errors import ServiceError
from chatplatform.mentoring.models import WellbeingCheckin
from chatplatform.models import User

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "checkin.yaml"
FLAG_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class CheckinForm:
    version: int
    scale: tuple[dict[str, str], ...]
    items: tuple[dict[str, Any], ...]
    conversation_at: int

    def score(self, answers: dict[str, int]) -> tuple[int, bool]:
        """Total (reverse items turned round) and whether it suggests a conversation."""
        top = len(self.scale) - 1
        total = sum(
            top - answers[i["id"]] if i.get("reverse") else answers[i["id"]] for i in self.items
        )
        prompted = any(i.get("prompt") and answers[i["id"]] >= 3 for i in self.items)
        return total, total >= self.conversation_at or prompted


@cache
def _load(path: str) -> CheckinForm:
    data = yaml.safe_load((Path(path) if path else SHIPPED_FILE).read_text(encoding="utf-8"))
    return CheckinForm(
        version=int(data["version"]),
        scale=tuple(data["scale"]),
        items=tuple(data["items"]),
        conversation_at=int(data["conversation_at"]),
    )


def form() -> CheckinForm:
    return _load(settings.MENTOR_CHECKIN_FILE)


def is_due(user: User, today: date) -> bool:
    last = WellbeingCheckin.objects.filter(mentor=user).order_by("-answered_on").first()
    return last is None or today - last.answered_on >= timedelta(days=settings.MENTOR_CHECKIN_DAYS)


def do_check_in(user: User, raw: Any, today: date | None = None) -> WellbeingCheckin:
    """Store a check-in. Every item must be answered on the scale."""
    current = form()
    answers: dict[str, int] = {}
    for item in current.items:
        value = (raw.get(item["id"]) or "").strip()
        if not value.isdigit() or int(value) >= len(current.scale):
            raise ServiceError("invalid", _("Answer every question, or come back later."))
        answers[item["id"]] = int(value)
    total, suggests = current.score(answers)
    return WellbeingCheckin.objects.create(
        mentor=user,
        answered_on=today or timezone.localdate(),
        version=current.version,
        answers=answers,
        score=total,
        suggests_conversation=suggests,
    )


def flagged_mentors(mentor_ids: list[int], today: date) -> set[int]:
    """Mentors whose latest check-in of the last 30 days suggests a conversation."""
    latest: dict[int, bool] = {}
    rows = WellbeingCheckin.objects.filter(
        mentor_id__in=mentor_ids, answered_on__gte=today - FLAG_WINDOW
    ).order_by("answered_on", "pk")
    for mentor_id, suggests in rows.values_list("mentor_id", "suggests_conversation"):
        latest[mentor_id] = suggests
    return {m for m, suggests in latest.items() if suggests}
