"""A Twisted server whose connections write eagerly, for tests/test_eager_write.py.

``python -m tests.eager_write_server MODE``: on Twisted's asyncio reactor (as
Daphne runs), listens on a free loopback port, prints ``port N``, serves one
connection, prints what it saw as ``key value`` lines and exits. Modes:

- ``small``: three small writes, then ``loseConnection``.
- ``slow``: CHUNKS numbered chunks of CHUNK_SIZE bytes, more than the kernel takes
  at once (the test's client reads slowly), with a streaming producer
  registered as Daphne's HTTP channel does; once Twisted has drained its buffer
  and resumed the producer, ``unregisterProducer`` and ``loseConnection``.
- ``vanish``: stops reading, waits until the peer has reset the connection, then
  writes.
"""

from __future__ import annotations

import sys

from twisted.internet import protocol
from twisted.internet.interfaces import IPushProducer
from zope.interface import implementer

from chatplatform.eager_write import EagerServer, make_eager

CHUNKS = 200
CHUNK_SIZE = 64 * 1024


def chunk(number: int) -> bytes:
    """Chunk ``number``: its number, then a byte pattern that differs from chunk to chunk."""
    return number.to_bytes(4, "big") + bytes((number + i) % 251 for i in range(CHUNK_SIZE - 4))


def report(key: str, value: object) -> None:
    sys.stdout.write(f"{key} {value}\n")
    sys.stdout.flush()


@implementer(IPushProducer)
class Producer:
    def __init__(self, on_resume) -> None:
        self.pauses = self.resumes = 0
        self.on_resume = on_resume

    def pauseProducing(self) -> None:
        self.pauses += 1

    def resumeProducing(self) -> None:
        self.resumes += 1
        self.on_resume()

    def stopProducing(self) -> None:
        pass


def buffered(transport: EagerServer) -> int:
    return len(transport.dataBuffer) - transport.offset + transport._tempDataLen


class Peer(protocol.Protocol):
    mode = "small"

    def connectionMade(self) -> None:
        report("eager", make_eager(self.transport))
        getattr(self, f"start_{self.mode}")()

    def start_small(self) -> None:
        for text in (b"one\n", b"two\n", b"three\n"):
            self.transport.write(text)
        report("buffered_after_writes", buffered(self.transport))
        self.transport.loseConnection()

    def start_slow(self) -> None:
        self.producer = Producer(self.resume)
        self.transport.registerProducer(self.producer, True)
        self.transport.write(chunk(0))
        report("first_write_buffered", buffered(self.transport))
        for number in range(1, CHUNKS):
            self.transport.write(chunk(number))
        report("buffered_after_writes", buffered(self.transport))

    def resume(self) -> None:
        # The buffer has drained (Twisted resumes a paused producer then): done, as
        # Daphne's HTTP channel does, unregister and close after what is buffered.
        self.transport.unregisterProducer()
        self.transport.loseConnection()

    def start_vanish(self) -> None:
        self.transport.stopReading()
        from twisted.internet import reactor

        # The test resets the connection as soon as it is accepted; write after that.
        reactor.callLater(0.5, self.write_to_the_vanished)

    def write_to_the_vanished(self) -> None:
        self.transport.write(b"anyone there?\n")
        report("write_returned", True)

    def connectionLost(self, reason: object) -> None:
        report("lost", type(reason.value).__name__)  # type: ignore[attr-defined]
        producer = getattr(self, "producer", None)
        if producer is not None:
            report("producer_paused", producer.pauses)
            report("producer_resumed", producer.resumes)
        from twisted.internet import reactor

        reactor.callLater(0, reactor.stop)


def main() -> None:
    # Here, not at import: the tests import this module's constants.
    from twisted.internet import asyncioreactor

    asyncioreactor.install()
    from twisted.internet import reactor

    Peer.mode = sys.argv[1]
    factory = protocol.Factory.forProtocol(Peer)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    report("port", port.getHost().port)
    reactor.callLater(60, reactor.stop)  # never hang a test
    reactor.run()


if __name__ == "__main__":
    main()
