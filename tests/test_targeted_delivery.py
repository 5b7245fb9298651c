"""Private frames never leave the server for sockets that may not see them.

Recipients are computed on the server (chatplatform.events): the room group carries
only what every member may see; staff-only frames go to the room's staff group; a
private warning goes to the room's staff and the participant's own sockets. A ban
or removal is also enforced when a message is sent, so a lost close event cannot
let a banned identity post.
"""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async

from chatplatform import events, roles
from chatplatform.errors import ServiceError
from chatplatform.models import Message
from chatplatform.services import messages as message_service
from tests.moderation_helpers import run_frame


def groups_of(sent, event_type):
    return [group for group, event in sent if event["type"] == event_type]


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Handle a frame as the room consumer would, and commit its broadcasts."""

    def run(access, frame):
        with django_capture_on_commit_callbacks(execute=True):
            return run_frame(access, frame)

    return run


def test_a_staff_only_message_goes_to_the_rooms_staff_alone(
    scene, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message_service.do_post_notice(
            scene.room,
            "for staff",
            kind=Message.Kind.WHISPER,
            audience=Message.Audience.STAFF,
        )
    assert groups_of(sent_events, "chat.message") == [events.room_staff_group(scene.room.pk)]


def test_a_warning_goes_to_staff_and_the_participants_own_sockets(
    scene, access_for, sent_events, act
):
    act(
        access_for(scene.mentor, scene.room),
        {"type": "mod.warn", "message": scene.target_message, "text": "Please be kind."},
    )
    sent = [(g, e) for g, e in sent_events if e["type"] == "chat.message"]
    assert sorted(g for g, _ in sent) == sorted(
        [events.room_staff_group(scene.room.pk), f"actor.p{scene.target.pk}"]
    )
    to_target = next(e for g, e in sent if g.startswith("actor."))
    assert to_target["room"] == scene.room.pk


def test_a_hidden_message_reaches_the_room_without_its_body(scene, access_for, sent_events, act):
    act(
        access_for(scene.mentor, scene.room),
        {"type": "mod.hide", "message": scene.target_message, "reason": "unkind"},
    )
    about_target = [
        (g, e["message"])
        for g, e in sent_events
        if e["type"] == "chat.message" and e["message"]["id"] == scene.target_message
    ]
    by_group = dict(about_target)
    room, staff = events.room_group(scene.room.pk), events.room_staff_group(scene.room.pk)
    assert set(by_group) == {room, staff}
    assert by_group[room]["body"] is None and by_group[room]["hidden_reason"] == ""
    assert by_group[staff]["body"] == "something unkind"


def test_moderation_events_and_alerts_go_to_the_rooms_staff(scene, access_for, sent_events, act):
    act(
        access_for(scene.mentor, scene.room),
        {"type": "mod.mute", "message": scene.target_message, "minutes": 5},
    )
    act(
        access_for(scene.bystander, scene.room),
        {"type": "message.report", "message": scene.target_message, "category": "spam"},
    )
    staff_frames = [(g, e["frame"]["type"]) for g, e in sent_events if e["type"] == "chat.frame"]
    assert ("moderation.event" in {t for _, t in staff_frames}) and (
        "moderation.alert" in {t for _, t in staff_frames}
    )
    assert all(
        g == events.room_staff_group(scene.room.pk)
        for g, t in staff_frames
        if t in ("moderation.event", "moderation.alert")
    )


class TestBansInTheMessageChecks:
    def test_a_banned_participant_whose_socket_stayed_open_cannot_post(
        self, scene, access_for, act
    ):
        access = access_for(scene.target, scene.room)  # decided before the ban
        act(
            access_for(scene.mentor, scene.room),
            {"type": "mod.ban", "message": scene.target_message, "reason": "threats"},
        )
        with pytest.raises(ServiceError) as refused:
            message_service.do_send_message(access, str(uuid.uuid4()), "still here?")
        assert refused.value.code == "banned"
        assert not Message.objects.filter(body_length=len("still here?")).exists()

    def test_a_removed_participant_whose_socket_stayed_open_cannot_post(
        self, scene, access_for, act
    ):
        access = access_for(scene.target, scene.room)
        act(
            access_for(scene.mentor, scene.room),
            {"type": "mod.remove", "message": scene.target_message},
        )
        with pytest.raises(ServiceError) as refused:
            message_service.do_send_message(access, str(uuid.uuid4()), "still here?")
        assert refused.value.code == "removed"


@pytest.mark.django_db(transaction=True)
async def test_a_participant_socket_gets_no_staff_frame_even_if_rendering_let_it_through(
    ws_connect, session_for, make_participant, make_staff, make_group_room, monkeypatch
):
    """One bug in the per-socket filter must not be enough to leak: the frames never arrive."""
    mentor = await sync_to_async(make_staff)(roles.MENTOR)
    room = await sync_to_async(make_group_room)(hosts=(mentor,))
    participant = await sync_to_async(make_participant)()
    p_connected, _, p_socket = await ws_connect(
        f"/ws/rooms/{room.pk}/", await sync_to_async(session_for)(participant)
    )
    m_connected, _, m_socket = await ws_connect(
        f"/ws/rooms/{room.pk}/", await sync_to_async(session_for)(mentor)
    )
    assert p_connected and m_connected
    await p_socket.receive_type("hello")
    await m_socket.receive_type("hello")

    def render_everything(payload, viewer):
        return {"type": "message", **payload}

    monkeypatch.setattr(message_service, "render_for_viewer", render_everything)
    await sync_to_async(message_service.do_post_notice)(
        room, "staff only", kind=Message.Kind.WHISPER, audience=Message.Audience.STAFF
    )
    assert (await m_socket.receive_type("message"))["body"] == "staff only"
    await p_socket.send({"type": "ping"})
    frames = []
    while True:
        frame = await p_socket.receive()
        if frame["type"] == "pong":
            break
        frames.append(frame)
    assert [f for f in frames if f["type"] == "message"] == []
