"""Linking devices with the self-generated code: exact matches only, after the participant
confirms, never moving answers, never revealing whether a code exists."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from chatplatform.errors import ServiceError
from evaluation import outcomes, registry, selfcode, selfcode_simulation, surveys
from evaluation.models import SurveyIdentity, SurveyResponse
from evaluation.scoring import answer_rows

CODE = {
    "carer_letters": "María",
    "birth_day": "07",
    "birth_month": "3",
    "birth_year_digit": "4",
    "older_siblings": "1",
    "town_letters": "Leeds",
}


@pytest.fixture
def browser(session_for):
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


def earlier_person(make_participant, code=CODE):
    """Someone who took part on their first device and saved their code there."""
    participant = make_participant()
    identity = consented(participant)
    answer(identity, "distress", "pre", 1, 6, days_ago=20)
    surveys.do_set_code(participant, code)
    identity.refresh_from_db()
    return participant, identity


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# The code itself -------------------------------------------------------------------------


def test_only_a_slow_keyed_hash_of_the_whole_code_is_kept(make_participant):
    _, identity = earlier_person(make_participant)
    assert re.fullmatch(r"[0-9a-f]{64}", identity.code_hash)
    assert identity.code_hash == selfcode.code_hash(CODE, settings.PSEUDONYM_KEY)
    assert identity.code_hash != selfcode.code_hash(CODE, "another key " * 4)


def test_answers_are_normalised_before_hashing():
    spaced = {**CODE, "carer_letters": " maria ", "birth_day": "7", "birth_month": "03"}
    accented = {**CODE, "carer_letters": "MA", "town_letters": "le"}
    assert selfcode.canonical(spaced) == selfcode.canonical(CODE) == "MA|7|3|4|1|LE"
    assert selfcode.canonical(accented) == selfcode.canonical(CODE)


def test_a_bad_code_part_is_named():
    with pytest.raises(selfcode.CodeError) as error:
        selfcode.canonical({**CODE, "birth_day": "40"})
    assert error.value.part == "birth_day"
    with pytest.raises(selfcode.CodeError) as error:
        selfcode.canonical({**CODE, "town_letters": "L"})
    assert error.value.part == "town_letters"


# Linking -----------------------------------------------------------------------------------


def test_an_exact_match_links_a_new_device_only_after_the_participant_confirms(
    make_participant, browser
):
    first, earlier = earlier_person(make_participant)
    second = make_participant()
    consented(second)
    client = browser(second)
    saved = client.post("/evaluation/survey/code/", CODE)
    assert "/evaluation/survey/code/connect/" in saved.content.decode()
    newer = SurveyIdentity.objects.get(participant=second)
    assert newer.linked_to is None  # saving a code links nothing
    client.post("/evaluation/survey/code/connect/")
    newer.refresh_from_db()
    earlier.refresh_from_db()
    assert newer.linked_to == earlier
    # Nothing moved: the earlier answers and the earlier device stay where they were.
    assert earlier.participant == first
    assert SurveyResponse.objects.filter(identity=earlier).count() == 1
    assert not SurveyResponse.objects.filter(identity=newer).exists()


def test_linked_devices_count_as_one_person_in_the_analysis(make_participant):
    _, earlier = earlier_person(make_participant)
    second = make_participant()
    newer = consented(second)
    surveys.do_set_code(second, CODE)
    surveys.do_confirm_link(second)
    answer(earlier, "stigma", "pre", 1, 4, days_ago=20)
    answer(newer, "stigma", "followup", 0, 3)
    responses = outcomes.load()
    people = {int(i) for data in responses.versions for i in data.people}
    assert people == {earlier.pk}
    # The baseline from the first device pairs with the follow-up from the second.
    stigma = next(v for v in responses.versions if v.instrument.id == "stigma")
    pairs = stigma.pairs("pre", "followup")
    assert pairs.paired.tolist() == [True]


def test_a_near_match_is_no_match(make_participant):
    first, earlier = earlier_person(make_participant)
    stranger = make_participant()
    consented(stranger)
    surveys.do_set_code(stranger, {**CODE, "birth_day": "8"})
    surveys.do_confirm_link(stranger)
    assert SurveyIdentity.objects.get(participant=stranger).linked_to is None
    earlier.refresh_from_db()
    assert earlier.participant == first
    assert not SurveyIdentity.objects.filter(linked_to=earlier).exists()


def test_a_device_that_has_answered_itself_cannot_be_linked(make_participant, browser):
    earlier_person(make_participant)
    second = make_participant()
    answer(consented(second), "distress", "pre", 1, 5)
    surveys.do_set_code(second, CODE)
    assert not surveys.may_link(SurveyIdentity.objects.get(participant=second))
    with pytest.raises(ServiceError):
        surveys.do_confirm_link(second)
    response = browser(second).post("/evaluation/survey/code/connect/")
    assert response.status_code == 400
    assert SurveyIdentity.objects.get(participant=second).linked_to is None


def test_two_earlier_people_with_the_same_code_means_no_link(make_participant):
    earlier_person(make_participant)
    earlier_person(make_participant)
    newcomer = make_participant()
    consented(newcomer)
    surveys.do_set_code(newcomer, CODE)
    surveys.do_confirm_link(newcomer)
    assert SurveyIdentity.objects.get(participant=newcomer).linked_to is None


def test_the_pages_are_the_same_whether_or_not_the_code_exists(make_participant, browser):
    earlier_person(make_participant)
    pages = []
    for code in (CODE, {**CODE, "older_siblings": "5"}):
        someone = make_participant()
        consented(someone)
        client = browser(someone)
        saved = client.post("/evaluation/survey/code/", code)
        connected = client.post("/evaluation/survey/code/connect/")
        assert saved.status_code == connected.status_code == 200
        pages.append(
            tuple(
                without_csrf(page.content.decode()).replace(someone.handle, "HANDLE")
                for page in (saved, connected)
            )
        )
    assert pages[0] == pages[1]
    # ... while the first did link and the second did not.
    assert SurveyIdentity.objects.exclude(linked_to=None).count() == 1


# Withdrawal --------------------------------------------------------------------------------


def linked_pair(make_participant):
    first, earlier = earlier_person(make_participant)
    second = make_participant()
    newer = consented(second)
    surveys.do_set_code(second, CODE)
    surveys.do_confirm_link(second)
    answer(newer, "distress", "pre", 1, 3)
    return first, earlier, second, newer


def test_withdrawing_after_a_link_deletes_only_this_devices_answers(make_participant, browser):
    _, earlier, second, newer = linked_pair(make_participant)
    response = browser(second).post("/evaluation/survey/withdraw/")
    assert "deleted" in response.content.decode()
    newer.refresh_from_db()
    earlier.refresh_from_db()
    assert newer.consent == SurveyIdentity.Consent.WITHDRAWN and newer.linked_to is None
    assert not SurveyResponse.objects.filter(identity=newer).exists()
    assert earlier.consent == SurveyIdentity.Consent.GIVEN
    assert SurveyResponse.objects.filter(identity=earlier).count() == 1


def test_the_full_code_again_withdraws_every_linked_device(make_participant, browser):
    _, earlier, second, _ = linked_pair(make_participant)
    browser(second).post("/evaluation/survey/withdraw/", CODE)
    assert not SurveyResponse.objects.exists()
    earlier.refresh_from_db()
    assert earlier.consent == SurveyIdentity.Consent.WITHDRAWN and earlier.code_hash == ""


def test_a_wrong_code_at_withdrawal_deletes_nothing(make_participant, browser):
    _, earlier, second, newer = linked_pair(make_participant)
    response = browser(second).post("/evaluation/survey/withdraw/", {**CODE, "birth_day": "9"})
    assert response.status_code == 400
    assert SurveyResponse.objects.count() == 2
    newer.refresh_from_db()
    assert newer.consent == SurveyIdentity.Consent.GIVEN and newer.linked_to == earlier


def test_when_the_first_device_withdraws_the_linked_device_keeps_its_answers(make_participant):
    first, earlier, _, newer = linked_pair(make_participant)
    surveys.do_withdraw(first)
    newer.refresh_from_db()
    assert newer.linked_to is None and newer.consent == SurveyIdentity.Consent.GIVEN
    assert SurveyResponse.objects.filter(identity=newer).count() == 1
    assert not SurveyResponse.objects.filter(identity=earlier).exists()


# The false-link simulation ----------------------------------------------------------------


def test_every_simulated_distribution_is_a_distribution():
    for population in selfcode_simulation.populations():
        for _, parts in population.groups:
            assert list(parts) == [p.id for p in selfcode.PARTS]
            for probabilities in parts.values():
                assert probabilities.min() >= 0
                assert probabilities.sum() == pytest.approx(1.0)


def test_wrong_links_stay_under_a_thousandth_at_ten_thousand_codes():
    mixed = selfcode_simulation.populations()[0]
    result = selfcode_simulation.simulate(mixed, stored=10_000, attempts=100_000, seed=7)
    assert result.returning_wrong < 0.001
    assert result.newcomer_wrong < 0.001
    # Most returning people are found again; recall mistakes are misses, not wrong links.
    assert result.returning_linked > 0.85
    assert result.returning_missed == pytest.approx(
        1 - result.returning_linked - result.returning_wrong - result.returning_blocked
    )


def test_the_rule_it_replaced_linked_newcomers_wrongly_far_more_often():
    mixed = selfcode_simulation.populations(old=True)[0]
    assert selfcode_simulation.simulate_old_rule(mixed, stored=3_000, attempts=2_000) > 0.1
