"""A participant's own controls: the privacy page, "Download my data", "Delete my data"."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from chatplatform.models import Message, Participant, RoomKey
from chatplatform.services import messages as message_service
from chatplatform.services.participants import SESSION_KEY
from chatplatform.services.retention import do_purge_expired
from chatplatform.signals import participant_erased
from escalation.models import Escalation
from tests.conftest import participant_session


def send(access, body: str) -> Message:
    result = message_service.do_send_message(access, str(uuid.uuid4()), body)
    return Message.objects.get(room_id=access.room_id, seq=result.id)


def client_for(participant: Participant) -> Client:
    client = Client()
    client.cookies["sessionid"] = participant_session(participant)
    return client


def test_privacy_page_says_what_is_kept_for_how_long_and_who_sees_it(client, db):
    page = client.get("/privacy/").content.decode()
    assert "deleted for good after 30 days" in page
    assert "Evaluators see only counts and times, never messages." in page
    assert "never store your IP address" in page


def test_download_gives_the_participant_their_own_messages_only(
    make_participant, make_group_room, access_for
):
    room = make_group_room()
    me, other = make_participant(), make_participant()
    send(access_for(me, room), "my own words")
    send(access_for(other, room), "someone else's words")

    response = client_for(me).get("/me/data/download/")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert [m["body"] for m in data["messages"]] == ["my own words"]
    assert data["handle"] == me.handle


def test_delete_shreds_my_group_messages_but_not_other_peoples(
    make_participant, make_group_room, access_for
):
    room = make_group_room()
    me, other = make_participant(), make_participant()
    # The language of a flagged message of theirs, kept for their crisis lines.
    me.written_language = "es"
    me.save()
    mine = send(access_for(me, room), "please forget this")
    theirs = send(access_for(other, room), "this stays")

    response = client_for(me).post("/me/data/delete/", {"confirm": "yes"})

    assert response.status_code == 200
    assert message_service.decrypt_message(Message.objects.get(pk=mine.pk)) is None
    assert message_service.decrypt_message(Message.objects.get(pk=theirs.pk)) == "this stays"
    me.refresh_from_db()
    assert me.erased_at is not None and me.handle == "Former participant"
    assert me.written_language == ""
    assert Message.objects.get(pk=mine.pk).body_length == len("please forget this")


def test_delete_destroys_my_whole_one_to_one_chat_and_its_keys(make_direct_chat, access_for):
    room, me, mentor = make_direct_chat()
    send(access_for(me, room), "what I told my mentor")
    mentor_reply = send(access_for(mentor, room), "what my mentor told me")

    client_for(me).post("/me/data/delete/", {"confirm": "yes"})

    assert message_service.decrypt_message(Message.objects.get(pk=mentor_reply.pk)) is None
    assert not RoomKey.objects.filter(room=room, wrapped_key__isnull=False).exists()
    room.refresh_from_db()
    assert room.closed_at is not None


def test_a_banned_participant_can_still_delete_their_data(make_direct_chat, access_for):
    from moderation.models import Sanction

    room, me, _mentor = make_direct_chat()
    message = send(access_for(me, room), "before the ban")
    Sanction.objects.create(kind=Sanction.Kind.BAN, participant=me, reason="test")

    assert client_for(me).post("/me/data/delete/", {"confirm": "yes"}).status_code == 200
    assert message_service.decrypt_message(Message.objects.get(pk=message.pk)) is None


def test_delete_tells_the_feature_apps_and_forgets_the_identity(make_participant):
    me = make_participant()
    erased = []

    def receiver(sender, participant, **kwargs):
        erased.append(participant.pk)

    participant_erased.connect(receiver)
    try:
        client = client_for(me)
        client.post("/me/data/delete/", {"confirm": "yes"})
    finally:
        participant_erased.disconnect(receiver)
    assert erased == [me.pk]
    assert client.session.get(SESSION_KEY) is None


def test_delete_waits_for_a_safety_hold_then_the_purge_finishes_it(make_direct_chat, access_for):
    room, me, _mentor = make_direct_chat()
    message = send(access_for(me, room), "under review")
    escalation = Escalation.objects.create(room=room, source="mentor", level="high")

    response = client_for(me).post("/me/data/delete/", {"confirm": "yes"})

    assert "part of a safety review" in response.content.decode()
    assert message_service.decrypt_message(Message.objects.get(pk=message.pk)) == "under review"
    escalation.state = "resolved"
    escalation.resolved_at = timezone.now() - timedelta(days=365)
    escalation.save()
    assert do_purge_expired().erasure_messages_shredded >= 1
    assert message_service.decrypt_message(Message.objects.get(pk=message.pk)) is None


def test_delete_needs_the_confirmation_box(make_participant, make_group_room, access_for):
    me = make_participant()
    mine = send(access_for(me, make_group_room()), "not yet")
    response = client_for(me).post("/me/data/delete/")
    assert response.status_code == 400 and "tick the box" in response.content.decode()
    assert message_service.decrypt_message(Message.objects.get(pk=mine.pk)) == "not yet"


def test_someone_without_an_identity_has_nothing_to_download_or_delete(client, db):
    assert client.get("/me/data/download/").status_code == 302
    assert client.post("/me/data/delete/", {"confirm": "yes"}).status_code == 302
