"""Run Daphne with a deadline on receiving each request: ``python -m chatplatform.serve``.

Arguments are Daphne's own (``-b``, ``-p``, ``--proxy-headers``, the application).

Daphne serves HTTP through Twisted, whose only bound on a request still being
received is an idle timeout of 12 hours that every byte resets. A client that
opens connections and sends an upgrade request's headers slowly, or never ends
them, holds each connection (a socket, memory, a file descriptor) for as long as
it likes; Daphne's own timeouts (``--http-timeout``, ``--websocket_connect_timeout``)
only start once a request has been received in full.

Here each request must arrive whole (request line, headers and body) within
``REQUEST_RECEIVE_TIMEOUT_SECONDS``, counted from when the connection opened or
the previous response on it ended. A client that is too slow gets
``408 Request Timeout`` and the connection is closed. Once a websocket upgrade
request has arrived, Daphne's ``--websocket_connect_timeout`` (20 s) bounds the
rest of the handshake.

With ``EAGER_SOCKET_WRITE`` on, each accepted connection writes to its socket at
once when nothing is buffered (``chatplatform/eager_write.py``).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from daphne import server as daphne_server
from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory
from twisted.web.http import HTTPChannel

from chatplatform import eager_write

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 17\r\n"
    b"Connection: close\r\n\r\n"
    b"Request Timeout.\n"
)


class DeadlineChannel(HTTPChannel):
    """Twisted's HTTP/1.1 channel, with a deadline for each request to arrive."""

    request_timeout: float = 10.0
    eager_write: bool = False
    _deadline: Any = None

    def connectionMade(self) -> None:
        if self.eager_write:
            # Before anything is written on the connection (HTTPChannel's own
            # connectionMade registers it as the transport's producer).
            eager_write.make_eager(self.transport)
        super().connectionMade()
        self._start_deadline()

    def allContentReceived(self) -> None:
        # The request is in: from here Daphne's timeouts apply (and a websocket
        # upgrade takes the connection over).
        self._stop_deadline()
        super().allContentReceived()

    def requestDone(self, request: Any) -> None:
        # Before the next request is parsed from what is already buffered, which
        # may complete it (and stop the deadline) at once.
        if self.persistent:
            self._start_deadline()
        super().requestDone(request)

    def connectionLost(self, reason: Any) -> None:
        self._stop_deadline()
        super().connectionLost(reason)

    def _start_deadline(self) -> None:
        self._stop_deadline()
        self._deadline = self.callLater(self.request_timeout, self._request_timed_out)

    def _stop_deadline(self) -> None:
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self._deadline = None

    def _request_timed_out(self) -> None:
        self._deadline = None
        if self.transport is None:
            return
        logger.info("http.request_timeout", extra={"event": "http.request_timeout"})
        self.transport.write(REQUEST_TIMEOUT_RESPONSE)
        self.loseConnection()
        # A client that does not read cannot keep the connection open either.
        self._abortingCall = self.callLater(self.abortTimeout, self.forceAbortClient)


class DeadlineHTTPFactory(HTTPFactory):
    """Daphne's HTTP factory, building DeadlineChannels."""

    def __init__(self, server: Any) -> None:
        super().__init__(server)
        # Daphne imports the application, and so sets Django up, before it builds this.
        from django.conf import settings

        self.request_timeout = float(settings.REQUEST_RECEIVE_TIMEOUT_SECONDS)
        self.eager_write = settings.EAGER_SOCKET_WRITE
        if self.eager_write:
            logger.info("eager socket writes on", extra={"event": "serve.eager_socket_write"})

    def protocol(self) -> DeadlineChannel:  # type: ignore[override]
        # Twisted's default wraps the channel to switch to HTTP/2 when TLS
        # negotiates it; Daphne here speaks HTTP/1.1 behind a TLS-terminating proxy.
        channel = DeadlineChannel()
        channel.request_timeout = self.request_timeout
        channel.eager_write = self.eager_write
        return channel


def main(argv: list[str] | None = None) -> None:
    # Daphne's server builds its HTTP factory from this module-level name.
    daphne_server.HTTPFactory = DeadlineHTTPFactory
    CommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
