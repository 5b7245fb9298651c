"""The mentor records the Columbia Protocol screener: the answers raise the case by its rules.

The answers (yes/no, no text) are kept as structured metadata of the case
(``Screening``). A result of high or imminent opens the escalation, or raises
the one already open (never lowers it); a lower result is kept with the open
case, if any. Evaluators read counts by level only (``counts``). "Delete my
data" erases the answers and keeps the level (``forget_participant``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from chatplatform import audit
from chatplatform.errors import ServiceError
from chatplatform.models import Participant
from chatplatform.services.access import RoomAccess
from escalation import access, cssrs, opening, queries
from escalation.models import Escalation, Screening

SCREENER_REASON = "screener"
RAISING_LEVELS = (Escalation.Level.HIGH, Escalation.Level.IMMINENT)


def next_step(level: str) -> str:
    """What the mentor does now, after the protocol."""
    return {
        "imminent": _(
            "Imminent risk. A supervisor has been paged. Stay with them in the chat, share the "
            "emergency number and the crisis lines, and do not end the chat."
        ),
        "high": _(
            "High risk. A supervisor has been asked to help. Make a safety plan together and "
            "share the crisis lines."
        ),
        "low": _(
            "Lower risk. Keep listening, share the crisis lines, and offer to make a safety plan "
            "together. Ask again if things change."
        ),
        "none": _("No risk reported. Keep listening, and ask again if things change."),
    }[level]


def do_record_screening(room_access: RoomAccess, answers: dict[str, Any]) -> dict[str, Any]:
    """Store the screener's answers and act on the level they point to. Returns the reply frame.

    Preconditions: none; permission (the chat's mentor or a supervisor in it) and the
    skip rules are checked here.
    """
    access.check_can_escalate(room_access)
    try:
        result = cssrs.triage(answers)
    except cssrs.Invalid as invalid:
        raise ServiceError("invalid", _(str(invalid))) from None
    participant = opening.room_participant(room_access)
    with transaction.atomic():
        if result.level in RAISING_LEVELS:
            escalation = opening.do_open_escalation(
                source=Escalation.Source.MENTOR,
                level=result.level,
                reasons=[SCREENER_REASON],
                room_id=room_access.room_id,
                participant=participant,
                raised_by=room_access.actor,
                show_participant_support=True,
            ).escalation
        else:
            escalation = queries.active_escalations().filter(room_id=room_access.room_id).first()
        screening = Screening.objects.create(
            room_id=room_access.room_id,
            escalation=escalation,
            participant=participant,
            asked_by_id=room_access.actor.id,
            answers=result.answers,
            level=result.level,
        )
        audit.record(
            audit.staff_label(room_access.actor.id),
            "escalation.screened",
            target=f"screening:{screening.pk}",
            room_id=room_access.room_id,
            data={"level": result.level},
        )
    return {
        "type": "screener.recorded",
        "room": room_access.room_id,
        "level": result.level,
        "escalation": escalation.pk if escalation is not None else None,
        "next": next_step(result.level),
    }


def counts(since: datetime | None = None, until: datetime | None = None) -> dict[str, int]:
    """Screenings by level, for evaluators: counts, never answers or people."""
    screenings = Screening.objects.all()
    if since is not None:
        screenings = screenings.filter(created_at__gte=since)
    if until is not None:
        screenings = screenings.filter(created_at__lt=until)
    found = dict(screenings.values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    return {level: found.get(level, 0) for level in cssrs.LEVELS}


def forget_participant(participant: Participant, **kwargs: Any) -> None:
    """``participant_erased``: "Delete my data" erases their screener answers at once.

    The answers are what they told us about their own suicidal thoughts and acts; the
    case keeps what the organisation needs to account for its response: the level the
    screener gave, when, by whom, with the escalation's own level and outcome. Like the
    safety plan, and unlike chat content, this does not wait for a case's hold to end:
    those answering an open case have the chat (kept while on hold) and the level.
    """
    Screening.objects.filter(participant=participant).update(answers={}, participant=None)
