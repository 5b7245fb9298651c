"""Practice pages: start a practice chat; a supervisor reviews it and may sign a module off."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring import practice, supervision
from chatplatform.mentoring.decorators import staff_view


@require_POST
@staff_view
def start(request: HttpRequest, actor: Actor) -> HttpResponse:
    room = practice.do_start_practice(
        actor, request.POST.get("scenario", ""), (get_language() or "en")[:2]
    )
    return redirect("room", room_id=room.pk)


@require_POST
@staff_view
def review(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    scope = supervision.check_supervisor(actor)
    session = practice.check_practice(scope, session_id)
    try:
        practice.do_review_practice(scope, actor, session, request.POST.get("module", ""))
    except ServiceError as error:
        if error.code == "not_found":
            raise
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Practice chat reviewed."))
    return redirect("programme")
