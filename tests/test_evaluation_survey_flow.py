"""The participant's survey flow: consent first, always optional, never in the way of help."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.actors import staff_actor
from chatplatform.models import QueueTicket
from chatplatform.services import queue as queue_service
from chatplatform.services.participants import do_get_or_create_participant
from chatplatform.signals import participant_erased
from escalation.models import Escalation
from evaluation import chats, registry, state, surveys
from evaluation.models import ChatRecord, ParticipantVisit, SurveyIdentity, SurveyResponse
from evaluation.scoring import answer_rows

PRE_URL = "/evaluation/survey/before/"


@pytest.fixture
def browser(session_for):
    """A participant's browser: a test client holding their session cookie."""

    def make(participant) -> Client:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session_for(participant)
        return client

    return make


def consented(participant) -> SurveyIdentity:
    return surveys.do_record_consent(participant, agree=True)


def answer(identity, instrument_id: str, wave: str, chat: int, value: int, days_ago: int = 0):
    instrument = registry.instruments()[instrument_id]
    return SurveyResponse.objects.create(
        identity=identity,
        instrument_version=registry.record_version(instrument),
        wave=wave,
        chat_number=chat,
        language="en",
        answered_on=timezone.localdate() - timedelta(days=days_ago),
        answers=answer_rows(instrument, {i.id: value for i in instrument.items}),
    )


def end_chat(room, mentor, access_for):
    queue_service.do_end_chat(access_for(mentor, room))


def test_asking_for_a_first_chat_offers_consent_first(make_participant, browser):
    response = browser(make_participant()).post("/chat/request/")
    assert response.status_code == 302
    assert response.url == f"/evaluation/survey/consent/?next={PRE_URL}"
    assert not QueueTicket.objects.exists()


def test_the_consent_page_offers_skip_and_talk_now_first(make_participant, browser):
    page = browser(make_participant()).get(f"/evaluation/survey/consent/?next={PRE_URL}")
    html = page.content.decode()
    assert "Skip and talk now" in html
    assert html.index("Skip and talk now") < html.index("take part")


def test_skip_and_talk_now_goes_straight_to_the_queue_and_is_remembered(make_participant, browser):
    participant = make_participant()
    client = browser(participant)
    response = client.post("/chat/request/", {"survey": "skip"})
    assert response.url == "/queue/"
    assert QueueTicket.objects.filter(participant=participant, status="waiting").exists()
    client.post("/queue/leave/")
    # Coming back for the same (first) chat: no survey in between this time.
    assert client.post("/chat/request/").url == "/queue/"


def test_consent_then_one_short_page_then_straight_into_the_queue(make_participant, browser):
    participant = make_participant()
    client = browser(participant)
    assert (
        client.post("/evaluation/survey/consent/", {"decision": "agree", "next": PRE_URL}).url
        == PRE_URL
    )
    page = client.get(PRE_URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert "not a clinically validated scale" in html
    # One short page: at most eight questions, sent straight to the chat request.
    assert 0 < html.count("<fieldset") <= 8
    assert 'action="/chat/request/"' in html and 'name="survey" value="done"' in html
    answers = {f"stigma.ss{n}": "4" for n in (1, 2, 3, 6)} | {"distress.distress": "7"}
    response = client.post("/chat/request/", {"survey": "done", **answers})
    assert response.url == "/queue/"
    assert QueueTicket.objects.filter(participant=participant, status="waiting").exists()
    stored = SurveyResponse.objects.filter(identity__participant=participant)
    assert {(r.instrument_version.instrument, r.wave, r.chat_number) for r in stored} == {
        ("stigma", "pre", 1),
        ("distress", "pre", 1),
    }
    client.post("/queue/leave/")
    # The "before" page never comes back between them and this chat.
    assert client.post("/chat/request/").url == "/queue/"


def test_sending_the_page_empty_also_goes_straight_into_the_queue(make_participant, browser):
    participant = make_participant()
    consented(participant)
    assert browser(participant).post("/chat/request/", {"survey": "done"}).url == "/queue/"
    assert QueueTicket.objects.filter(participant=participant, status="waiting").exists()
    assert not SurveyResponse.objects.exists()


def test_a_value_off_the_scale_is_refused_and_nothing_is_stored(make_participant, browser):
    participant = make_participant()
    consented(participant)
    response = browser(participant).post(
        "/chat/request/", {"survey": "done", "distress.distress": "11", "stigma.ss1": "2"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "not one of the choices: distress" in html
    # What was given is still selected, so nothing is lost.
    assert 'name="stigma.ss1" value="2" checked' in html
    assert not SurveyResponse.objects.exists()
    assert not QueueTicket.objects.exists()


def test_the_before_page_cannot_be_posted_to_directly(make_participant, browser):
    participant = make_participant()
    consented(participant)
    assert browser(participant).post(PRE_URL, {"distress.distress": "4"}).status_code == 405
    assert not SurveyResponse.objects.exists()


def test_declining_on_the_ended_page_means_no_more_offers(make_direct_chat, access_for, browser):
    room, participant, mentor = make_direct_chat()
    end_chat(room, mentor, access_for)
    client = browser(participant)
    ended = client.get(f"/chat/{room.pk}/ended/").content.decode()
    assert "/evaluation/survey/consent/" in ended
    client.post("/evaluation/survey/consent/", {"decision": "decline"})
    assert "/evaluation/survey/" not in client.get(f"/chat/{room.pk}/ended/").content.decode()


def test_the_after_survey_is_offered_when_a_chat_ends_and_only_once(
    make_direct_chat, access_for, browser
):
    room, participant, mentor = make_direct_chat()
    consented(participant)
    client = browser(participant)
    url = f"/evaluation/survey/after/{room.pk}/"
    assert url not in client.get(f"/chat/{room.pk}/ended/").content.decode()  # still open
    end_chat(room, mentor, access_for)
    assert url in client.get(f"/chat/{room.pk}/ended/").content.decode()
    client.post(url, {"experience.heard": "5", "distress.distress": "3"})
    response = SurveyResponse.objects.get(instrument_version__instrument="experience")
    assert (response.wave, response.chat_number) == ("post", 1)
    assert url not in client.get(f"/chat/{room.pk}/ended/").content.decode()


def test_someone_elses_chat_has_no_after_survey(
    make_direct_chat, make_participant, access_for, browser
):
    room, _, mentor = make_direct_chat()
    end_chat(room, mentor, access_for)
    stranger = make_participant()
    consented(stranger)
    assert browser(stranger).get(f"/evaluation/survey/after/{room.pk}/").status_code == 404


def test_follow_up_is_offered_after_the_configured_interval(make_participant, browser, settings):
    settings.EVALUATION_FOLLOWUP_DAYS = 14
    participant = make_participant()
    identity = consented(participant)
    answer(identity, "stigma", "pre", 1, 3, days_ago=13)
    client = browser(participant)
    assert "/evaluation/survey/follow-up/" not in client.get("/").content.decode()
    SurveyResponse.objects.update(answered_on=timezone.localdate() - timedelta(days=14))
    assert "/evaluation/survey/follow-up/" in client.get("/").content.decode()
    client.post("/evaluation/survey/follow-up/dismiss/")
    assert "/evaluation/survey/follow-up/" not in client.get("/").content.decode()


@pytest.mark.parametrize("source", [Escalation.Source.PARTICIPANT, Escalation.Source.AUTOMATIC])
def test_a_participant_in_the_urgent_help_flow_is_never_shown_a_survey(
    source, make_direct_chat, access_for, browser
):
    room, participant, mentor = make_direct_chat()
    identity = consented(participant)
    answer(identity, "stigma", "pre", 1, 3, days_ago=30)
    Escalation.objects.create(room=room, participant=participant, source=source, level="high")
    end_chat(room, mentor, access_for)
    client = browser(participant)
    assert "/evaluation/survey/after/" not in client.get(f"/chat/{room.pk}/ended/").content.decode()
    assert "/evaluation/survey/follow-up/" not in client.get("/").content.decode()
    assert client.get(f"/evaluation/survey/after/{room.pk}/").status_code == 400
    # The next chat request goes straight to the queue.
    assert client.post("/chat/request/").url == "/queue/"


def test_an_old_resolved_escalation_no_longer_holds_surveys_back(make_direct_chat, access_for):
    room, participant, _mentor = make_direct_chat()
    Escalation.objects.create(
        room=room,
        participant=participant,
        source=Escalation.Source.MENTOR,
        level="low",
        state=Escalation.State.RESOLVED,
        created_at=timezone.now() - timedelta(days=3),
    )
    assert not surveys.in_urgent_help(participant)


def test_staff_are_never_shown_participant_surveys(make_staff):
    client = Client()
    client.force_login(make_staff(roles.MENTOR))
    assert client.get(PRE_URL).url == "/staff/"


def test_withdrawing_deletes_the_answers_and_stops_offers(make_participant, browser):
    participant = make_participant()
    identity = consented(participant)
    answer(identity, "stigma", "pre", 1, 4)
    client = browser(participant)
    response = client.post("/evaluation/survey/withdraw/")
    assert "deleted" in response.content.decode()
    identity.refresh_from_db()
    assert identity.consent == SurveyIdentity.Consent.WITHDRAWN
    assert not SurveyResponse.objects.exists()
    assert client.post("/chat/request/").url == "/queue/"


def test_delete_my_data_unlinks_the_survey_identity_and_forgets_visit_days(make_participant):
    participant = make_participant()
    identity = consented(participant)
    identity.code_hash = "x" * 64
    identity.save()
    answer(identity, "stigma", "pre", 1, 4)
    ParticipantVisit.objects.create(participant=participant, day=timezone.localdate())
    participant_erased.send(sender=None, participant=participant)
    identity.refresh_from_db()
    assert identity.participant is None and identity.code_hash == ""
    assert SurveyResponse.objects.filter(identity=identity).count() == 1
    assert not ParticipantVisit.objects.exists()


def test_visit_days_are_recorded_through_the_core_signal(db):
    session: dict = {}
    participant = do_get_or_create_participant(session, "test-network")
    assert ParticipantVisit.objects.filter(participant=participant).count() == 1


def test_chat_records_follow_match_and_end(make_direct_chat, access_for):
    room, _, mentor = make_direct_chat()
    record = ChatRecord.objects.get(room=room)
    assert record.ended_at is None and record.mentor == mentor
    end_chat(room, mentor, access_for)
    record.refresh_from_db()
    assert record.ended_at is not None


def test_missing_chat_records_are_filled_in_and_settled_tickets_are_not_checked_again(
    make_direct_chat, make_participant, make_staff
):
    def forget(room):
        ChatRecord.objects.filter(room=room).delete()

    old, _, mentor = make_direct_chat()
    forget(old)  # as for a chat from before the evaluation app was installed
    assert chats.do_backfill() == 1 and ChatRecord.objects.filter(room=old).exists()
    assert state.tickets_checked_through() == QueueTicket.objects.get(room=old).pk
    forget(old)
    assert chats.do_backfill() == 0  # at or below the mark: settled, not looked at again
    waiting = queue_service.do_request_chat(make_participant())
    newer, _, _ = make_direct_chat()
    forget(newer)
    assert chats.do_backfill() == 1 and ChatRecord.objects.filter(room=newer).exists()
    # A ticket still waiting may yet be matched: the mark stops just before it.
    assert state.tickets_checked_through() == waiting.pk - 1
    room = queue_service.do_accept_ticket(staff_actor(mentor), waiting.pk)
    forget(room)
    assert chats.do_backfill() == 1 and ChatRecord.objects.filter(room=room).exists()
    assert state.tickets_checked_through() == QueueTicket.objects.order_by("pk").last().pk
