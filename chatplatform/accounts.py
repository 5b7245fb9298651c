"""Staff accounts: allauth for login, no public sign-up (admins create staff)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter

from chatplatform.throttle import client_network_key


class StaffOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: Any) -> bool:
        return False

    def get_client_ip(self, request: Any) -> str:
        """allauth keys its login rate limits by this: a daily keyed hash, never the address."""
        return client_network_key(request.META)
