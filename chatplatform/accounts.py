"""Staff accounts: allauth for login, no public sign-up (admins create staff).

Failed sign-ins (passwords here, two-factor codes in chatplatform.mfa) slow down
the client that fails, by account and client, with a delay that doubles after a
few free attempts (chatplatform.throttle). They never lock an account for
everyone: whoever knows a staff email cannot keep that person out.
"""

from __future__ import annotations

import math
import time
from typing import Any

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _

from chatplatform import roles, throttle
from chatplatform.throttle import client_network_key


def too_many_failures(wait: float) -> forms.ValidationError:
    return forms.ValidationError(
        _("Too many failed sign-ins from this device. Try again in %(seconds)d seconds.")
        % {"seconds": math.ceil(wait)},
        code="too_many_login_attempts",
    )


def _login(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


class StaffOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: Any) -> bool:
        return False

    def get_login_redirect_url(self, request: Any) -> str:
        """Without ``next``, staff land on the page of their role: the console
        (LOGIN_REDIRECT_URL) refuses evaluators, whose page is the evaluation dashboard."""
        if roles.role_of(request.user) == roles.EVALUATOR:
            return reverse("evaluation:dashboard")
        return super().get_login_redirect_url(request)

    def get_client_ip(self, request: Any) -> str:
        """allauth keys its login rate limits by this: a daily keyed hash, never the address."""
        return client_network_key(request.META)

    def _subjects(self, request: Any, credentials: dict[str, Any]) -> dict[str, int]:
        return throttle.login_subjects(_login(credentials), client_network_key(request.META))

    def pre_authenticate(self, request: Any, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)
        wait = throttle.login_wait(self._subjects(request, credentials))
        if wait:
            raise too_many_failures(wait)

    def authenticate(self, request: Any, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        if user is not None:
            throttle.clear_login_failures(self._subjects(request, credentials))
        return user

    def authentication_failed(self, request: Any, **credentials: Any) -> None:
        throttle.record_login_failure(self._subjects(request, credentials))

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A password typed to sign in a moment ago counts as confirming it.

        A first sign-in goes straight on to setting up the authenticator app, which
        allauth guards with reauthentication: without this, it asked for the password
        a second time, seconds after the first.
        """
        if _signed_in_with_password_recently(self.request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)


def _signed_in_with_password_recently(request: Any) -> bool:
    if request is None or not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    return any(
        record.get("method") == "password"
        and time.time() - record.get("at", 0) < app_settings.REAUTHENTICATION_TIMEOUT
        for record in records
    )
