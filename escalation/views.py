"""The supervisor console page and the participant's urgent-help page.

Each view parses, checks permission, calls one service function and renders.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from chatplatform import roles
from chatplatform.errors import ServiceError
from chatplatform.models import Participant
from chatplatform.services import crisis
from chatplatform.services import queue as queue_service
from chatplatform.services.access import SUPERVISING_ROLES
from chatplatform.services.participants import (
    do_get_or_create_participant,
    participant_for_session,
)
from chatplatform.throttle import client_network_key
from escalation import oncall, opening, queries, safety_plan, support
from escalation.lifecycle import OUTCOMES
from escalation.models import Escalation, Tier


def _check_supervising(request: HttpRequest) -> None:
    if roles.role_of(request.user) not in SUPERVISING_ROLES:
        raise PermissionDenied


def _rota_context() -> dict[str, object]:
    rota = oncall.status()
    return {
        "rota_current": [(tier, Tier(tier).label, people) for tier, people in rota.current.items()],
        "rota_upcoming": rota.upcoming,
        "rota_warning": oncall.gap_warning(rota.now),
        "time_zone": settings.TIME_ZONE,
    }


@login_required
@require_safe
def supervisor_console(request: HttpRequest) -> HttpResponse:
    _check_supervising(request)
    return render(
        request,
        "escalation/supervisor.html",
        {"outcomes": [(o, Escalation.Outcome(o).label) for o in OUTCOMES], **_rota_context()},
    )


@login_required
@require_safe
def oncall_rota(request: HttpRequest) -> HttpResponse:
    """Who is on call now and next, and the first hole in the primary rota ahead."""
    _check_supervising(request)
    return render(request, "escalation/oncall.html", _rota_context())


@require_http_methods(["GET", "HEAD", "POST"])
def urgent_help(request: HttpRequest) -> HttpResponse:
    """POST asks for help, then redirects here: reload, Back or a restored tab is a GET.

    GET never opens a case; it shows the one the participant asked for (lines,
    queue place or a way back to their chat), or the lines and the button.
    """
    if request.user.is_authenticated:
        return redirect("staff-console")
    if request.method == "POST":
        participant = opening.do_get_urgent_identity(
            request.session, client_network_key(request.META)
        )
        if participant is None:
            # Past the network's urgent-help bound too: counted in an alert every
            # supervisor console shows; the lines still show.
            return _unreached(
                request,
                _(
                    "Many people on your network have asked for help in the last hour. "
                    "The supervisors on duty can see that you asked, but we can't open a "
                    "chat for you from this network right now."
                ),
            )
        crisis.do_note_locale(participant, request)
        try:
            opening.do_request_urgent_help(participant)
        except ServiceError as error:
            if error.code != "unreached":
                raise
            return _unreached(request, error.detail)
        return redirect("urgent-help")
    return render(request, "escalation/urgent.html", _urgent_page(request))


def _unreached(request: HttpRequest, detail: str) -> HttpResponse:
    """A press a defence kept from opening a case: honest words, the lines, the number."""
    words = _no_chat_support(request, support.URGENT_HELP_UNREACHED)
    words["paragraphs"].insert(1, detail)
    return render(request, "escalation/urgent.html", {"asked": True, "support": words}, status=429)


def _no_chat_support(request: HttpRequest, kind: str) -> dict[str, Any]:
    """The crisis words for an urgent-help press that has no chat to go to (``kind``)."""
    return support.crisis_support(
        crisis.choice_for_request(request),
        source=Escalation.Source.PARTICIPANT,
        level=Escalation.Level.IMMINENT,
        in_chat=False,
        kind=kind,
    )


def _urgent_page(request: HttpRequest) -> dict[str, object]:
    participant: Participant | None = participant_for_session(request.session)
    escalation = queries.active_for_participant(participant.pk) if participant else None
    asked = escalation is not None and opening.PARTICIPANT_REQUEST in escalation.reasons
    if participant is not None and escalation is None:
        closed = queries.closed_without_chat(participant.pk)
        if closed is not None:
            page = _closed_page(request, participant, banned=bool(closed.sanction_kind))
            if page is not None:
                return page
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
            kind=support.URGENT_HELP_BANNED if escalation.sanction_kind and room is None else "",
        ),
        "room_id": room.pk if room is not None and room.is_open else None,
        "waiting": room is None and not escalation.sanction_kind,
        # A banned participant waits for a supervisor, not in the queue (no queue socket).
        "supervisor_coming": room is None and bool(escalation.sanction_kind),
    }


def _closed_page(
    request: HttpRequest, participant: Participant, *, banned: bool
) -> dict[str, object] | None:
    """Their urgent-help case was resolved without a chat: say so, the lines again (the
    emergency number first), and the button to ask again.

    A person still in the queue (resolving leaves them there) also sees their place and
    that a peer mentor still comes, live on the queue's socket. ``None`` once they are in
    a 1:1 chat: that chat, not the closed request, is where they are now.
    """
    status = None if banned else queue_service.queue_status(participant)
    if status is not None and status.state == "matched":
        return None
    words = _no_chat_support(request, support.URGENT_HELP_CLOSED)
    emergency = crisis.emergency_sentence(words["regions"], direct=True)
    page: dict[str, object] = {
        "asked": True,
        "support": words,
        "closed_status": f"{support.closed_without_chat()} {emergency}",
        "closed_heading": (
            _("Your chat with a supervisor") if banned else _("Your request for urgent help")
        ),
    }
    if status is not None and status.state == "waiting":
        page["waiting"] = True
        page["queue_place"] = support.queue_place(status.position)
        page["still_queued"] = support.still_queued()
    return page


# --- The participant's safety plan ----------------------------------------------------------


def _plan_owner(request: HttpRequest) -> Participant | None:
    return participant_for_session(request.session)


def _plan_page(
    request: HttpRequest, participant: Participant | None, **extra: object
) -> HttpResponse:
    plan = safety_plan.plan_of(participant) if participant is not None else None
    if plan is not None:
        safety_plan.do_keep_alive(plan)
    context = {
        "plan": safety_plan.view(participant, plan) if participant is not None else None,
        "has_plan": plan is not None,
        "code_hours": settings.SAFETY_PLAN_CODE_HOURS,
        **extra,
    }
    return render(request, "escalation/safety_plan.html", context, status=extra.get("status", 200))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def my_safety_plan(request: HttpRequest) -> HttpResponse:
    """View and edit one's own plan (it is first made with a mentor in a chat)."""
    if request.user.is_authenticated:
        return redirect("staff-console")
    participant = _plan_owner(request)
    if request.method != "POST" or participant is None:
        return _plan_page(request, participant)
    sections = {code: request.POST.get(code, "") for code in safety_plan.SECTION_CODES}
    try:
        revision = int(request.POST.get("revision", ""))
        safety_plan.do_save(participant, None, sections, revision)
    except ValueError:
        return _plan_page(
            request, participant, error=_("Reload the page and try again."), status=400
        )
    except ServiceError as error:
        return _plan_page(
            request,
            participant,
            error=error.detail,
            status=409 if error.code == "conflict" else 400,
        )
    return redirect(reverse("my-safety-plan") + "?saved=1")


@never_cache
@require_safe
def safety_plan_download(request: HttpRequest) -> HttpResponse:
    participant = _plan_owner(request)
    if participant is None or request.user.is_authenticated:
        raise Http404
    try:
        text = safety_plan.as_text(participant)
    except ServiceError:
        raise Http404 from None
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="safety-plan.txt"'
    return response


@never_cache
@require_safe
def safety_plan_print(request: HttpRequest) -> HttpResponse:
    participant = _plan_owner(request)
    plan = safety_plan.plan_of(participant) if participant is not None else None
    if plan is None or request.user.is_authenticated:
        raise Http404
    return render(
        request, "escalation/safety_plan_print.html", {"plan": safety_plan.view(participant, plan)}
    )


@never_cache
@require_POST
def safety_plan_code(request: HttpRequest) -> HttpResponse:
    """A one-time code to bring the plan to another device, shown once."""
    participant = _plan_owner(request)
    if participant is None:
        return redirect("my-safety-plan")
    try:
        code, expires = safety_plan.do_create_code(participant)
    except ServiceError as error:
        return _plan_page(request, participant, error=error.detail, status=404)
    return render(request, "escalation/safety_plan_code.html", {"code": code, "expires": expires})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def safety_plan_retrieve(request: HttpRequest) -> HttpResponse:
    """Bring a plan to this device with its one-time code."""
    if request.user.is_authenticated:
        return redirect("staff-console")
    if request.method != "POST":
        return render(request, "escalation/safety_plan_retrieve.html")
    try:
        participant = do_get_or_create_participant(
            request.session, client_network_key(request.META)
        )
        crisis.do_note_locale(participant, request)
        safety_plan.do_redeem_code(
            participant, request.POST.get("code", "")[:40], client_network_key(request.META)
        )
    except ServiceError as error:
        status = 429 if error.code == "rate_limited" else 400
        return render(
            request, "escalation/safety_plan_retrieve.html", {"error": error.detail}, status=status
        )
    return redirect("my-safety-plan")


@require_POST
def safety_plan_delete(request: HttpRequest) -> HttpResponse:
    participant = _plan_owner(request)
    if participant is not None:
        safety_plan.do_delete(participant)
    return redirect("my-safety-plan")
