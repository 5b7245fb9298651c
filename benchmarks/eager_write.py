"""What an eager socket write saves per websocket-sized frame: Twisted's write path, paired.

One process on Twisted's asyncio reactor (as Daphne runs): ``--connections``
loopback TCP connections; in each round, every loop turn writes one
``--frame-bytes`` frame to every server-side transport, ``--turns`` times, and the
round ends when the client side has read everything. The same transports are
switched between Twisted's own ``tcp.Server`` (buffer, ``addWriter``, send on
the next turn, ``removeWriter``) and ``EagerServer`` (``EAGER_SOCKET_WRITE``)
round by round, alternating which goes first; CPU time of the process (both
ends, reading included, which is the same in both) per frame written, medians.

    .venv/bin/python benchmarks/eager_write.py [--connections 50] [--turns 200] [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from twisted.internet import asyncioreactor

asyncioreactor.install()

from twisted.internet import defer, protocol, reactor, task, tcp  # noqa: E402

from chatplatform.eager_write import EagerServer  # noqa: E402


class Sink(protocol.Protocol):
    """The client side: counts what it reads."""

    def __init__(self) -> None:
        self.received = 0

    def dataReceived(self, data: bytes) -> None:
        self.received += len(data)


class Source(protocol.Protocol):
    pass


async def run(args: argparse.Namespace) -> None:
    servers: list[Source] = []

    class SourceFactory(protocol.Factory):
        def buildProtocol(self, addr):
            source = Source()
            servers.append(source)
            return source

    port = reactor.listenTCP(0, SourceFactory(), interface="127.0.0.1")
    creator = protocol.ClientCreator(reactor, Sink)
    sinks = [
        await creator.connectTCP("127.0.0.1", port.getHost().port) for _ in range(args.connections)
    ]
    while len(servers) < args.connections:
        await sleep(0.01)
    frame = b"x" * args.frame_bytes
    results: dict[str, list[float]] = {"twisted": [], "eager": []}
    for number in range(args.rounds * 2):
        first, second = ("twisted", "eager") if (number // 2) % 2 == 0 else ("eager", "twisted")
        mode = first if number % 2 == 0 else second
        for server in servers:
            server.transport.__class__ = EagerServer if mode == "eager" else tcp.Server
        target = [sink.received + len(frame) * args.turns for sink in sinks]
        started = time.process_time()
        for _turn in range(args.turns):
            for server in servers:
                server.transport.write(frame)
            await sleep(0)
        while any(sink.received < goal for sink, goal in zip(sinks, target, strict=True)):
            await sleep(0)
        cpu = time.process_time() - started
        results[mode].append(cpu * 1e6 / (args.turns * args.connections))
    twisted, eager = statistics.median(results["twisted"]), statistics.median(results["eager"])
    sys.stdout.write(
        f"{args.connections} connections, {args.turns} turns, {args.frame_bytes}-byte frames, "
        f"{args.rounds} rounds each, load average {os.getloadavg()[0]:.2f}\n"
        f"CPU per frame written (both ends), medians: Twisted's path {twisted:.2f} µs, "
        f"eager {eager:.2f} µs, difference {twisted - eager:.2f} µs ({eager / twisted:.3f})\n"
        f"rounds, Twisted: {' '.join(f'{v:.1f}' for v in results['twisted'])}\n"
        f"rounds, eager:   {' '.join(f'{v:.1f}' for v in results['eager'])}\n"
    )
    for sink in sinks:
        sink.transport.loseConnection()
    await port.stopListening()


def sleep(seconds: float):
    return task.deferLater(reactor, seconds, lambda: None)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--frame-bytes", type=int, default=200)
    args = parser.parse_args()

    def go():
        d = defer.ensureDeferred(run(args))
        d.addErrback(lambda failure: failure.printTraceback())
        d.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(go)
    reactor.run()


if __name__ == "__main__":
    main()
