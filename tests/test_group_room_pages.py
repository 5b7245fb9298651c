"""A group room's page: welcome, how many people are in it, and leaving it."""

from __future__ import annotations

import pytest
from django.test import Client

from chatplatform import roles
from chatplatform.models import RoomMembership
from chatplatform.services.participants import SESSION_KEY

pytestmark = pytest.mark.django_db


def client_for(participant) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = participant.pk
    session.save()
    return client


def join(room, participant) -> None:
    RoomMembership.objects.create(
        room=room, participant=participant, role=RoomMembership.Role.PARTICIPANT
    )


def test_the_page_welcomes_and_counts_the_people_in_the_room(
    make_group_room, make_participant, make_staff
):
    host = make_staff(roles.MENTOR)
    room = make_group_room("Exam stress", hosts=(host,))
    join(room, make_participant())
    page = client_for(make_participant()).get(f"/chat/{room.pk}/").content.decode()
    assert "Welcome to Exam stress" in page
    # The host, the member and the visitor opening the page.
    assert "3 people are in this room, you included." in page
    assert f'action="/chat/{room.pk}/leave/"' in page


def test_staff_see_no_welcome_or_leave_control(make_group_room, make_staff):
    host = make_staff(roles.MENTOR)
    room = make_group_room(hosts=(host,))
    client = Client()
    client.force_login(host)
    page = client.get(f"/chat/{room.pk}/").content.decode()
    assert "Leave room" not in page and "Welcome to" not in page


def test_leaving_ends_the_membership_and_returns_to_the_start(make_group_room, make_participant):
    room = make_group_room()
    participant = make_participant()
    join(room, participant)
    response = client_for(participant).post(f"/chat/{room.pk}/leave/")
    assert response.status_code == 302 and response.url == "/"
    membership = RoomMembership.objects.get(room=room, participant=participant)
    assert membership.left_at is not None


def test_staff_cannot_leave_through_the_participants_control(make_group_room, make_staff):
    host = make_staff(roles.MENTOR)
    room = make_group_room(hosts=(host,))
    client = Client()
    client.force_login(host)
    response = client.post(f"/chat/{room.pk}/leave/")
    assert response.status_code == 302 and response.url == "/"
    assert RoomMembership.objects.get(room=room, user=host).left_at is None


def test_a_1_1_chat_cannot_be_left_this_way(make_direct_chat):
    room, participant, _mentor = make_direct_chat()
    response = client_for(participant).post(f"/chat/{room.pk}/leave/")
    assert response.status_code == 403
    assert RoomMembership.objects.get(room=room, participant=participant).left_at is None


def test_leaving_needs_a_post(make_group_room, make_participant):
    room = make_group_room()
    participant = make_participant()
    join(room, participant)
    assert client_for(participant).get(f"/chat/{room.pk}/leave/").status_code == 405
    assert RoomMembership.objects.get(room=room, participant=participant).left_at is None


def test_a_newcomer_opening_an_open_group_room_gets_an_identity(make_group_room):
    from chatplatform.models import Participant
    from evaluation.models import ParticipantVisit

    room = make_group_room()
    response = Client().get(f"/chat/{room.pk}/")
    assert response.status_code == 200
    newcomer = Participant.objects.get()  # The room's socket makes them a member.
    assert ParticipantVisit.objects.filter(participant=newcomer).count() == 1


@pytest.mark.parametrize("target", ["someone's chat", "closed room", "no room"])
def test_a_stranger_refused_a_room_is_given_no_identity_and_counts_no_visit(
    target, make_direct_chat, make_group_room
):
    """Probing room numbers must not make identities, spend the network's identity
    allowance or count as reach in the evaluation."""
    from chatplatform.models import Participant
    from evaluation.models import ParticipantVisit

    room, _, _ = make_direct_chat()
    closed = make_group_room()
    closed.is_listed = False
    closed.save()
    room_id = {"someone's chat": room.pk, "closed room": closed.pk, "no room": 999_999}[target]
    people, visits = Participant.objects.count(), ParticipantVisit.objects.count()
    response = Client().get(f"/chat/{room_id}/")
    assert response.status_code == (404 if target == "no room" else 403)
    assert Participant.objects.count() == people
    assert ParticipantVisit.objects.count() == visits
