"""Evaluation pages: the participant's surveys and choices, the evaluator's dashboard,
exports and API. Each view parses, checks permission, calls one service function and
renders."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from chatplatform.errors import ServiceError
from chatplatform.services.participants import participant_for_session
from evaluation import (
    charts,
    codebook,
    methods,
    openapi,
    providers,
    referrals,
    report,
    rows,
    selfcode,
    services,
    studies,
    surveys,
)
from evaluation.dashboard import dashboard_tables
from evaluation.models import Release, Study
from evaluation.questions import questions

View = Callable[..., HttpResponse]
STATUS = {"forbidden": 403, "not_found": 404, "unauthorized": 401}
SURVEY_URLS = "/evaluation/survey/"


def _problem(request: HttpRequest, error: ServiceError) -> HttpResponse:
    status = STATUS.get(error.code, 400)
    return render(request, "evaluation/notice.html", {"message": error.detail}, status=status)


def participant_view(view: View) -> View:
    """Participant pages: staff are sent to their console; no identity yet means none to show."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect("staff-console")
        participant = participant_for_session(request.session)
        if participant is None:
            return redirect("landing")
        try:
            return view(request, participant, *args, **kwargs)
        except ServiceError as error:
            return _problem(request, error)

    return wrapper


def evaluator_view(view: View) -> View:
    """Evaluator pages: signed-in staff with the evaluator or admin role only."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            services.check_evaluator(request.user)
            return view(request, *args, **kwargs)
        except ServiceError as error:
            return _problem(request, error)

    return wrapper


def token_view(view: View) -> View:
    """API endpoints: a personal evaluator token in the Authorization header."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            user = services.check_token(request.headers.get("authorization"))
        except ServiceError as error:
            return JsonResponse(
                {"code": error.code, "detail": error.detail}, status=STATUS.get(error.code, 400)
            )
        return view(request, user, *args, **kwargs)

    return wrapper


def _safe_next(request: HttpRequest, target: str | None) -> str:
    if (
        target
        and target.startswith(SURVEY_URLS)
        and url_has_allowed_host_and_scheme(target, {request.get_host()})
    ):
        return target
    return reverse("evaluation:participation")


# Participants ---------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@participant_view
def consent(request: HttpRequest, participant: Any) -> HttpResponse:
    target = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        agree = request.POST.get("decision") == "agree"
        surveys.do_record_consent(participant, agree, get_language() or "en")
        return redirect(target if agree else "landing")
    return render(
        request,
        "evaluation/consent.html",
        {"next": target, "before_chat": target == reverse("evaluation:survey-pre")},
    )


def survey_response(
    request: HttpRequest,
    page: surveys.SurveyPage,
    *,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """A survey page; after a refused answer, with the error and the answers kept."""
    return render(
        request,
        "evaluation/survey.html",
        {
            "instruments": questions(page, get_language() or "en", request.POST if error else None),
            "before_chat": page.wave == "pre",
            "error": error,
        },
        status=status,
    )


def _survey(request: HttpRequest, participant: Any, wave: str, room_id: int | None) -> HttpResponse:
    page = surveys.check_can_answer(participant, wave, room_id)
    if request.method == "POST":
        try:
            surveys.do_submit(participant, page, request.POST, get_language() or "en")
        except surveys.AnswerError as error:
            return survey_response(request, page, error=error.detail, status=400)
        return render(request, "evaluation/thanks.html", {"wave": wave})
    return survey_response(request, page)


@require_safe
@participant_view
def survey_pre(request: HttpRequest, participant: Any) -> HttpResponse:
    # The page is sent to the chat request (frontend.views.request_chat), which stores
    # the answers and puts the participant straight into the queue.
    return _survey(request, participant, "pre", None)


@require_http_methods(["GET", "HEAD", "POST"])
@participant_view
def survey_post(request: HttpRequest, participant: Any, room_id: int) -> HttpResponse:
    return _survey(request, participant, "post", room_id)


@require_http_methods(["GET", "HEAD", "POST"])
@participant_view
def survey_followup(request: HttpRequest, participant: Any) -> HttpResponse:
    return _survey(request, participant, "followup", None)


@require_safe
@participant_view
def participation(request: HttpRequest, participant: Any) -> HttpResponse:
    identity = surveys.identity_for(participant)
    return render(
        request,
        "evaluation/participation.html",
        {
            "identity": identity,
            "code_parts": selfcode.PARTS,
            "may_link": surveys.may_link(identity),
            "linked": identity is not None
            and (identity.linked_to_id is not None or identity.links.exists()),
        },
    )


def _code_answers(form: Any) -> dict[str, str] | None:
    """The self-generated code typed into a form, or None when every part is blank."""
    answers = {part.id: form.get(part.id, "") for part in selfcode.PARTS}
    return answers if any(value.strip() for value in answers.values()) else None


@require_POST
@participant_view
def withdraw(request: HttpRequest, participant: Any) -> HttpResponse:
    withdrawn = surveys.do_withdraw(participant, _code_answers(request.POST))
    return render(
        request,
        "evaluation/notice.html",
        {"message_key": "withdrawn_everywhere" if withdrawn > 1 else "withdrawn"},
    )


@require_POST
@participant_view
def code(request: HttpRequest, participant: Any) -> HttpResponse:
    identity = surveys.do_set_code(participant, request.POST)
    # The same page whether or not anyone else has this code.
    return render(
        request,
        "evaluation/notice.html",
        {"message_key": "code_saved", "may_link": surveys.may_link(identity)},
    )


@require_POST
@participant_view
def connect(request: HttpRequest, participant: Any) -> HttpResponse:
    surveys.do_confirm_link(participant)
    # The same page whether or not earlier answers were found.
    return render(request, "evaluation/notice.html", {"message_key": "connect_done"})


@require_POST
@participant_view
def dismiss_followup(request: HttpRequest, participant: Any) -> HttpResponse:
    surveys.do_dismiss_followup(participant)
    return redirect("landing")


# Evaluators -----------------------------------------------------------------------------


@require_safe
@evaluator_view
def dashboard(request: HttpRequest) -> HttpResponse:
    payload = report.release(Release.Channel.DASHBOARD, request.user)
    return render(
        request,
        "evaluation/dashboard.html",
        {
            "release": payload["release"],
            "methods": methods.note(
                instruments=payload["release"]["instruments"],
                followup_days=settings.EVALUATION_FOLLOWUP_DAYS,
                k=payload["release"]["k"],
                dp_epsilon=payload["release"]["dp_epsilon"],
                studies=payload["release"].get("studies", []),
            ),
            "tables": dashboard_tables(payload),
            "charts": list(charts.CHARTS),
            "epsilon_total": report.epsilon_spent_total(),
        },
    )


@require_safe
@evaluator_view
def chart(request: HttpRequest, name: str) -> HttpResponse:
    draw = charts.CHARTS.get(name)
    if draw is None:
        raise Http404
    svg = draw(report.release(Release.Channel.DASHBOARD, request.user, record=False))
    response = HttpResponse(svg, content_type="image/svg+xml")
    # matplotlib styles its SVG inline; nothing in it runs.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _export(payload: dict[str, Any], fmt: str, filename: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(report.to_csv(payload), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            json.dumps(report.to_json(payload), indent=1), content_type="application/json"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@require_safe
@evaluator_view
def export(request: HttpRequest) -> HttpResponse:
    fmt = request.GET.get("format", "json")
    if fmt not in ("json", "csv"):
        return _problem(request, ServiceError("invalid", "format must be json or csv"))
    payload = report.release(Release.Channel.EXPORT, request.user)
    return _export(payload, fmt, f"evaluation-{payload['release']['generated_on']}")


@require_safe
@evaluator_view
def rows_export(request: HttpRequest) -> HttpResponse:
    """The row-level export (audited): see evaluation.rows and docs/evaluation.md."""
    export = rows.do_export(channel="dashboard", user=request.user)
    response = HttpResponse(export.csv(), content_type="text/csv; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="evaluation-rows-{day}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@evaluator_view
def codebook_export(request: HttpRequest) -> HttpResponse:
    if request.GET.get("format") == "csv":
        response = HttpResponse(report.codebook_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="evaluation-codebook.csv"'
        return response
    return JsonResponse(codebook.codebook(providers.specs()))


@require_http_methods(["GET", "HEAD", "POST"])
@evaluator_view
def tokens(request: HttpRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        new_token = services.do_create_token(request.user, request.POST.get("name", ""))
    return render(
        request,
        "evaluation/tokens.html",
        {"tokens": services.active_tokens(request.user), "new_token": new_token},
    )


@require_POST
@evaluator_view
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    services.do_revoke_token(request.user, token_id)
    return redirect("evaluation:tokens")


@require_POST
@login_required
def record_referral(request: HttpRequest, room_id: int) -> HttpResponse:
    """A mentor records the kind of help they suggested in a 1:1 chat (metadata only)."""
    try:
        referrals.do_record_referral(request.user, room_id, request.POST.get("kind", ""))
    except ServiceError as error:
        return _problem(request, error)
    return redirect("room", room_id=room_id)


@require_http_methods(["GET", "HEAD", "POST"])
@evaluator_view
def study_list(request: HttpRequest) -> HttpResponse:
    """Randomised studies: define one (YAML), see each one's registration and state."""
    definition = ""
    error = None
    if request.method == "POST":
        definition = request.POST.get("definition", "")
        try:
            studies.do_create_study(request.user, definition)
        except ServiceError as problem:
            error = problem.detail
        else:
            return redirect("evaluation:studies")
    return render(
        request,
        "evaluation/studies.html",
        {
            "studies": Study.objects.order_by("-pk"),
            "definition": definition or studies.EXAMPLE,
            "error": error,
        },
        status=400 if error else 200,
    )


@require_POST
@evaluator_view
def study_register(request: HttpRequest, study_id: int) -> HttpResponse:
    studies.do_register_study(request.user, study_id)
    return redirect("evaluation:studies")


@require_POST
@evaluator_view
def study_close(request: HttpRequest, study_id: int) -> HttpResponse:
    studies.do_close_study(request.user, study_id)
    return redirect("evaluation:studies")


# API ------------------------------------------------------------------------------------


@require_safe
@token_view
def api_report(request: HttpRequest, user: Any) -> HttpResponse:
    fmt = request.GET.get("format", "json")
    if fmt not in ("json", "csv"):
        return JsonResponse({"code": "invalid", "detail": "format must be json or csv"}, status=400)
    payload = report.release(Release.Channel.API, user)
    return _export(payload, fmt, f"evaluation-{payload['release']['generated_on']}")


@require_safe
@token_view
def api_codebook(request: HttpRequest, user: Any) -> HttpResponse:
    return JsonResponse(codebook.codebook(providers.specs()))


@require_safe
def api_schema(request: HttpRequest) -> HttpResponse:
    return JsonResponse(openapi.schema(providers.specs()))
