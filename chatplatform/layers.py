"""Channel layers: the embedded single-machine one, and Redis for several nodes."""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer
from redis.asyncio import BlockingConnectionPool


class SingleNodeChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer, sweeping expired messages at most once a second.

    The stock layer sweeps every channel and group on every receive, which is
    quadratic in the number of open sockets; with a thousand connections that
    sweep dominated the server's time.
    """

    SWEEP_INTERVAL_SECONDS = 1.0

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._last_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < self.SWEEP_INTERVAL_SECONDS:
            return
        self._last_sweep = now
        super()._clean_expired()


class RedisLayer(RedisChannelLayer):
    """channels_redis with a blocking connection pool.

    redis-py's default pool refuses the 101st concurrent connection; a thousand
    sockets joining their groups at once then failed with "Too many
    connections". A blocking pool makes the burst wait briefly for a free
    connection instead.

    redis-py 8 also reads with a 5 s socket timeout, the same length as the
    layer's blocking pop, so an idle receive could time out just as Redis
    answered and close a socket with 1011; reads here wait longer than the pop.
    """

    POOL_SIZE = 200
    POOL_WAIT_SECONDS = 10
    SOCKET_TIMEOUT_SECONDS = RedisChannelLayer.brpop_timeout + 10

    def create_pool(self, index: int) -> BlockingConnectionPool:
        host = dict(self.hosts[index])
        return BlockingConnectionPool.from_url(
            host.pop("address"),
            max_connections=self.POOL_SIZE,
            timeout=self.POOL_WAIT_SECONDS,
            socket_timeout=self.SOCKET_TIMEOUT_SECONDS,
            **host,
        )
