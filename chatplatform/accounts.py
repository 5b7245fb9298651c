"""Staff accounts: allauth for login, no public sign-up (admins create staff)."""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records

from chatplatform.throttle import client_network_key


class StaffOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: Any) -> bool:
        return False

    def get_client_ip(self, request: Any) -> str:
        """allauth keys its login rate limits by this: a daily keyed hash, never the address."""
        return client_network_key(request.META)

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
