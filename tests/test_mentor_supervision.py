"""The supervision log: individual and group sessions, topics from a fixed list, no
participant content; only supervisors and admins record them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.mentoring.models import Mentorship, SupervisionSession

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def session_form(*mentors, **overrides) -> dict:
    form = {
        "held_on": timezone.localdate().isoformat(),
        "minutes": "60",
        "format": "individual",
        "mentors": [str(m.pk) for m in mentors],
        "topics": ["risk", "wellbeing"],
        "follow_up": "Re-read the escalation module",
    }
    form.update(overrides)
    return form


def test_a_supervisor_records_an_individual_session(make_staff):
    supervisor, mentor = make_staff(roles.SUPERVISOR), make_staff(roles.MENTOR)
    client = signed_in(supervisor)
    page = client.get("/staff/programme/").content.decode()
    row = page.split(f'id="mentor-{mentor.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Never" in row and "No supervision lately" in row
    response = client.post("/staff/programme/supervision/", session_form(mentor))
    assert response.status_code == 302
    session = SupervisionSession.objects.get()
    assert (session.supervisor, session.minutes, session.topics) == (
        supervisor,
        60,
        ["risk", "wellbeing"],
    )
    assert list(session.mentors.all()) == [mentor]
    row = client.get("/staff/programme/").content.decode().split(f'id="mentor-{mentor.pk}"')[1]
    assert "No supervision lately" not in row.split("</tr>", 1)[0]


def test_a_group_session_covers_several_mentors(make_staff):
    supervisor = make_staff(roles.SUPERVISOR)
    mentors = [make_staff(roles.MENTOR) for _ in range(3)]
    signed_in(supervisor).post(
        "/staff/programme/supervision/", session_form(*mentors, format="group")
    )
    assert SupervisionSession.objects.get().mentors.count() == 3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"held_on": (timezone.localdate() + timedelta(days=1)).isoformat()}, "in the future"),
        ({"topics": []}, "at least one topic"),
        ({"topics": ["gossip"]}, "at least one topic"),
        ({"minutes": "2"}, "from 5 to 600 minutes"),
        ({"format": "party"}, "individual or group"),
        ({"held_on": "yesterday"}, "date of the session"),
        ({"follow_up": "x" * 301}, "under 300 characters"),
    ],
)
def test_a_bad_session_is_refused_with_a_reason_and_nothing_is_kept(make_staff, overrides, message):
    supervisor, mentor = make_staff(roles.SUPERVISOR), make_staff(roles.MENTOR)
    response = signed_in(supervisor).post(
        "/staff/programme/supervision/", session_form(mentor, **overrides), follow=True
    )
    assert message in response.content.decode()
    assert not SupervisionSession.objects.exists()


def test_individual_supervision_is_with_one_mentor(make_staff):
    supervisor = make_staff(roles.SUPERVISOR)
    mentors = (make_staff(roles.MENTOR), make_staff(roles.MENTOR))
    response = signed_in(supervisor).post(
        "/staff/programme/supervision/", session_form(*mentors), follow=True
    )
    assert "with one mentor" in response.content.decode()
    assert not SupervisionSession.objects.exists()


def test_mentors_and_evaluators_cannot_record_supervision(make_staff):
    mentor = make_staff(roles.MENTOR)
    for user in (mentor, make_staff(roles.EVALUATOR)):
        response = signed_in(user).post("/staff/programme/supervision/", session_form(mentor))
        assert response.status_code == 403
    assert not SupervisionSession.objects.exists()


def test_a_supervisor_cannot_log_for_another_supervisors_mentor(make_staff):
    mine, other = make_staff(roles.SUPERVISOR), make_staff(roles.SUPERVISOR)
    mentor = make_staff(roles.MENTOR)
    signed_in(other).post(f"/staff/programme/mentors/{mentor.pk}/assign/")
    assert Mentorship.objects.get(mentor=mentor).supervisor == other
    response = signed_in(mine).post("/staff/programme/supervision/", session_form(mentor))
    assert response.status_code == 404
    assert not SupervisionSession.objects.exists()
