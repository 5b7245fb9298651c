"""Practice chats: a scripted participant on the ordinary chat interface, never mixed with
real rooms or metrics; a supervisor reviews the transcript and signs a module off."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.actors import participant_actor, staff_actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring import certification, practice, registry
from chatplatform.mentoring.models import PracticeSession
from chatplatform.mentoring.scenarios import ScenarioError, load_scenario
from chatplatform.models import Message, Room
from chatplatform.services import queue as queue_service
from chatplatform.services.access import check_room_access
from chatplatform.services.messages import do_send_message
from escalation.models import Escalation
from evaluation import report
from tests.test_mentor_curriculum import MODULE, write_module

pytestmark = pytest.mark.django_db

SHIPPED = Path(__file__).resolve().parent.parent / "chatplatform/mentoring/data/scenarios"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def lines(room: Room) -> list[tuple[str, str]]:
    return list(
        Message.objects.filter(room=room, kind="chat").order_by("seq")
        .values_list("sender_role", "sender_handle")
    )  # fmt: skip


def reply(trainee, room: Room, body: str) -> None:
    do_send_message(check_room_access(staff_actor(trainee), room.pk), str(uuid.uuid4()), body)


class TestScenarios:
    def test_the_shipped_scenarios_walk_in_both_languages(self):
        for path in SHIPPED.glob("*.yaml"):
            scenario = load_scenario(path)
            for node in scenario.nodes.values():
                assert set(node.say) == {"en", "es"}
        disclosure = load_scenario(SHIPPED / "disclosure.yaml")
        node = disclosure.next_node("discloses", "¿Estás pensando en el suicidio?")
        assert node.id == "answers_safety"
        assert disclosure.next_node("discloses", "that's sad").id == "not_asked"

    def test_a_branch_to_nowhere_is_refused(self, tmp_path):
        path = tmp_path / "bad.yaml"
        text = (SHIPPED / "ambivalent.yaml").read_text().replace("goto: leaves", "goto: nowhere")
        path.write_text(text)
        with pytest.raises(ScenarioError, match="unknown 'nowhere'"):
            load_scenario(path)


class TestPracticeChat:
    def test_a_trainee_talks_to_the_scripted_participant_until_it_ends(self, make_staff):
        trainee = make_staff(roles.MENTOR, trained=False)
        client = signed_in(trainee)
        response = client.post("/staff/practice/", {"scenario": "disclosure"})
        room = Room.objects.get(kind=Room.Kind.PRACTICE)
        assert response["Location"] == f"/chat/{room.pk}/"
        assert client.get(response["Location"]).status_code == 200
        assert lines(room) == [("participant", "Practice: Grey Owl")]
        reply(trainee, room, "It sounds hopeless right now. Tell me more?")
        reply(trainee, room, "Are you thinking about suicide?")
        reply(trainee, room, "Can I bring in a supervisor to support us?")
        session = PracticeSession.objects.get()
        assert session.path == ["opening", "discloses", "answers_safety", "accepts_help"]
        assert session.ended_at is not None
        room.refresh_from_db()
        assert room.closed_at is not None
        assert len(lines(room)) == 4 + 3  # the scripted lines and the trainee's
        # The scripted disclosure and the trainee's words never open an escalation.
        assert not Escalation.objects.exists()

    def test_the_spanish_script_for_a_spanish_trainee(self, make_staff):
        trainee = make_staff(roles.MENTOR)
        signed_in(trainee).post(
            "/staff/practice/", {"scenario": "first-time"}, HTTP_ACCEPT_LANGUAGE="es"
        )
        room = Room.objects.get(kind=Room.Kind.PRACTICE)
        assert lines(room) == [("participant", "Práctica: Garza Tranquila")]

    def test_a_participant_can_never_open_a_practice_room(self, make_staff, make_participant):
        trainee = make_staff(roles.MENTOR)
        room = practice.do_start_practice(staff_actor(trainee), "ambivalent", "en")
        with pytest.raises(ServiceError) as caught:
            check_room_access(participant_actor(make_participant()), room.pk)
        assert caught.value.code == "forbidden"
        assert not room.memberships.filter(participant__isnull=False).exists()

    def test_an_evaluator_cannot_start_one(self, make_staff):
        assert (
            signed_in(make_staff(roles.EVALUATOR))
            .post("/staff/practice/", {"scenario": "ambivalent"})
            .status_code
            == 403
        )
        assert not Room.objects.filter(kind=Room.Kind.PRACTICE).exists()

    def test_practice_rooms_are_absent_from_every_metric_and_export(
        self, make_staff, make_direct_chat
    ):
        trainee = make_staff(roles.MENTOR)
        room = practice.do_start_practice(staff_actor(trainee), "first-time", "en")
        reply(trainee, room, "I'm a peer mentor, a volunteer")
        snapshot = queue_service.staff_snapshot(staff_actor(trainee))
        assert (snapshot["me"]["active_chats"], snapshot["chats"], snapshot["rooms"]) == (0, [], [])
        tables = report.build(timezone.localdate(), k=1, epsilon=None)["tables"]
        # Every month of the period has a row; none counts a chat.
        assert tables["chats_monthly"]["rows"]
        assert all(not row["chats"] for row in tables["chats_monthly"]["rows"])
        assert all(r["topic"] != room.slug for r in tables["topics_monthly"]["rows"])
        cost = tables["programme_cost"]["rows"][-1]
        assert cost["chats"] is None  # zero 1:1 chats: nothing published
        make_direct_chat()
        tables = report.build(timezone.localdate(), k=1, epsilon=None)["tables"]
        assert tables["programme_cost"]["rows"][-1]["chats"] == 1


class TestReviewAndSignOff:
    @pytest.fixture
    def signoff_curriculum(self, settings, tmp_path):
        write_module(
            tmp_path,
            MODULE.replace(
                "expiry_days: 30", "expiry_days: 30\nsignoff: true\npractice: disclosure"
            ),
        )
        settings.MENTOR_CURRICULUM_DIR = str(tmp_path)

    def test_a_supervisor_reviews_the_practice_and_signs_the_module_off(
        self, signoff_curriculum, make_staff
    ):
        trainee = make_staff(roles.MENTOR, trained=False)
        module = registry.module("listening")
        certification.do_submit_quiz(trainee, module, {0: 1, 1: 0})
        assert not certification.certificate(trainee).is_current
        room = practice.do_start_practice(staff_actor(trainee), "disclosure", "en")
        for words in ("tell me", "are you safe?", "a supervisor can help"):
            reply(trainee, room, words)
        session = PracticeSession.objects.get()
        supervisor = make_staff(roles.SUPERVISOR)
        client = signed_in(supervisor)
        page = client.get("/staff/programme/").content.decode()
        assert f'id="practice-{session.pk}"' in page and "Sign off listening" in page
        response = client.post(
            f"/staff/programme/practice/{session.pk}/reviewed/", {"module": "listening"}
        )
        assert response.status_code == 302
        assert certification.certificate(trainee).is_current
        session.refresh_from_db()
        assert session.reviewed_by == supervisor

    def test_a_mentor_cannot_sign_off(self, signoff_curriculum, make_staff):
        trainee = make_staff(roles.MENTOR, trained=False)
        certification.do_submit_quiz(trainee, registry.module("listening"), {0: 1, 1: 0})
        room = practice.do_start_practice(staff_actor(trainee), "disclosure", "en")
        for words in ("tell me", "are you safe?", "a supervisor can help"):
            reply(trainee, room, words)
        session = PracticeSession.objects.get()
        peer = make_staff(roles.MENTOR)
        response = signed_in(peer).post(
            f"/staff/programme/practice/{session.pk}/reviewed/", {"module": "listening"}
        )
        assert response.status_code == 403
        assert not certification.certificate(trainee).is_current
