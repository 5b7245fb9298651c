"""Marking a message, and the supervisors' review page and export. Each view parses,
checks permission, calls one service function and renders."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.services.access import resolve_actor
from escalation.risk_marks import services

_STATUS = {"forbidden": 403, "not_found": 404}


def _actor(request: HttpRequest) -> Actor | None:
    return resolve_actor(request.user, request.session)


def _number(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


@require_POST
def mark_message(request: HttpRequest) -> JsonResponse:
    """POST room, message (its number in the room) and kind (missed / false_alarm)."""
    room_id, message_id = _number(request.POST.get("room")), _number(request.POST.get("message"))
    if room_id is None or message_id is None:
        error = ServiceError("invalid", _("Say which message you are marking."))
        return JsonResponse(error.as_frame(), status=400)
    actor = _actor(request)
    try:
        message = services.check_can_mark(actor, room_id, message_id)
        mark, created = services.do_mark(actor, message, request.POST.get("kind", ""))
    except ServiceError as error:
        return JsonResponse(error.as_frame(), status=_STATUS.get(error.code, 400))
    return JsonResponse({"type": "risk.marked", "kind": mark.kind, "created": created})


def _reviewer(request: HttpRequest) -> Actor:
    try:
        return services.check_reviewer(_actor(request))
    except ServiceError as error:
        raise PermissionDenied(error.detail) from None


@login_required
@require_safe
def review_list(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    return render(
        request,
        "risk_marks/review.html",
        {"marks": services.marks_for_review(), "report": services.report()},
    )


@login_required
@require_POST
def read_marked_message(request: HttpRequest, mark_id: int) -> HttpResponse:
    actor = _reviewer(request)
    try:
        shown = services.do_read_marked_message(actor, mark_id, request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.detail)
        return redirect("risk-marks-review")
    return render(request, "risk_marks/message.html", shown)


@login_required
@require_POST
def export_marks(request: HttpRequest) -> HttpResponse:
    actor = _reviewer(request)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that you are exporting message text."))
        return redirect("risk-marks-review")
    rows = services.do_export(actor)
    body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    response = HttpResponse(body, content_type="application/x-ndjson; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="risk-marks-{stamp}.jsonl"'
    response["Cache-Control"] = "no-store"
    return response
