"""Randomised comparisons inside the product: pre-registered, allocated at consent only,
balanced within each language, concealed before consent, analysed by intention to treat."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
import statsmodels.api as sm
from django.conf import settings
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.errors import ServiceError
from chatplatform.models import AuditEntry
from evaluation import registry, report, studies, studydefs, surveys
from evaluation.models import Allocation, Study, SurveyResponse
from evaluation.scoring import answer_rows

STORY = "When I first reached out I thought it meant I was weak"
TIP = "a glass of water and a few slow breaths"


@pytest.fixture
def evaluator(make_staff):
    return make_staff(roles.EVALUATOR)


@pytest.fixture
def running(evaluator):
    study = studies.do_create_study(evaluator, studies.EXAMPLE)
    return studies.do_register_study(evaluator, study.pk)


@pytest.fixture
def browser(session_for):
    def make(participant) -> Client:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session_for(participant)
        return client

    return make


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Definition and registration -------------------------------------------------------------


def test_an_arm_that_would_change_access_to_support_is_refused(evaluator):
    text = studies.EXAMPLE.replace(
        'intervention: queue_message\n    text:\n      en: "When',
        'intervention: skip_the_queue\n    text:\n      en: "When',
        1,
    )
    with pytest.raises(ServiceError, match="never change access to support"):
        studies.do_create_study(evaluator, text)
    assert not Study.objects.exists()


def test_a_block_must_keep_the_allocation_ratio(evaluator):
    with pytest.raises(ServiceError, match="block_size: a multiple of the ratio"):
        studies.do_create_study(
            evaluator, studies.EXAMPLE.replace("block_size: 4", "block_size: 3")
        )


def test_registration_freezes_the_definition_with_its_hash_and_date(evaluator):
    study = studies.do_create_study(evaluator, studies.EXAMPLE)
    assert study.state == Study.State.DRAFT and not study.registration_hash
    study = studies.do_register_study(evaluator, study.pk)
    assert study.registered_on == timezone.localdate()
    assert study.registration_hash == hashlib.sha256(study.document.encode()).hexdigest()
    document = json.loads(study.document)
    assert document["pre_registration"] == study.definition
    assert document["registered_on"] == timezone.localdate().isoformat()
    with pytest.raises(ServiceError, match="cannot change"):
        studies.do_register_study(evaluator, study.pk)
    study.refresh_from_db()
    assert study.registration_hash == hashlib.sha256(study.document.encode()).hexdigest()
    assert AuditEntry.objects.filter(action="study_registered").count() == 1


def test_only_one_study_allocates_at_a_time(evaluator, running):
    other = studies.do_create_study(
        evaluator, studies.EXAMPLE.replace("slug: queue-story-2026", "slug: another-one")
    )
    with pytest.raises(ServiceError, match="Close the study"):
        studies.do_register_study(evaluator, other.pk)


@pytest.mark.parametrize("role", [roles.MENTOR, roles.SUPERVISOR])
def test_only_evaluators_define_studies(role, make_staff):
    client = signed_in(make_staff(role))
    assert client.get("/evaluation/studies/").status_code == 403
    assert client.post("/evaluation/studies/", {"definition": studies.EXAMPLE}).status_code == 403
    assert not Study.objects.exists()


def test_an_evaluator_defines_and_registers_through_the_page(evaluator):
    client = signed_in(evaluator)
    page = client.get("/evaluation/studies/")
    assert page.status_code == 200 and "queue-story-2026" in page.content.decode()
    bad = client.post("/evaluation/studies/", {"definition": "slug: x"})
    assert bad.status_code == 400 and "slug:" in bad.content.decode()
    assert client.post("/evaluation/studies/", {"definition": studies.EXAMPLE}).status_code == 302
    study = Study.objects.get()
    client.post(f"/evaluation/studies/{study.pk}/register/")
    study.refresh_from_db()
    assert study.state == Study.State.REGISTERED
    assert study.registration_hash in client.get("/evaluation/studies/").content.decode()


# Allocation ------------------------------------------------------------------------------


def test_nobody_is_allocated_before_registration(evaluator, make_participant):
    studies.do_create_study(evaluator, studies.EXAMPLE)
    surveys.do_record_consent(make_participant(), agree=True)
    assert not Allocation.objects.exists()


def test_allocation_happens_at_consent_and_only_for_consenting_people(
    running, make_participant, browser
):
    declining = make_participant()
    browser(declining).post("/evaluation/survey/consent/", {"decision": "decline"})
    assert not Allocation.objects.exists()
    agreeing = make_participant()
    client = browser(agreeing)
    client.post(
        "/evaluation/survey/consent/", {"decision": "agree", "next": "/evaluation/survey/before/"}
    )
    allocation = Allocation.objects.get()
    assert allocation.identity.participant == agreeing and allocation.stratum == "en"
    assert allocation.arm in ("story", "tip") and allocation.exposed_on is None
    # Consenting again changes nothing.
    surveys.do_record_consent(agreeing, agree=True)
    assert Allocation.objects.count() == 1


def test_no_arm_is_visible_before_consent(running, make_participant, browser):
    participant = make_participant()
    client = browser(participant)
    pages = [
        client.post("/chat/request/").content.decode(),
        client.get("/evaluation/survey/consent/?next=/evaluation/survey/before/").content.decode(),
        client.get("/").content.decode(),
    ]
    assert all(STORY not in page and TIP not in page for page in pages)
    assert not Allocation.objects.exists()


def test_the_arm_is_shown_while_waiting_and_recorded_as_received(
    running, make_participant, browser
):
    participant = make_participant()
    client = browser(participant)
    client.post(
        "/evaluation/survey/consent/", {"decision": "agree", "next": "/evaluation/survey/before/"}
    )
    assert client.post("/chat/request/", {"survey": "skip"}).url == "/queue/"
    page = client.get("/queue/").content.decode()
    allocation = Allocation.objects.get()
    expected, other = (STORY, TIP) if allocation.arm == "story" else (TIP, STORY)
    assert expected in page and other not in page
    allocation.refresh_from_db()
    assert allocation.exposed_on == timezone.localdate()


def test_blocks_keep_the_arms_balanced_within_each_language(running, make_participant):
    for language, people in (("en", 40), ("es", 22)):
        for _ in range(people):
            surveys.do_record_consent(make_participant(), agree=True, language=language)
    for language, people in (("en", 40), ("es", 22)):
        arms = Counter(Allocation.objects.filter(stratum=language).values_list("arm", flat=True))
        assert sum(arms.values()) == people
        # Permuted blocks of 4 at 1:1: never more than 2 apart, equal after a full block.
        assert abs(arms["story"] - arms["tip"]) <= 2
        if people % 4 == 0:
            assert arms["story"] == arms["tip"]


# Report ------------------------------------------------------------------------------------


def stigma_answer(identity, wave, value, days_ago):
    stigma = registry.instruments()["stigma"]
    SurveyResponse.objects.create(
        identity=identity,
        instrument_version=registry.record_version(stigma),
        wave=wave,
        chat_number=1 if wave == "pre" else 0,
        language="en",
        answered_on=timezone.localdate() - timedelta(days=days_ago),
        answers=answer_rows(stigma, {"ss1": value, "ss2": value, "ss3": 6 - value, "ss6": value}),
    )


def test_the_report_gives_the_consort_flow_and_an_itt_estimate_matching_statsmodels(
    running, make_participant
):
    generator = np.random.default_rng(5)
    rows = []
    for _ in range(120):
        identity = surveys.do_record_consent(make_participant(), agree=True)
        allocation = Allocation.objects.get(identity=identity)
        baseline = int(generator.integers(2, 5))
        stigma_answer(identity, "pre", baseline, 30)
        if generator.random() < 0.8:
            shift = -1 if allocation.arm == "story" and generator.random() < 0.5 else 0
            later = int(np.clip(baseline + shift + generator.integers(-1, 2), 1, 5))
            stigma_answer(identity, "followup", later, 1)
            rows.append((allocation.arm, baseline, later))
    payload = report.build(timezone.localdate(), k=11, epsilon=None)
    assert payload["release"]["studies"] == ["queue-story-2026"]
    assert any("randomised comparisons" in p for p in payload["release"]["methods"])
    flow = {r["arm"]: r for r in payload["tables"]["study_flow"]["rows"]}
    assert flow["all"]["allocated"] == 120
    assert flow["all"]["analysed"] == len(rows)
    arm_totals = [flow[arm]["allocated"] for arm in ("story", "tip")]
    # Nobody withdrew: a zero, suppressed with what would give it away (the k rule).
    assert flow["all"]["withdrew"] is None
    assert None in arm_totals or sum(arm_totals) == 120
    effect = payload["tables"]["study_effects"]["rows"][0]
    assert (effect["arm"], effect["reference_arm"]) == ("story", "tip")
    arms = np.array([r[0] for r in rows])
    design = np.column_stack(
        [np.ones(len(rows)), [r[1] for r in rows], (arms == "story").astype(float)]
    )
    fit = sm.OLS(np.array([r[2] for r in rows], dtype=float), design).fit()
    low, high = fit.conf_int(alpha=0.05)[2]
    assert effect["estimate"] == pytest.approx(fit.params[2], abs=1e-9)
    assert effect["ci_low"] == pytest.approx(low, abs=1e-9)
    assert effect["ci_high"] == pytest.approx(high, abs=1e-9)
    assert effect["n_arm"] + effect["n_reference"] == len(rows)


def test_small_arms_are_suppressed_like_any_count(running, make_participant):
    for _ in range(6):
        surveys.do_record_consent(make_participant(), agree=True)
    payload = report.build(timezone.localdate(), k=11, epsilon=None)
    for row in payload["tables"]["study_flow"]["rows"]:
        for column in ("allocated", "received", "withdrew", "analysed", "not_analysed"):
            assert row[column] is None or row[column] >= 11
    assert studydefs.document_hash("x") == hashlib.sha256(b"x").hexdigest()
