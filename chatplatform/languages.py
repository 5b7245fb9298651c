"""The visitor's language on websockets, chosen as Django's LocaleMiddleware chooses it for pages.

Error frames' ``detail`` and every other sentence a consumer sends are translated with
gettext; this middleware makes the language of the page that opened the socket (the
language cookie set by the switch, else Accept-Language) active for the socket's life.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation


def language_for_scope(scope: dict[str, Any]) -> str:
    request = HttpRequest()
    request.COOKIES = dict(scope.get("cookies") or {})
    for name, value in scope.get("headers") or ():
        if name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
    return translation.get_language_from_request(request)


class WebsocketLocaleMiddleware:
    """Activates the visitor's language around an ASGI websocket application.

    Sits inside channels' CookieMiddleware (part of AuthMiddlewareStack) so that
    ``scope["cookies"]`` is filled. The consumer runs in this coroutine's context, and
    the threads of database_sync_to_async copy it, so gettext anywhere below sees it.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        with translation.override(language_for_scope(scope)):
            return await self.inner(scope, receive, send)
