"""A mentor's weekly shifts, monthly records and post-chat feedback: seen by the mentor and
their supervisor only, feedback only once at least k participants answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.mentoring import records
from chatplatform.mentoring.models import OnlineShift, SupervisionSession, WeeklyShift
from chatplatform.services import queue as queue_service
from evaluation import registry
from evaluation.mentor_feedback import mentor_feedback
from evaluation.models import SurveyIdentity, SurveyResponse

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def answer_after(participant, chat_number: int, answers: list[int]) -> None:
    version = registry.record_version(registry.instruments()["experience"])
    identity, _ = SurveyIdentity.objects.get_or_create(
        participant=participant, defaults={"consent": SurveyIdentity.Consent.GIVEN}
    )
    SurveyResponse.objects.create(
        identity=identity,
        instrument_version=version,
        wave=SurveyResponse.Wave.POST,
        chat_number=chat_number,
        language="en",
        answers=answers,
    )


class TestWeeklyShifts:
    def test_a_mentor_plans_weekly_shifts(self, make_staff):
        mentor = make_staff(roles.MENTOR)
        client = signed_in(mentor)
        client.post("/staff/me/shifts/", {"weekday": "1", "starts": "18:00", "ends": "20:00"})
        shift = WeeklyShift.objects.get()
        assert (shift.mentor, shift.weekday, str(shift)) == (mentor, 1, "Tuesday 18:00:00-20:00:00")
        response = client.post(
            "/staff/me/shifts/", {"weekday": "1", "starts": "19:00", "ends": "21:00"}, follow=True
        )
        assert "overlaps" in response.content.decode()
        response = client.post(
            "/staff/me/shifts/", {"weekday": "2", "starts": "22:00", "ends": "01:00"}, follow=True
        )
        assert "ends after it starts" in response.content.decode()
        assert WeeklyShift.objects.count() == 1
        other = make_staff(roles.MENTOR)
        assert signed_in(other).post(f"/staff/me/shifts/{shift.pk}/remove/").status_code == 404
        client.post(f"/staff/me/shifts/{shift.pk}/remove/")
        assert not WeeklyShift.objects.exists()


class TestMonthlyRecords:
    def test_hours_chats_supervision_and_training_by_month(self, make_staff, make_direct_chat):
        mentor = make_staff(roles.MENTOR)
        now = timezone.now()
        start = now.replace(day=1, hour=0, minute=30, second=0, microsecond=0)
        OnlineShift.objects.create(
            user=mentor, started_at=start, last_seen_at=start + timedelta(hours=2),
            ended_at=start + timedelta(hours=2),
        )  # fmt: skip
        make_direct_chat(mentor=mentor)
        session = SupervisionSession.objects.create(
            held_on=timezone.localdate(), minutes=45, format="individual", topics=["skills"]
        )
        session.mentors.set([mentor])
        this_month = records.monthly_records(mentor, now)[0]
        assert (this_month.hours_online, this_month.chats, this_month.supervision_hours) == (
            2.0,
            1,
            0.8,
        )
        assert this_month.training_hours == 0.0  # test mentors' modules are granted, not taken
        assert len(records.monthly_records(mentor, now)) == records.MONTHS_SHOWN


class TestFeedback:
    @pytest.fixture
    def answered(self, make_direct_chat, access_for):
        def make(mentor, scores: list[list[int]]):
            for answers in scores:
                room, participant, mentor = make_direct_chat(mentor=mentor)
                queue_service.do_end_chat(access_for(participant, room))
                answer_after(participant, 1, answers)
            return mentor

        return make

    def test_feedback_shows_only_from_k_participants(self, answered, make_staff):
        mentor = answered(make_staff(roles.MENTOR), [[5, 5, 4, 4], [4, 5, 4, 2]])
        shown = mentor_feedback(mentor.pk, k=2)
        assert (shown.enough, shown.participants) == (True, 2)
        assert [mean for _i, _t, mean in shown.items] == [4.5, 5.0, 4.0, 3.0]
        hidden = mentor_feedback(mentor.pk, k=3)
        assert (hidden.enough, hidden.participants) == (False, 0)
        assert all(mean is None for _i, _t, mean in hidden.items)

    def test_another_mentors_answers_never_count(self, answered, make_staff):
        mine = answered(make_staff(roles.MENTOR), [[5, 5, 5, 5]])
        answered(make_staff(roles.MENTOR), [[1, 1, 1, 1], [1, 1, 1, 1]])
        assert mentor_feedback(mine.pk, k=1).items[0][2] == 5.0

    def test_the_mentor_and_their_supervisor_see_it_and_nobody_else(
        self, answered, make_staff, settings
    ):
        settings.EVALUATION_MIN_CELL = 2
        mentor = answered(make_staff(roles.MENTOR), [[5, 5, 4, 4], [4, 5, 4, 2]])
        mine = signed_in(mentor).get("/staff/me/").content.decode()
        assert "I felt heard. <strong>4.5</strong>" in mine
        supervisor = make_staff(roles.SUPERVISOR)
        signed_in(supervisor).post(f"/staff/programme/mentors/{mentor.pk}/assign/")
        page = signed_in(supervisor).get(f"/staff/programme/mentors/{mentor.pk}/")
        assert "I felt heard. <strong>4.5</strong>" in page.content.decode()
        other_supervisor = make_staff(roles.SUPERVISOR)
        path = f"/staff/programme/mentors/{mentor.pk}/"
        assert signed_in(other_supervisor).get(path).status_code == 404
        for user in (make_staff(roles.MENTOR), make_staff(roles.EVALUATOR)):
            assert signed_in(user).get(path).status_code == 403
        assert "4.5" not in signed_in(make_staff(roles.MENTOR)).get("/staff/me/").content.decode()
