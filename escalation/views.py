"""The supervisor console page and the participant's urgent-help page.

Each view parses, checks permission, calls one service function and renders.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from chatplatform import roles
from chatplatform.errors import ServiceError
from chatplatform.models import Participant
from chatplatform.services import crisis
from chatplatform.services.access import SUPERVISING_ROLES
from chatplatform.services.participants import (
    do_get_or_create_participant,
    participant_for_session,
)
from chatplatform.throttle import client_network_key
from escalation import opening, queries, support
from escalation.lifecycle import OUTCOMES
from escalation.models import Escalation


@login_required
@require_GET
def supervisor_console(request: HttpRequest) -> HttpResponse:
    if roles.role_of(request.user) not in SUPERVISING_ROLES:
        raise PermissionDenied
    return render(
        request,
        "escalation/supervisor.html",
        {"outcomes": [(o, Escalation.Outcome(o).label) for o in OUTCOMES]},
    )


@require_http_methods(["GET", "POST"])
def urgent_help(request: HttpRequest) -> HttpResponse:
    """POST asks for help, then redirects here: reload, Back or a restored tab is a GET.

    GET never opens a case; it shows the one the participant asked for (lines,
    queue place or a way back to their chat), or the lines and the button.
    """
    if request.user.is_authenticated:
        return redirect("staff-console")
    if request.method == "POST":
        try:
            participant = do_get_or_create_participant(
                request.session, client_network_key(request.META)
            )
        except ServiceError as error:
            # Too many new identities from this network: no page goes out, the lines still show.
            return render(
                request, "frontend/unavailable.html", {"detail": error.detail}, status=429
            )
        crisis.do_note_locale(participant, request)
        opening.do_request_urgent_help(participant)
        return redirect("urgent-help")
    return render(request, "escalation/urgent.html", _urgent_page(request))


def _urgent_page(request: HttpRequest) -> dict[str, object]:
    participant: Participant | None = participant_for_session(request.session)
    escalation = queries.active_for_participant(participant.pk) if participant else None
    asked = escalation is not None and opening.PARTICIPANT_REQUEST in escalation.reasons
    if escalation is None or not asked:
        return {"support": None, "asked": False}
    room = escalation.room
    return {
        "asked": True,
        "support": support.crisis_support(
            crisis.choice_for_request(request),
            source=Escalation.Source.PARTICIPANT,
            level=escalation.level,
            in_chat=room is not None,
        ),
        "room_id": room.pk if room is not None and room.is_open else None,
        "waiting": room is None,
    }
