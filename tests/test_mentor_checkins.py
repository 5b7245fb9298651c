"""Wellbeing check-ins: the mentor sees their own; supervisors see only that one suggests a
conversation; the report shows organisation-level counts under the k rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.mentoring import checkins
from chatplatform.mentoring.models import WellbeingCheckin
from evaluation import report

pytestmark = pytest.mark.django_db

STRAINED = {
    "satisfied": "0",
    "worn_out": "4",
    "intrusive": "4",
    "switch_off": "3",
    "supported": "1",
}
STEADY = {"satisfied": "4", "worn_out": "1", "intrusive": "0", "switch_off": "1", "supported": "4"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_score_turns_reverse_items_round_and_flags_a_conversation():
    form = checkins.form()
    assert form.score({k: int(v) for k, v in STEADY.items()}) == (2, False)
    assert form.score({k: int(v) for k, v in STRAINED.items()}) == (18, True)
    # One prompt item answered "often" is enough.
    assert form.score({**{k: int(v) for k, v in STEADY.items()}, "intrusive": 3})[1] is True


def test_a_mentor_checks_in_and_sees_their_own_answers(make_staff):
    mentor = make_staff(roles.MENTOR)
    client = signed_in(mentor)
    assert "Save my check-in" in client.get("/staff/me/").content.decode()
    assert client.post("/staff/me/check-in/", STRAINED).status_code == 302
    checkin = WellbeingCheckin.objects.get()
    assert (checkin.mentor, checkin.score, checkin.suggests_conversation) == (mentor, 18, True)
    page = client.get("/staff/me/").content.decode()
    assert f'id="checkin-{checkin.pk}"' in page and "score 18" in page
    assert "Save my check-in" not in page  # the next one is not due for 14 days


def test_an_incomplete_check_in_is_refused(make_staff):
    mentor = make_staff(roles.MENTOR)
    response = signed_in(mentor).post(
        "/staff/me/check-in/", {**STRAINED, "supported": "9"}, follow=True
    )
    assert "Answer every question" in response.content.decode()
    assert not WellbeingCheckin.objects.exists()


def test_supervisors_see_only_that_a_conversation_is_suggested(make_staff):
    mentor, other = make_staff(roles.MENTOR), make_staff(roles.MENTOR)
    signed_in(mentor).post("/staff/me/check-in/", STRAINED)
    page = signed_in(make_staff(roles.SUPERVISOR)).get("/staff/programme/").content.decode()
    row = page.split(f'id="mentor-{mentor.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "A check-in suggests a conversation" in row
    assert "18" not in row
    other_row = page.split(f'id="mentor-{other.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "A check-in suggests a conversation" not in other_row
    # Another mentor's page never shows someone else's check-ins.
    assert "score 18" not in signed_in(other).get("/staff/me/").content.decode()


def test_an_old_flag_fades_after_thirty_days(make_staff):
    mentor = make_staff(roles.MENTOR)
    long_ago = timezone.localdate() - timedelta(days=31)
    checkins.do_check_in(mentor, STRAINED, today=long_ago)
    assert checkins.flagged_mentors([mentor.pk], timezone.localdate()) == set()
    assert checkins.flagged_mentors([mentor.pk], long_ago) == {mentor.pk}


def test_the_report_counts_check_ins_under_the_k_rules(make_staff):
    for answers in (STRAINED, STEADY, STEADY):
        checkins.do_check_in(make_staff(roles.MENTOR), answers)
    month = timezone.localdate().strftime("%Y-%m")
    rows = report.build(timezone.localdate(), k=1, epsilon=None)["tables"]["mentor_checkins"]
    row = next(r for r in rows["rows"] if r["month"] == month)
    assert (row["checkins"], row["suggest_conversation"]) == (3, 1)
    assert row["suggest_share"] == pytest.approx(1 / 3)
    hidden = report.build(timezone.localdate(), k=11, epsilon=None)["tables"]["mentor_checkins"]
    row = next(r for r in hidden["rows"] if r["month"] == month)
    assert row["checkins"] is None and row["suggest_share"] is None
