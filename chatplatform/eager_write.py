"""Write to a connection's socket at once when nothing waits to be sent (``EAGER_SOCKET_WRITE``).

Twisted's ``FileDescriptor.write`` never writes: it appends to the transport's
buffer and registers the socket for writing (``addWriter``, an ``epoll_ctl``
under the asyncio reactor); on the loop's next turn ``doWrite`` sends the buffer
and, once it is empty, unregisters the socket (a second ``epoll_ctl``). A chat
node writes a few small websocket frames per message, nearly always to a socket
with nothing buffered, so each frame pays two system calls and a loop turn on
top of its ``send()``.

``EagerServer.write`` does what asyncio's own transports do: when the buffer is
empty it calls ``send()`` straight away and is done if everything went. Whatever
the kernel did not take (a slow reader, a full socket buffer) is handed to
Twisted's ``write`` exactly as if it had been the whole write, so from there on
Twisted's path alone (buffering, ``doWrite``, pausing a streaming producer)
sends it, in order, before anything written later. Every case that is not the
simple one goes to Twisted's ``write`` untouched:

- something already buffered (later bytes must queue behind it);
- the connection closing or half-closed (``loseConnection`` flushes the buffer
  first, and closes once it is empty; a write after it is Twisted's to drop);
- TLS started on the transport;
- a producer that is paused or not streaming (``doWrite`` resumes it only when
  the buffer empties);
- not ``bytes``, or empty (Twisted raises or ignores them);
- ``send()`` failing: the bytes are buffered, the socket registered, and the
  reactor's ``doWrite`` meets the error again and closes the connection as it
  always does (so ``connectionLost`` is never called from inside a ``write``).

An aborted transport (``abortConnection``) replaces its own ``write`` with a
no-op, which still wins over this class's method.
"""

from __future__ import annotations

from twisted.internet import tcp


class EagerServer(tcp.Server):
    """Twisted's server-side TCP connection, writing at once when its buffer is empty."""

    def write(self, data: bytes) -> None:
        if not self._may_write_now(data):
            super().write(data)
            return
        sent = self.writeSomeData(data)
        if isinstance(sent, BaseException) or sent < 0:
            # Lost: leave it to the reactor's doWrite to find out and close.
            sent = 0
        if sent < len(data):
            super().write(data[sent:] if sent else data)

    def _may_write_now(self, data: object) -> bool:
        producer = self.producer
        return (
            type(data) is bytes
            and bool(data)
            and self.connected
            and not self.disconnecting
            and not self._writeDisconnecting
            and not self._writeDisconnected
            and not self.TLS
            and not self._tempDataLen
            and self.offset == len(self.dataBuffer)
            and (producer is None or (self.streamingProducer and not self.producerPaused))
        )


def make_eager(transport: object) -> bool:
    """Make a freshly accepted plain TCP transport write eagerly; False (and unchanged) otherwise.

    Call it before anything is written on the connection (a protocol's
    ``connectionMade``). Only Twisted's own ``tcp.Server`` is switched: a
    subclass or a wrapper (TLS, a test's transport) keeps its own ``write``.
    """
    if type(transport) is not tcp.Server:
        return False
    transport.__class__ = EagerServer
    return True
