"""Request middleware: the privacy-preserving access log, the staff access rules, and the
websocket handshake's Origin check."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port, validate_host
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from chatplatform import logs, mfa, pseudonyms
from chatplatform.services.participants import SESSION_KEY

access_logger = logging.getLogger("chatplatform.access")

MAX_LOGGED_BODY_BYTES = 1024 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def actor_pseudonym(request: HttpRequest) -> str:
    """Who made the request, as a pseudonym: ``s-…`` staff, ``p-…`` participant, or ``-``."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return pseudonyms.of_actor_key(f"s{user.pk}")
    session = getattr(request, "session", None)
    participant_id = session.get(SESSION_KEY) if session is not None else None
    if isinstance(participant_id, int):
        return pseudonyms.of_actor_key(f"p{participant_id}")
    return "-"


def request_private_values(request: HttpRequest) -> list[Any]:
    """Everything the client sent as data: form fields, query values, a JSON body."""
    values: list[Any] = [dict(request.GET.lists())]
    if request.method not in ("POST", "PUT", "PATCH"):
        return values
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_LOGGED_BODY_BYTES:
        return values
    content_type = request.content_type or ""
    if content_type.startswith(FORM_TYPES):
        values.append(dict(request.POST.lists()))
    elif length:
        values.append(request.body)
    return values


class RequestLogMiddleware:
    """One JSON line per request, and the request's data marked private for every log line.

    Fields: request id (also sent back as ``X-Request-ID``), route pattern (never
    the path with its ids), method, status, duration, pseudonymous actor.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id()
        started = time.perf_counter()
        with (
            logs.request_context(request_id),
            logs.private_context(request_private_values(request)),
        ):
            response = self.get_response(request)
            match = getattr(request, "resolver_match", None)
            logs.log_event(
                access_logger,
                "http.request",
                method=request.method,
                route=match.route if match is not None else "(unmatched)",
                status=response.status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                actor=actor_pseudonym(request),
            )
        response["X-Request-ID"] = request_id
        return response


def _exempt(path: str) -> bool:
    """Pages staff need in order to complete two-factor sign-in, or to leave."""
    prefixes = (
        reverse("account_logout"),
        reverse("account_login"),
        reverse("account_reauthenticate"),
        reverse("mfa_index"),
        settings.STATIC_URL,
        reverse("javascript-catalog"),
        "/i18n/",
    )
    return path.startswith(prefixes)


def _refuse(request: HttpRequest, target: str) -> HttpResponse:
    if request.method in ("GET", "HEAD") and not request.path.startswith("/api/"):
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
    return JsonResponse(
        {"code": "mfa_required", "detail": _("Two-factor sign-in is required for your role.")},
        status=403,
    )


class StaffAccessMiddleware:
    """Staff sessions: two factors for the roles that need them, and an inactivity timeout.

    Participants are untouched: their session keeps its long persistent cookie
    so they can come back as the same anonymous identity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            # Refreshed on every request: the session ends after this much inactivity.
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_MINUTES * 60)
            if not _exempt(request.path):
                state = mfa.state(user, request.session)
                if state is mfa.MFAState.NEEDS_SETUP:
                    return _refuse(request, reverse("mfa_activate_totp"))
                if state is mfa.MFAState.NEEDS_CODE:
                    logout(request)
                    return _refuse(request, reverse("account_login"))
        return self.get_response(request)


# --- Websockets: the handshake's Origin ----------------------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(value: str) -> str | None:
    """``scheme://host:port`` (lower-case, default port spelled out), or None if not an origin."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port or DEFAULT_PORTS[parts.scheme]}"


def _trusted_origin(origin: str) -> bool:
    """``origin`` is one of CSRF_TRUSTED_ORIGINS (``https://*.example.org`` covers subdomains)."""
    scheme, _, rest = origin.partition("://")
    host, _, port = rest.rpartition(":")
    for entry in settings.CSRF_TRUSTED_ORIGINS:
        if "://*." in entry:
            wildcard = normalise_origin(entry.replace("://*.", "://", 1))
            if wildcard is None:
                continue
            w_scheme, _, w_rest = wildcard.partition("://")
            w_host, _, w_port = w_rest.rpartition(":")
            if (scheme, port) == (w_scheme, w_port) and host.endswith("." + w_host):
                return True
        elif normalise_origin(entry) == origin:
            return True
    return False


def _is_secure(headers: dict[bytes, bytes], scope: dict[str, Any]) -> bool:
    """As Django's ``request.is_secure()``: TLS here, or the configured proxy header says so."""
    if scope.get("scheme") == "wss":
        return True
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name = proxy_header[0].removeprefix("HTTP_").lower().replace("_", "-").encode()
        value = headers.get(name, b"").decode("latin-1").split(",")[0].strip()
        return value == proxy_header[1]
    return False


def websocket_origin_allowed(scope: dict[str, Any]) -> bool:
    """The page that opens a socket is this site: its Origin is exactly scheme + host + port.

    Either the handshake's own host (one of ALLOWED_HOSTS) with the scheme this
    request arrived on, or one of CSRF_TRUSTED_ORIGINS. A missing Origin, another
    port on the same host, or ``null`` is refused.
    """
    headers = {name.lower(): value for name, value in scope.get("headers", [])}
    origin = normalise_origin(headers.get(b"origin", b"").decode("latin-1"))
    if origin is None:
        return False
    if _trusted_origin(origin):
        return True
    host = headers.get(b"host", b"").decode("latin-1").strip().lower()
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme = "https" if _is_secure(headers, scope) else "http"
    return normalise_origin(f"{scheme}://{host}") == origin


class WebsocketOriginValidator:
    """ASGI middleware: refuse (HTTP 403) a websocket handshake from any other origin."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not websocket_origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
