"""What a randomised study's arm changes, placed on the core's participant pages.

Nothing here is shown before consent: an arm exists only once a consenting participant
has been allocated (evaluation.studies). Showing it records the exposure (CONSORT's
"received the allocated intervention").
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import get_language

from chatplatform.services.participants import participant_for_session
from evaluation import studies, surveys

register = template.Library()


def _assignment(context: template.Context, intervention: str) -> studies.Assignment | None:
    request = context.get("request")
    if request is None or request.user.is_authenticated:
        return None
    participant = participant_for_session(request.session)
    if participant is None:
        return None
    assignment = studies.assignment_for(surveys.identity_for(participant), intervention)
    if assignment is not None:
        studies.do_mark_exposed(assignment.allocation)
    return assignment


@register.inclusion_tag("evaluation/_study_queue_message.html", takes_context=True)
def study_queue_message(context: template.Context) -> dict[str, Any]:
    """While waiting: the message of the participant's arm, if their arm has one."""
    assignment = _assignment(context, "queue_message")
    if assignment is None:
        return {"text": ""}
    language = get_language() or "en"
    text = assignment.arm.text.get(language) or assignment.arm.text.get("en", "")
    return {"text": text}


@register.inclusion_tag("evaluation/_study_reminder.html", takes_context=True)
def study_followup_reminder(context: template.Context) -> dict[str, Any]:
    """After a chat: a reminder of the follow-up, for an arm that has one."""
    return {
        "show": _assignment(context, "followup_reminder") is not None,
        "days": settings.EVALUATION_FOLLOWUP_DAYS,
    }
