"""Which answers pair up, and who counts: the rules the codebook states, on small data."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from django.db import DEFAULT_DB_ALIAS

from chatplatform.signals import participant_erased
from evaluation import metrics, outcomes, registry, state, surveys
from evaluation.models import ReportState, SurveyResponse
from evaluation.scoring import answer_rows


@pytest.fixture
def person(make_participant):
    def make():
        return surveys.do_record_consent(make_participant(), agree=True)

    return make


def answer(identity, instrument_id: str, wave: str, chat: int, values: dict | int, pk=None):
    instrument = registry.instruments()[instrument_id]
    given = values if isinstance(values, dict) else {i.id: values for i in instrument.items}
    return SurveyResponse.objects.create(
        pk=pk,
        identity=identity,
        instrument_version=registry.record_version(instrument),
        wave=wave,
        chat_number=chat,
        language="en",
        answers=answer_rows(instrument, given),
    )


def distress_pairs():
    data = next(v for v in outcomes.load().versions if v.instrument.id == "distress")
    return data, data.pairs("pre", "post")


def test_before_and_after_pair_only_within_one_chat(person):
    identity = person()
    answer(identity, "distress", "pre", 1, 8)
    answer(identity, "distress", "post", 2, 3)
    _, pairs = distress_pairs()
    assert pairs.paired.tolist() == [False]
    assert (pairs.before != outcomes.MISSING).tolist() == [True]
    assert (pairs.after != outcomes.MISSING).tolist() == [True]


def test_an_after_answer_given_before_the_before_answer_does_not_pair(person):
    identity = person()
    answer(identity, "distress", "post", 1, 3)
    answer(identity, "distress", "pre", 1, 8)
    _, pairs = distress_pairs()
    assert pairs.paired.tolist() == [False]


def test_the_pair_is_the_first_chat_with_both(person):
    identity = person()
    answer(identity, "distress", "pre", 1, 9)
    answer(identity, "distress", "pre", 2, 7)
    answer(identity, "distress", "post", 2, 2)
    answer(identity, "distress", "post", 3, 1)
    data, pairs = distress_pairs()
    before, after = pairs.values(data.scores["distress"])
    assert pairs.paired.tolist() == [True]
    assert (before[0], after[0]) == (7, 2)


def test_a_response_counts_only_when_every_subscale_is_scored(person):
    identity = person()
    # help_seeking has one item per subscale: skipping one leaves a subscale empty.
    answer(identity, "help_seeking", "pre", 1, {"informal": 5, "professional": 3})
    complete = person()
    answer(complete, "help_seeking", "pre", 1, 4)
    data = next(v for v in outcomes.load().versions if v.instrument.id == "help_seeking")
    assert data.complete.tolist() == [False, True]
    assert data.pairs("pre", "followup").people.tolist() == [complete.pk]


def test_every_group_has_a_row_even_when_nobody_is_in_it(person, db):
    for _ in range(3):
        identity = person()
        answer(identity, "distress", "pre", 1, 8)
        answer(identity, "distress", "post", 1, 4)
    period = metrics.Period.ending(metrics.timezone.localdate())
    bundle = outcomes.build(period)
    groups = next(t for t in bundle.tables if t.spec.name == "survey_groups")
    gender = {r["group"]: r["n_baseline"] for r in groups.rows if r["breakdown"] == "gender"}
    assert gender == {
        "another": 0,
        "man": 0,
        "prefer_not": 0,
        "woman": 0,
        "not_answered": 3,
        "all": 3,
    }


# Kept survey rows (outcomes._KEPT): a report reads only what was added since the last
# one, and everything again once stored data changed rather than grew.


def summary(responses) -> list:
    return [
        (
            v.instrument.id,
            v.ids.tolist(),
            v.people.tolist(),
            v.waves.tolist(),
            v.chats.tolist(),
            np.nan_to_num(v.numbers, nan=-1.0).tolist(),
        )
        for v in responses.versions
    ] + [responses.people.tolist(), responses.languages.names]


def kept_then_fresh():
    """The load with what this process kept, and a load from nothing: they must agree."""
    kept = outcomes.load()
    outcomes.forget_kept()
    fresh = outcomes.load()
    assert summary(kept) == summary(fresh)
    return kept


def test_kept_rows_take_in_a_new_response_and_only_it_is_read(person):
    identity = person()
    answer(identity, "distress", "pre", 1, 8)
    outcomes.load()
    version = state.data_version()
    later = answer(identity, "distress", "post", 1, 3)
    _, pairs = distress_pairs()
    assert pairs.paired.tolist() == [True]
    kept = outcomes._KEPT[DEFAULT_DB_ALIAS]
    assert (kept.top, kept.count, kept.version) == (later.pk, 2, version)
    kept_then_fresh()


def test_a_new_response_in_a_language_no_version_offers_makes_the_report_read_everything(
    person,
):
    first, second = person(), person()
    answer(first, "distress", "pre", 1, 8)
    answer(second, "distress", "pre", 1, 6)
    outcomes.load()
    assert outcomes._KEPT[DEFAULT_DB_ALIAS].languages == ("en", "es")
    SurveyResponse.objects.filter(identity=second).update(language="pt-BR")
    # Ids, count and data version as they were: only the language changed (by hand).
    first_again = person()
    answer(first_again, "distress", "pre", 1, 4)
    SurveyResponse.objects.filter(identity=first_again).update(language="fr")
    responses = kept_then_fresh()
    assert outcomes._KEPT[DEFAULT_DB_ALIAS].languages == ("en", "es", "fr", "pt-BR")
    assert responses.languages.names == ["en", "fr", "pt-BR"]
    groups = responses.language_of(np.array([first.pk, second.pk, first_again.pk]))
    assert [groups.names[code] for code in groups.codes.tolist()] == ["en", "pt-BR", "fr"]


@pytest.mark.parametrize("change", ["withdrawal", "declined", "erasure"])
def test_withdrawal_declined_consent_or_erasure_makes_the_next_report_read_everything(
    person, make_participant, change
):
    participant = make_participant()
    leaving = surveys.do_record_consent(participant, agree=True)
    staying = person()
    answer(leaving, "distress", "pre", 1, 8)
    answer(staying, "distress", "pre", 1, 6)
    assert outcomes.load().people.tolist() == sorted([leaving.pk, staying.pk])
    before = state.data_version()
    if change == "withdrawal":
        surveys.do_withdraw(participant)
    elif change == "declined":
        surveys.do_record_consent(participant, agree=False)
    else:
        participant_erased.send(sender=None, participant=participant)
    assert state.data_version() != before
    # Erasure unlinks the device but keeps answers given with consent in the analysis.
    expected = sorted([leaving.pk, staying.pk]) if change == "erasure" else [staying.pk]
    assert kept_then_fresh().people.tolist() == expected


def test_rows_gone_without_a_new_data_version_are_noticed(person):
    identity = person()
    first = answer(identity, "distress", "pre", 1, 8)
    answer(identity, "distress", "pre", 2, 6)
    outcomes.load()
    version = state.data_version()
    SurveyResponse.objects.filter(pk=first.pk).delete()
    data, _ = distress_pairs()
    assert state.data_version() == version and data.ids.tolist() == [first.pk + 1]
    kept_then_fresh()


def test_another_database_series_never_uses_kept_rows(person):
    identity = person()
    first = answer(identity, "distress", "pre", 1, 8)
    outcomes.load()
    # As after a restore or a rolled-back test: the same id, other answers, a new series.
    ReportState.objects.all().delete()
    SurveyResponse.objects.all().delete()
    answer(identity, "distress", "pre", 1, 2, pk=first.pk)
    data, _ = distress_pairs()
    assert data.ids.tolist() == [first.pk]
    assert data.numbers.tolist() == [[2.0] * len(data.instrument.items)]
    kept_then_fresh()


def test_attrition_covariates_are_the_standardised_scores_and_one_hot_groups_stacked():
    rng = np.random.default_rng(4)
    people = 300
    subscales = [SimpleNamespace(id="a"), SimpleNamespace(id="b")]
    scores = {s.id: rng.normal(size=people + 20) for s in subscales}
    domains = {"age": ["18-24", "25-34", "not_answered"], "language": ["en"], "gender": ["x", "y"]}
    labels = {name: rng.integers(0, len(domain), people) for name, domain in domains.items()}
    before = rng.permutation(people + 20)[:people]
    pairs = outcomes.Pairs(np.arange(people), before, before, np.ones(people, dtype=bool))
    data = SimpleNamespace(instrument=SimpleNamespace(subscales=subscales), scores=scores)
    found = outcomes._Builder._covariates(SimpleNamespace(domains=domains), data, pairs, labels)
    blocks = []
    for s in subscales:
        values = scores[s.id][before]
        blocks.append(((values - values.mean()) / (values.std() or 1.0))[:, None])
    for name, domain in domains.items():
        one_hot = np.zeros((people, len(domain)))
        one_hot[np.arange(people), labels[name]] = 1.0
        blocks.append(one_hot[:, 1:])
    expected = np.hstack(blocks)
    assert found.shape == (people, 2 + 2 + 0 + 1)
    assert found.tobytes() == expected.tobytes()
