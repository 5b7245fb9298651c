"""``{% escalation_room_tools %}``: the escalation controls of a chat room page.

Participants get the always-visible urgent-help button and the (hidden) crisis
panel; staff who can act in the room get the Escalate form, the protocol
checklist and the live status.
"""

from __future__ import annotations

from typing import Any

from django import template

from escalation.services import MENTOR_REASONS

register = template.Library()


@register.inclusion_tag("escalation/_room_tools.html", takes_context=True)
def escalation_room_tools(context: template.Context) -> dict[str, Any]:
    actor = context["actor"]
    access = context["access"]
    return {
        "is_staff": actor.is_staff,
        "can_escalate": actor.is_staff and access.can_moderate and access.is_open,
        "reasons": list(MENTOR_REASONS.items()),
        "csrf_token": context.get("csrf_token"),
    }
