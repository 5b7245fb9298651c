"""Training and certification: quizzes, sign-offs, grants, and who holds a current certificate.

A mentor holds a current certificate when every required module has a completion that
has not expired. A module with a quiz is completed by passing it; a module that needs
sign-off is completed when a supervisor signs off a practice chat after the quiz (if
any) was passed. Every function takes ``now`` so tests and reports control the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import audit, roles
from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring import registry
from chatplatform.mentoring.curriculum import Module, score
from chatplatform.mentoring.models import Completion, QuizAttempt
from chatplatform.models import User

CURRENT = "current"
EXPIRED = "expired"
MISSING = "missing"
AWAITING_SIGNOFF = "awaiting_signoff"
TRAINEE_ROLES = (roles.MENTOR, roles.SUPERVISOR, roles.ADMIN)
SIGNING_ROLES = (roles.SUPERVISOR, roles.ADMIN)


@dataclass(frozen=True)
class Standing:
    """Where one mentor stands on one module."""

    module: Module
    state: str
    expires_at: datetime | None = None
    best_score: int | None = None
    required: bool = True

    @property
    def is_current(self) -> bool:
        return self.state == CURRENT


@dataclass(frozen=True)
class Certificate:
    """A mentor's standing on every required module."""

    modules: tuple[Standing, ...]

    @property
    def is_current(self) -> bool:
        return all(s.is_current for s in self.modules)

    @property
    def missing(self) -> list[Standing]:
        return [s for s in self.modules if not s.is_current]

    @property
    def expires_at(self) -> datetime | None:
        dates = [s.expires_at for s in self.modules if s.expires_at is not None]
        return min(dates) if dates and self.is_current else None


def is_programme_mentor(user: User) -> bool:
    """Whether the programme's gate and limits apply to this user (MENTOR_PROGRAMME_ROLES)."""
    return roles.role_of(user) in settings.MENTOR_PROGRAMME_ROLES


def standings(user: User, now: datetime | None = None) -> list[Standing]:
    """Every module of the curriculum, required or not, as this user stands on it."""
    now = now or timezone.now()
    required = {m.id for m in registry.required_modules()}
    latest: dict[str, datetime] = {}
    for module_id, expires_at in Completion.objects.filter(user=user).values_list(
        "module_version__module", "expires_at"
    ):
        if module_id not in latest or expires_at > latest[module_id]:
            latest[module_id] = expires_at
    best: dict[str, int] = {}
    passed_quiz: set[str] = set()
    for module_id, percent, passed in QuizAttempt.objects.filter(user=user).values_list(
        "module_version__module", "score", "passed"
    ):
        best[module_id] = max(best.get(module_id, 0), percent)
        if passed:
            passed_quiz.add(module_id)
    result = []
    for module in registry.curriculum():
        expires_at = latest.get(module.id)
        if expires_at is not None and expires_at > now:
            state = CURRENT
        elif module.signoff and (module.id in passed_quiz or not module.questions):
            state = AWAITING_SIGNOFF
        elif expires_at is not None:
            state = EXPIRED
        else:
            state = MISSING
        result.append(
            Standing(
                module=module,
                state=state,
                expires_at=expires_at,
                best_score=best.get(module.id),
                required=module.id in required,
            )
        )
    return result


def certificate(user: User, now: datetime | None = None) -> Certificate:
    return Certificate(modules=tuple(s for s in standings(user, now) if s.required))


def check_trainee(actor: Actor) -> User:
    if not actor.is_staff or actor.role not in TRAINEE_ROLES:
        raise ServiceError("forbidden", _("Only mentors and supervisors take the training."))
    return User.objects.get(pk=actor.id)


def check_module(module_id: str) -> Module:
    module = registry.module(module_id)
    if module is None:
        raise ServiceError("not_found", _("There is no such training module."))
    return module


def _complete(
    user: User, module: Module, via: str, now: datetime, by: User | None = None
) -> Completion:
    return Completion.objects.create(
        user=user,
        module_version=registry.record_version(module),
        via=via,
        by=by,
        completed_at=now,
        expires_at=now + timedelta(days=module.expiry_days),
    )


def do_submit_quiz(
    user: User, module: Module, answers: Mapping[int, int | None], now: datetime | None = None
) -> QuizAttempt:
    """Score and keep one attempt. A pass completes a module that needs no sign-off.

    Precondition: ``user`` came from check_trainee. Only the score is stored.
    """
    now = now or timezone.now()
    percent, passed = score(module, answers)
    with transaction.atomic():
        attempt = QuizAttempt.objects.create(
            user=user,
            module_version=registry.record_version(module),
            score=percent,
            passed=passed,
            submitted_at=now,
        )
        if passed and not module.signoff:
            _complete(user, module, Completion.Via.QUIZ, now)
    return attempt


def do_grant(
    user: User, modules: Iterable[Module], by: User | None = None, now: datetime | None = None
) -> list[Completion]:
    """Record modules as completed without the quiz: prior training, or the demo mentors.

    Audited with who granted them: ``by``, or "system" for a command an operator ran.
    """
    now = now or timezone.now()
    modules = list(modules)
    with transaction.atomic():
        completions = [_complete(user, m, Completion.Via.GRANTED, now, by) for m in modules]
        audit.record(
            audit.staff_label(by.pk) if by else "system",
            "training.granted",
            target=audit.staff_label(user.pk),
            data={"modules": [m.id for m in modules]},
        )
    return completions


def do_sign_off(
    supervisor: Actor, mentor: User, module: Module, now: datetime | None = None
) -> Completion:
    """A supervisor signs off a module that needs it, after reviewing a practice chat."""
    now = now or timezone.now()
    if not supervisor.is_staff or supervisor.role not in SIGNING_ROLES:
        raise ServiceError("forbidden", _("Only supervisors sign off training."))
    if not module.signoff:
        raise ServiceError("invalid", _("This module is completed by its quiz."))
    standing = next(s for s in standings(mentor, now) if s.module.id == module.id)
    if standing.state != AWAITING_SIGNOFF:
        raise ServiceError("invalid", _("Pass the module's quiz before it can be signed off."))
    with transaction.atomic():
        completion = _complete(
            mentor, module, Completion.Via.SIGNOFF, now, User.objects.get(pk=supervisor.id)
        )
        audit.record(
            audit.staff_label(supervisor.id),
            "training.signed_off",
            target=audit.staff_label(mentor.pk),
            data={"module": module.id, "version": module.version},
        )
    return completion
