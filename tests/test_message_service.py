"""The message rules, without a socket: store, acknowledge, dedupe, replay, render."""

from __future__ import annotations

import uuid

import pytest

from chatplatform import pipeline, roles
from chatplatform.errors import ServiceError
from chatplatform.models import Message
from chatplatform.services import messages as message_service
from chatplatform.services.messages import Viewer


def new_id() -> str:
    return str(uuid.uuid4())


def test_sent_message_is_stored_encrypted_and_acked_with_its_id(
    make_participant, make_group_room, access_for
):
    participant = make_participant()
    room = make_group_room()
    result = message_service.do_send_message(
        access_for(participant, room), new_id(), "I feel a bit better today"
    )
    assert result.id == 1
    stored = Message.objects.get(room=room, seq=1)
    assert b"better today" not in bytes(stored.body_ciphertext)
    assert message_service.decrypt_message(stored) == "I feel a bit better today"
    assert stored.body_length == len("I feel a bit better today")


def test_ids_increase_in_send_order_within_a_room(make_participant, make_group_room, access_for):
    room = make_group_room()
    first, second = make_participant(), make_participant()
    ids = [
        message_service.do_send_message(access_for(who, room), new_id(), f"message {n}").id
        for n, who in enumerate([first, second, first, second])
    ]
    assert ids == [1, 2, 3, 4]


def test_same_client_id_is_not_stored_twice_and_gets_the_original_id(
    make_participant, make_group_room, access_for
):
    participant = make_participant()
    room = make_group_room()
    access = access_for(participant, room)
    client_id = new_id()
    first = message_service.do_send_message(access, client_id, "hello")
    again = message_service.do_send_message(access, client_id, "hello")
    assert again.id == first.id
    assert again.duplicate
    assert Message.objects.filter(room=room).count() == 1


def test_two_senders_may_use_the_same_client_id(make_participant, make_group_room, access_for):
    room = make_group_room()
    client_id = new_id()
    first = message_service.do_send_message(access_for(make_participant(), room), client_id, "a")
    second = message_service.do_send_message(access_for(make_participant(), room), client_id, "b")
    assert (first.id, second.id) == (1, 2)


def test_broadcast_happens_only_after_commit(
    make_participant, make_group_room, access_for, sent_events, django_capture_on_commit_callbacks
):
    room = make_group_room()
    access = access_for(make_participant(), room)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message_service.do_send_message(access, new_id(), "after commit")
    assert sent_events == []
    for callback in callbacks:
        callback()
    group, event = sent_events[0]
    assert group == f"room.{room.pk}"
    assert event["type"] == "chat.message"
    assert event["message"]["body"] == "after commit"


def test_whitespace_only_message_is_invalid(make_participant, make_group_room, access_for):
    access = access_for(make_participant(), make_group_room())
    with pytest.raises(ServiceError) as error:
        message_service.do_send_message(access, new_id(), "   \n  ")
    assert error.value.code == "invalid"


def test_ended_chat_refuses_new_messages(make_direct_chat, access_for):
    from chatplatform.services.queue import do_end_chat

    room, participant, mentor = make_direct_chat()
    do_end_chat(access_for(mentor, room))
    with pytest.raises(ServiceError) as error:
        message_service.do_send_message(access_for(participant, room), new_id(), "hello?")
    assert error.value.code == "room_closed"


def test_resume_replays_everything_after_the_given_id_in_order(
    make_participant, make_group_room, access_for
):
    room = make_group_room()
    participant = make_participant()
    access = access_for(participant, room)
    for n in range(5):
        message_service.do_send_message(access, new_id(), f"m{n}")
    frames, last_id = message_service.messages_after(access, Viewer.of(access.actor), 2)
    assert [f["id"] for f in frames] == [3, 4, 5]
    assert [f["body"] for f in frames] == ["m2", "m3", "m4"]
    assert last_id == 5


def test_resume_crosses_batch_boundaries(
    make_participant, make_group_room, access_for, monkeypatch
):
    monkeypatch.setattr(message_service, "RESUME_BATCH", 3)
    room = make_group_room()
    access = access_for(make_participant(), room)
    for n in range(8):
        message_service.do_send_message(access, new_id(), f"m{n}")
    frames, last_id = message_service.messages_after(access, Viewer.of(access.actor), 0)
    assert [f["id"] for f in frames] == list(range(1, 9))
    assert last_id == 8


def test_history_pages_backwards(make_participant, make_group_room, access_for):
    room = make_group_room()
    access = access_for(make_participant(), room)
    for n in range(7):
        message_service.do_send_message(access, new_id(), f"m{n}")
    viewer = Viewer.of(access.actor)
    newest, more = message_service.messages_before(access, viewer, None, 3)
    assert [f["id"] for f in newest] == [5, 6, 7] and more
    older, more = message_service.messages_before(access, viewer, 5, 3)
    assert [f["id"] for f in older] == [2, 3, 4] and more
    oldest, more = message_service.messages_before(access, viewer, 2, 3)
    assert [f["id"] for f in oldest] == [1] and not more


def test_staff_whisper_is_never_shown_to_participants(
    make_staff, make_participant, make_group_room, access_for
):
    mentor = make_staff(roles.MENTOR)
    room = make_group_room(hosts=(mentor,))
    participant = make_participant()
    from chatplatform.actors import staff_actor

    message_service.do_post_notice(
        room,
        "staff only note",
        kind=Message.Kind.WHISPER,
        audience=Message.Audience.STAFF,
        sender=staff_actor(mentor),
    )
    p_access = access_for(participant, room)
    m_access = access_for(mentor, room)
    assert message_service.messages_after(p_access, Viewer.of(p_access.actor), 0)[0] == []
    staff_frames, _ = message_service.messages_after(m_access, Viewer.of(m_access.actor), 0)
    assert [f["body"] for f in staff_frames] == ["staff only note"]


def test_private_warning_reaches_only_its_recipient(make_participant, make_group_room, access_for):
    room = make_group_room()
    warned, other = make_participant(), make_participant()
    message_service.do_post_notice(
        room,
        "please be kind",
        kind=Message.Kind.WARNING,
        audience=Message.Audience.PRIVATE,
        recipient=warned,
    )
    for who, expected in ((warned, ["please be kind"]), (other, [])):
        access = access_for(who, room)
        frames, _ = message_service.messages_after(access, Viewer.of(access.actor), 0)
        assert [f["body"] for f in frames] == expected


def test_hidden_message_shows_a_placeholder_to_participants_and_the_reason_to_staff(
    make_participant, make_staff, make_group_room, access_for
):
    mentor = make_staff()
    room = make_group_room(hosts=(mentor,))
    sender = make_participant()
    message_service.do_send_message(access_for(sender, room), new_id(), "something unkind")
    Message.objects.filter(room=room, seq=1).update(
        hidden_at="2026-01-01T00:00Z", hidden_reason="harassment"
    )
    reader = access_for(make_participant(), room)
    frame = message_service.messages_after(reader, Viewer.of(reader.actor), 0)[0][0]
    assert frame["hidden"] is True and frame["body"] is None and "hidden_reason" not in frame
    staff = access_for(mentor, room)
    frame = message_service.messages_after(staff, Viewer.of(staff.actor), 0)[0][0]
    assert frame["body"] == "something unkind" and frame["hidden_reason"] == "harassment"


def test_blocked_senders_are_filtered_for_the_blocker_only(
    make_participant, make_group_room, access_for
):
    from chatplatform.models import Block
    from chatplatform.services.access import blocked_sender_keys

    room = make_group_room()
    rude, blocker, bystander = make_participant(), make_participant(), make_participant()
    message_service.do_send_message(access_for(rude, room), new_id(), "rude words")
    Block.objects.create(blocker=blocker, blocked=rude)
    blocker_access = access_for(blocker, room)
    viewer = Viewer.of(blocker_access.actor, blocked_sender_keys(blocker_access.actor))
    assert message_service.messages_after(blocker_access, viewer, 0)[0] == []
    other = access_for(bystander, room)
    assert len(message_service.messages_after(other, Viewer.of(other.actor), 0)[0]) == 1


class TestPipeline:
    def test_block_verdict_refuses_the_message_and_stores_nothing(
        self, make_participant, make_group_room, access_for, settings
    ):
        settings.MESSAGE_CHECKS = ["tests.pipeline_checks.block_everything"]
        pipeline.configured_checks.cache_clear()
        try:
            access = access_for(make_participant(), make_group_room())
            with pytest.raises(ServiceError) as error:
                message_service.do_send_message(access, new_id(), "anything")
            assert error.value.code == "blocked_for_test"
            assert Message.objects.count() == 0
        finally:
            pipeline.configured_checks.cache_clear()

    def test_mask_rewrites_the_body_before_storage(
        self, make_participant, make_group_room, access_for, settings
    ):
        settings.MESSAGE_CHECKS = ["tests.pipeline_checks.mask_secret"]
        pipeline.configured_checks.cache_clear()
        try:
            access = access_for(make_participant(), make_group_room())
            result = message_service.do_send_message(access, new_id(), "my secret is here")
            assert result.masked
            assert message_service.decrypt_message(Message.objects.get()) == "my [removed] is here"
        finally:
            pipeline.configured_checks.cache_clear()

    def test_hold_stores_without_an_id_until_released(
        self, make_participant, make_group_room, access_for, settings
    ):
        settings.MESSAGE_CHECKS = ["tests.pipeline_checks.hold_everything"]
        pipeline.configured_checks.cache_clear()
        try:
            access = access_for(make_participant(), make_group_room())
            result = message_service.do_send_message(access, new_id(), "meet me outside")
            assert result.id is None and result.status == Message.Status.HELD
            held = Message.objects.get()
            assert message_service.messages_after(access, Viewer.of(access.actor), 0)[0] == []
            released = message_service.do_release_held(held)
            assert released.seq == 1
            frames, _ = message_service.messages_after(access, Viewer.of(access.actor), 0)
            assert [f["body"] for f in frames] == ["meet me outside"]
        finally:
            pipeline.configured_checks.cache_clear()

    def test_strongest_action_wins_and_flags_accumulate(self):
        def flagger(draft):
            return pipeline.Verdict(flags=(pipeline.Flag("a", "noticed"),))

        def holder(draft):
            return pipeline.Verdict(
                action=pipeline.HOLD, code="held", flags=(pipeline.Flag("b", "held"),)
            )

        draft = pipeline.Draft(
            room_id=1,
            room_kind="group",
            sender_kind="participant",
            sender_id=1,
            sender_role="participant",
            body="x",
        )
        outcome = pipeline.run_checks(draft, [flagger, holder, flagger])
        assert outcome.action == pipeline.HOLD
        assert [f.kind for f in outcome.flags] == ["noticed", "held", "noticed"]

    def test_draft_repr_never_shows_the_body(self):
        draft = pipeline.Draft(
            room_id=1,
            room_kind="group",
            sender_kind="participant",
            sender_id=1,
            sender_role="participant",
            body="very private words",
        )
        assert "private" not in repr(draft)


def test_a_rooms_first_message_creates_key_version_one_and_a_shredded_room_the_next(
    make_participant, make_group_room, access_for
):
    from chatplatform.models import RoomKey
    from chatplatform.services import keys

    room = make_group_room()
    access = access_for(make_participant(), room)
    message_service.do_send_message(access, new_id(), "first")
    assert list(RoomKey.objects.filter(room=room).values_list("version", flat=True)) == [1]
    keys.do_shred_keys(RoomKey.objects.filter(room=room))
    message_service.do_send_message(access, new_id(), "after the shredding")
    versions = sorted(RoomKey.objects.filter(room=room).values_list("version", flat=True))
    assert versions == [1, 2]
    newest = Message.objects.get(room=room, seq=2)
    assert newest.key_version == 2
    assert message_service.decrypt_message(newest) == "after the shredding"
