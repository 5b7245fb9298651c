"""Escalations without a socket: opening them, what people are shown, the supervisor's actions."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from chatplatform import roles
from chatplatform.actors import participant_actor, staff_actor
from chatplatform.errors import ServiceError
from chatplatform.models import AuditEntry, Message, QueueTicket, RoomMembership
from chatplatform.services import messages as message_service
from chatplatform.services import queue as queue_service
from escalation import services
from escalation.models import Escalation, Page
from tests.escalation_fakes import HIGH_PHRASE, IMMINENT_PHRASE

pytestmark = pytest.mark.usefixtures("fake_detector")

IMMINENT_TEXT = f"I have the {IMMINENT_PHRASE} right now"
HIGH_TEXT = f"sometimes I {HIGH_PHRASE}"
REFUSED_ROLES = [roles.MENTOR, roles.EVALUATOR]


def send(access, body: str) -> message_service.SendResult:
    return message_service.do_send_message(access, str(uuid.uuid4()), body)


@pytest.fixture
def chat(make_direct_chat):
    """A participant in a 1:1 chat with a mentor."""
    room, participant, mentor = make_direct_chat()
    return room, participant, mentor


@pytest.fixture
def supervisor(make_staff):
    return make_staff(roles.SUPERVISOR)


def open_escalation(access_for, chat, text: str = IMMINENT_TEXT) -> Escalation:
    room, participant, _ = chat
    send(access_for(participant, room), text)
    return Escalation.objects.get(room=room)


class TestAutomaticEscalation:
    def test_risk_message_is_delivered_and_opens_an_imminent_escalation(self, chat, access_for):
        room, participant, _ = chat
        result = send(access_for(participant, room), IMMINENT_TEXT)
        assert result.status == Message.Status.DELIVERED and result.id is not None
        escalation = Escalation.objects.get(room=room)
        assert escalation.source == Escalation.Source.AUTOMATIC
        assert escalation.level == Escalation.Level.IMMINENT
        assert escalation.reasons == ["means", "timeframe"]
        assert escalation.participant == participant
        assert escalation.trigger_message == Message.objects.get(room=room, seq=result.id)
        assert escalation.state == Escalation.State.OPEN
        assert escalation.next_page_at == escalation.created_at + timedelta(seconds=60)

    def test_ordinary_message_opens_nothing(self, chat, access_for):
        room, participant, _ = chat
        send(access_for(participant, room), "exams went fine today")
        assert not Escalation.objects.exists()

    def test_staff_messages_are_not_assessed(self, chat, access_for):
        room, _, mentor = chat
        send(access_for(mentor, room), f"if you ever say '{IMMINENT_PHRASE}', tell me")
        assert not Escalation.objects.exists()

    def test_third_party_concern_is_recorded(self, chat, access_for):
        room, participant, _ = chat
        send(access_for(participant, room), "my friend wants to die")
        assert Escalation.objects.get(room=room).third_party

    def test_later_signals_fold_into_the_open_escalation_and_raise_its_level(
        self, chat, access_for
    ):
        room, participant, _ = chat
        access = access_for(participant, room)
        send(access, HIGH_TEXT)
        send(access, IMMINENT_TEXT)
        send(access, HIGH_TEXT)
        escalation = Escalation.objects.get(room=room)
        assert escalation.level == Escalation.Level.IMMINENT
        assert escalation.reasons == ["ideation", "means", "timeframe"]

    def test_a_new_signal_after_resolution_opens_a_new_escalation(
        self, chat, access_for, supervisor
    ):
        first = open_escalation(access_for, chat)
        actor = staff_actor(supervisor)
        services.do_acknowledge(actor, first.pk)
        services.do_resolve(actor, first.pk, "de_escalated")
        open_escalation_again = send(access_for(chat[1], chat[0]), IMMINENT_TEXT)
        assert open_escalation_again.id
        assert Escalation.objects.filter(room=chat[0]).count() == 2

    def test_escalation_is_audited_without_message_text(self, chat, access_for):
        escalation = open_escalation(access_for, chat)
        entry = AuditEntry.objects.get(action="escalation.opened")
        assert entry.target == f"escalation:{escalation.pk}"
        assert entry.data["level"] == "imminent"
        assert IMMINENT_PHRASE not in json.dumps(entry.data) + entry.reason


class TestAlerts:
    def test_supervisors_and_room_staff_hear_only_after_commit(
        self, chat, access_for, sent_events, django_capture_on_commit_callbacks
    ):
        room, participant, _ = chat
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            send(access_for(participant, room), IMMINENT_TEXT)
        assert sent_events == []
        for callback in callbacks:
            callback()
        console = [e for g, e in sent_events if g == services.CONSOLE_GROUP]
        assert console[0]["type"] == "escalation.changed"
        assert console[0]["event"] == "opened"
        assert console[0]["escalation"]["level"] == "imminent"
        assert console[0]["escalation"]["room"] == room.pk
        staff_status = [
            e for g, e in sent_events if g == f"room.{room.pk}.staff" and e["type"] == "chat.frame"
        ]
        assert staff_status[0]["audience"] == "staff"
        assert staff_status[0]["frame"]["type"] == "escalation.status"

    def test_alerts_never_carry_the_message_text(
        self, chat, access_for, sent_events, django_capture_on_commit_callbacks, supervisor
    ):
        room, participant, _ = chat
        with django_capture_on_commit_callbacks(execute=True):
            send(access_for(participant, room), IMMINENT_TEXT)
        alerts = [e for g, e in sent_events if g.startswith("escalation.")]
        assert alerts
        assert IMMINENT_PHRASE not in json.dumps(alerts)

    def test_the_first_page_goes_out_at_once_without_waiting_for_the_worker(
        self, chat, access_for, sent_events, django_capture_on_commit_callbacks, supervisor
    ):
        room, participant, _ = chat
        with django_capture_on_commit_callbacks(execute=True):
            send(access_for(participant, room), IMMINENT_TEXT)
        pages = [e for g, e in sent_events if g == services.pager_group(supervisor.pk)]
        assert pages[0]["type"] == "escalation.page"
        assert pages[0]["escalation"]["level"] == "imminent"
        escalation = Escalation.objects.get(room=room)
        assert escalation.first_alerted_at == escalation.created_at
        assert Page.objects.get(escalation=escalation, step=0).sent_at is not None


class TestParticipantSupport:
    def panel(self, sent_events, participant):
        frames = [
            e["frame"]
            for g, e in sent_events
            if g == f"actor.p{participant.pk}" and e["type"] == "actor.frame"
        ]
        return frames[-1] if frames else None

    def test_participant_at_imminent_risk_sees_the_emergency_number_first(
        self, chat, access_for, sent_events, django_capture_on_commit_callbacks
    ):
        room, participant, _ = chat
        with django_capture_on_commit_callbacks(execute=True):
            send(access_for(participant, room), IMMINENT_TEXT)
        panel = self.panel(sent_events, participant)
        assert panel["type"] == "crisis.support"
        assert panel["emergency_first"]
        assert panel["emergency_number"] == "911"
        assert "911" in panel["paragraphs"][0]
        assert any("988" in line["service"] for line in panel["resources"])

    def test_panel_lists_the_lines_of_the_participants_region(
        self, chat, access_for, sent_events, django_capture_on_commit_callbacks
    ):
        room, participant, _ = chat
        participant.crisis_region = "GB"
        participant.save()
        with django_capture_on_commit_callbacks(execute=True):
            send(access_for(participant, room), HIGH_TEXT)
        panel = self.panel(sent_events, participant)
        assert panel["resources"][0]["service"] == "Samaritans"
        assert not panel["emergency_first"]

    def test_panel_is_caring_and_never_echoes_or_names_methods(
        self, chat, access_for, sent_events, django_capture_on_commit_callbacks
    ):
        room, participant, _ = chat
        with django_capture_on_commit_callbacks(execute=True):
            send(access_for(participant, room), IMMINENT_TEXT)
        text = json.dumps(self.panel(sent_events, participant)).lower()
        assert "pills" not in text
        assert "alone" in text

    def test_a_repeated_signal_at_the_same_level_does_not_resend_the_panel(
        self, chat, access_for, sent_events, django_capture_on_commit_callbacks
    ):
        room, participant, _ = chat
        access = access_for(participant, room)
        with django_capture_on_commit_callbacks(execute=True):
            send(access, HIGH_TEXT)
            send(access, HIGH_TEXT)
        panels = [g for g, e in sent_events if g == f"actor.p{participant.pk}"]
        assert len(panels) == 1


class TestQueuePriority:
    def test_imminent_escalation_puts_a_waiting_participant_first(
        self, make_participant, make_group_room, access_for
    ):
        earlier = make_participant()
        participant = make_participant()
        queue_service.do_request_chat(earlier)
        queue_service.do_request_chat(participant)
        room = make_group_room()
        send(access_for(participant, room), IMMINENT_TEXT)
        first = queue_service.waiting_tickets().first()
        assert first.participant == participant
        assert first.priority == services.QUEUE_PRIORITY["imminent"]

    def test_a_participant_at_risk_who_joins_the_queue_later_is_ranked_first(
        self, make_participant, make_group_room, access_for
    ):
        queue_service.do_request_chat(make_participant())
        participant = make_participant()
        send(access_for(participant, make_group_room()), HIGH_TEXT)
        queue_service.do_request_chat(participant)
        first = queue_service.waiting_tickets().first()
        assert first.participant == participant
        assert first.priority == services.QUEUE_PRIORITY["high"]

    def test_urgent_help_outside_a_chat_joins_the_queue_at_the_front(self, make_participant):
        queue_service.do_request_chat(make_participant())
        participant = make_participant()
        escalation, panel = services.do_request_urgent_help(participant)
        assert escalation.room is None
        assert escalation.source == Escalation.Source.PARTICIPANT
        assert escalation.level == Escalation.Level.IMMINENT
        assert queue_service.waiting_tickets().first().participant == participant
        assert "front of the queue" in " ".join(panel["paragraphs"])

    def test_urgent_help_twice_is_one_escalation(self, make_participant):
        participant = make_participant()
        services.do_request_urgent_help(participant)
        services.do_request_urgent_help(participant)
        assert Escalation.objects.count() == 1
        assert QueueTicket.objects.filter(participant=participant).count() == 1

    def test_waiting_escalation_joins_the_chat_when_they_are_matched(
        self, make_participant, make_staff
    ):
        participant = make_participant()
        escalation, _ = services.do_request_urgent_help(participant)
        ticket = QueueTicket.objects.get(participant=participant)
        room = queue_service.do_accept_ticket(staff_actor(make_staff(roles.MENTOR)), ticket.pk)
        escalation.refresh_from_db()
        assert escalation.room == room

    def test_urgent_help_with_an_open_chat_belongs_to_that_chat(self, chat):
        room, participant, _ = chat
        escalation, panel = services.do_request_urgent_help(participant)
        assert escalation.room == room
        assert "will be with you shortly" in " ".join(panel["paragraphs"])

    def test_urgent_help_in_the_room_returns_the_panel(self, chat, access_for):
        room, participant, _ = chat
        panel = services.do_urgent_help_in_room(access_for(participant, room))
        assert panel["type"] == "crisis.support"
        assert Escalation.objects.get(room=room).source == Escalation.Source.PARTICIPANT

    def test_staff_cannot_press_the_participants_urgent_help(self, chat, access_for):
        room, _, mentor = chat
        with pytest.raises(ServiceError) as refused:
            services.do_urgent_help_in_room(access_for(mentor, room))
        assert refused.value.code == "forbidden"


class TestMentorEscalates:
    def test_mentor_escalates_with_a_reason_and_a_staff_only_note(self, chat, access_for):
        room, participant, mentor = chat
        services.do_escalate_by_staff(
            access_for(mentor, room), "plan_or_means", "imminent", "They mentioned tonight"
        )
        escalation = Escalation.objects.get(room=room)
        assert escalation.source == Escalation.Source.MENTOR
        assert escalation.raised_by == mentor
        assert escalation.participant == participant
        assert escalation.reasons == ["plan_or_means"]
        note = Message.objects.get(room=room, kind=Message.Kind.WHISPER)
        assert note.audience == Message.Audience.STAFF
        assert "tonight" in message_service.decrypt_message(note)
        assert "tonight" not in json.dumps(escalation.reasons)

    def test_participant_cannot_use_the_escalate_button(self, chat, access_for):
        room, participant, _ = chat
        with pytest.raises(ServiceError) as refused:
            services.do_escalate_by_staff(access_for(participant, room), "other", "high")
        assert refused.value.code == "forbidden"

    def test_unknown_reason_is_refused(self, chat, access_for):
        room, _, mentor = chat
        with pytest.raises(ServiceError) as refused:
            services.do_escalate_by_staff(access_for(mentor, room), "bored", "high")
        assert refused.value.code == "invalid"

    def test_mentor_sees_the_live_status(self, chat, access_for, supervisor):
        room, _, mentor = chat
        assert services.room_status(access_for(mentor, room))["escalation"] is None
        escalation = open_escalation(access_for, chat)
        services.do_acknowledge(staff_actor(supervisor), escalation.pk)
        status = services.room_status(access_for(mentor, room))
        assert status["escalation"]["state"] == "acknowledged"
        assert status["escalation"]["acknowledged_by"] == str(supervisor)

    def test_participant_cannot_read_the_staff_status(self, chat, access_for):
        room, participant, _ = chat
        with pytest.raises(ServiceError):
            services.room_status(access_for(participant, room))


class TestSupervisorActions:
    def test_acknowledging_takes_responsibility_and_stops_paging(
        self, chat, access_for, supervisor
    ):
        escalation = open_escalation(access_for, chat)
        Page.objects.create(
            escalation=escalation, step=1, recipient=supervisor, channel=Page.Channel.CONSOLE
        )
        services.do_acknowledge(staff_actor(supervisor), escalation.pk)
        escalation.refresh_from_db()
        assert escalation.state == Escalation.State.ACKNOWLEDGED
        assert escalation.acknowledged_by == supervisor
        assert escalation.acknowledged_at is not None
        assert escalation.next_page_at is None
        assert Page.objects.get(escalation=escalation, step=1).cancelled_at is not None
        assert AuditEntry.objects.filter(action="escalation.acknowledged").exists()

    def test_acknowledging_twice_is_refused_clearly(self, chat, access_for, supervisor):
        escalation = open_escalation(access_for, chat)
        services.do_acknowledge(staff_actor(supervisor), escalation.pk)
        with pytest.raises(ServiceError) as refused:
            services.do_acknowledge(staff_actor(supervisor), escalation.pk)
        assert refused.value.code == "already_acknowledged"

    def test_resolving_needs_an_acknowledgement_first(self, chat, access_for, supervisor):
        escalation = open_escalation(access_for, chat)
        with pytest.raises(ServiceError) as refused:
            services.do_resolve(staff_actor(supervisor), escalation.pk, "false_alarm")
        assert refused.value.code == "not_acknowledged"

    def test_resolving_records_outcome_and_who(self, chat, access_for, supervisor):
        escalation = open_escalation(access_for, chat)
        actor = staff_actor(supervisor)
        services.do_acknowledge(actor, escalation.pk)
        contacted = timezone.now() - timedelta(minutes=2)
        services.do_resolve(actor, escalation.pk, "emergency_services", True, contacted)
        escalation.refresh_from_db()
        assert escalation.state == Escalation.State.RESOLVED
        assert escalation.outcome == "emergency_services"
        assert escalation.emergency_contact_confirmed
        assert escalation.emergency_contacted_at == contacted
        assert escalation.resolved_by == supervisor
        assert escalation.resolved_at >= escalation.acknowledged_at

    def test_emergency_outcome_without_confirmation_is_refused(self, chat, access_for, supervisor):
        escalation = open_escalation(access_for, chat)
        actor = staff_actor(supervisor)
        services.do_acknowledge(actor, escalation.pk)
        with pytest.raises(ServiceError) as refused:
            services.do_resolve(actor, escalation.pk, "emergency_services", False, None)
        assert refused.value.code == "confirmation_required"
        escalation.refresh_from_db()
        assert escalation.state == Escalation.State.ACKNOWLEDGED

    def test_reading_the_transcript_is_audited_with_the_reason(self, chat, access_for, supervisor):
        escalation = open_escalation(access_for, chat)
        transcript = services.do_read_transcript(
            staff_actor(supervisor), escalation.pk, "checking risk before joining"
        )
        assert IMMINENT_TEXT in [m["body"] for m in transcript["messages"]]
        entry = AuditEntry.objects.get(action="transcript.read")
        assert entry.actor == f"staff:{supervisor.pk}"
        assert entry.reason == "checking risk before joining"
        assert entry.room_id == chat[0].pk

    def test_reading_the_transcript_needs_a_reason(self, chat, access_for, supervisor):
        escalation = open_escalation(access_for, chat)
        with pytest.raises(ServiceError) as refused:
            services.do_read_transcript(staff_actor(supervisor), escalation.pk, "  ")
        assert refused.value.code == "reason_required"
        assert not AuditEntry.objects.filter(action="transcript.read").exists()

    def test_whisper_reaches_staff_only(self, chat, access_for, supervisor):
        escalation = open_escalation(access_for, chat)
        message = services.do_whisper(staff_actor(supervisor), escalation.pk, "ask about tonight")
        assert message.kind == Message.Kind.WHISPER
        payload = message_service.message_payload(message, "ask about tonight")
        participant_view = message_service.Viewer.of(participant_actor(chat[1]))
        mentor_view = message_service.Viewer.of(staff_actor(chat[2]))
        assert message_service.render_for_viewer(payload, participant_view) is None
        assert message_service.render_for_viewer(payload, mentor_view)["kind"] == "whisper"

    def test_joining_is_visible_and_acknowledges(self, chat, access_for, supervisor):
        escalation = open_escalation(access_for, chat)
        room = services.do_join(staff_actor(supervisor), escalation.pk)
        membership = RoomMembership.objects.get(room=room, user=supervisor)
        assert membership.role == RoomMembership.Role.SUPERVISOR
        notice = Message.objects.filter(room=room, kind=Message.Kind.SYSTEM).last()
        assert "a supervisor, has joined" in message_service.decrypt_message(notice)
        escalation.refresh_from_db()
        assert escalation.acknowledged_by == supervisor
        services.do_join(staff_actor(supervisor), escalation.pk)
        assert RoomMembership.objects.filter(room=room, user=supervisor).count() == 1

    def test_taking_over_moves_the_chat_from_the_mentor(
        self, chat, access_for, supervisor, sent_events, django_capture_on_commit_callbacks
    ):
        room, participant, mentor = chat
        escalation = open_escalation(access_for, chat)
        with django_capture_on_commit_callbacks(execute=True):
            services.do_take_over(staff_actor(supervisor), escalation.pk)
        assert RoomMembership.objects.get(room=room, user=mentor).left_at is not None
        assert RoomMembership.objects.get(room=room, user=supervisor).left_at is None
        assert (f"actor.s{mentor.pk}", {"type": "room.revoked", "room": room.pk}) in sent_events
        assert RoomMembership.objects.get(room=room, participant=participant).left_at is None

    def test_group_rooms_cannot_be_taken_over(
        self, make_participant, make_group_room, access_for, supervisor
    ):
        room = make_group_room()
        send(access_for(make_participant(), room), IMMINENT_TEXT)
        escalation = Escalation.objects.get(room=room)
        with pytest.raises(ServiceError) as refused:
            services.do_take_over(staff_actor(supervisor), escalation.pk)
        assert refused.value.code == "invalid"

    def test_taking_over_a_waiting_participant_opens_a_chat_with_them(
        self, make_participant, supervisor
    ):
        participant = make_participant()
        escalation, _ = services.do_request_urgent_help(participant)
        room = services.do_take_over(staff_actor(supervisor), escalation.pk)
        escalation.refresh_from_db()
        assert escalation.room == room
        assert escalation.state == Escalation.State.ACKNOWLEDGED
        assert RoomMembership.objects.filter(room=room, participant=participant).exists()
        assert QueueTicket.objects.get(participant=participant).status == "matched"

    @pytest.mark.parametrize("role", REFUSED_ROLES)
    def test_only_supervisors_and_admins_act(self, role, chat, access_for, make_staff):
        escalation = open_escalation(access_for, chat)
        actor = staff_actor(make_staff(role))
        for action in (
            lambda: services.do_acknowledge(actor, escalation.pk),
            lambda: services.do_read_transcript(actor, escalation.pk, "curious"),
            lambda: services.do_whisper(actor, escalation.pk, "hi"),
            lambda: services.do_join(actor, escalation.pk),
            lambda: services.do_take_over(actor, escalation.pk),
            lambda: services.console_snapshot(actor),
        ):
            with pytest.raises(ServiceError) as refused:
                action()
            assert refused.value.code == "forbidden"
        assert not AuditEntry.objects.filter(action="transcript.read").exists()

    def test_participant_cannot_act_on_escalations(self, chat, access_for):
        escalation = open_escalation(access_for, chat)
        with pytest.raises(ServiceError) as refused:
            services.do_acknowledge(participant_actor(chat[1]), escalation.pk)
        assert refused.value.code == "forbidden"

    def test_admin_may_act(self, chat, access_for, make_staff):
        escalation = open_escalation(access_for, chat)
        services.do_acknowledge(staff_actor(make_staff(roles.ADMIN)), escalation.pk)


class TestConsole:
    def test_imminent_escalations_come_first_then_the_longest_waiting(
        self, make_participant, make_group_room, access_for, supervisor
    ):
        room = make_group_room()
        early_high, imminent, late_high = make_participant(), make_participant(), make_participant()
        send(access_for(early_high, room), HIGH_TEXT)
        send(access_for(imminent, room), IMMINENT_TEXT)
        send(access_for(late_high, room), HIGH_TEXT)
        snapshot = services.console_snapshot(staff_actor(supervisor))
        handles = [e["handle"] for e in snapshot["escalations"]]
        assert handles == [imminent.handle, early_high.handle, late_high.handle]


class TestRetentionHold:
    def test_rooms_with_open_or_recently_resolved_escalations_are_held(
        self, make_group_room, make_participant, access_for, supervisor, settings
    ):
        settings.ESCALATION_HOLD_DAYS = 30
        now = timezone.now()
        open_room, recent_room, old_room, quiet_room = (make_group_room() for _ in range(4))
        for room in (open_room, recent_room, old_room):
            send(access_for(make_participant(), room), HIGH_TEXT)
        actor = staff_actor(supervisor)
        for room, days_ago in ((recent_room, 10), (old_room, 31)):
            escalation = Escalation.objects.get(room=room)
            services.do_acknowledge(actor, escalation.pk)
            services.do_resolve(
                actor, escalation.pk, "de_escalated", now=now - timedelta(days=days_ago)
            )
        assert services.rooms_on_hold(now) == {open_room.pk, recent_room.pk}
        assert quiet_room.pk not in services.rooms_on_hold(now)
