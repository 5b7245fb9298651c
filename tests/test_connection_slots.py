"""Connection slots: an identity's sockets are capped, and a slot can never leak.

A slot is one cache entry per open socket with a short lifetime that the socket
keeps refreshing. Closing releases it on every path (a normal close, a refused
handshake, a handler that failed, the server cancelling the consumer); a node that
dies without releasing anything frees its slots when they expire.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.core.cache.backends import base, locmem

from chatplatform import throttle
from tests.servers import LiveClient

ACTOR = "p42"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def cache_clock(monkeypatch):
    """Move the in-process cache's clock, so that entries expire without waiting."""
    clock = FakeClock()
    monkeypatch.setattr(base, "time", clock)
    monkeypatch.setattr(locmem, "time", clock)
    return clock


class TestSlots:
    def test_an_identity_gets_at_most_the_configured_number_of_slots(self, settings):
        settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 2
        first = throttle.acquire_connection(ACTOR, "c1")
        second = throttle.acquire_connection(ACTOR, "c2")
        assert first is not None and second is not None and first != second
        assert throttle.acquire_connection(ACTOR, "c3") is None
        assert throttle.open_connections(ACTOR) == 2

    def test_releasing_a_slot_lets_the_next_socket_in(self, settings):
        settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
        slot = throttle.acquire_connection(ACTOR, "c1")
        throttle.release_connection(slot, "c1")
        assert throttle.open_connections(ACTOR) == 0
        assert throttle.acquire_connection(ACTOR, "c2") is not None

    def test_releasing_twice_or_someone_elses_slot_frees_nothing_else(self, settings):
        settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
        slot = throttle.acquire_connection(ACTOR, "c1")
        throttle.release_connection(slot, "c1")
        taken = throttle.acquire_connection(ACTOR, "c2")
        assert taken == slot
        throttle.release_connection(slot, "c1")  # the first socket's late second release
        assert throttle.open_connections(ACTOR) == 1
        assert throttle.acquire_connection(ACTOR, "c3") is None

    def test_other_identities_are_not_affected(self, settings):
        settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
        assert throttle.acquire_connection(ACTOR, "c1") is not None
        assert throttle.acquire_connection("p43", "c2") is not None

    def test_a_slot_nobody_refreshes_expires_so_a_crashed_node_locks_nobody_out(
        self, settings, cache_clock
    ):
        settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
        assert throttle.acquire_connection(ACTOR, "crashed") is not None
        assert throttle.acquire_connection(ACTOR, "c2") is None
        cache_clock.now += throttle.CONNECTION_SLOT_SECONDS + 1
        assert throttle.open_connections(ACTOR) == 0
        assert throttle.acquire_connection(ACTOR, "c2") is not None

    def test_a_refreshed_slot_outlives_its_first_lifetime(self, settings, cache_clock):
        settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
        slot = throttle.acquire_connection(ACTOR, "c1")
        for _ in range(5):
            cache_clock.now += throttle.CONNECTION_SLOT_REFRESH_SECONDS
            throttle.refresh_connection(slot, "c1")
        assert throttle.open_connections(ACTOR) == 1
        assert throttle.acquire_connection(ACTOR, "c2") is None

    def test_a_lifetime_is_several_refreshes_long(self):
        assert throttle.CONNECTION_SLOT_SECONDS >= 3 * throttle.CONNECTION_SLOT_REFRESH_SECONDS
        assert throttle.CONNECTION_SLOT_SECONDS <= 5 * 60

    def test_slot_keys_hold_no_raw_actor_key(self, settings):
        slot = throttle.acquire_connection(ACTOR, "c1")
        assert ACTOR not in slot


async def room_socket(ws_connect, session_key, room):
    connected, code, socket = await ws_connect(f"/ws/rooms/{room.pk}/", session_key)
    assert connected, code
    await socket.receive_type("hello")
    return socket


@pytest.mark.django_db(transaction=True)
class TestConsumerReleasesItsSlot:
    async def test_a_consumer_the_server_cancels_releases_its_slot(
        self, ws_connect, session_for, make_participant, make_group_room, settings
    ):
        """Daphne cancels a consumer that is slow to finish: the slot must not go with it."""
        settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
        participant = await sync_to_async(make_participant)()
        room = await sync_to_async(make_group_room)()
        key = await sync_to_async(session_for)(participant)
        socket = await room_socket(ws_connect, key, room)
        socket.communicator.future.cancel()
        with pytest.raises(asyncio.CancelledError):
            await socket.communicator.future
        assert throttle.open_connections(f"p{participant.pk}") == 0
        await room_socket(ws_connect, key, room)

    async def test_a_refused_handshake_holds_no_slot(
        self, ws_connect, session_for, make_participant, make_direct_chat, settings
    ):
        settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
        room, _, _ = await sync_to_async(make_direct_chat)()
        stranger = await sync_to_async(make_participant)()
        key = await sync_to_async(session_for)(stranger)
        for _ in range(3):
            connected, code, _ = await ws_connect(f"/ws/rooms/{room.pk}/", key)
            assert (connected, code) == (False, 4403)
        assert throttle.open_connections(f"p{stranger.pk}") == 0

    async def test_the_socket_refreshes_its_slot_while_it_is_open(
        self, ws_connect, session_for, make_participant, make_group_room, monkeypatch
    ):
        refreshed = []
        monkeypatch.setattr(throttle, "CONNECTION_SLOT_REFRESH_SECONDS", 0.05)
        original = throttle.refresh_connection
        monkeypatch.setattr(
            throttle,
            "refresh_connection",
            lambda slot, connection: refreshed.append(slot) or original(slot, connection),
        )
        participant = await sync_to_async(make_participant)()
        room = await sync_to_async(make_group_room)()
        socket = await room_socket(ws_connect, await sync_to_async(session_for)(participant), room)
        for _ in range(100):
            if len(refreshed) >= 2:
                break
            await asyncio.sleep(0.05)
        assert len(refreshed) >= 2
        await socket.close()
        count = len(refreshed)
        await asyncio.sleep(0.2)
        assert len(refreshed) == count  # a closed socket stops refreshing
        assert throttle.open_connections(f"p{participant.pk}") == 0


# --- On a real Daphne ---------------------------------------------------------------------

BAD_FRAMES = [
    "[" * 30_000 + "]" * 30_000,  # nested far deeper than any frame
    '{"type": ["message.send"]}',  # a type that is not a string
    '{"type": {"a": 1}}',
    '{"type": "message.send", "client_id": "6f1c1c1e-1f0a-4b8a-9d55-2b0f1c6c9a10", '
    '"body": "half an emoji \\ud83d"}',  # a lone surrogate
    '{"type": "history", "before": 9223372036854775808}',
    '{"type": "resume", "after": ' + "9" * 4000 + "}",
]


@pytest.mark.integration
@pytest.mark.asyncio
async def test_bad_frames_on_a_real_server_never_lock_a_person_out(start_nodes):
    """Every bad frame gets an error frame; afterwards the person can still open every socket."""
    cap = 3
    (node,) = start_nodes(env={"WS_MAX_CONNECTIONS_PER_IDENTITY": str(cap)})
    client = LiveClient(node)
    try:
        client.get("/chat/1/")
        for raw in BAD_FRAMES:
            socket = await client.websocket("/ws/rooms/1/")
            await socket.receive_type("hello", timeout=20)
            await socket.send(raw)
            error = await socket.receive_type("error", timeout=20)
            assert error["code"] in {"invalid", "bad_json"}, error
            await socket.send(
                {"type": "message.send", "client_id": str(uuid.uuid4()), "body": "still here"}
            )
            assert (await socket.receive_type("message.ack", timeout=20))["id"] >= 1
            await client.close()
        sockets = [await client.websocket("/ws/rooms/1/") for _ in range(cap)]
        for socket in sockets:
            assert (await socket.receive_type("hello", timeout=20))["room"]["id"] == 1
    finally:
        await client.close()
    assert "Exception inside application" not in node.logs()
