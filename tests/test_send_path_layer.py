"""The embedded channel layer delivers what the stock in-memory layer delivers, cheaper.

Each receiver still gets its own copy of an event (one socket's handler cannot
change what another socket receives), a full socket queue still misses the event
without stopping the others, and an event's expiry still applies.
"""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime

import pytest
from channels.exceptions import ChannelFull

from chatplatform.layers import SingleNodeChannelLayer, copy_event

EVENT = {
    "type": "chat.message",
    "room": 12,
    "message": {
        "id": 5,
        "sender": {"handle": "Quiet Heron 17", "role": "participant"},
        "body": "How are you doing today?",
        "recipient_key": None,
        "hidden": False,
        "tags": ["a", ("b", 1)],
    },
}


def test_copy_event_is_a_deep_copy():
    copied = copy_event(EVENT)
    assert copied == EVENT == copy.deepcopy(EVENT)
    assert copied is not EVENT
    assert copied["message"] is not EVENT["message"]
    assert copied["message"]["sender"] is not EVENT["message"]["sender"]
    assert copied["message"]["tags"] is not EVENT["message"]["tags"]


def test_copy_event_falls_back_to_deepcopy_for_other_values():
    moment = datetime(2026, 12, 6, tzinfo=UTC)
    event = {"type": "x", "ids": {1, 2}, "at": moment, "nested": [{"ids": {3}}]}
    copied = copy_event(event)
    assert copied == event
    assert copied["ids"] is not event["ids"]
    assert copied["nested"][0]["ids"] is not event["nested"][0]["ids"]


@pytest.fixture
def layer():
    return SingleNodeChannelLayer(capacity=2)


async def test_every_receiver_gets_its_own_copy(layer):
    one, other = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room.12", one)
    await layer.group_add("room.12", other)
    sent = copy.deepcopy(EVENT)
    await layer.group_send("room.12", sent)
    first = await layer.receive(one)
    first["message"]["sender"]["handle"] = "changed by a handler"
    first["message"]["tags"].append("more")
    second = await layer.receive(other)
    assert second == EVENT
    assert sent == EVENT


async def test_a_full_queue_misses_the_event_and_the_others_still_get_it(layer):
    full, free = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room.1", full)
    for n in range(2):
        await layer.send(full, {"type": "filler", "n": n})
    with pytest.raises(ChannelFull):
        await layer.send(full, {"type": "one too many"})
    await layer.group_add("room.1", free)
    await layer.group_send("room.1", {"type": "chat.frame", "n": 9})
    assert await layer.receive(free) == {"type": "chat.frame", "n": 9}
    assert [(await layer.receive(full))["n"] for _ in range(2)] == [0, 1]


async def test_a_group_nobody_joined_and_a_discarded_channel_get_nothing(layer):
    await layer.group_send("room.404", {"type": "chat.frame"})
    assert layer.channels == {}
    channel = await layer.new_channel()
    await layer.group_add("room.2", channel)
    await layer.group_discard("room.2", channel)
    await layer.group_send("room.2", {"type": "chat.frame"})
    assert channel not in layer.channels


async def test_expired_events_are_still_swept(layer, monkeypatch):
    channel = await layer.new_channel()
    await layer.group_add("room.3", channel)
    await layer.group_send("room.3", {"type": "old"})
    later = time.time() + layer.expiry + 1
    monkeypatch.setattr("chatplatform.layers.time.time", lambda: later)
    layer._last_sweep = 0.0
    layer._clean_expired()
    assert channel not in layer.channels
    assert channel not in layer.groups.get("room.3", {})
