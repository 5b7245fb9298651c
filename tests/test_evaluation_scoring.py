"""Scoring: reverse items, "don't know", and the 80% missing-item rule."""

from __future__ import annotations

import pytest
import yaml

from evaluation import registry
from evaluation.instruments import DONT_KNOW, parse_instrument
from evaluation.scoring import score


def instrument(items: int = 5, method: str = "mean", dont_know: object = "missing", scale=None):
    scale = scale or {
        "type": "likert",
        "points": [{"value": v, "label": {"en": str(v)}} for v in range(1, 6)],
    }
    definition = {
        "id": "test",
        "version": 1,
        "languages": ["en"],
        "validated": False,
        "title": {"en": "Test"},
        "notice": {"en": "Test"},
        "schedule": {"waves": ["pre", "post"]},
        "scales": {"s": scale},
        "items": [
            {"id": f"i{n}", "scale": "s", "reverse": n == 1, "text": {"en": f"Item {n}"}}
            for n in range(1, items + 1)
        ],
        "subscales": [
            {
                "id": "total",
                "title": {"en": "Total"},
                "items": [f"i{n}" for n in range(1, items + 1)],
                "higher_is_better": True,
            }
        ],
        "scoring": {"method": method, "dont_know": dont_know},
    }
    return parse_instrument(yaml.safe_dump(definition), "test.yaml")


def test_reverse_items_count_as_min_plus_max_minus_the_answer():
    # i1 is reversed: 1 -> 5. Others 4, 4, 4, 4: mean (5 + 16) / 5 = 4.2.
    assert score(instrument(), {"i1": 1, "i2": 4, "i3": 4, "i4": 4, "i5": 4}) == {"total": 4.2}


def test_a_sum_with_one_missing_item_in_five_is_prorated():
    # Answered 4 of 5 (80%): mean of answered 3.0 times 5 items = 15.
    result = score(instrument(method="sum"), {"i1": 3, "i2": 3, "i3": 3, "i4": 3})
    assert result == {"total": pytest.approx(15.0)}


def test_below_eighty_percent_answered_the_score_is_left_empty():
    assert score(instrument(), {"i1": 3, "i2": 3, "i3": 3}) == {"total": None}
    assert score(instrument(), {}) == {"total": None}


def test_eighty_percent_of_ten_items_is_eight():
    answers = {f"i{n}": 2 for n in range(2, 10)}  # 8 of 10, i1 (reversed) missing
    assert score(instrument(items=10), answers) == {"total": 2.0}
    del answers["i9"]
    assert score(instrument(items=10), answers) == {"total": None}


def test_dont_know_counts_as_unanswered_by_default():
    yes_no = {"type": "yes_no_dont_know"}
    test = instrument(items=5, scale=yes_no)
    # i1 reversed: yes (1) -> 0. dont_know on i5 leaves 4 of 5 answered.
    answers = {"i1": 1, "i2": 1, "i3": 1, "i4": 0, "i5": DONT_KNOW}
    assert score(test, answers) == {"total": pytest.approx(0.5)}


def test_dont_know_can_be_scored_as_a_value():
    test = instrument(items=5, scale={"type": "yes_no_dont_know"}, dont_know=0.5)
    answers = {"i1": 0, "i2": DONT_KNOW, "i3": DONT_KNOW, "i4": 1, "i5": 1}
    # i1 reversed 0 -> 1; values 1, .5, .5, 1, 1: mean 0.8.
    assert score(test, answers) == {"total": pytest.approx(0.8)}


def test_built_in_stigma_scores_its_reverse_item():
    stigma = registry.instruments()["stigma"]
    answers = {item.id: 5 for item in stigma.items}
    # One reverse item: 3 x 5 + 1 = 16 over 4 items.
    assert score(stigma, answers) == {"self_stigma_help_seeking": pytest.approx(4.0)}


def test_a_value_off_the_scale_is_refused_with_the_item():
    test = instrument()
    with pytest.raises(ValueError, match="item 'i2': not a point on the scale"):
        test.parse_answers({"test.i2": "9"})
