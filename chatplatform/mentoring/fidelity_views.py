"""Fidelity pages: the mentor's checklist after a chat, and a supervisor's sampled review."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring import certification, checkins, fidelity, records, supervision
from chatplatform.mentoring.curriculum import text
from chatplatform.mentoring.decorators import staff_view
from chatplatform.mentoring.models import (
    Debrief,
    PracticeSession,
    WeeklyShift,
    WellbeingCheckin,
)
from chatplatform.models import User
from evaluation.mentor_feedback import mentor_feedback


def _items() -> list[dict[str, object]]:
    language = (get_language() or "en")[:2]
    return [
        {"id": e.id, "text": text(e.text, language), "choices": e.choices}
        for e in fidelity.checklist().elements
    ]


def _language() -> str:
    return (get_language() or "en")[:2]


def _mentor_details(user: User, now: datetime) -> dict[str, object]:
    """Monthly records, planned weekly shifts and post-chat feedback: the mentor's own
    page and their supervisor's view of them show the same."""
    feedback = mentor_feedback(user.pk)
    return {
        "records": records.monthly_records(user, now),
        "weekly_shifts": WeeklyShift.objects.filter(mentor=user),
        "feedback": feedback,
        "feedback_items": [(text(t, _language()), mean) for _i, t, mean in feedback.items],
        "k": settings.EVALUATION_MIN_CELL,
    }


@require_POST
@staff_view
def add_weekly_shift(request: HttpRequest, actor: Actor) -> HttpResponse:
    user = certification.check_trainee(actor)
    raw = request.POST.get("weekday", "")
    try:
        records.do_add_weekly_shift(
            user,
            int(raw) if raw.isdigit() else None,
            request.POST.get("starts", ""),
            request.POST.get("ends", ""),
        )
    except ServiceError as error:
        messages.error(request, error.detail)
    return redirect("my-programme")


@require_POST
@staff_view
def remove_weekly_shift(request: HttpRequest, actor: Actor, shift_id: int) -> HttpResponse:
    records.do_remove_weekly_shift(certification.check_trainee(actor), shift_id)
    return redirect("my-programme")


@require_safe
@staff_view
def mentor_page(request: HttpRequest, actor: Actor, mentor_id: int) -> HttpResponse:
    """A supervisor's view of one of their mentors: records, shifts, feedback."""
    mentor = supervision.check_supervisor(actor).mentor(mentor_id)
    return render(
        request,
        "mentoring/mentor.html",
        {"mentor": mentor, **_mentor_details(mentor, timezone.now())},
    )


def _checkin_items() -> list[dict[str, str]]:
    return [{"id": i["id"], "text": text(i["text"], _language())} for i in checkins.form().items]


@require_POST
@staff_view
def check_in(request: HttpRequest, actor: Actor) -> HttpResponse:
    user = certification.check_trainee(actor)
    try:
        checkins.do_check_in(user, request.POST)
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Thank you for checking in."))
    return redirect("my-programme")


@require_safe
@staff_view
def my_programme(request: HttpRequest, actor: Actor) -> HttpResponse:
    """A mentor's own page: training, chats to rate, debriefs owed to them."""
    user = certification.check_trainee(actor)
    now = timezone.now()
    return render(
        request,
        "mentoring/me.html",
        {
            "certificate": certification.certificate(user, now),
            "to_rate": fidelity.chats_to_rate(user, now),
            "debriefs": Debrief.objects.filter(mentor=user, completed_at__isnull=True),
            "practices": PracticeSession.objects.filter(trainee=user).order_by("-started_at")[:20],
            "checkin_due": checkins.is_due(user, timezone.localdate(now)),
            "checkin_items": _checkin_items(),
            "checkin_scale": [text(point, _language()) for point in checkins.form().scale],
            "my_checkins": WellbeingCheckin.objects.filter(mentor=user).order_by("-answered_on")[
                :12
            ],
            "weekdays": WeeklyShift.Weekday.choices,
            **_mentor_details(user, now),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view
def rate_chat(request: HttpRequest, actor: Actor, room_id: int) -> HttpResponse:
    fidelity.check_self_rating(actor, room_id)
    if request.method == "POST":
        try:
            fidelity.do_rate_self(actor, room_id, request.POST)
        except ServiceError as error:
            messages.error(request, error.detail)
            return redirect("fidelity-rate", room_id=room_id)
        messages.success(request, _("Thank you: your checklist is saved."))
        return redirect("my-programme")
    return render(request, "mentoring/fidelity.html", {"items": _items(), "room_id": room_id})


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view
def review_chat(request: HttpRequest, actor: Actor, rating_id: int) -> HttpResponse:
    scope = supervision.check_supervisor(actor)
    sampled = fidelity.check_review(scope, rating_id)
    if request.method == "POST":
        try:
            fidelity.do_review(scope, sampled, request.POST)
        except ServiceError as error:
            messages.error(request, error.detail)
            return redirect("fidelity-review", rating_id=rating_id)
        messages.success(request, _("Your review is saved."))
        return redirect("programme")
    return render(
        request,
        "mentoring/fidelity.html",
        {"items": _items(), "room_id": sampled.room_id, "review": sampled},
    )
