"""The programme's pages: a mentor's training. Each view parses, checks permission,
calls one service function and renders."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from chatplatform.actors import Actor
from chatplatform.mentoring import certification, markdown
from chatplatform.mentoring.curriculum import Module, text
from chatplatform.mentoring.decorators import staff_view


def _language() -> str:
    return (get_language() or "en")[:2]


def _answers(module: Module, form: dict[str, str]) -> dict[int, int | None]:
    """Chosen option per question from fields ``q<n>``; anything off the list is unanswered."""
    answers: dict[int, int | None] = {}
    for index, question in enumerate(module.questions):
        raw = (form.get(f"q{index}") or "").strip()
        chosen = int(raw) if raw.isdigit() else None
        answers[index] = chosen if chosen is not None and chosen < len(question.options) else None
    return answers


@require_safe
@staff_view
def training(request: HttpRequest, actor: Actor) -> HttpResponse:
    user = certification.check_trainee(actor)
    standings = certification.standings(user)
    language = _language()
    return render(
        request,
        "mentoring/training.html",
        {
            "rows": [
                {
                    "standing": s,
                    "title": text(s.module.title, language),
                    "summary": text(s.module.summary, language),
                }
                for s in standings
            ],
            "certificate": certification.Certificate(tuple(s for s in standings if s.required)),
            "gated": certification.is_programme_mentor(user),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view
def module_page(request: HttpRequest, actor: Actor, module_id: str) -> HttpResponse:
    user = certification.check_trainee(actor)
    module = certification.check_module(module_id)
    if request.method == "POST":
        attempt = certification.do_submit_quiz(user, module, _answers(module, request.POST))
        if attempt.passed:
            messages.success(
                request,
                _("You passed with %(score)d%%.") % {"score": attempt.score}
                if not module.signoff
                else _("You passed with %(score)d%%. A supervisor now signs off your practice.")
                % {"score": attempt.score},
            )
            return redirect("training")
        messages.error(
            request,
            _(
                "You scored %(score)d%%; the pass mark is %(mark)d%%. "
                "Read the module again and retry."
            )
            % {"score": attempt.score, "mark": module.pass_mark},
        )
        return redirect("training-module", module_id=module.id)
    language = _language()
    return render(
        request,
        "mentoring/module.html",
        {
            "module": module,
            "title": text(module.title, language),
            "body": markdown.render(text(module.body, language)),
            "questions": [
                {
                    "index": index,
                    "prompt": text(question.prompt, language),
                    "options": [text(option, language) for option in question.options],
                }
                for index, question in enumerate(module.questions)
            ],
            "standing": next(s for s in certification.standings(user) if s.module.id == module.id),
        },
    )
