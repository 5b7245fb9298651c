"""Survey offers placed on the core's participant pages with one template tag each."""

from __future__ import annotations

from typing import Any

from django import template

from chatplatform.services.participants import participant_for_session
from evaluation import surveys

register = template.Library()


def _participant(context: template.Context) -> Any:
    request = context.get("request")
    if request is None or request.user.is_authenticated:
        return None
    return participant_for_session(request.session)


@register.inclusion_tag("evaluation/_offer.html", takes_context=True)
def survey_offer_on_return(context: template.Context) -> dict[str, Any]:
    """Landing page: the follow-up for a participant back after the interval."""
    participant = _participant(context)
    return {
        "offer": surveys.offer_on_return(participant),
        "show_choices": participant is not None and surveys.identity_for(participant) is not None,
    }


@register.inclusion_tag("evaluation/_offer.html", takes_context=True)
def survey_offer_after_chat(context: template.Context, room_id: int) -> dict[str, Any]:
    """Chat-ended page: the "after" survey for this chat."""
    return {
        "offer": surveys.offer_after_chat(_participant(context), room_id),
        "show_choices": False,
    }
