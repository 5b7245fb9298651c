"""Contact masking errs towards anonymity: possible phone numbers are masked, not only valid ones.

A number mistyped by one digit, or from a range newer than phonenumbers' metadata,
still identifies someone. Ordinary numbers (times, prices, dates, years, amounts,
order numbers) stay untouched. ``make bench`` measures both on labelled sets
(benchmarks/phone_masking.py).
"""

from __future__ import annotations

import pytest

from moderation.rules import RuleSet, RuleSpec


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    spec = RuleSpec("contact details", "contact", "mask", patterns=("phone",))
    return RuleSet([spec], phone_regions=("US", "GB", "ES"))


def masked(rules: RuleSet, text: str) -> str:
    return rules.evaluate(text, room_id=1, is_staff=False).body


@pytest.mark.parametrize(
    "text",
    [
        "call me on 07700 900123",  # GB mobile shape, a range phonenumbers does not call valid
        "+44 7700 900123",
        "0044 7700 900123",
        "text 07911 123457",  # a real mobile with its last digit mistyped
        "mi número es 612 34 56 79",
        "ring 555 123 4567",
    ],
)
def test_a_possible_phone_number_is_masked(rules, text):
    assert "[removed]" in masked(rules, text)
    digits = [c for c in masked(rules, text) if c.isdigit()]
    assert len(digits) < 7


@pytest.mark.parametrize(
    "text",
    [
        "the exam is at 10:30 on 12/03/2025",
        "it costs £1,200.50 a month",
        "between 2019 and 2020, the year 2024 2025",
        "my order 123456789 never arrived",
        "100 000 000 views",
        "I walked 3000000 steps",
        "room 4821337",
        "flight on 20250131, ISBN 9780141036144",
        "student id 20231187",
    ],
)
def test_ordinary_numbers_are_left_alone(rules, text):
    assert masked(rules, text) == text


def test_a_national_number_of_a_zero_prefix_region_needs_its_zero(rules):
    # GB numbers are written nationally with their 0 ("01632 960123").
    assert masked(rules, "1632 960123 people") == "1632 960123 people"
    assert "[removed]" in masked(rules, "01632 960123")
