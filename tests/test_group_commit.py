"""Group commit: waiting messages are stored in one transaction, and acknowledged only after it."""

from __future__ import annotations

import asyncio
import contextvars
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from chatplatform import events, group_commit, pipeline
from chatplatform.errors import ServiceError
from chatplatform.models import Message, Room
from chatplatform.services import messages as message_service
from chatplatform.signals import message_stored


def new_id() -> str:
    return str(uuid.uuid4())


def request(access, body: str, client_id: str | None = None) -> message_service.SendRequest:
    return message_service.SendRequest(
        access=access,
        client_id=client_id or new_id(),
        body=body,
        context=contextvars.copy_context(),
    )


@pytest.fixture
def commits(monkeypatch):
    """Count the real commits of the database connection."""
    counted: list[int] = []
    original = connection.commit

    def commit() -> None:
        counted.append(1)
        original()

    monkeypatch.setattr(connection, "commit", commit)
    return counted


@pytest.fixture
def failing_receiver():
    """A message_stored receiver that raises on the n-th stored message (1-based)."""
    installed = []

    def install(nth: int) -> None:
        seen = []

        def receiver(**kwargs) -> None:
            seen.append(1)
            if len(seen) == nth:
                raise RuntimeError("storage failed")

        installed.append(receiver)
        message_stored.connect(receiver, dispatch_uid="test-failing-receiver")

    yield install
    message_stored.disconnect(dispatch_uid="test-failing-receiver")


@pytest.mark.django_db(transaction=True)
class TestBatch:
    def test_a_batch_is_stored_in_one_transaction_with_ids_in_order_per_room(
        self, make_participant, make_group_room, access_for, commits, sent_events
    ):
        first_room, second_room = make_group_room(), make_group_room()
        alice, bob = make_participant(), make_participant()
        batch = [
            request(access_for(alice, first_room), "one"),
            request(access_for(bob, second_room), "two"),
            request(access_for(bob, first_room), "three"),
            request(access_for(alice, first_room), "four"),
        ]
        commits.clear()
        outcomes = message_service.do_send_messages(batch)
        assert len(commits) == 1
        assert [o.id for o in outcomes] == [1, 1, 2, 3]
        stored = Message.objects.filter(room=first_room).order_by("seq")
        assert [message_service.decrypt_message(m) for m in stored] == ["one", "three", "four"]
        assert Room.objects.get(pk=first_room.pk).last_seq == 3
        # Published after the commit, each message once, in the order of their ids.
        assert [(g, e["message"]["id"]) for g, e in sent_events] == [
            (f"room.{first_room.pk}", 1),
            (f"room.{second_room.pk}", 1),
            (f"room.{first_room.pk}", 2),
            (f"room.{first_room.pk}", 3),
        ]

    def test_a_refused_message_leaves_the_rest_of_its_batch_and_takes_no_id(
        self, make_participant, make_direct_chat, make_group_room, access_for
    ):
        from chatplatform.services.queue import do_end_chat

        ended, participant, mentor = make_direct_chat()
        do_end_chat(access_for(mentor, ended))
        room = make_group_room()
        someone = make_participant()
        before = Room.objects.get(pk=ended.pk).last_seq
        outcomes = message_service.do_send_messages(
            [
                request(access_for(someone, room), "before"),
                request(access_for(participant, ended), "into an ended chat"),
                request(access_for(someone, room), "   "),
                request(access_for(someone, room), "after"),
            ]
        )
        assert outcomes[0].id == 1
        assert isinstance(outcomes[1], ServiceError) and outcomes[1].code == "room_closed"
        assert isinstance(outcomes[2], ServiceError) and outcomes[2].code == "invalid"
        assert outcomes[3].id == 2
        assert Room.objects.get(pk=ended.pk).last_seq == before
        assert Message.objects.filter(room=room).count() == 2

    def test_a_client_id_sent_twice_in_one_batch_is_stored_once_and_acked_twice(
        self, make_participant, make_group_room, access_for
    ):
        room = make_group_room()
        access = access_for(make_participant(), room)
        other = access_for(make_participant(), room)
        client_id = new_id()
        outcomes = message_service.do_send_messages(
            [
                request(access, "hello", client_id),
                request(other, "hi there"),
                request(access, "hello", client_id),
            ]
        )
        assert [o.id for o in outcomes] == [1, 2, 1]
        assert [o.duplicate for o in outcomes] == [False, False, True]
        assert Message.objects.filter(room=room).count() == 2
        assert Room.objects.get(pk=room.pk).last_seq == 2

    def test_a_blocked_message_is_refused_and_its_neighbours_are_stored(
        self, make_participant, make_group_room, access_for, settings
    ):
        settings.MESSAGE_CHECKS = ["tests.pipeline_checks.block_forbidden_word"]
        pipeline.configured_checks.cache_clear()
        try:
            room = make_group_room()
            access = access_for(make_participant(), room)
            outcomes = message_service.do_send_messages(
                [request(access, "fine"), request(access, "forbidden"), request(access, "ok")]
            )
        finally:
            pipeline.configured_checks.cache_clear()
        assert outcomes[0].id == 1
        assert isinstance(outcomes[1], ServiceError) and outcomes[1].code == "blocked"
        assert outcomes[2].id == 2

    def test_when_the_batch_fails_nothing_of_it_is_stored_or_published(
        self, make_participant, make_group_room, access_for, failing_receiver, sent_events
    ):
        room = make_group_room()
        access = access_for(make_participant(), room)
        failing_receiver(2)
        with pytest.raises(RuntimeError):
            message_service.do_send_messages(
                [request(access, "one"), request(access, "two"), request(access, "three")]
            )
        assert Message.objects.filter(room=room).count() == 0
        assert Room.objects.get(pk=room.pk).last_seq == 0
        assert sent_events == []

    def test_a_receiver_refusing_a_stored_message_fails_the_whole_batch(
        self, make_participant, make_group_room, access_for, sent_events
    ):
        # A message is stored without a savepoint: a refusal after the INSERT cannot
        # take back that one message and its id, so nothing of the batch is kept.
        def refuse(**kwargs) -> None:
            if kwargs["body"] == "two":
                raise ServiceError("blocked", "refused after storing")

        room = make_group_room()
        access = access_for(make_participant(), room)
        message_stored.connect(refuse, dispatch_uid="test-refusing-receiver")
        try:
            with pytest.raises(RuntimeError):
                message_service.do_send_messages(
                    [request(access, "one"), request(access, "two"), request(access, "three")]
                )
        finally:
            message_stored.disconnect(dispatch_uid="test-refusing-receiver")
        assert Message.objects.filter(room=room).count() == 0
        assert Room.objects.get(pk=room.pk).last_seq == 0
        assert sent_events == []

    def test_a_re_sent_client_id_in_a_later_batch_gives_its_id_back(
        self, make_participant, make_group_room, access_for, sent_events
    ):
        room = make_group_room()
        access = access_for(make_participant(), room)
        client_id = new_id()
        message_service.do_send_messages([request(access, "hello", client_id)])
        sent_events.clear()
        outcomes = message_service.do_send_messages(
            [request(access, "hello", client_id), request(access, "next")]
        )
        assert [(o.id, o.duplicate) for o in outcomes] == [(1, True), (2, False)]
        assert Room.objects.get(pk=room.pk).last_seq == 2
        assert list(
            Message.objects.filter(room=room).order_by("seq").values_list("seq", flat=True)
        ) == [1, 2]
        # Only the new message is published.
        assert [e["message"]["id"] for _g, e in sent_events] == [2]

    def test_each_senders_events_go_to_that_senders_holder(
        self, make_participant, make_group_room, access_for, sent_events
    ):
        room = make_group_room()
        alice, bob = access_for(make_participant(), room), access_for(make_participant(), room)
        held_by: dict[str, list] = {}
        batch = []
        for name, access in (("alice", alice), ("bob", bob)):
            held_by[name] = []
            token = events._held.set(held_by[name])
            try:
                batch.append(request(access, f"from {name}"))
            finally:
                events._held.reset(token)
        message_service.do_send_messages(batch)
        assert [e["message"]["body"] for _g, e in held_by["alice"]] == ["from alice"]
        assert [e["message"]["body"] for _g, e in held_by["bob"]] == ["from bob"]
        assert sent_events == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
class TestWriter:
    async def test_messages_waiting_together_are_stored_in_batches_of_at_most_the_maximum(
        self, make_participant, make_group_room, access_for, settings, monkeypatch
    ):
        settings.SEND_BATCH_MAX = 4
        room = await sync_to_async(make_group_room)()
        access = await sync_to_async(access_for)(await sync_to_async(make_participant)(), room)
        sizes: list[int] = []
        original = message_service.do_send_messages

        def spy(requests):
            sizes.append(len(requests))
            return original(requests)

        monkeypatch.setattr(message_service, "do_send_messages", spy)
        results = await asyncio.gather(
            *(group_commit.send_message(access, new_id(), f"message {n}") for n in range(10))
        )
        assert sizes == [4, 4, 2]
        assert [r.id for r in results] == list(range(1, 11))
        count = await sync_to_async(Message.objects.filter(room=room).count)()
        assert count == 10

    async def test_every_sender_in_a_failed_batch_gets_not_sent_and_nothing_is_acked(
        self, make_participant, make_group_room, access_for, failing_receiver
    ):
        room = await sync_to_async(make_group_room)()
        senders = [
            await sync_to_async(access_for)(await sync_to_async(make_participant)(), room)
            for _ in range(3)
        ]
        failing_receiver(3)
        outcomes = await asyncio.gather(
            *(group_commit.send_message(a, new_id(), "hello") for a in senders),
            return_exceptions=True,
        )
        assert [getattr(o, "code", o) for o in outcomes] == ["not_sent"] * 3
        count = await sync_to_async(Message.objects.filter(room=room).count)()
        assert count == 0

    async def test_a_database_outage_is_not_sent_with_one_warning_and_no_traceback(
        self, make_participant, make_group_room, access_for, monkeypatch, caplog
    ):
        import logging

        from django.db import OperationalError

        room = await sync_to_async(make_group_room)()
        access = await sync_to_async(access_for)(await sync_to_async(make_participant)(), room)

        def unreachable(requests):
            raise OperationalError("could not connect to server at 10.0.0.5: 'said words'")

        with monkeypatch.context() as patch:
            patch.setattr(message_service, "do_send_messages", unreachable)
            with caplog.at_level(logging.WARNING, logger="chatplatform.group_commit"):
                outcome = await asyncio.gather(
                    group_commit.send_message(access, new_id(), "said words"),
                    return_exceptions=True,
                )
        assert [getattr(o, "code", o) for o in outcome] == ["not_sent"]
        logged = [r for r in caplog.records if r.name == "chatplatform.group_commit"]
        assert [(r.levelname, r.event, r.error, r.exc_info) for r in logged] == [
            ("WARNING", "ws.batch_unavailable", "OperationalError", None)
        ]
        assert "said words" not in caplog.text and "10.0.0.5" not in caplog.text
        # Back up: the next batch is stored.
        stored = await group_commit.send_message(access, new_id(), "said again")
        assert stored.id == 1

    async def test_a_refusal_reaches_only_its_sender(
        self, make_participant, make_group_room, access_for
    ):
        room = await sync_to_async(make_group_room)()
        access = await sync_to_async(access_for)(await sync_to_async(make_participant)(), room)
        outcomes = await asyncio.gather(
            group_commit.send_message(access, new_id(), "first"),
            group_commit.send_message(access, new_id(), " "),
            group_commit.send_message(access, new_id(), "third"),
            return_exceptions=True,
        )
        assert outcomes[0].id == 1
        assert isinstance(outcomes[1], ServiceError) and outcomes[1].code == "invalid"
        assert outcomes[2].id == 2
