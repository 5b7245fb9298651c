"""The evaluator's side: who may read the report, and personal API tokens.

Tokens are shown once and stored only as a SHA-256 hash (they are long random
strings, so a plain hash is enough to make a stolen table useless). A token works
only while its owner still holds an evaluating role, and until it is revoked.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import audit, roles
from chatplatform.errors import ServiceError
from chatplatform.models import User
from evaluation.models import EvaluatorToken

EVALUATING_ROLES = (roles.EVALUATOR, roles.ADMIN)
TOKEN_PREFIX = "evt_"  # noqa: S105 (a public prefix, not a secret)
MAX_ACTIVE_TOKENS = 10


def check_evaluator(user: User) -> str:
    """The user's role when they may read de-identified metrics; ServiceError otherwise."""
    role = roles.role_of(user)
    if role not in EVALUATING_ROLES:
        raise ServiceError("forbidden", _("Only evaluators and admins can see the evaluation."))
    return role


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_tokens(user: User) -> list[EvaluatorToken]:
    return list(
        EvaluatorToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")
    )


def do_create_token(user: User, name: str) -> str:
    """A new API token for an evaluator. Returns the token itself: it is never shown again."""
    check_evaluator(user)
    name = name.strip()[:80]
    if not name:
        raise ServiceError("invalid", _("Give the token a name, such as the project it is for."))
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise ServiceError("too_many", _("Revoke a token you no longer use first."))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        record = EvaluatorToken.objects.create(
            user=user, name=name, prefix=token[len(TOKEN_PREFIX) :][:8], token_hash=_hash(token)
        )
        audit.record(
            audit.staff_label(user.pk), "evaluation_token_created", target=f"token:{record.pk}"
        )
    return token


def do_revoke_token(user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens (admins may revoke anyone's)."""
    role = check_evaluator(user)
    tokens = EvaluatorToken.objects.filter(pk=token_id, revoked_at__isnull=True)
    if role != roles.ADMIN:
        tokens = tokens.filter(user=user)
    with transaction.atomic():
        if not tokens.update(revoked_at=timezone.now()):
            raise ServiceError("not_found", _("There is no such active token."))
        audit.record(
            audit.staff_label(user.pk), "evaluation_token_revoked", target=f"token:{token_id}"
        )


def check_token(header: str | None) -> User:
    """The evaluator behind an ``Authorization: Bearer <token>`` header; ServiceError if none."""
    scheme, _space, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX):
        raise ServiceError(
            "unauthorized", _("Send an evaluator API token as 'Authorization: Bearer <token>'.")
        )
    record = (
        EvaluatorToken.objects.select_related("user")
        .filter(token_hash=_hash(token.strip()), revoked_at__isnull=True)
        .first()
    )
    if record is None:
        raise ServiceError("unauthorized", _("This token is not valid or has been revoked."))
    check_evaluator(record.user)
    today = timezone.localdate()
    if record.last_used_on != today:
        EvaluatorToken.objects.filter(pk=record.pk).update(last_used_on=today)
    return record.user
