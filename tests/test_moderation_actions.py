"""Moderator actions, without a socket: what each one stores, publishes and audits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chatplatform import audit
from chatplatform.errors import ServiceError
from chatplatform.models import AuditEntry, Message
from chatplatform.services.messages import Viewer, messages_after
from moderation.models import RoomState, Sanction
from tests.moderation_helpers import audit_note, run_frame


def events_of(sent_events, event_type):
    return [(group, event) for group, event in sent_events if event["type"] == event_type]


def last_audit(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("seq")


@pytest.fixture
def live(sent_events):
    """What the actions published, once their transactions committed (see ``act``)."""
    return sent_events


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Handle a moderation frame as the room consumer would, and commit its broadcasts."""

    def run(access, frame):
        with django_capture_on_commit_callbacks(execute=True):
            return run_frame(access, frame)

    return run


def test_hidden_message_shows_participants_a_placeholder_and_staff_the_reason(
    scene, access_for, live, act
):
    act(
        access_for(scene.mentor, scene.room),
        {"type": "mod.hide", "message": scene.target_message, "reason": "unkind"},
    )
    group, event = next(
        (g, e)
        for g, e in events_of(live, "chat.message")
        if e["message"]["id"] == scene.target_message
    )
    assert group == f"room.{scene.room.pk}"
    assert event["message"]["hidden"] is True
    participant_view, _ = messages_after(
        access_for(scene.bystander, scene.room), Viewer(f"p{scene.bystander.pk}", False), 0
    )
    hidden = next(f for f in participant_view if f["id"] == scene.target_message)
    assert hidden["hidden"] and hidden["body"] is None
    staff_view, _ = messages_after(
        access_for(scene.mentor, scene.room), Viewer(f"s{scene.mentor.pk}", True), 0
    )
    seen = next(f for f in staff_view if f["id"] == scene.target_message)
    entry = last_audit("hide")
    assert seen["body"] == "something unkind"
    assert seen["hidden_reason"] == f"see the moderator's note, message {entry.data['note']}"
    note = next(f for f in staff_view if f["id"] == entry.data["note"])
    assert note["kind"] == "whisper" and "unkind" in note["body"]
    assert not any(f["id"] == entry.data["note"] for f in participant_view)
    assert (entry.actor, entry.target, entry.room_id) == (
        audit.staff_label(scene.mentor.pk),
        "Loud Crow 4",
        scene.room.pk,
    )
    assert "unkind" not in entry.reason and "unkind" in audit_note(entry)


def test_unhide_shows_the_message_again(scene, access_for, live, act):
    access = access_for(scene.mentor, scene.room)
    act(access, {"type": "mod.hide", "message": scene.target_message, "reason": "x"})
    act(access, {"type": "mod.unhide", "message": scene.target_message})
    message = Message.objects.get(room=scene.room, seq=scene.target_message)
    assert message.hidden_at is None and message.hidden_reason == ""
    assert events_of(live, "chat.message")[-1][1]["message"]["hidden"] is False
    assert last_audit("unhide").target == "Loud Crow 4"


def test_a_hide_needs_a_reason(scene, access_for, act):
    with pytest.raises(ServiceError) as error:
        act(
            access_for(scene.mentor, scene.room),
            {"type": "mod.hide", "message": scene.target_message, "reason": " "},
        )
    assert error.value.code == "invalid"


def test_muted_participant_gets_muted_errors_with_the_time_left(scene, access_for, live, act):
    act(
        access_for(scene.mentor, scene.room),
        {"type": "mod.mute", "message": scene.target_message, "minutes": 10},
    )
    with pytest.raises(ServiceError) as error:
        scene.send(access_for(scene.target, scene.room), "let me talk")
    assert error.value.code == "muted"
    assert 590 <= error.value.extra["seconds_left"] <= 600
    assert "10 min" in error.value.detail
    (group, event), *_ = events_of(live, "actor.frame")
    assert group == f"actor.p{scene.target.pk}"
    assert event["frame"]["type"] == "moderation.muted"
    assert last_audit("mute").data["minutes"] == 10


def test_a_mute_ends_by_itself_or_when_lifted(scene, access_for, act):
    access = access_for(scene.mentor, scene.room)
    act(access, {"type": "mod.mute", "message": scene.target_message, "minutes": 5})
    act(access, {"type": "mod.unmute", "message": scene.target_message})
    scene.send(access_for(scene.target, scene.room), "back again")
    act(access, {"type": "mod.mute", "message": scene.target_message, "minutes": 5})
    Sanction.objects.filter(kind="mute").update(ends_at=timezone.now() - timedelta(seconds=1))
    scene.send(access_for(scene.target, scene.room), "and again")


def test_a_mute_is_only_for_its_room(scene, access_for, make_group_room, act):
    act(
        access_for(scene.mentor, scene.room),
        {"type": "mod.mute", "message": scene.target_message, "minutes": 10},
    )
    elsewhere = make_group_room("Exam stress")
    scene.send(access_for(scene.target, elsewhere), "fine here")


def test_removed_participant_loses_the_room_and_cannot_come_back(scene, access_for, live, act):
    act(
        access_for(scene.mentor, scene.room),
        {"type": "mod.remove", "message": scene.target_message, "reason": "spam"},
    )
    (group, event), *_ = events_of(live, "room.revoked")
    assert (group, event["room"]) == (f"actor.p{scene.target.pk}", scene.room.pk)
    with pytest.raises(ServiceError) as error:
        access_for(scene.target, scene.room)
    assert error.value.code == "forbidden"
    assert "spam" in audit_note(last_audit("remove"))


def test_banned_participant_is_disconnected_and_refused_everywhere(
    scene, access_for, make_group_room, live, act
):
    act(
        access_for(scene.mentor, scene.room),
        {"type": "mod.ban", "message": scene.target_message, "days": 7, "reason": "doxxing"},
    )
    (group, event), *_ = events_of(live, "actor.close")
    assert group == f"actor.p{scene.target.pk}"
    assert event["code"] == 4403
    for room in (scene.room, make_group_room("Exam stress")):
        with pytest.raises(ServiceError) as error:
            access_for(scene.target, room)
        assert error.value.code == "banned"
    entry = last_audit("ban")
    assert (entry.target, entry.reason, entry.data["days"]) == ("Loud Crow 4", "", 7)
    assert "doxxing" in audit_note(entry)


def test_a_ban_for_good_has_no_end_and_an_expired_ban_lets_them_back(scene, access_for, act):
    replies = act(
        access_for(scene.mentor, scene.room),
        {"type": "mod.ban", "message": scene.target_message, "reason": "threats"},
    )
    assert replies[0]["until"] is None
    assert Sanction.objects.get(kind="ban").ends_at is None
    Sanction.objects.filter(kind="ban").update(ends_at=timezone.now() - timedelta(seconds=1))
    access_for(scene.target, scene.room)


def test_a_warning_reaches_only_its_participant(scene, access_for, act):
    act(
        access_for(scene.mentor, scene.room),
        {"type": "mod.warn", "message": scene.target_message, "text": "Please be kind."},
    )
    warning = Message.objects.get(kind=Message.Kind.WARNING)
    assert warning.recipient_participant == scene.target
    target_view, _ = messages_after(
        access_for(scene.target, scene.room), Viewer(f"p{scene.target.pk}", False), 0
    )
    bystander_view, _ = messages_after(
        access_for(scene.bystander, scene.room), Viewer(f"p{scene.bystander.pk}", False), 0
    )
    assert any(f["kind"] == "warning" for f in target_view)
    assert not any(f["kind"] == "warning" for f in bystander_view)
    entry = last_audit("warn")
    assert entry.reason == "" and entry.data["note"] == warning.seq
    assert audit_note(entry) == "Please be kind."


def test_slow_mode_allows_one_message_per_interval_and_spares_staff(scene, access_for, live, act):
    mentor = access_for(scene.mentor, scene.room)
    act(mentor, {"type": "mod.slow_mode", "seconds": 30})
    participant = access_for(scene.bystander, scene.room)
    Message.objects.filter(sender_participant=scene.bystander).update(
        created_at=timezone.now() - timedelta(seconds=31)
    )
    scene.send(participant, "first")
    with pytest.raises(ServiceError) as error:
        scene.send(participant, "second")
    assert error.value.code == "slow_mode"
    assert 1 <= error.value.extra["retry_after"] <= 30
    scene.send(mentor, "staff may still post")
    scene.send(mentor, "twice")
    frames = [e["frame"] for _, e in events_of(live, "chat.frame")]
    assert {"type": "moderation.state", "slow_mode_seconds": 30}.items() <= frames[0].items()


def test_locked_room_lets_only_staff_post(scene, access_for, act):
    mentor = access_for(scene.mentor, scene.room)
    act(mentor, {"type": "mod.lock", "locked": True})
    with pytest.raises(ServiceError) as error:
        scene.send(access_for(scene.bystander, scene.room), "hello?")
    assert error.value.code == "room_locked"
    scene.send(mentor, "we'll reopen soon")
    act(mentor, {"type": "mod.lock", "locked": False})
    scene.send(access_for(scene.bystander, scene.room), "hello again")
    assert [e.action for e in AuditEntry.objects.filter(action__in=["lock", "unlock"])] == [
        "lock",
        "unlock",
    ]


def test_participants_accept_pinned_rules_before_their_first_post(scene, access_for, act):
    mentor = access_for(scene.mentor, scene.room)
    reply = act(mentor, {"type": "mod.pin_rules", "text": "Be kind. No contact details."})
    rules_id = reply[0]["message"]
    participant = access_for(scene.bystander, scene.room)
    with pytest.raises(ServiceError) as error:
        scene.send(participant, "hi")
    assert (error.value.code, error.value.extra["rules"]) == ("rules_not_accepted", rules_id)
    state = act(participant, {"type": "moderation.state"})[0]
    assert state["rules"] == {"id": rules_id, "text": "Be kind. No contact details."}
    assert state["rules_accepted"] is False
    act(participant, {"type": "rules.accept", "rules": rules_id})
    scene.send(participant, "hi")
    # New rules must be accepted again.
    act(mentor, {"type": "mod.pin_rules", "text": "Be kind. Stay on topic."})
    with pytest.raises(ServiceError):
        scene.send(participant, "hi again")
    with pytest.raises(ServiceError) as error:
        act(participant, {"type": "rules.accept", "rules": rules_id})
    assert error.value.code == "rules_changed"


def test_unpinned_rules_no_longer_need_accepting(scene, access_for, act):
    mentor = access_for(scene.mentor, scene.room)
    act(mentor, {"type": "mod.pin_rules", "text": "Be kind."})
    act(mentor, {"type": "mod.unpin_rules"})
    scene.send(access_for(scene.bystander, scene.room), "hi")
    assert RoomState.objects.get(room=scene.room).rules_message is None


def test_room_settings_are_for_group_rooms(make_direct_chat, access_for, act):
    room, _, mentor = make_direct_chat()
    with pytest.raises(ServiceError) as error:
        act(access_for(mentor, room), {"type": "mod.lock", "locked": True})
    assert error.value.code == "invalid"


def test_staff_messages_cannot_be_used_to_target_staff(scene, access_for, act):
    access = access_for(scene.mentor, scene.room)
    own = scene.send(access, "I'm the mentor").id
    with pytest.raises(ServiceError) as error:
        act(access, {"type": "mod.mute", "message": own, "minutes": 5})
    assert error.value.code == "invalid"


def test_an_unknown_message_id_is_not_found(scene, access_for, act):
    with pytest.raises(ServiceError) as error:
        act(
            access_for(scene.mentor, scene.room),
            {"type": "mod.hide", "message": 999, "reason": "x"},
        )
    assert error.value.code == "not_found"
