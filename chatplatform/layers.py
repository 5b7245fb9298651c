"""Channel layers: the embedded single-machine one, and Redis for several nodes."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer
from channels_redis.utils import _wrap_close
from redis.asyncio import BlockingConnectionPool

logger = logging.getLogger(__name__)


_IMMUTABLE = (str, int, float, bool, bytes, type(None))


def copy_event(value: Any) -> Any:
    """A deep copy of an event, fast for what events hold (dicts, lists, strings, numbers).

    Each receiver gets its own copy, as from the stock layer's ``deepcopy``, so one
    socket's handler can never change what another receives; immutable values are
    shared, as ``deepcopy`` shares them. Anything else goes through ``deepcopy``. A
    chat message's event copies in about a fifth of deepcopy's time.
    """
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if kind is dict:
        return {key: copy_event(item) for key, item in value.items()}
    if kind is list:
        return [copy_event(item) for item in value]
    if kind is tuple:
        return tuple(copy_event(item) for item in value)
    return copy.deepcopy(value)


class SingleNodeChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer, sweeping expired messages at most once a second.

    The stock layer sweeps every channel and group on every receive, which is
    quadratic in the number of open sockets; with a thousand connections that
    sweep dominated the server's time. It also deep-copies every event for every
    receiver and starts a task per receiver of a group send; here events are copied
    with ``copy_event`` and a group send puts the event in each queue directly.
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

    def _put(self, channel: str, message: dict[str, Any]) -> None:
        """Queue a copy of ``message`` for ``channel``; raise ChannelFull when its queue is full."""
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        try:
            queue.put_nowait((time.time() + self.expiry, copy_event(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._put(channel, message)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        """To every channel in the group but ``exclude``; a full channel misses the event, as in
        the stock layer."""
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        # The socket an event names in ``exclude`` would drop it (RoomConsumer): it is
        # not queued for that socket at all. Other layers deliver it and the socket drops it.
        excluded = message.get("exclude")
        for channel in list(self.groups.get(group, ())):
            if channel == excluded:
                continue
            with contextlib.suppress(ChannelFull):
                self._put(channel, message)


class RedisLayer(RedisChannelLayer):
    """channels_redis' core layer (Redis lists per process) with a blocking connection pool.

    Kept for comparison (REDIS_CHANNEL_LAYER=core); the pub/sub layer below is
    the default. Under load this layer drops events without a word: every
    socket of a process shares one Redis queue, emptied one event at a time
    (four round trips each), and once ``capacity`` events wait in it a group
    send skips that process (benchmarks/README.md).

    redis-py's default pool refuses the 101st concurrent connection; a thousand
    sockets joining their groups at once then failed with "Too many
    connections". A blocking pool makes the burst wait briefly for a free
    connection instead. redis-py 8 also reads with a 5 s socket timeout, the
    same length as the layer's blocking pop, so an idle receive could time out
    just as Redis answered and close a socket with 1011; reads here wait longer
    than the pop.
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


class DropOldestQueue(asyncio.Queue):
    """A socket's queue of events: when full, the oldest event gives way to the newest.

    A socket that stops reading must not grow the process without bound. What
    it misses is recoverable: chat messages carry gap-free ids and the page
    resumes from the last one it saw; pages and queue state are read from the
    database (docs/deployment.md, "What a dropped event costs").
    """

    # Events dropped by every queue of the process, for tests and benchmarks.
    dropped = 0

    def put_nowait(self, item: Any) -> None:
        if self.full():
            self.get_nowait()
            if not getattr(self, "has_dropped", False):
                # Once per socket: a stalled socket in a busy room would flood the log.
                self.has_dropped = True
                logger.warning("channel layer dropped events for a socket that is not reading")
            DropOldestQueue.dropped += 1
        super().put_nowait(item)


class _BoundedPubSubLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args: Any, capacity: int = 100, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = capacity

    async def _subscribe_to_channel(self, channel: str) -> None:
        self.channels[channel] = DropOldestQueue(self.capacity)
        await self._get_shard(channel).subscribe(channel)


class RedisPubSubLayer(RedisPubSubChannelLayer):
    """channels_redis' pub/sub layer, with a bounded queue per socket.

    Each node subscribes once per group that has a socket on it, and Redis
    pushes every group send to the subscribed nodes: no per-event polling, no
    per-process queue in Redis. Delivery is at most once, like every channel
    layer's; the database is the record (acknowledged messages are committed
    first) and clients catch up by id. Several Redis URLs shard channels and
    groups across servers by a consistent hash.
    """

    def _get_layer(self) -> RedisPubSubLoopLayer:
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = _BoundedPubSubLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
            return layer
