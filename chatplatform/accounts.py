"""Staff accounts: allauth for login, no public sign-up (admins create staff)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter


class StaffOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: Any) -> bool:
        return False
