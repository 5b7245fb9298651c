"""allauth's two-factor set-up pages, keeping where the person was going (``next``).

A supervisor paged by email opens /supervisor/, signs in and, the first time, sets up
the authenticator app and sees their recovery codes. Each step carries ``next`` to the
following one, and the last leads to the console instead of a dead end.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from allauth.mfa.recovery_codes.views import GenerateRecoveryCodesView, ViewRecoveryCodesView
from allauth.mfa.totp.views import ActivateTOTPView
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest) -> str | None:
    """The ``next`` of this request when it stays on this site, else None."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def carrying_next(url: str, request: HttpRequest) -> str:
    target = next_url(request)
    return f"{url}?{urlencode({'next': target})}" if target else url


class KeepsNext:
    request: HttpRequest
    # Pages and their forms: allauth's form views would take PUT as POST, and OPTIONS.
    http_method_names = ["get", "head", "post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "next_url": next_url(self.request)}  # type: ignore[misc]


class ActivateTOTP(KeepsNext, ActivateTOTPView):
    def get_success_url(self) -> str:
        if self.did_generate_recovery_codes:
            return carrying_next(reverse("mfa_view_recovery_codes"), self.request)
        return next_url(self.request) or reverse("mfa_index")


class ViewRecoveryCodes(KeepsNext, ViewRecoveryCodesView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Without ``next``, the page of the person's role (evaluators: the dashboard).
        home = get_adapter(self.request).get_login_redirect_url(self.request)
        return {**context, "continue_url": context["next_url"] or home}


class GenerateRecoveryCodes(KeepsNext, GenerateRecoveryCodesView):
    def get_success_url(self) -> str:
        return carrying_next(reverse("mfa_view_recovery_codes"), self.request)


activate_totp = ActivateTOTP.as_view()
view_recovery_codes = ViewRecoveryCodes.as_view()
generate_recovery_codes = GenerateRecoveryCodes.as_view()
