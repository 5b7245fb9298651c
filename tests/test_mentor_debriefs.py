"""Debriefs: a chat with a high or imminent escalation owes its mentor a debrief, shown to
supervisors until it is held; overdue ones stand out."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.actors import staff_actor
from chatplatform.mentoring.models import Debrief
from chatplatform.models import AuditEntry
from chatplatform.services import queue as queue_service
from chatplatform.services.messages import do_send_message
from tests.escalation_fakes import HIGH_PHRASE, IMMINENT_PHRASE

pytestmark = pytest.mark.django_db


def say(access, body: str) -> None:
    do_send_message(access, str(uuid.uuid4()), body)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def imminent_chat(fake_detector, make_direct_chat, access_for):
    def make(mentor=None):
        room, participant, mentor = make_direct_chat(mentor=mentor)
        say(access_for(participant, room), f"I have the {IMMINENT_PHRASE}")
        return room, participant, mentor

    return make


def test_an_imminent_escalation_opens_a_debrief_for_the_chats_mentor(imminent_chat):
    before = timezone.now()
    room, _, mentor = imminent_chat()
    debrief = Debrief.objects.get()
    assert (debrief.mentor, debrief.room, debrief.level) == (mentor, room, "imminent")
    assert debrief.completed_at is None
    assert before + timedelta(hours=72) <= debrief.due_at <= timezone.now() + timedelta(hours=72)


def test_a_low_risk_chat_owes_no_debrief(fake_detector, make_direct_chat, access_for):
    room, participant, _ = make_direct_chat()
    say(access_for(participant, room), "exams are stressful")
    assert not Debrief.objects.exists()


def test_a_rising_level_raises_the_debrief_and_never_duplicates_it(
    fake_detector, make_direct_chat, access_for
):
    room, participant, _ = make_direct_chat()
    say(access_for(participant, room), f"I {HIGH_PHRASE}")
    assert Debrief.objects.get().level == "high"
    say(access_for(participant, room), f"the {IMMINENT_PHRASE}")
    assert Debrief.objects.get().level == "imminent"


def test_a_mentor_who_handed_the_chat_on_owes_a_debrief_too(
    imminent_chat, make_staff, access_for, settings
):
    settings.MENTOR_CRISIS_COOLDOWN_MINUTES = 0
    room, participant, first = imminent_chat()
    second = make_staff(roles.MENTOR)
    queue_service.do_set_availability(staff_actor(second), "available")
    queue_service.do_transfer_chat(access_for(first, room), second.pk)
    queue_service.do_end_chat(access_for(participant, room))
    assert set(Debrief.objects.values_list("mentor_id", flat=True)) == {first.pk, second.pk}


class TestSupervisorPage:
    def test_the_debrief_is_on_the_supervisors_page_and_overdue_ones_stand_out(
        self, imminent_chat, make_staff
    ):
        room, _, _ = imminent_chat()
        supervisor = make_staff(roles.SUPERVISOR)
        page = signed_in(supervisor).get("/staff/programme/").content.decode()
        debrief = Debrief.objects.get()
        assert f'id="debrief-{debrief.pk}"' in page
        assert f"1:1 chat #{room.pk}" in page
        assert "Overdue" not in page
        Debrief.objects.update(due_at=timezone.now() - timedelta(minutes=1))
        page = signed_in(supervisor).get("/staff/programme/").content.decode()
        assert f'id="debrief-{debrief.pk}" class="overdue"' in page

    def test_a_supervisor_marks_it_held_and_it_is_audited(self, imminent_chat, make_staff):
        imminent_chat()
        supervisor = make_staff(roles.SUPERVISOR)
        debrief = Debrief.objects.get()
        response = signed_in(supervisor).post(f"/staff/programme/debriefs/{debrief.pk}/held/")
        assert response.status_code == 302
        debrief.refresh_from_db()
        assert debrief.completed_by == supervisor
        assert debrief.completed_at is not None
        entry = AuditEntry.objects.get(action="debrief.completed")
        assert entry.actor == f"staff:{supervisor.pk}"
        page = signed_in(supervisor).get("/staff/programme/").content.decode()
        assert f'id="debrief-{debrief.pk}"' not in page

    def test_mentors_and_evaluators_cannot_open_the_page_or_mark_a_debrief(
        self, imminent_chat, make_staff
    ):
        _, _, mentor = imminent_chat()
        debrief = Debrief.objects.get()
        for user in (mentor, make_staff(roles.EVALUATOR)):
            client = signed_in(user)
            assert client.get("/staff/programme/").status_code == 403
            assert client.post(f"/staff/programme/debriefs/{debrief.pk}/held/").status_code == 403
        assert Debrief.objects.get().completed_at is None

    def test_another_supervisors_mentor_is_out_of_scope(self, imminent_chat, make_staff):
        _, _, mentor = imminent_chat()
        mine, other = make_staff(roles.SUPERVISOR), make_staff(roles.SUPERVISOR)
        signed_in(other).post(f"/staff/programme/mentors/{mentor.pk}/assign/")
        debrief = Debrief.objects.get()
        page = signed_in(mine).get("/staff/programme/").content.decode()
        assert f'id="debrief-{debrief.pk}"' not in page
        response = signed_in(mine).post(f"/staff/programme/debriefs/{debrief.pk}/held/")
        assert response.status_code == 404
        assert Debrief.objects.get().completed_at is None

    def test_the_mentor_row_shows_crisis_exposure_and_the_open_debrief(
        self, imminent_chat, make_staff
    ):
        _, _, mentor = imminent_chat()
        page = signed_in(make_staff(roles.ADMIN)).get("/staff/programme/").content.decode()
        row = page.split(f'id="mentor-{mentor.pk}"', 1)[1].split("</tr>", 1)[0]
        cells = [c.split(">", 1)[1].split("</td>")[0].strip() for c in row.split("<td")[1:]]
        assert cells[2:5] == ["1", "1", "1"]
