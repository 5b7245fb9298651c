"""A mentor records the kind of help they suggested (metadata only); the follow-up asks
whether the person followed it, and the report counts who did."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.models import AuditEntry
from evaluation import registry, surveys
from evaluation.models import Referral, SurveyResponse
from evaluation.scoring import answer_rows

FOLLOWUP_URL = "/evaluation/survey/follow-up/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def browser(session_for):
    def make(participant) -> Client:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session_for(participant)
        return client

    return make


def test_a_mentor_in_the_chat_records_the_kind_of_referral(make_direct_chat):
    room, _, mentor = make_direct_chat()
    response = signed_in(mentor).post(f"/evaluation/referrals/{room.pk}/", {"kind": "doctor"})
    assert response.status_code == 302 and response.url == f"/chat/{room.pk}/"
    referral = Referral.objects.get(room=room)
    assert (referral.kind, referral.recorded_by) == ("doctor", mentor)
    assert AuditEntry.objects.filter(action="referral_recorded", target=f"room:{room.pk}").exists()
    # Once per kind and chat: recording it again changes nothing.
    signed_in(mentor).post(f"/evaluation/referrals/{room.pk}/", {"kind": "doctor"})
    assert Referral.objects.filter(room=room).count() == 1


@pytest.mark.parametrize("role", [roles.MENTOR, roles.EVALUATOR])
def test_staff_who_are_not_in_the_chat_are_refused(role, make_direct_chat, make_staff):
    room, _, _ = make_direct_chat()
    response = signed_in(make_staff(role)).post(
        f"/evaluation/referrals/{room.pk}/", {"kind": "helpline"}
    )
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_participants_cannot_record_referrals(make_direct_chat, browser):
    room, participant, _ = make_direct_chat()
    response = browser(participant).post(f"/evaluation/referrals/{room.pk}/", {"kind": "doctor"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not Referral.objects.exists()


def test_an_unknown_kind_is_a_clear_error(make_direct_chat):
    room, _, mentor = make_direct_chat()
    response = signed_in(mentor).post(f"/evaluation/referrals/{room.pk}/", {"kind": "astrology"})
    assert response.status_code == 400
    assert "kinds of help listed" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_tool_is_on_the_mentors_chat_page_and_not_the_participants(make_direct_chat, browser):
    room, participant, mentor = make_direct_chat()
    action = f"/evaluation/referrals/{room.pk}/"
    assert action in signed_in(mentor).get(f"/chat/{room.pk}/").content.decode()
    assert action not in browser(participant).get(f"/chat/{room.pk}/").content.decode()


def due_for_followup(participant):
    identity = surveys.do_record_consent(participant, agree=True)
    stigma = registry.instruments()["stigma"]
    SurveyResponse.objects.create(
        identity=identity,
        instrument_version=registry.record_version(stigma),
        wave="pre",
        chat_number=1,
        language="en",
        answered_on=timezone.localdate() - timedelta(days=30),
        answers=answer_rows(stigma, {i.id: 3 for i in stigma.items}),
    )
    return identity


def test_the_follow_up_asks_about_a_referral_only_when_one_was_recorded(make_direct_chat, browser):
    room, participant, mentor = make_direct_chat()
    due_for_followup(participant)
    client = browser(participant)
    assert "help_actions.followed_doctor" not in client.get(FOLLOWUP_URL).content.decode()
    signed_in(mentor).post(f"/evaluation/referrals/{room.pk}/", {"kind": "doctor"})
    html = client.get(FOLLOWUP_URL).content.decode()
    assert "help_actions.followed_doctor" in html
    assert "help_actions.followed_helpline" not in html
    client.post(
        FOLLOWUP_URL,
        {"help_actions.followed_doctor": "1", "help_actions.followed_helpline": "1"},
    )
    stored = SurveyResponse.objects.get(instrument_version__instrument="help_actions")
    actions = registry.instruments()["help_actions"]
    given = dict(zip([i.id for i in actions.items], stored.answers, strict=True))
    # The question that was not shown cannot be answered.
    assert given["followed_doctor"] == 1 and given["followed_helpline"] is None
