"""Marking the detector's misses and false alarms; the supervisors' review, report and export."""

from __future__ import annotations

import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from chatplatform import roles
from chatplatform.models import AuditEntry, Message, RoomMembership
from chatplatform.services import messages as message_service
from chatplatform.services.participants import SESSION_KEY
from escalation.risk_marks.models import RiskMark

pytestmark = pytest.mark.django_db

SECRET_WORDS = "the pharmacy bag is still in my coat pocket"


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def chat(make_direct_chat, access_for):
    """A participant's message (number 1 in the room) in a 1:1 chat with a mentor."""
    room, participant, mentor = make_direct_chat()
    message_service.do_send_message(access_for(participant, room), str(uuid.uuid4()), SECRET_WORDS)
    message = Message.objects.get(room=room, sender_participant=participant)
    return room, participant, mentor, message


def mark(client: Client, room, message, kind: str = "missed"):
    return client.post(
        "/staff/risk-marks/", {"room": room.pk, "message": message.seq, "kind": kind}
    )


class TestMarking:
    def test_the_rooms_mentor_marks_a_participant_message_and_it_is_audited(self, chat) -> None:
        room, _, mentor, message = chat
        response = mark(staff_client(mentor), room, message)
        assert response.status_code == 200
        assert response.json() == {"type": "risk.marked", "kind": "missed", "created": True}
        saved = RiskMark.objects.get()
        assert (saved.message, saved.kind, saved.marked_by, saved.marked_by_role) == (
            message,
            "missed",
            mentor,
            roles.MENTOR,
        )
        assert saved.language == "en"
        entry = AuditEntry.objects.get(action="risk_mark.created")
        assert entry.target == f"message:{message.pk}"
        assert SECRET_WORDS not in json.dumps(entry.data) + entry.reason

    def test_a_supervisor_marks_in_any_room(self, chat, make_staff) -> None:
        room, _, _, message = chat
        response = mark(staff_client(make_staff(roles.SUPERVISOR)), room, message, "false_alarm")
        assert response.status_code == 200
        assert RiskMark.objects.get().kind == "false_alarm"

    def test_marking_twice_keeps_one_mark(self, chat) -> None:
        room, _, mentor, message = chat
        client = staff_client(mentor)
        mark(client, room, message)
        assert mark(client, room, message).json()["created"] is False
        assert RiskMark.objects.count() == 1

    @pytest.mark.parametrize("role", [roles.MENTOR, roles.EVALUATOR])
    def test_other_staff_are_refused(self, chat, make_staff, role) -> None:
        room, _, _, message = chat
        response = mark(staff_client(make_staff(role)), room, message)
        assert response.status_code == 403
        assert not RiskMark.objects.exists()

    def test_a_mentor_who_left_the_room_is_refused(self, chat) -> None:
        room, _, mentor, message = chat
        RoomMembership.objects.filter(room=room, user=mentor).update(left_at="2026-01-01T00:00Z")
        assert mark(staff_client(mentor), room, message).status_code == 403
        assert not RiskMark.objects.exists()

    def test_participants_and_strangers_are_refused(self, chat) -> None:
        room, participant, _, message = chat
        visitor = Client()
        session = visitor.session
        session[SESSION_KEY] = participant.pk
        session.save()
        assert mark(visitor, room, message).status_code == 403
        assert mark(Client(), room, message).status_code == 403
        assert not RiskMark.objects.exists()

    def test_staff_messages_cannot_be_marked(self, chat, access_for) -> None:
        room, _, mentor, _ = chat
        message_service.do_send_message(access_for(mentor, room), str(uuid.uuid4()), "hello")
        own = Message.objects.get(room=room, sender_user=mentor)
        assert mark(staff_client(mentor), room, own).status_code == 404
        assert not RiskMark.objects.exists()

    def test_an_unknown_kind_or_missing_number_is_a_clear_error(self, chat) -> None:
        room, _, mentor, message = chat
        client = staff_client(mentor)
        assert mark(client, room, message, "maybe").status_code == 400
        response = client.post("/staff/risk-marks/", {"room": room.pk, "kind": "missed"})
        assert response.status_code == 400
        assert response.json()["detail"]
        assert not RiskMark.objects.exists()


@pytest.fixture
def marked(chat):
    room, _, mentor, message = chat
    mark(staff_client(mentor), room, message)
    return RiskMark.objects.get()


class TestReview:
    @pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.ADMIN])
    def test_supervisors_see_the_list_without_any_text(self, marked, make_staff, role) -> None:
        page = staff_client(make_staff(role)).get("/supervisor/risk-marks/")
        assert page.status_code == 200
        content = page.content.decode()
        assert "Risk missed" in content
        assert SECRET_WORDS not in content

    @pytest.mark.parametrize("role", [roles.MENTOR, roles.EVALUATOR])
    def test_other_staff_are_refused_the_list(self, marked, make_staff, role) -> None:
        assert staff_client(make_staff(role)).get("/supervisor/risk-marks/").status_code == 403

    def test_reading_a_marked_message_needs_a_reason_and_is_audited(
        self, marked, make_staff
    ) -> None:
        client = staff_client(make_staff(roles.SUPERVISOR))
        url = f"/supervisor/risk-marks/{marked.pk}/read/"
        refused = client.post(url, {"reason": " "})
        assert refused.status_code == 302
        assert not AuditEntry.objects.filter(action="transcript.read").exists()
        shown = client.post(url, {"reason": "weekly review of misses"})
        assert shown.status_code == 200
        assert SECRET_WORDS in shown.content.decode()
        entry = AuditEntry.objects.get(action="transcript.read")
        assert (entry.room_id, entry.reason) == (marked.room_id, "weekly review of misses")

    def test_a_mentor_cannot_read_it(self, marked, chat) -> None:
        _, _, mentor, _ = chat
        response = staff_client(mentor).post(
            f"/supervisor/risk-marks/{marked.pk}/read/", {"reason": "curious"}
        )
        assert response.status_code == 403
        assert not AuditEntry.objects.filter(action="transcript.read").exists()


class TestReportAndExport:
    def test_the_report_has_counts_by_language_and_no_text(self, marked) -> None:
        out = StringIO()
        call_command("risk_marks_report", stdout=out)
        printed = out.getvalue()
        assert "language en" in printed
        assert "marked missed" in printed
        assert SECRET_WORDS not in printed
        row = next(line for line in printed.splitlines() if line.startswith("language en"))
        assert row.split()[-2:] == ["1", "0"]

    def test_export_needs_a_supervisors_explicit_confirmation(self, marked, make_staff) -> None:
        client = staff_client(make_staff(roles.SUPERVISOR))
        assert client.post("/supervisor/risk-marks/export/").status_code == 302
        assert not AuditEntry.objects.filter(action="risk_marks.exported").exists()
        response = client.post("/supervisor/risk-marks/export/", {"confirm": "yes"})
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        (line,) = response.content.decode().splitlines()
        row = json.loads(line)
        assert (row["text"], row["mark"], row["language"], row["level"]) == (
            SECRET_WORDS,
            "missed",
            "en",
            None,
        )
        entry = AuditEntry.objects.get(action="risk_marks.exported")
        assert entry.data == {"count": 1}

    @pytest.mark.parametrize("role", [roles.MENTOR, roles.EVALUATOR])
    def test_other_staff_cannot_export(self, marked, make_staff, role) -> None:
        response = staff_client(make_staff(role)).post(
            "/supervisor/risk-marks/export/", {"confirm": "yes"}
        )
        assert response.status_code == 403
        assert not AuditEntry.objects.filter(action="risk_marks.exported").exists()
