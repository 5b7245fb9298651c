"""Websocket handshakes only from this site's own pages: Origin is exactly scheme + host + port."""

from __future__ import annotations

import pytest
from websockets.exceptions import InvalidStatus

from chatplatform.middleware import normalise_origin, websocket_origin_allowed
from tests.servers import LiveClient


def scope(origin: str | None, host: str | None = "chat.example.org", **headers: str) -> dict:
    pairs = []
    if origin is not None:
        pairs.append((b"origin", origin.encode()))
    if host is not None:
        pairs.append((b"host", host.encode()))
    pairs += [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return {"type": "websocket", "headers": pairs}


@pytest.fixture(autouse=True)
def site(settings):
    settings.ALLOWED_HOSTS = ["chat.example.org", "localhost"]
    settings.CSRF_TRUSTED_ORIGINS = []


class TestNormalise:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("http://Chat.Example.org", "http://chat.example.org:80"),
            ("https://chat.example.org:443", "https://chat.example.org:443"),
            ("http://[::1]:8000", "http://[::1]:8000"),
            ("null", None),
            ("", None),
            ("ftp://chat.example.org", None),
            ("https://chat.example.org/path", None),
            ("https://user@chat.example.org", None),
            ("https://chat.example.org:99999", None),
        ],
    )
    def test_origins_are_compared_in_one_spelling(self, value, expected):
        assert normalise_origin(value) == expected


class TestSameOrigin:
    def test_the_sites_own_origin_is_allowed(self):
        assert websocket_origin_allowed(scope("http://chat.example.org"))
        assert websocket_origin_allowed(scope("http://localhost:8000", host="localhost:8000"))

    def test_another_port_on_the_same_host_is_refused(self):
        assert not websocket_origin_allowed(scope("http://localhost:9999", host="localhost:8000"))
        assert not websocket_origin_allowed(scope("http://chat.example.org:8080"))

    def test_another_scheme_is_refused(self):
        assert not websocket_origin_allowed(scope("https://chat.example.org"))

    def test_another_host_is_refused(self):
        assert not websocket_origin_allowed(scope("http://evil.example"))
        assert not websocket_origin_allowed(scope("http://sub.chat.example.org"))

    def test_a_missing_or_null_origin_is_refused(self):
        assert not websocket_origin_allowed(scope(None))
        assert not websocket_origin_allowed(scope("null"))

    def test_a_host_outside_allowed_hosts_is_refused_even_when_origin_matches_it(self):
        assert not websocket_origin_allowed(scope("http://evil.example", host="evil.example"))
        assert not websocket_origin_allowed(scope("http://chat.example.org", host=None))

    def test_behind_a_tls_proxy_the_configured_header_makes_it_https(self, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        secure = scope("https://chat.example.org", x_forwarded_proto="https")
        assert websocket_origin_allowed(secure)
        assert not websocket_origin_allowed(
            scope("http://chat.example.org", x_forwarded_proto="https")
        )
        assert not websocket_origin_allowed(scope("https://chat.example.org"))


class TestTrustedOrigins:
    def test_a_trusted_origin_is_allowed_exactly(self, settings):
        settings.CSRF_TRUSTED_ORIGINS = ["https://chat.example.org"]
        assert websocket_origin_allowed(scope("https://chat.example.org"))
        assert not websocket_origin_allowed(scope("https://chat.example.org:8443"))
        assert not websocket_origin_allowed(scope("http://chat.example.org:443"))

    def test_a_wildcard_trusted_origin_covers_subdomains_with_its_scheme_and_port(self, settings):
        settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.org"]
        assert websocket_origin_allowed(scope("https://chat.example.org", host="chat.example.org"))
        assert not websocket_origin_allowed(scope("https://example.org.evil.example"))
        assert not websocket_origin_allowed(scope("http://chat.example.org:443"))


@pytest.mark.integration
@pytest.mark.asyncio
async def test_on_a_real_server_another_port_of_the_same_host_cannot_open_a_socket(start_nodes):
    (node,) = start_nodes()
    participant = LiveClient(node)
    try:
        participant.get("/chat/1/")
        for origin in (f"http://127.0.0.1:{node.port + 1}", "https://127.0.0.1", "null"):
            with pytest.raises(InvalidStatus) as refused:
                await participant.websocket("/ws/rooms/1/", origin=origin)
            assert refused.value.response.status_code == 403
        socket = await participant.websocket("/ws/rooms/1/")
        assert (await socket.receive_type("hello"))["room"]["id"] == 1
    finally:
        await participant.close()
