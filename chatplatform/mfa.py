"""Two-factor authentication for staff: who needs it, and whether a session has it.

allauth.mfa provides TOTP and recovery codes, and asks for the code at login
once a user has an authenticator. This module adds the rule that the roles in
``MFA_REQUIRED_ROLES`` cannot use any page or websocket until they have set up
TOTP and proved it in the current session. The check reads allauth's own
record of how the session authenticated.

The TOTP secret and the recovery-code seed are stored sealed under
``ENCRYPTION_KEYS`` (``StaffMFAAdapter.encrypt``); ``rotate_keys`` re-seals them.
"""

from __future__ import annotations

import enum
from types import SimpleNamespace
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from django import forms
from django.conf import settings

from chatplatform import crypto, roles, throttle
from chatplatform.accounts import too_many_failures


class MFAState(enum.Enum):
    NOT_REQUIRED = "not_required"
    SATISFIED = "satisfied"
    # The user has no authenticator yet: send them to set one up.
    NEEDS_SETUP = "needs_setup"
    # The user has one, but this session never proved it (e.g. a password-only sign-in).
    NEEDS_CODE = "needs_code"


def is_required(user: Any) -> bool:
    return roles.role_of(user) in settings.MFA_REQUIRED_ROLES


def has_totp(user: Any) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def session_passed_mfa(session: Any, user: Any) -> bool:
    """Whether this session recorded a second factor for this user (allauth's records)."""
    if session is None:
        return False
    records = get_authentication_records(SimpleNamespace(session=session), user)
    return any(record.get("method") == "mfa" for record in records)


def state(user: Any, session: Any) -> MFAState:
    if user is None or not user.is_authenticated or not is_required(user):
        return MFAState.NOT_REQUIRED
    if not has_totp(user):
        return MFAState.NEEDS_SETUP
    if not session_passed_mfa(session, user):
        return MFAState.NEEDS_CODE
    return MFAState.SATISFIED


def allows_access(user: Any, session: Any) -> bool:
    return state(user, session) in (MFAState.NOT_REQUIRED, MFAState.SATISFIED)


# Marks a sealed secret; anything else was stored before secrets were sealed.
ENCRYPTED_PREFIX = "enc1:"
SECRET_PURPOSE = "mfa"  # noqa: S105 (the associated data's label, not a password)
SECRET_FIELDS = ("secret", "seed")


def seal(text: str) -> str:
    return ENCRYPTED_PREFIX + crypto.seal_secret(settings.ENCRYPTION_KEYRING, text, SECRET_PURPOSE)


def unseal(stored: str) -> str:
    if not stored.startswith(ENCRYPTED_PREFIX):
        return stored
    return crypto.open_secret(
        settings.ENCRYPTION_KEYRING, stored.removeprefix(ENCRYPTED_PREFIX), SECRET_PURPOSE
    )


def do_rotate_secrets() -> tuple[int, int, set[str]]:
    """Re-seal every stored two-factor secret under the current key (sealing clear ones).

    Returns (re-sealed, unreadable, key ids still in use by secrets).
    """
    current = settings.ENCRYPTION_KEYRING.current_id
    resealed = unreadable = 0
    in_use: set[str] = set()
    for authenticator in Authenticator.objects.all().iterator():
        changed = False
        for name in SECRET_FIELDS:
            stored = authenticator.data.get(name)
            if not isinstance(stored, str):
                continue
            sealed = stored.startswith(ENCRYPTED_PREFIX)
            kek_id = crypto.secret_kek_id(stored.removeprefix(ENCRYPTED_PREFIX))
            if sealed and kek_id == current:
                in_use.add(current)
                continue
            try:
                authenticator.data[name] = seal(unseal(stored))
            except crypto.UnknownKeyError:
                unreadable += 1
                in_use.add(kek_id)
                continue
            in_use.add(current)
            changed = True
        if changed:
            authenticator.save(update_fields=["data"])
            resealed += 1
    return resealed, unreadable, in_use


class StaffMFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        """allauth stores TOTP secrets and recovery seeds through this: sealed, never clear."""
        return seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        return unseal(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff who must use two factors cannot switch their authenticator app off."""
        if authenticator.type == Authenticator.Type.TOTP and is_required(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


def record_totp_setup(request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    """Setting up TOTP means entering a valid code: that session has proved the second factor.

    Receiver of allauth's ``authenticator_added``.
    """
    from allauth.account.internal.flows.login import record_authentication

    if authenticator.type == Authenticator.Type.TOTP:
        record_authentication(request, user, "mfa", type=authenticator.type, id=authenticator.pk)


class _CodeDelay:
    """Wrong two-factor codes slow down the client that sends them (as wrong passwords do).

    Counted per user and client, and per client, never per user alone: someone who
    has the password cannot keep the right person from entering their code elsewhere.
    """

    user: Any

    def clean_code(self) -> str:
        subjects = throttle.login_subjects(
            f"mfa:{self.user.pk}", throttle.client_network_key(context.request.META)
        )
        wait = throttle.login_wait(subjects)
        if wait:
            raise too_many_failures(wait)
        try:
            code = super().clean_code()  # type: ignore[misc]
        except forms.ValidationError:
            throttle.record_login_failure(subjects)
            raise
        throttle.clear_login_failures(subjects)
        return code


class StaffAuthenticateForm(_CodeDelay, AuthenticateForm):
    pass


class StaffReauthenticateForm(_CodeDelay, ReauthenticateForm):
    pass
