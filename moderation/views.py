"""The moderation queue and the audit log pages. Each view parses, checks, calls one service
function and renders."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from chatplatform.actors import Actor, staff_actor
from chatplatform.errors import ServiceError
from moderation.models import ReviewItem
from moderation.services import auditlog, review
from moderation.services.actions import MAX_BAN_DAYS, MAX_MUTE_MINUTES


def _actor(request: HttpRequest) -> Actor:
    actor = staff_actor(request.user)
    if actor is None:
        raise PermissionDenied
    return actor


def _int(value: str | None, minimum: int = 1, maximum: int | None = None) -> int | None:
    if not value or not value.strip().isdigit():
        return None
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        return None
    return number


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_safe
def queue_page(request: HttpRequest) -> HttpResponse:
    room_id = _int(request.GET.get("room"))
    try:
        page = review.queue_page(_actor(request), room_id)
    except ServiceError as error:
        raise PermissionDenied(error.detail) from None
    return render(
        request,
        "moderation/queue.html",
        {
            "page": page,
            "room_id": room_id,
            "resolutions": ReviewItem.Resolution.choices,
            "held_resolutions": review.HELD_RESOLUTIONS,
            "max_mute_minutes": MAX_MUTE_MINUTES,
            "max_ban_days": MAX_BAN_DAYS,
        },
    )


@login_required
@require_POST
def resolve_item(request: HttpRequest, item_id: int) -> HttpResponse:
    resolution = request.POST.get("resolution", "")
    back = reverse("moderation-queue")
    room_id = _int(request.POST.get("room"))
    if room_id:
        back += f"?room={room_id}"
    if resolution not in ReviewItem.Resolution.values:
        messages.error(request, _("Choose what to do with this item."))
        return redirect(back)
    try:
        item, access = review.check_item(_actor(request), item_id, resolution)
        review.do_resolve(
            item,
            access,
            resolution,
            request.POST.get("note", "").strip()[:500],
            minutes=_int(request.POST.get("minutes"), maximum=MAX_MUTE_MINUTES),
            days=_int(request.POST.get("days"), maximum=MAX_BAN_DAYS),
        )
    except ServiceError as error:
        if error.code == "forbidden":
            raise PermissionDenied(error.detail) from None
        messages.error(request, error.detail)
        return redirect(back)
    messages.success(request, str(ReviewItem.Resolution(resolution).label))
    return redirect(back)


@login_required
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    filters = auditlog.AuditFilter(
        room_id=_int(request.GET.get("room")),
        actor=request.GET.get("actor", "").strip()[:40],
        since=_date(request.GET.get("since")),
        until=_date(request.GET.get("until")),
    )
    try:
        view = auditlog.audit_view(_actor(request), filters, _int(request.GET.get("page")) or 1)
    except ServiceError as error:
        raise PermissionDenied(error.detail) from None
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/audit_log.html",
        {"view": view, "filters": filters, "query": query.urlencode()},
    )
