"""The Redis channel layer holds up under a burst of sockets, against a real Redis."""

from __future__ import annotations

import asyncio

import pytest

from chatplatform.layers import DropOldestQueue, RedisLayer, RedisPubSubLayer
from tests.servers import running_redis

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


async def test_pubsub_layer_delivers_a_group_send_to_every_socket_of_a_burst(redis_url):
    layer = RedisPubSubLayer(hosts=[redis_url], prefix="test-pubsub-burst")
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


async def test_pubsub_layer_carries_a_group_send_from_one_node_to_another(redis_url):
    # Two layer instances are two nodes: a socket on one hears what the other sends.
    sender = RedisPubSubLayer(hosts=[redis_url], prefix="test-pubsub-nodes")
    listener = RedisPubSubLayer(hosts=[redis_url], prefix="test-pubsub-nodes")
    try:
        channel = await listener.new_channel()
        await listener.group_add("room-2", channel)
        await asyncio.sleep(0.2)  # the subscription reaches Redis
        await sender.group_send("room-2", {"type": "chat.message", "id": 7})
        received = await asyncio.wait_for(listener.receive(channel), timeout=10)
        assert received == {"type": "chat.message", "id": 7}
    finally:
        await sender.flush()
        await listener.flush()


async def test_pubsub_layer_keeps_the_newest_events_for_a_socket_that_stops_reading(redis_url):
    layer = RedisPubSubLayer(hosts=[redis_url], prefix="test-pubsub-full", capacity=5)
    try:
        channel = await layer.new_channel()
        await layer.group_add("room-3", channel)
        await asyncio.sleep(0.2)
        dropped_before = DropOldestQueue.dropped
        for n in range(1, 13):
            await layer.group_send("room-3", {"type": "chat.message", "id": n})
        deadline = asyncio.get_running_loop().time() + 10
        while DropOldestQueue.dropped - dropped_before < 7:
            assert asyncio.get_running_loop().time() < deadline, "events did not arrive"
            await asyncio.sleep(0.05)
        received = [(await layer.receive(channel))["id"] for _ in range(5)]
        assert received == [8, 9, 10, 11, 12]
    finally:
        await layer.flush()


async def test_pubsub_layer_shards_groups_across_several_redis_servers(redis_url):
    with running_redis() as second_url:
        node_a = RedisPubSubLayer(hosts=[redis_url, second_url], prefix="test-shards")
        node_b = RedisPubSubLayer(hosts=[redis_url, second_url], prefix="test-shards")
        try:
            groups = [f"room-{n}" for n in range(20)]
            channel = await node_b.new_channel()
            for group in groups:
                await node_b.group_add(group, channel)
            await asyncio.sleep(0.3)
            for group in groups:
                await node_a.group_send(group, {"type": "probe", "group": group})
            heard = [(await asyncio.wait_for(node_b.receive(channel), 10))["group"] for _ in groups]
            assert sorted(heard) == sorted(groups)
            # Both servers carried some of the groups.
            layer = node_a._get_layer()
            used = {
                layer._get_shard(layer._get_group_channel_name(g)).host["address"] for g in groups
            }
            assert used == {redis_url, second_url}
        finally:
            await node_a.flush()
            await node_b.flush()
