"""1:1 support: queue position, matching, capacity, idle tickets, and the live sockets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chatplatform import roles
from chatplatform.actors import participant_actor, staff_actor
from chatplatform.errors import ServiceError
from chatplatform.models import QueueTicket, Room, RoomMembership
from chatplatform.services import queue as queue_service


@pytest.fixture
def available_mentor(make_staff):
    def make(max_chats: int = 3, name: str = "Sam"):
        mentor = make_staff(roles.MENTOR, name=name)
        queue_service.do_set_availability(staff_actor(mentor), "available", max_chats)
        return mentor

    return make


class TestQueueService:
    def test_participants_are_served_in_arrival_order(self, make_participant):
        first, second, third = make_participant(), make_participant(), make_participant()
        for participant in (first, second, third):
            queue_service.do_request_chat(participant)
        assert [queue_service.queue_status(p).position for p in (first, second, third)] == [1, 2, 3]

    def test_higher_priority_goes_first(self, make_participant):
        first, urgent = make_participant(), make_participant()
        queue_service.do_request_chat(first)
        ticket = queue_service.do_request_chat(urgent)
        QueueTicket.objects.filter(pk=ticket.pk).update(priority=10)
        assert queue_service.queue_status(urgent).position == 1
        assert queue_service.queue_status(first).position == 2

    def test_asking_twice_keeps_one_place_in_the_queue(self, make_participant):
        participant = make_participant()
        first = queue_service.do_request_chat(participant)
        second = queue_service.do_request_chat(participant)
        assert first.pk == second.pk
        assert QueueTicket.objects.filter(participant=participant).count() == 1

    def test_no_mentor_available_is_reported_honestly(self, make_participant):
        participant = make_participant()
        queue_service.do_request_chat(participant)
        status = queue_service.queue_status(participant)
        assert status.mentors_available == 0
        assert status.estimate_seconds is None

    def test_mentor_whose_console_went_silent_is_not_counted(self, available_mentor):
        mentor = available_mentor()
        assert queue_service.available_mentor_count() == 1
        mentor.mentor_profile.last_seen_at = timezone.now() - timedelta(minutes=10)
        mentor.mentor_profile.save()
        assert queue_service.available_mentor_count() == 0

    def test_estimate_uses_recent_matches(self, make_participant, available_mentor):
        mentor = available_mentor(max_chats=10)
        for _ in range(4):
            ticket = queue_service.do_request_chat(make_participant())
            queue_service.do_accept_ticket(staff_actor(mentor), ticket.pk)
        waiting = make_participant()
        queue_service.do_request_chat(waiting)
        status = queue_service.queue_status(waiting)
        assert status.estimate_seconds == int(2 * 3600 / 4)

    def test_accepting_opens_a_private_room_for_the_two(
        self, make_participant, available_mentor, sent_events, django_capture_on_commit_callbacks
    ):
        participant = make_participant()
        mentor = available_mentor()
        ticket = queue_service.do_request_chat(participant)
        with django_capture_on_commit_callbacks(execute=True):
            room = queue_service.do_accept_ticket(staff_actor(mentor), ticket.pk)
        assert room.kind == Room.Kind.DIRECT
        members = set(RoomMembership.objects.filter(room=room).values_list("role", flat=True))
        assert members == {"participant", "mentor"}
        assert (
            f"actor.p{participant.pk}",
            {"type": "queue.matched", "room": room.pk},
        ) in sent_events
        assert queue_service.queue_status(participant).state == "matched"

    def test_a_ticket_taken_by_someone_else_is_gone(self, make_participant, available_mentor):
        ticket = queue_service.do_request_chat(make_participant())
        queue_service.do_accept_ticket(staff_actor(available_mentor(name="A")), ticket.pk)
        with pytest.raises(ServiceError) as error:
            queue_service.do_accept_ticket(staff_actor(available_mentor(name="B")), ticket.pk)
        assert error.value.code == "gone"

    def test_mentor_at_capacity_cannot_accept_more(self, make_participant, available_mentor):
        mentor = available_mentor(max_chats=1)
        first = queue_service.do_request_chat(make_participant())
        queue_service.do_accept_ticket(staff_actor(mentor), first.pk)
        second = queue_service.do_request_chat(make_participant())
        with pytest.raises(ServiceError) as error:
            queue_service.do_accept_ticket(staff_actor(mentor), second.pk)
        assert error.value.code == "at_capacity"

    @pytest.mark.parametrize("role", [roles.EVALUATOR])
    def test_roles_that_do_not_answer_chats_cannot_accept(self, make_participant, make_staff, role):
        ticket = queue_service.do_request_chat(make_participant())
        with pytest.raises(ServiceError) as error:
            queue_service.do_accept_ticket(staff_actor(make_staff(role)), ticket.pk)
        assert error.value.code == "forbidden"

    def test_participant_cannot_accept(self, make_participant):
        ticket = queue_service.do_request_chat(make_participant())
        with pytest.raises(ServiceError) as error:
            queue_service.do_accept_ticket(participant_actor(make_participant()), ticket.pk)
        assert error.value.code == "forbidden"

    def test_idle_ticket_is_abandoned_and_restored_when_the_participant_returns(
        self, make_participant, settings
    ):
        participant = make_participant()
        ticket = queue_service.do_request_chat(participant)
        QueueTicket.objects.filter(pk=ticket.pk).update(
            last_seen_at=timezone.now() - timedelta(minutes=10)
        )
        assert queue_service.do_sweep_idle_tickets() == 1
        assert queue_service.queue_status(participant).state == "none"
        queue_service.do_touch_ticket(participant)
        restored = queue_service.do_request_chat(participant)
        assert restored.pk == ticket.pk and restored.status == QueueTicket.Status.WAITING

    def test_participant_with_an_open_chat_goes_back_to_it(self, make_direct_chat):
        room, participant, _ = make_direct_chat()
        assert queue_service.do_request_chat(participant) == room

    def test_leaving_the_queue_cancels_the_ticket(self, make_participant):
        participant = make_participant()
        queue_service.do_request_chat(participant)
        queue_service.do_leave_queue(participant)
        assert queue_service.queue_status(participant).state == "none"

    def test_transfer_to_a_mentor_at_capacity_is_refused(
        self, make_direct_chat, make_participant, available_mentor, access_for
    ):
        room, _, mentor = make_direct_chat()
        busy = available_mentor(max_chats=1, name="Busy")
        make_direct_chat(participant=make_participant(), mentor=busy)
        with pytest.raises(ServiceError) as error:
            queue_service.do_transfer_chat(access_for(mentor, room), busy.pk)
        assert error.value.code == "at_capacity"

    def test_participant_cannot_transfer(self, make_direct_chat, available_mentor, access_for):
        room, participant, _ = make_direct_chat()
        with pytest.raises(ServiceError) as error:
            queue_service.do_transfer_chat(access_for(participant, room), available_mentor().pk)
        assert error.value.code == "forbidden"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
class TestQueueSockets:
    async def test_waiting_participant_sees_position_then_is_matched(
        self, ws_connect, session_for, make_participant, available_mentor
    ):
        participant = await sync_to_async(make_participant)()
        await sync_to_async(queue_service.do_request_chat)(participant)
        connected, _, queue = await ws_connect(
            "/ws/queue/", await sync_to_async(session_for)(participant)
        )
        assert connected
        status = await queue.receive_type("queue.status")
        assert (status["state"], status["position"], status["waiting"]) == ("waiting", 1, 1)

        mentor = await sync_to_async(available_mentor)()
        connected, _, console = await ws_connect(
            "/ws/staff/", await sync_to_async(session_for)(mentor)
        )
        snapshot = await console.receive_type("staff.snapshot")
        assert [item["handle"] for item in snapshot["queue"]] == [participant.handle]
        await console.send({"type": "queue.accept", "ticket": snapshot["queue"][0]["ticket"]})
        accepted = await console.receive_type("queue.accepted")
        matched = await queue.receive_type("queue.matched")
        assert matched["room"] == accepted["room"]

    async def test_staff_socket_refuses_participants_and_evaluators(
        self, ws_connect, session_for, make_participant, make_staff
    ):
        for who in (
            await sync_to_async(make_participant)(),
            await sync_to_async(make_staff)(roles.EVALUATOR),
        ):
            connected, code, _ = await ws_connect(
                "/ws/staff/", await sync_to_async(session_for)(who)
            )
            assert (connected, code) == (False, 4403)

    async def test_queue_socket_refuses_staff(self, ws_connect, session_for, make_staff):
        connected, code, _ = await ws_connect(
            "/ws/queue/", await sync_to_async(session_for)(await sync_to_async(make_staff)())
        )
        assert (connected, code) == (False, 4403)

    async def test_mentor_sets_availability_from_the_console(
        self, ws_connect, session_for, make_staff
    ):
        mentor = await sync_to_async(make_staff)(roles.MENTOR)
        _, _, console = await ws_connect("/ws/staff/", await sync_to_async(session_for)(mentor))
        first = await console.receive_type("staff.snapshot")
        assert first["me"]["status"] == "away"
        await console.send({"type": "availability.set", "status": "available", "max_chats": 2})
        snapshot = await console.receive_type("staff.snapshot")
        assert snapshot["me"] == {
            "status": "available",
            "max_chats": 2,
            "active_chats": 0,
            "refusal": None,
        }

    async def test_bad_availability_gets_an_error(self, ws_connect, session_for, make_staff):
        mentor = await sync_to_async(make_staff)(roles.MENTOR)
        _, _, console = await ws_connect("/ws/staff/", await sync_to_async(session_for)(mentor))
        await console.receive_type("staff.snapshot")
        await console.send({"type": "availability.set", "status": "sleeping"})
        assert (await console.receive_type("error"))["code"] == "invalid"
        await console.send({"type": "availability.set", "status": "available", "max_chats": 0})
        assert (await console.receive_type("error"))["code"] == "invalid"


class TestBannedParticipant:
    @pytest.fixture
    def banned(self, make_participant):
        from moderation.models import Sanction

        participant = make_participant()
        Sanction.objects.create(kind=Sanction.Kind.BAN, participant=participant, reason="test")
        return participant

    def test_banned_participant_cannot_join_the_queue(self, banned):
        with pytest.raises(ServiceError) as error:
            queue_service.do_request_chat(banned)
        assert error.value.code == "banned"
        assert not QueueTicket.objects.filter(participant=banned).exists()

    def test_banned_participant_is_told_plainly_and_still_sees_crisis_lines(self, client, banned):
        from chatplatform.services.participants import SESSION_KEY

        session = client.session
        session[SESSION_KEY] = banned.pk
        session.save()
        response = client.post("/chat/request/")
        assert response.status_code == 403
        assert "Need urgent help?" in response.content.decode()

    @pytest.mark.django_db(transaction=True)
    async def test_banned_participant_is_refused_at_the_queue_socket(
        self, ws_connect, session_for, banned
    ):
        connected, code, _ = await ws_connect(
            "/ws/queue/", await sync_to_async(session_for)(banned)
        )
        assert (connected, code) == (False, 4403)
