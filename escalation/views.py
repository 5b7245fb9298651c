"""The supervisor console page and the participant's urgent-help endpoint.

Each view parses, checks permission, calls one service function and renders.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from chatplatform import roles
from chatplatform.errors import ServiceError
from chatplatform.services.access import SUPERVISING_ROLES
from chatplatform.services.crisis import REGION_SESSION_KEY
from chatplatform.services.participants import do_get_or_create_participant
from chatplatform.throttle import client_network_key
from escalation import services
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


@require_POST
def urgent_help(request: HttpRequest) -> HttpResponse:
    """The urgent-help button outside a chat. Safe to repeat: it never opens a second case."""
    if request.user.is_authenticated:
        return redirect("staff-console")
    try:
        participant = do_get_or_create_participant(
            request.session, client_network_key(request.META)
        )
    except ServiceError as error:
        # Too many new identities from this network: no page goes out, the lines still show.
        return render(request, "frontend/unavailable.html", {"detail": error.detail}, status=429)
    escalation, support = services.do_request_urgent_help(
        participant, region=request.session.get(REGION_SESSION_KEY)
    )
    return render(
        request,
        "escalation/urgent.html",
        {"support": support, "room_id": escalation.room_id},
    )
