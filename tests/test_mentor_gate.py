"""The training gate: without a current certificate a mentor cannot become available,
accept a chat, host a group room or receive a transfer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command
from django.utils import timezone

from chatplatform import roles
from chatplatform.actors import staff_actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring import certification, registry
from chatplatform.models import MentorProfile, QueueTicket, RoomMembership, User
from chatplatform.services import queue as queue_service
from chatplatform.services.access import check_room_access
from chatplatform.services.rooms import do_assign_host
from chatplatform.services.staff import do_add_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor_in(make_staff):
    """A mentor who is untrained, trained, or whose training expired."""

    def make(standing: str) -> User:
        mentor = make_staff(roles.MENTOR, trained=False)
        if standing == "trained":
            certification.do_grant(mentor, registry.required_modules())
        elif standing == "expired":
            long_ago = timezone.now() - timedelta(days=400)
            certification.do_grant(mentor, registry.required_modules(), now=long_ago)
        return mentor

    return make


def refused(call, *args) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args)
    assert caught.value.code == "training_required"
    return caught.value


class TestAvailability:
    @pytest.mark.parametrize("standing", ["untrained", "expired"])
    def test_a_mentor_without_a_current_certificate_cannot_become_available(
        self, mentor_in, standing
    ):
        mentor = mentor_in(standing)
        error = refused(queue_service.do_set_availability, staff_actor(mentor), "available")
        assert "Complete your training" in error.detail
        assert {m["module"] for m in error.extra["missing"]} == {
            m.id for m in registry.required_modules()
        }
        assert error.extra["training_url"] == "/staff/training/"
        assert MentorProfile.objects.get(user=mentor).status == MentorProfile.Status.AWAY

    def test_an_untrained_mentor_may_still_go_away(self, mentor_in):
        mentor = mentor_in("untrained")
        profile = queue_service.do_set_availability(staff_actor(mentor), "away")
        assert profile.status == MentorProfile.Status.AWAY

    def test_a_trained_mentor_becomes_available(self, mentor_in):
        mentor = mentor_in("trained")
        queue_service.do_set_availability(staff_actor(mentor), "available")
        assert MentorProfile.objects.get(user=mentor).status == MentorProfile.Status.AVAILABLE

    def test_supervisors_are_outside_the_programme_roles_by_default(self, make_staff, settings):
        supervisor = make_staff(roles.SUPERVISOR)
        queue_service.do_set_availability(staff_actor(supervisor), "available")
        settings.MENTOR_PROGRAMME_ROLES = ["mentor", "supervisor"]
        refused(queue_service.do_set_availability, staff_actor(supervisor), "available")


class TestAccept:
    @pytest.mark.parametrize("standing", ["untrained", "expired"])
    def test_a_mentor_without_a_current_certificate_cannot_accept(
        self, mentor_in, make_participant, standing
    ):
        mentor = mentor_in(standing)
        ticket = queue_service.do_request_chat(make_participant())
        refused(queue_service.do_accept_ticket, staff_actor(mentor), ticket.pk)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.room_id) == (QueueTicket.Status.WAITING, None)

    def test_a_trained_mentor_accepts(self, mentor_in, make_participant):
        ticket = queue_service.do_request_chat(make_participant())
        room = queue_service.do_accept_ticket(staff_actor(mentor_in("trained")), ticket.pk)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.room_id) == (QueueTicket.Status.MATCHED, room.pk)

    def test_an_open_chat_stays_open_when_the_certificate_lapses(
        self, make_direct_chat, access_for
    ):
        room, _, mentor = make_direct_chat()
        mentor.completions.update(expires_at=timezone.now() - timedelta(seconds=1))
        assert access_for(mentor, room).is_member


class TestHost:
    @pytest.mark.parametrize("standing", ["untrained", "expired"])
    def test_a_mentor_without_a_current_certificate_cannot_host(
        self, mentor_in, make_group_room, standing
    ):
        mentor = mentor_in(standing)
        room = make_group_room()
        refused(do_assign_host, room, mentor)
        assert not RoomMembership.objects.filter(room=room, user=mentor).exists()

    def test_a_host_whose_certificate_lapsed_cannot_open_the_room(
        self, mentor_in, make_group_room, make_staff
    ):
        mentor = mentor_in("trained")
        room = make_group_room(hosts=(mentor,))
        assert check_room_access(staff_actor(mentor), room.pk).is_member
        mentor.completions.update(expires_at=timezone.now() - timedelta(seconds=1))
        refused(check_room_access, staff_actor(mentor), room.pk)
        supervisor = make_staff(roles.SUPERVISOR)
        assert check_room_access(staff_actor(supervisor), room.pk).can_moderate


class TestTransfer:
    @pytest.mark.parametrize("standing", ["untrained", "expired"])
    def test_a_mentor_without_a_current_certificate_cannot_receive_a_transfer(
        self, mentor_in, make_direct_chat, access_for, standing
    ):
        room, _, mentor = make_direct_chat()
        target = mentor_in(standing)
        # Available from before the gate (or before the certificate lapsed).
        MentorProfile.objects.filter(user=target).update(
            status=MentorProfile.Status.AVAILABLE, last_seen_at=timezone.now()
        )
        error = refused(queue_service.do_transfer_chat, access_for(mentor, room), target.pk)
        assert str(target) in error.detail
        assert list(
            RoomMembership.objects.filter(
                room=room, left_at__isnull=True, user__isnull=False
            ).values_list("user_id", flat=True)
        ) == [mentor.pk]

    def test_a_trained_mentor_receives_a_transfer(self, mentor_in, make_direct_chat, access_for):
        room, _, mentor = make_direct_chat()
        target = mentor_in("trained")
        queue_service.do_set_availability(staff_actor(target), "available")
        assert queue_service.do_transfer_chat(access_for(mentor, room), target.pk) == target
        assert RoomMembership.objects.get(room=room, left_at__isnull=True, role="mentor").user == (
            target
        )


class TestNewMentors:
    def test_add_staff_makes_an_untrained_mentor(self):
        call_command("add_staff", "new.mentor@example.org", "--role", "mentor", "--password",
                     "a-long-enough-password-1")  # fmt: skip
        mentor = User.objects.get(email="new.mentor@example.org")
        assert not certification.certificate(mentor).is_current
        refused(queue_service.do_set_availability, staff_actor(mentor), "available")

    def test_seed_demo_trains_the_demo_mentors_only(self):
        call_command("seed_demo", "--quiet-logins")
        for email in ("mentor@example.org", "mentor2@example.org"):
            assert certification.certificate(User.objects.get(email=email)).is_current
        supervisor = User.objects.get(email="supervisor@example.org")
        assert not supervisor.completions.exists()

    def test_a_new_mentor_passes_every_required_quiz_and_can_then_take_chats(self):
        mentor = do_add_staff("fresh@example.org", roles.MENTOR, "a-long-enough-password-1").user
        for module in registry.required_modules():
            answers = {i: q.correct for i, q in enumerate(module.questions)}
            certification.do_submit_quiz(mentor, module, answers)
        queue_service.do_set_availability(staff_actor(mentor), "available")
        assert MentorProfile.objects.get(user=mentor).status == MentorProfile.Status.AVAILABLE


@pytest.mark.django_db(transaction=True)
class TestOverTheWebsocket:
    async def test_the_console_says_what_is_missing_and_availability_answers_training_required(
        self, ws_connect, session_for, mentor_in
    ):
        mentor = await sync_to_async(mentor_in)("untrained")
        _, _, console = await ws_connect("/ws/staff/", await sync_to_async(session_for)(mentor))
        snapshot = await console.receive_type("staff.snapshot")
        refusal = snapshot["me"]["refusal"]
        assert refusal["code"] == "training_required"
        assert [m["module"] for m in refusal["missing"]] == [
            m.id for m in registry.required_modules()
        ]
        await console.send({"type": "availability.set", "status": "available", "ref": "a1"})
        error = await console.receive_type("error")
        assert (error["code"], error["ref"]) == ("training_required", "a1")
        assert error["missing"] == refusal["missing"]
        profile = await sync_to_async(MentorProfile.objects.get)(user=mentor)
        assert profile.status == MentorProfile.Status.AWAY

    async def test_queue_accept_answers_training_required(
        self, ws_connect, session_for, mentor_in, make_participant
    ):
        participant = await sync_to_async(make_participant)()
        ticket = await sync_to_async(queue_service.do_request_chat)(participant)
        mentor = await sync_to_async(mentor_in)("expired")
        _, _, console = await ws_connect("/ws/staff/", await sync_to_async(session_for)(mentor))
        await console.receive_type("staff.snapshot")
        await console.send({"type": "queue.accept", "ticket": ticket.pk})
        assert (await console.receive_type("error"))["code"] == "training_required"
        ticket = await sync_to_async(QueueTicket.objects.get)(pk=ticket.pk)
        assert ticket.status == QueueTicket.Status.WAITING

    async def test_a_trained_mentor_sees_no_refusal(self, ws_connect, session_for, mentor_in):
        mentor = await sync_to_async(mentor_in)("trained")
        _, _, console = await ws_connect("/ws/staff/", await sync_to_async(session_for)(mentor))
        assert (await console.receive_type("staff.snapshot"))["me"]["refusal"] is None
