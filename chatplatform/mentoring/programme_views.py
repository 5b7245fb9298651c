"""The supervisor's programme page and its actions. Each view parses, checks permission,
calls one service function and renders or redirects."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring import debriefs, fidelity, overview, practice, supervision
from chatplatform.mentoring.decorators import staff_view
from chatplatform.mentoring.models import SupervisionSession, SupervisionTopic


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _session_input(form: dict) -> supervision.SessionInput:
    try:
        held_on = date.fromisoformat(form.get("held_on") or "")
    except ValueError:
        raise ServiceError("invalid", _("Give the date of the session.")) from None
    return supervision.SessionInput(
        mentor_ids=tuple(n for n in (_int(v) for v in form.getlist("mentors")) if n),
        held_on=held_on,
        minutes=_int(form.get("minutes")) or 0,
        format=form.get("format", ""),
        topics=tuple(form.getlist("topics")),
        follow_up=form.get("follow_up", ""),
    )


@require_safe
@staff_view
def programme(request: HttpRequest, actor: Actor) -> HttpResponse:
    scope = supervision.check_supervisor(actor)
    now = timezone.now()
    return render(
        request,
        "mentoring/programme.html",
        {
            "rows": overview.mentor_rows(scope, now),
            "debriefs": overview.open_debriefs(scope, now),
            "sessions": overview.recent_sessions(scope),
            "reviews": fidelity.reviews_due(scope),
            "shadow": overview.chats_to_shadow(scope),
            "practices": [
                {"session": p, "signoff": practice.signoff_modules(p)}
                for p in practice.practices_to_review(scope)
            ],
            "agreement": overview.agreement(),
            "topics": SupervisionTopic.choices,
            "formats": SupervisionSession.Format.choices,
            "today": timezone.localdate(now),
        },
    )


@require_POST
@staff_view
def complete_debrief(request: HttpRequest, actor: Actor, debrief_id: int) -> HttpResponse:
    scope = supervision.check_supervisor(actor)
    try:
        debriefs.do_complete_debrief(actor, scope.debrief(debrief_id))
    except ServiceError as error:
        if error.code == "not_found":
            raise
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Debrief marked as held."))
    return redirect("programme")


@require_POST
@staff_view
def log_session(request: HttpRequest, actor: Actor) -> HttpResponse:
    scope = supervision.check_supervisor(actor)
    try:
        supervision.do_log_session(scope, _session_input(request.POST))
    except ServiceError as error:
        if error.code == "not_found":
            raise
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Supervision session recorded."))
    return redirect("programme")


@require_POST
@staff_view
def assign_mentor(request: HttpRequest, actor: Actor, mentor_id: int) -> HttpResponse:
    scope = supervision.check_supervisor(actor)
    supervision.do_assign_supervisor(scope, scope.mentor(mentor_id))
    messages.success(request, _("You now supervise this mentor."))
    return redirect("programme")
