"""Shadowing: a new mentor's first N chats are listed for a supervisor to observe; the
observation is silent for the participant and audited."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from chatplatform import roles
from chatplatform.models import AuditEntry

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_a_new_mentors_first_chats_are_listed(make_direct_chat, make_staff, settings):
    settings.MENTOR_SHADOWED_CHATS = 2
    supervisor = make_staff(roles.SUPERVISOR)
    first, _, mentor = make_direct_chat()
    second, _, _ = make_direct_chat(mentor=mentor)
    third, _, _ = make_direct_chat(mentor=mentor)
    page = signed_in(supervisor).get("/staff/programme/").content.decode()
    assert f'id="shadow-{first.pk}"' in page and f'id="shadow-{second.pk}"' in page
    assert f'id="shadow-{third.pk}"' not in page
    assert f"/chat/{first.pk}/?reason=shadowing" in page
    settings.MENTOR_SHADOWED_CHATS = 0
    assert 'id="shadow-' not in signed_in(supervisor).get("/staff/programme/").content.decode()


@pytest.mark.django_db(transaction=True)
async def test_observing_is_silent_for_the_participant_and_audited(
    ws_connect, session_for, make_direct_chat, make_staff, settings
):
    settings.MENTOR_SHADOWED_CHATS = 1
    room, participant, _ = await sync_to_async(make_direct_chat)()
    supervisor = await sync_to_async(make_staff)(roles.SUPERVISOR)
    _, _, participant_socket = await ws_connect(
        f"/ws/rooms/{room.pk}/", await sync_to_async(session_for)(participant)
    )
    await participant_socket.receive_type("hello")
    connected, _, observer = await ws_connect(
        f"/ws/rooms/{room.pk}/?reason=shadowing", await sync_to_async(session_for)(supervisor)
    )
    assert connected
    await observer.receive_type("hello")
    assert await participant_socket.nothing()
    await observer.close()
    assert await participant_socket.nothing()
    entry = await sync_to_async(AuditEntry.objects.get)(action="transcript.read")
    assert (entry.room_id, entry.reason, entry.actor) == (
        room.pk,
        "shadowing",
        f"staff:{supervisor.pk}",
    )
    page = await sync_to_async(lambda: signed_in(supervisor).get("/staff/programme/"))()
    assert "observed" in page.content.decode().split(f'id="shadow-{room.pk}"')[1][:400]


def test_the_room_page_passes_the_reason_to_the_socket(make_direct_chat, make_staff):
    room, _, _ = make_direct_chat()
    page = signed_in(make_staff(roles.SUPERVISOR)).get(f"/chat/{room.pk}/?reason=shadowing")
    assert f'data-ws-path="/ws/rooms/{room.pk}/?reason=shadowing"' in page.content.decode()
