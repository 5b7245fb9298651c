"""The visitor's language on websockets: the language of the page that opened the socket.

Error frames' ``detail``, system notices and every other sentence a consumer sends are
translated with gettext; this middleware makes that language active for the socket's
life. The page says which language it is in (``?lang=es`` in the socket's address, from
``<html lang>``): a browser's handshake may carry another Accept-Language than its page
requests did. Without it (or with a language the site lacks), the socket chooses as
Django's LocaleMiddleware chooses for pages: the switch's cookie, else Accept-Language.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from django.http import HttpRequest
from django.utils import translation


def page_language(scope: dict[str, Any]) -> str | None:
    """The ``lang`` the page put in the socket's address, if the site has that language."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    for value in query.get("lang", [])[:1]:
        try:
            return translation.get_supported_language_variant(value[:16])
        except LookupError:
            return None
    return None


def language_for_scope(scope: dict[str, Any]) -> str:
    page = page_language(scope)
    if page is not None:
        return page
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
