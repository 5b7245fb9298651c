"""Participant pages and the mentor console. Each view parses, checks permission,
calls one service function and renders."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from chatplatform import roles
from chatplatform.actors import participant_actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring import fidelity
from chatplatform.models import Participant, Room
from chatplatform.services import access as access_service
from chatplatform.services import crisis, participant_data
from chatplatform.services import queue as queue_service
from chatplatform.services import rooms as room_service
from chatplatform.services.participants import (
    do_change_handle,
    do_get_or_create_participant,
    participant_for_session,
)
from chatplatform.services.rooms import group_rooms_for_participants
from chatplatform.throttle import client_network_key
from evaluation import surveys
from evaluation import views as survey_views


def _identity(request: HttpRequest) -> Participant:
    """The visitor's anonymous identity, created (rate-limited per network) on first need.

    Crisis panels sent over websockets read the region of its browser's languages from it.
    """
    participant = do_get_or_create_participant(request.session, client_network_key(request.META))
    crisis.do_note_locale(participant, request)
    return participant


def _too_many(request: HttpRequest, error: ServiceError) -> HttpResponse:
    """The identity rate limit's refusal, as a page with the crisis lines."""
    response = render(request, "frontend/unavailable.html", {"detail": error.detail}, status=429)
    response["Retry-After"] = str(error.extra.get("retry_after", 3600))
    return response


def _back(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.headers.get("referer") or fallback
    if url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    # The session cookie is set here; the participant identity only when first needed.
    request.session.setdefault("visited", True)
    participant = participant_for_session(request.session)
    active_room = queue_service.active_direct_room(participant) if participant else None
    return render(
        request,
        "frontend/landing.html",
        {
            "participant": participant,
            "rooms": group_rooms_for_participants(),
            "active_room": active_room,
            "mentors_available": queue_service.available_mentor_count(),
        },
    )


@require_safe
def crisis_page(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/crisis.html")


@require_POST
def set_region(request: HttpRequest) -> HttpResponse:
    crisis.do_choose_region(
        request, participant_for_session(request.session), request.POST.get("region", "")
    )
    return redirect(_back(request))


@require_POST
def new_handle(request: HttpRequest) -> HttpResponse:
    # Handles are participants' names in chats: staff never get an anonymous identity.
    if request.user.is_authenticated:
        return redirect("staff-console")
    try:
        do_change_handle(_identity(request))
    except ServiceError as error:
        return _too_many(request, error)
    return redirect(_back(request))


@require_POST
def request_chat(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("staff-console")
    try:
        participant = _identity(request)
    except ServiceError as error:
        return _too_many(request, error)
    try:
        queue_service.check_may_queue(participant)
        # An optional survey may come first; skipping it, or sending it, goes straight on.
        offer = surveys.do_route_before_chat(
            participant,
            request.POST.get("survey"),
            request.POST,
            get_language() or "en",
        )
        if offer is not None:
            return redirect(offer.url)
        result = queue_service.do_request_chat(participant)
    except surveys.AnswerError as error:
        page = surveys.check_can_answer(participant, "pre", None)
        return survey_views.survey_response(request, page, error=error.detail, status=400)
    except ServiceError as error:
        return render(request, "frontend/unavailable.html", {"detail": error.detail}, status=403)
    if isinstance(result, Room):
        return redirect("room", room_id=result.pk)
    return redirect("queue")


@require_safe
def queue_page(request: HttpRequest) -> HttpResponse:
    participant = participant_for_session(request.session)
    if participant is None:
        return redirect("landing")
    return render(request, "frontend/queue.html", {"participant": participant})


@require_POST
def leave_queue(request: HttpRequest) -> HttpResponse:
    participant = participant_for_session(request.session)
    if participant is not None:
        queue_service.do_leave_queue(participant)
    return redirect("landing")


@require_safe
def room_page(request: HttpRequest, room_id: int) -> HttpResponse:
    if request.user.is_authenticated:
        actor = access_service.resolve_actor(request.user, request.session)
        if actor is None:
            raise PermissionDenied
    else:
        try:
            if participant_for_session(request.session) is None:
                access_service.check_open_to_newcomers(room_id)
        except ServiceError as error:
            if error.code == "not_found":
                raise Http404 from None
            raise PermissionDenied(error.detail) from None
        try:
            actor = participant_actor(_identity(request))
        except ServiceError as error:
            return _too_many(request, error)
    try:
        room_access = access_service.check_room_access(actor, room_id)
    except ServiceError as error:
        if error.code == "not_found":
            raise Http404 from None
        raise PermissionDenied(error.detail) from None
    return render(
        request,
        "frontend/room.html",
        {
            "access": room_access,
            "actor": actor,
            # Staff reading a room they are not in give a reason (?reason=shadowing); the
            # socket carries it on to the audit entry of the read.
            "ws_path": f"/ws/rooms/{room_id}/"
            + (
                "?" + urlencode({"reason": request.GET["reason"][:200]})
                if actor.is_staff and request.GET.get("reason")
                else ""
            ),
            "ended_url": reverse("chat-ended", args=[room_id]),
            # The chat's mentor is asked, when it ends, to rate it and to look after themselves.
            "after_chat": (
                {
                    "checklist": reverse("fidelity-rate", args=[room_id]),
                    "programme": reverse("my-programme"),
                }
                if actor.is_staff
                and room_access.kind == Room.Kind.DIRECT
                and fidelity.mentored(actor, room_id)
                else None
            ),
            "max_length": settings.MESSAGE_MAX_LENGTH,
            # You count as in a group room from the moment you open it.
            "people_here": (
                room_service.people_in(room_id) + (0 if room_access.is_member else 1)
                if room_access.kind == Room.Kind.GROUP
                else None
            ),
            "transfer_targets": (
                [m for m in queue_service.mentor_loads() if m["id"] != actor.id]
                if actor.is_staff and room_access.kind == Room.Kind.DIRECT
                else []
            ),
        },
    )


@require_POST
def leave_room(request: HttpRequest, room_id: int) -> HttpResponse:
    participant = participant_for_session(request.session)
    if participant is None:
        return redirect("landing")
    try:
        room_service.do_leave_room(
            access_service.check_room_access(participant_actor(participant), room_id)
        )
    except ServiceError as error:
        if error.code == "not_found":
            raise Http404 from None
        raise PermissionDenied(error.detail) from None
    return redirect("landing")


@require_safe
def chat_ended(request: HttpRequest, room_id: int) -> HttpResponse:
    return render(request, "frontend/ended.html", {"room_id": room_id})


@login_required
@require_safe
def staff_console(request: HttpRequest) -> HttpResponse:
    role = roles.role_of(request.user)
    if role not in queue_service.MENTORING_ROLES:
        raise PermissionDenied
    return render(request, "frontend/console.html", {"role": role})


def _privacy_page(request: HttpRequest, status: int = 200, **extra: object) -> HttpResponse:
    return render(
        request,
        "frontend/privacy.html",
        {
            "participant": participant_for_session(request.session),
            "retention_days": settings.MESSAGE_RETENTION_DAYS,
            "hold_days": settings.ESCALATION_HOLD_DAYS,
            "session_days": settings.SESSION_COOKIE_AGE // 86400,
            **extra,
        },
        status=status,
    )


@require_safe
def privacy_page(request: HttpRequest) -> HttpResponse:
    """What is kept, for how long, who can see it; and the participant's own controls."""
    return _privacy_page(request)


@require_safe
def download_my_data(request: HttpRequest) -> HttpResponse:
    participant = participant_for_session(request.session)
    if participant is None:
        return redirect("privacy")
    response = JsonResponse(
        participant_data.participant_export(participant), json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="my-peer-support-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@sensitive_post_parameters()
@require_POST
def delete_my_data(request: HttpRequest) -> HttpResponse:
    participant = participant_for_session(request.session)
    if participant is None:
        return redirect("privacy")
    if request.POST.get("confirm") != "yes":
        return _privacy_page(request, status=400, confirm_missing=True)
    report = participant_data.do_erase_participant(participant, request.session)
    return render(request, "frontend/data_deleted.html", {"report": report})
