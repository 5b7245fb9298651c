"""Fidelity: the mentor's checklist after each chat, a supervisor's sampled review through
the audited transcript access, and Cohen's kappa between the two."""

from __future__ import annotations

import pytest
from django.test import Client

from chatplatform import roles
from chatplatform.mentoring import fidelity_rules, overview
from chatplatform.mentoring.models import FidelityRating
from chatplatform.services import queue as queue_service
from tests.conftest import participant_session

pytestmark = pytest.mark.django_db

ALL_YES = {
    "welcomed": "yes",
    "listened": "yes",
    "asked_safety": "na",
    "resources": "yes",
    "closed_warmly": "yes",
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ended_chat(make_direct_chat, access_for):
    def make(mentor=None):
        room, participant, mentor = make_direct_chat(mentor=mentor)
        queue_service.do_end_chat(access_for(participant, room))
        return room, mentor

    return make


def test_cohens_kappa_matches_a_hand_worked_example():
    # 10 chats. Agreement on 8: p_o = 0.8. Both raters said yes 6 times and no 4 times:
    # p_e = 0.6 * 0.6 + 0.4 * 0.4 = 0.52. kappa = (0.8 - 0.52) / (1 - 0.52) = 0.5833.
    own = ["yes", "yes", "no", "no", "yes", "no", "yes", "yes", "no", "yes"]
    sup = ["yes", "no", "no", "no", "yes", "no", "yes", "yes", "yes", "yes"]
    assert fidelity_rules.kappa(list(zip(own, sup, strict=True))) == pytest.approx(0.28 / 0.48)
    assert fidelity_rules.kappa([("yes", "yes")] * 3) is None
    assert fidelity_rules.kappa([]) is None


def test_a_mentor_rates_an_ended_chat_once(ended_chat, settings):
    settings.MENTOR_FIDELITY_SAMPLE_PERCENT = 0
    room, mentor = ended_chat()
    client = signed_in(mentor)
    assert f'id="rate-{room.pk}"' in client.get("/staff/me/").content.decode()
    assert client.post(f"/staff/fidelity/{room.pk}/", ALL_YES).status_code == 302
    rating = FidelityRating.objects.get()
    assert (rating.mentor, rating.rater_role, rating.answers, rating.sampled) == (
        mentor,
        "self",
        ALL_YES,
        False,
    )
    assert f'id="rate-{room.pk}"' not in client.get("/staff/me/").content.decode()
    client.post(f"/staff/fidelity/{room.pk}/", ALL_YES)
    assert FidelityRating.objects.count() == 1


def test_an_incomplete_checklist_is_refused(ended_chat):
    room, mentor = ended_chat()
    answers = {**ALL_YES, "welcomed": "na"}  # "welcomed" always applies
    response = signed_in(mentor).post(f"/staff/fidelity/{room.pk}/", answers, follow=True)
    assert "Answer every item" in response.content.decode()
    assert not FidelityRating.objects.exists()


def test_only_the_chats_mentor_rates_it(ended_chat, make_staff):
    room, _ = ended_chat()
    for user in (make_staff(roles.MENTOR), make_staff(roles.SUPERVISOR)):
        assert signed_in(user).post(f"/staff/fidelity/{room.pk}/", ALL_YES).status_code == 404
    assert not FidelityRating.objects.exists()


def test_a_sampled_chat_is_reviewed_by_a_supervisor_and_agreement_is_reported(
    ended_chat, make_staff, settings
):
    settings.MENTOR_FIDELITY_SAMPLE_PERCENT = 100
    room, mentor = ended_chat()
    signed_in(mentor).post(f"/staff/fidelity/{room.pk}/", ALL_YES)
    sampled = FidelityRating.objects.get()
    assert sampled.sampled
    supervisor = make_staff(roles.SUPERVISOR)
    client = signed_in(supervisor)
    page = client.get("/staff/programme/").content.decode()
    assert f"/staff/programme/fidelity/{sampled.pk}/" in page
    review = client.get(f"/staff/programme/fidelity/{sampled.pk}/").content.decode()
    assert f"/chat/{room.pk}/?reason=fidelity+review" in review
    client.post(f"/staff/programme/fidelity/{sampled.pk}/", {**ALL_YES, "resources": "no"})
    assert FidelityRating.objects.filter(rater_role="supervisor", rater=supervisor).count() == 1
    rows = {row["element"]: row for row in overview.agreement()}
    assert rows["welcomed"]["pairs"] == 1
    assert rows["welcomed"]["kappa"] is None  # one chat, both said yes: undefined
    assert client.get(f"/staff/programme/fidelity/{sampled.pk}/").status_code == 404


def test_mentors_cannot_review(ended_chat, make_staff, settings):
    settings.MENTOR_FIDELITY_SAMPLE_PERCENT = 100
    room, mentor = ended_chat()
    signed_in(mentor).post(f"/staff/fidelity/{room.pk}/", ALL_YES)
    sampled = FidelityRating.objects.get()
    other = make_staff(roles.MENTOR)
    assert signed_in(other).post(
        f"/staff/programme/fidelity/{sampled.pk}/", ALL_YES
    ).status_code == (403)
    assert FidelityRating.objects.count() == 1


def test_the_chats_mentor_is_asked_to_rate_it_when_it_ends(make_direct_chat, make_staff):
    """The room page carries the checklist and check-in links for the chat's mentor
    only (room.js shows them when the chat ends); no one else is offered them."""
    room, participant, mentor = make_direct_chat()
    checklist = f'data-checklist-url="/staff/fidelity/{room.pk}/"'
    page = signed_in(mentor).get(f"/chat/{room.pk}/")
    assert page.status_code == 200
    assert checklist in page.content.decode()
    assert 'data-programme-url="/staff/me/"' in page.content.decode()
    # A supervisor reading the chat, and the participant, are not offered it.
    supervisor = make_staff(roles.SUPERVISOR)
    read = signed_in(supervisor).get(f"/chat/{room.pk}/?reason=shadowing")
    assert read.status_code == 200
    assert "data-checklist-url" not in read.content.decode()
    other_mentor = signed_in(make_staff(roles.MENTOR)).get(f"/chat/{room.pk}/")
    assert "data-checklist-url" not in other_mentor.content.decode()
    browser = Client()
    browser.cookies["sessionid"] = participant_session(participant)
    own = browser.get(f"/chat/{room.pk}/")
    assert own.status_code == 200
    assert "data-checklist-url" not in own.content.decode()
    assert not FidelityRating.objects.exists()
