"""Which answers pair up, and who counts: the rules the codebook states, on small data."""

from __future__ import annotations

import pytest

from evaluation import metrics, outcomes, registry, surveys
from evaluation.models import SurveyResponse
from evaluation.scoring import answer_rows


@pytest.fixture
def person(make_participant):
    def make():
        return surveys.do_record_consent(make_participant(), agree=True)

    return make


def answer(identity, instrument_id: str, wave: str, chat: int, values: dict | int):
    instrument = registry.instruments()[instrument_id]
    given = values if isinstance(values, dict) else {i.id: values for i in instrument.items}
    return SurveyResponse.objects.create(
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
