"""Mentor wellbeing limits with a controllable clock: a risk-weighted caseload, a cool-down
after a crisis chat, shift length and crisis chats per shift; and hours online."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatplatform import duties, roles
from chatplatform.actors import staff_actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring import caseload, shifts
from chatplatform.mentoring.models import Debrief, OnlineShift
from chatplatform.models import MentorProfile, Room, RoomMembership
from chatplatform.services import queue as queue_service

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def crisis(room: Room, mentor, at: datetime) -> Debrief:
    return Debrief.objects.create(
        mentor=mentor, room=room, level="imminent", created_at=at, due_at=at + timedelta(days=3)
    )


def refusal_code(mentor, now: datetime, duty: str = duties.ACCEPT) -> str | None:
    error = duties.refusal(mentor, duty, now)
    return error.code if error else None


class TestCaseload:
    def test_a_crisis_chat_counts_for_more(self, make_direct_chat, settings):
        settings.MENTOR_CRISIS_CHAT_WEIGHT = 2
        room, _, mentor = make_direct_chat()
        MentorProfile.objects.filter(user=mentor).update(max_chats=2)
        assert caseload.risk_weighted_load(mentor) == (1, 1)
        assert refusal_code(mentor, T0) is None
        crisis(room, mentor, T0)
        assert caseload.risk_weighted_load(mentor) == (1, 2)
        assert refusal_code(mentor, T0) == "at_capacity"
        settings.MENTOR_CRISIS_CHAT_WEIGHT = 1
        assert refusal_code(mentor, T0) is None

    def test_accepting_is_refused_over_the_weighted_load(
        self, make_direct_chat, make_participant, settings
    ):
        room, _, mentor = make_direct_chat()
        MentorProfile.objects.filter(user=mentor).update(max_chats=2)
        crisis(room, mentor, T0)
        ticket = queue_service.do_request_chat(make_participant())
        with pytest.raises(ServiceError) as caught:
            queue_service.do_accept_ticket(staff_actor(mentor), ticket.pk)
        assert caught.value.code == "at_capacity"
        assert RoomMembership.objects.filter(user=mentor).count() == 1


class TestCooldown:
    def test_no_new_chat_is_offered_until_the_cool_down_ends(
        self, make_direct_chat, settings, access_for
    ):
        settings.MENTOR_CRISIS_COOLDOWN_MINUTES = 15
        room, _, mentor = make_direct_chat()
        crisis(room, mentor, T0)
        Room.objects.filter(pk=room.pk).update(closed_at=T0 + timedelta(minutes=30))
        assert refusal_code(mentor, T0 + timedelta(minutes=20)) is None  # still open then
        error = duties.refusal(mentor, duties.ACCEPT, T0 + timedelta(minutes=40))
        assert (error.code, error.extra["retry_after"]) == ("cooling_down", 300)
        assert refusal_code(mentor, T0 + timedelta(minutes=45)) is None

    def test_a_supervisor_taking_over_is_never_held_back(self, make_direct_chat, make_staff):
        room, _, _ = make_direct_chat()
        supervisor = make_staff(roles.SUPERVISOR)
        crisis(room, supervisor, T0)
        Room.objects.filter(pk=room.pk).update(closed_at=T0)
        assert refusal_code(supervisor, T0 + timedelta(minutes=1)) is None


class TestShifts:
    def test_availability_and_heartbeats_make_shifts_and_silence_ends_them(
        self, make_staff, settings
    ):
        settings.MENTOR_ONLINE_SECONDS = 90
        mentor = make_staff(roles.MENTOR)
        MentorProfile.objects.filter(user=mentor).update(status=MentorProfile.Status.AVAILABLE)
        shifts.do_touch_shift(mentor.pk, "available", T0)
        shifts.do_touch_shift(mentor.pk, None, T0 + timedelta(seconds=60))
        shifts.do_touch_shift(mentor.pk, None, T0 + timedelta(seconds=120))
        shift = OnlineShift.objects.get()
        assert (shift.started_at, shift.last_seen_at, shift.ended_at) == (
            T0,
            T0 + timedelta(seconds=120),
            None,
        )
        # The console fell silent for ten minutes: the shift ended when it was last heard.
        shifts.do_touch_shift(mentor.pk, None, T0 + timedelta(minutes=12))
        first, second = OnlineShift.objects.order_by("started_at")
        assert first.ended_at == T0 + timedelta(seconds=120)
        assert (second.started_at, second.ended_at) == (T0 + timedelta(minutes=12), None)
        shifts.do_touch_shift(mentor.pk, "away", T0 + timedelta(minutes=13))
        second.refresh_from_db()
        assert second.ended_at == T0 + timedelta(minutes=13)
        assert shifts.current_shift(mentor.pk, T0 + timedelta(minutes=13)) is None

    def test_the_core_reports_presence_to_the_programme(self, make_staff):
        mentor = make_staff(roles.MENTOR)
        queue_service.do_set_availability(staff_actor(mentor), "available")
        queue_service.do_mentor_heartbeat(staff_actor(mentor))
        shift = OnlineShift.objects.get(user=mentor)
        assert shift.ended_at is None and shift.last_seen_at >= shift.started_at
        queue_service.do_set_availability(staff_actor(mentor), "away")
        assert OnlineShift.objects.get(user=mentor).ended_at is not None

    def test_a_long_shift_stops_new_chats(self, make_staff, settings):
        settings.MENTOR_SHIFT_MAX_MINUTES = 240
        mentor = make_staff(roles.MENTOR)
        OnlineShift.objects.create(user=mentor, started_at=T0, last_seen_at=T0)
        late = T0 + timedelta(hours=4, minutes=1)
        OnlineShift.objects.update(last_seen_at=late)
        assert refusal_code(mentor, T0 + timedelta(hours=3)) is None
        assert refusal_code(mentor, late) == "shift_limit"
        assert refusal_code(mentor, late, duties.RECEIVE_TRANSFER) == "shift_limit"
        assert refusal_code(mentor, late, duties.AVAILABLE) is None

    def test_crisis_chats_per_shift_are_limited(self, make_direct_chat, settings):
        settings.MENTOR_SHIFT_MAX_CRISIS_CHATS = 2
        settings.MENTOR_CRISIS_COOLDOWN_MINUTES = 0
        settings.MENTOR_CRISIS_CHAT_WEIGHT = 1
        room, _, mentor = make_direct_chat()
        other, _, _ = make_direct_chat(mentor=mentor)
        now = T0 + timedelta(hours=1)
        OnlineShift.objects.create(user=mentor, started_at=T0, last_seen_at=now)
        crisis(room, mentor, T0 + timedelta(minutes=10))
        assert refusal_code(mentor, now) is None
        crisis(other, mentor, T0 + timedelta(minutes=20))
        error = duties.refusal(mentor, duties.ACCEPT, now)
        assert error.code == "shift_limit"
        assert "2 crisis chats" in error.detail
