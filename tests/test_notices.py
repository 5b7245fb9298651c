"""System notices reach each reader in the reader's own language.

The mentor who accepts a chat may use English while the participant reads Spanish: a
notice is stored as its English source and values, and translated per reader.
"""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.utils import translation

from chatplatform import notices, roles
from chatplatform.models import Message
from chatplatform.services import messages as message_service
from moderation.services import actions

pytestmark = pytest.mark.django_db


class TestNoticeBodies:
    def test_a_notice_is_stored_as_its_source_and_values(self):
        body = notices.notice("%(name)s, a peer mentor, has joined the chat.", name="Sam")
        assert json.loads(body) == {
            "notice": "%(name)s, a peer mentor, has joined the chat.",
            "values": {"name": "Sam"},
        }

    def test_each_reader_gets_it_in_their_language(self):
        body = notices.notice("%(name)s, a peer mentor, has joined the chat.", name="Sam")
        with translation.override("es"):
            assert notices.readable(body) == "Sam, una persona mentora, se ha unido al chat."
        with translation.override("en"):
            assert notices.readable(body) == "Sam, a peer mentor, has joined the chat."

    def test_bodies_that_are_not_notices_are_left_alone(self):
        for body in (None, "", "hello", '{"notice": "unterminated', '{"other": 1}'):
            with translation.override("es"):
                assert notices.readable(body) == body

    def test_only_the_platforms_own_messages_are_read_as_notices(self):
        """A staff member who types notice-shaped JSON sees it shown as typed."""
        typed = notices.notice("The chat has ended.")
        with translation.override("es"):
            assert notices.for_reader("mentor", typed) == typed
            assert notices.for_reader(notices.SYSTEM_ROLE, typed) == "El chat ha terminado."


def test_history_shows_the_mentors_arrival_in_the_participants_language(
    make_direct_chat, access_for
):
    with translation.override("en"):  # the mentor's language when they accept
        room, participant, _mentor = make_direct_chat()
    stored = Message.objects.get(room=room, kind=Message.Kind.SYSTEM)
    assert "una persona mentora" not in message_service.decrypt_message(stored)
    viewer = message_service.Viewer(key=f"p{participant.pk}", is_staff=False)
    with translation.override("es"):
        frames, _ = message_service.messages_before(access_for(participant, room), viewer, None, 10)
    bodies = [frame["body"] for frame in frames if frame["kind"] == Message.Kind.SYSTEM]
    assert len(bodies) == 1
    assert bodies[0].endswith(", una persona mentora, se ha unido al chat.")


@pytest.mark.django_db(transaction=True)
async def test_a_live_notice_reaches_each_socket_in_its_own_language(
    ws_connect, session_for, make_participant, make_staff, make_group_room, access_for
):
    mentor = await sync_to_async(make_staff)(roles.MENTOR)
    room = await sync_to_async(make_group_room)("General support", (mentor,))
    spanish_reader = await sync_to_async(make_participant)()
    english_reader = await sync_to_async(make_participant)()
    sockets = {}
    for language, who in (("es", spanish_reader), ("en", english_reader)):
        key = await sync_to_async(session_for)(who)
        connected, _, socket = await ws_connect(f"/ws/rooms/{room.pk}/", key, language=language)
        assert connected
        await socket.receive_type("hello")
        sockets[language] = socket
    access = await sync_to_async(access_for)(mentor, room)
    with translation.override("en"):
        await sync_to_async(actions.do_set_slow_mode)(access, 30)
    spanish = await sockets["es"].receive_type("message")
    english = await sockets["en"].receive_type("message")
    assert spanish["body"] == (
        "El modo lento está activado: cada persona puede enviar un mensaje cada 30 segundos."
    )
    assert english["body"] == ("Slow mode is on: everyone can send one message every 30 seconds.")
