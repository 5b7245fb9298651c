"""``{% escalation_room_tools %}``: the escalation controls of a chat room page.

Participants get the always-visible urgent-help button and the (hidden) crisis
panel; staff who can act in the room get the Escalate form, the protocol
checklist, the live status, the crisis lines the participant is shown (so that
they read out the same numbers), and in 1:1 chats the screener. Both get the
safety plan in 1:1 chats.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from chatplatform.models import Room
from chatplatform.services import crisis
from escalation import cssrs
from escalation.opening import MENTOR_REASONS, room_participant

register = template.Library()


@register.inclusion_tag("escalation/_room_tools.html", takes_context=True)
def escalation_room_tools(context: template.Context) -> dict[str, Any]:
    actor = context["actor"]
    access = context["access"]
    can_escalate = actor.is_staff and access.can_moderate and access.is_open
    return {
        "is_staff": actor.is_staff,
        "is_direct": access.kind == Room.Kind.DIRECT and access.is_open,
        "can_escalate": can_escalate,
        "screener_questions": screener_questions() if can_escalate else [],
        "reasons": list(MENTOR_REASONS.items()),
        "participant_lines": participant_lines(access) if can_escalate else None,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


def screener_questions() -> list[dict[str, str | None]]:
    return [
        {
            "code": question.code,
            "number": question.number,
            "text": translation.gettext(question.text),
            "asked_when": question.asked_when,
        }
        for question in cssrs.QUESTIONS
    ]


def participant_lines(access: Any) -> dict[str, Any] | None:
    """The participant's region and lines, as staff see them (in the staff member's language)."""
    participant = room_participant(access)
    return crisis.staff_view(participant) if participant is not None else None
