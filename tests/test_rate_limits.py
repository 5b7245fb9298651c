"""Abuse limits without identifying anyone: new identities per network, sockets per identity."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.test import Client

from chatplatform import pseudonyms, roles, throttle
from chatplatform.models import Participant


@pytest.fixture(autouse=True)
def frozen_window(monkeypatch):
    """Keep every hit of a test in one rate-limit window."""
    monkeypatch.setattr(throttle, "clock", lambda: 1_700_000_010.0)


def test_network_keys_are_keyed_truncated_and_change_every_day():
    key = b"k" * 32
    today = pseudonyms.daily_network_key(key, "203.0.113.7", date(2025, 3, 1))
    assert len(today) == 16 and "203" not in today
    assert today == pseudonyms.daily_network_key(key, "203.0.113.7", date(2025, 3, 1))
    assert today != pseudonyms.daily_network_key(key, "203.0.113.7", date(2025, 3, 2))
    assert today != pseudonyms.daily_network_key(b"x" * 32, "203.0.113.7", date(2025, 3, 1))


def test_ipv6_clients_in_one_slash_64_share_a_network_key():
    key, day = b"k" * 32, date(2025, 3, 1)
    assert pseudonyms.daily_network_key(key, "2001:db8::1", day) == pseudonyms.daily_network_key(
        key, "2001:db8::ffff:1", day
    )
    assert pseudonyms.daily_network_key(key, "2001:db8::1", day) != pseudonyms.daily_network_key(
        key, "2001:db8:0:1::1", day
    )


def test_new_identities_from_one_network_are_limited(db, settings):
    settings.NEW_IDENTITIES_PER_HOUR = 2
    statuses = [Client().post("/chat/request/").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert Participant.objects.count() == 2


def test_a_returning_participant_is_not_counted_again(db, settings):
    settings.NEW_IDENTITIES_PER_HOUR = 1
    client = Client()
    assert client.post("/me/handle/").status_code == 302
    assert client.post("/me/handle/").status_code == 302
    assert Client().post("/me/handle/").status_code == 429


def test_the_cache_never_holds_an_ip_address(db):
    Client(REMOTE_ADDR="198.51.100.23").post("/chat/request/")
    keys = list(cache._cache.keys())  # locmem: the raw keys
    assert keys and not any("198.51.100" in key for key in keys)


@pytest.mark.django_db(transaction=True)
async def test_connections_per_identity_are_capped(
    ws_connect, session_for, make_participant, make_group_room, settings
):
    settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 2
    participant = await sync_to_async(make_participant)()
    room = await sync_to_async(make_group_room)()
    key = await sync_to_async(session_for)(participant)
    path = f"/ws/rooms/{room.pk}/"
    first = await ws_connect(path, key)
    second = await ws_connect(path, key)
    third = await ws_connect(path, key)
    assert (first[0], second[0]) == (True, True)
    assert (third[0], third[1]) == (False, 4429)

    await first[2].close()
    assert (await ws_connect(path, key))[0]


@pytest.mark.django_db(transaction=True)
async def test_message_rate_is_limited_per_identity_across_connections(
    ws_connect, session_for, make_participant, make_group_room, settings
):
    settings.MESSAGE_RATE_BURST = 1
    settings.MESSAGE_RATE_PER_MINUTE = 1  # two messages a minute for the identity in all
    participant = await sync_to_async(make_participant)()
    room = await sync_to_async(make_group_room)()
    key = await sync_to_async(session_for)(participant)
    replies = []
    for _ in range(3):
        connected, _, socket = await ws_connect(f"/ws/rooms/{room.pk}/", key)
        assert connected
        await socket.receive_type("hello")
        await socket.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": "hi"})
        replies.append(await socket.receive())
    assert [reply["type"] for reply in replies[:2]] == ["message.ack", "message.ack"]
    assert replies[2]["type"] == "error" and replies[2]["code"] == "rate_limited"


@pytest.mark.django_db(transaction=True)
async def test_frames_are_limited_per_identity(
    ws_connect, session_for, make_staff, make_group_room, settings
):
    settings.WS_IDENTITY_FRAMES_PER_MINUTE = 3
    mentor = await sync_to_async(make_staff)(roles.MENTOR)
    room = await sync_to_async(make_group_room)(hosts=(mentor,))
    connected, _, socket = await ws_connect(
        f"/ws/rooms/{room.pk}/", await sync_to_async(session_for)(mentor)
    )
    assert connected
    await socket.receive_type("hello")
    for _ in range(3):
        await socket.send({"type": "ping"})
        assert (await socket.receive_type("pong"))["type"] == "pong"
    await socket.send({"type": "ping"})
    assert (await socket.receive_type("error"))["code"] == "rate_limited"


def identity_counts(actor_key: str) -> tuple[int | None, int | None]:
    subject = pseudonyms.of_actor_key(actor_key)
    return cache.get(f"rl:frames:{subject}:28333333"), cache.get(f"rl:messages:{subject}:28333333")


async def participant_in_a_group_room(ws_connect, session_for, make_participant, make_group_room):
    """A new participant connected to a new group room, past its hello."""
    participant = await sync_to_async(make_participant)()
    room = await sync_to_async(make_group_room)()
    connected, _, socket = await ws_connect(
        f"/ws/rooms/{room.pk}/", await sync_to_async(session_for)(participant)
    )
    assert connected
    await socket.receive_type("hello")
    return participant, socket


@pytest.mark.django_db(transaction=True)
async def test_a_message_refused_by_the_frame_limit_costs_no_send_token(
    ws_connect, session_for, make_participant, make_group_room, settings
):
    settings.WS_IDENTITY_FRAMES_PER_MINUTE = 1
    settings.MESSAGE_RATE_BURST = 2  # two tokens on the socket, three for the identity
    settings.MESSAGE_RATE_PER_MINUTE = 1
    participant, socket = await participant_in_a_group_room(
        ws_connect, session_for, make_participant, make_group_room
    )

    def message(ref):
        return {"type": "message.send", "client_id": str(uuid.uuid4()), "ref": ref, "body": "hi"}

    await socket.send(message("a"))
    assert (await socket.receive_type("message.ack"))["type"] == "message.ack"
    await socket.send(message("b"))
    refused = await socket.receive_type("error")
    assert (refused["code"], refused["ref"], refused["retry_after"]) == ("rate_limited", "b", 30.0)
    assert refused["detail"] == "Too many frames. Slow down a little."
    assert identity_counts(f"p{participant.pk}") == (2, 1)

    settings.WS_IDENTITY_FRAMES_PER_MINUTE = 100
    await socket.send(message("c"))  # the socket's second token is still there
    assert (await socket.receive_type("message.ack"))["type"] == "message.ack"
    await socket.send(message("d"))
    refused = await socket.receive_type("error")
    assert (refused["code"], refused["ref"]) == ("rate_limited", "d")
    assert "sending messages very quickly" in refused["detail"]
    assert identity_counts(f"p{participant.pk}") == (4, 2)


@pytest.mark.django_db(transaction=True)
async def test_a_message_frame_that_fails_to_parse_still_counts_as_a_frame(
    ws_connect, session_for, make_participant, make_group_room, settings
):
    settings.WS_IDENTITY_FRAMES_PER_MINUTE = 2
    participant, socket = await participant_in_a_group_room(
        ws_connect, session_for, make_participant, make_group_room
    )
    too_long = {"type": "message.send", "client_id": str(uuid.uuid4()), "ref": "x"}
    too_long["body"] = "y" * (settings.MESSAGE_MAX_LENGTH + 1)
    await socket.send(too_long)
    assert (await socket.receive_type("error"))["code"] == "too_long"
    await socket.send({"type": "message.send", "ref": "y"})  # no client_id, no body
    assert (await socket.receive_type("error"))["code"] != "rate_limited"
    await socket.send(too_long)  # the third frame of two: refused before it is read
    assert (await socket.receive_type("error"))["code"] == "rate_limited"
    assert identity_counts(f"p{participant.pk}") == (3, None)
