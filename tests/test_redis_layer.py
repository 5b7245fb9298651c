"""The Redis channel layer holds up under a burst of sockets, against a real Redis."""

from __future__ import annotations

import asyncio

import pytest

from chatplatform.layers import RedisLayer

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def test_burst_of_sockets_joining_groups_at_once_all_get_the_group_message(redis_url):
    # redis-py's default pool refuses its 101st connection; a node restarting
    # under load sees hundreds of sockets joining their rooms in the same instant.
    layer = RedisLayer(hosts=[redis_url], prefix="test-burst")
    channels = [await layer.new_channel() for _ in range(300)]
    try:
        await asyncio.gather(*(layer.group_add("room-1", name) for name in channels))
        await layer.group_send("room-1", {"type": "probe"})
        received = await asyncio.wait_for(
            asyncio.gather(*(layer.receive(name) for name in channels)), timeout=30
        )
        assert [message["type"] for message in received] == ["probe"] * 300
    finally:
        await layer.flush()
        await layer.close_pools()


async def test_layer_reads_wait_longer_than_its_blocking_pop(redis_url):
    layer = RedisLayer(hosts=[redis_url], prefix="test-timeout")
    try:
        pool = layer.create_pool(0)
        assert pool.connection_kwargs["socket_timeout"] > layer.brpop_timeout
        await pool.aclose()
    finally:
        await layer.close_pools()
