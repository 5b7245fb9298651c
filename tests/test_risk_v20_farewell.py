"""Blind v20's one imminent miss, answered at the mask (new phrasings, never v20's text).

A last day at work or school, and then a height or a place and a time: the model read an
attempt planned for a time, but the rules' farewell mask ("last day at work") counted as a
*literal* use of a risk word, and a literal reading holds the model back under
``literal_override``. A farewell that says what it is for is context, not a literal use: it
now only masks the rules' own reading (the model may raise the message), and it is literal,
holding the model back too, only with a new start or a do after it (a new job, flying home,
drinks, a move) and with no height, place to fall from, method, "waiting for me", "for
good" or "sorry" (docs/risk-detection.md, "After the v20 run")."""

from __future__ import annotations

import pytest

from escalation.risk import (
    ALERT_LEVELS,
    combine,
    default_detector,
    rule_detector,
    rules_reading,
    word_count,
)
from escalation.risk_model import Scores
from tests.risk_family_checks import Case, assert_no_alert, case_id

# The model's scores on v20's miss (alert, imminent, other), rounded.
SURE_IMMINENT = Scores(0.96, 0.89, 0.0006)

# A last day, a last shift or things handed in, then a height or a place and a time.
PLANS_AFTER_A_LAST_DAY = [
    (
        "en",
        "haha last day of uni, said bye to the lecturers, the roof of the library is where "
        "I'll be at 8 tonight",
    ),
    (
        "en",
        "last day at my job today, wrote the goodbye card to my team and the bridge over the "
        "bypass is waiting for me at midnight",
    ),
    (
        "en",
        "last day of school, cleared my desk, the edge of the quarry at 7 tomorrow morning and "
        "that's it",
    ),
    (
        "en",
        "last shift done, handed in my keys, top deck of the car park by the station at 6",
    ),
    (
        "es",
        "último día de trabajo, entregué la credencial y la azotea del edificio me espera a las 10",
    ),
    (
        "es",
        "jaja último día en la oficina, ya dejé todo y a las 9 subo a la terraza del último piso",
    ),
]

# The job change, the school's end, the move: a new start or a do after the farewell.
NEW_STARTS = [
    ("en", "last day at work today, drinks at the pub after the last shift, new job on Monday"),
    (
        "en",
        "signed the leaving card for my colleagues, cake in the break room and I start the new "
        "job in March",
    ),
    ("en", "last day of school!! summer holidays start now"),
    ("es", "último día de clases, fiesta con la clase y en septiembre empiezo en la nueva escuela"),
    ("es", "tarjeta de despedida para mi jefa firmada, el lunes arranco en otra empresa"),
    ("es", "último día en el trabajo, mañana me mudo a Valencia"),
]

# A farewell alone: the rules read nothing, and the model here reads nothing either.
PLAIN_FAREWELLS = [
    ("en", "signed the leaving card for my boss"),
    ("es", "último día de trabajo, qué raro se siente"),
]


def _shipped_thresholds() -> dict[str, float]:
    return default_detector().thresholds


@pytest.mark.parametrize("case", PLANS_AFTER_A_LAST_DAY, ids=case_id)
def test_no_mask_holds_a_sure_model_back(case: Case) -> None:
    _language, text = case
    found, literal = rules_reading(rule_detector(), text)
    assert literal is False
    combined = combine(
        found, SURE_IMMINENT, _shipped_thresholds(), literal=literal, words=word_count(text)
    )
    assert combined.level == "imminent"
    assert combined.who == "self"


@pytest.mark.parametrize("case", NEW_STARTS, ids=case_id)
def test_a_farewell_with_a_new_start_holds_even_a_sure_model_back(case: Case) -> None:
    _language, text = case
    found, literal = rules_reading(rule_detector(), text)
    assert literal is True
    combined = combine(
        found, SURE_IMMINENT, _shipped_thresholds(), literal=literal, words=word_count(text)
    )
    assert combined.level not in ALERT_LEVELS


@pytest.mark.parametrize("case", NEW_STARTS + PLAIN_FAREWELLS, ids=case_id)
def test_the_job_change_look_alikes_raise_no_alert(case: Case) -> None:
    assert_no_alert(*case)


@pytest.mark.parametrize("case", PLAIN_FAREWELLS, ids=case_id)
def test_a_plain_farewell_masks_the_rules_only(case: Case) -> None:
    _language, text = case
    found, literal = rules_reading(rule_detector(), text)
    assert found.level not in ALERT_LEVELS
    assert literal is False


def test_the_farewell_mask_stands_down_for_a_height_even_with_a_new_start() -> None:
    text = "last day at work, new job monday, but first the top floor of the multi storey at 5"
    found, literal = rules_reading(rule_detector(), text)
    assert literal is False
    combined = combine(
        found, SURE_IMMINENT, _shipped_thresholds(), literal=literal, words=word_count(text)
    )
    assert combined.level == "imminent"
