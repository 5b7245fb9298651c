"""Phone masking on labelled text: phone numbers masked, ordinary numbers left alone.

Run: .venv/bin/python benchmarks/phone_masking.py   (run by ``make bench``)

Two labelled sets, each message marked phone / ordinary, evaluated with the
shipped contact-details rule (regions US, GB, ES):

- ``written``: sentences written by hand while the rule was changed, so the
  rule was tuned against them;
- ``generated``: made by a seeded generator the rule was not tuned on. Phone
  numbers are phonenumbers' example numbers for each region and type, written
  nationally or internationally, with one digit changed (a mistyped number, or
  one from a range the library does not know); ordinary numbers are prices,
  times, dates, years, amounts, order and reference numbers, measurements.

Prints recall (phones masked) and the false-positive rate (ordinary numbers
masked) for each. Exits non-zero when recall on the generated set is below 0.9
or its false-positive rate is above 0.06.
"""

from __future__ import annotations

import random
import sys

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from moderation.rules import RuleSet, RuleSpec

REGIONS = ("US", "GB", "ES")
MIN_RECALL = 0.9
MAX_FALSE_POSITIVES = 0.06

WRITTEN: list[tuple[str, bool]] = [
    ("call me on 07700 900123 tonight", True),  # GB, a range phonenumbers calls not valid
    ("my number is 07911 123457", True),
    ("text me 07400 123456", True),
    ("ring 020 7946 0958 after six", True),
    ("+44 7700 900123 is my whatsapp", True),
    ("0044 7911 123456", True),
    ("my cell is (555) 012-3456", True),
    ("call 212-555-0187", True),
    ("+1 415 555 0132", True),
    ("mi número es 612 34 56 79", True),
    ("llámame al 699 123 456", True),
    ("+34 612 345 679", True),
    ("the exam is at 10:30 on 12/03/2025", False),
    ("it costs £1,200.50 a month", False),
    ("rent went up to 1,250,000 won", False),
    ("between 2019 and 2020 everything changed", False),
    ("the year 2024 2025 was hard", False),
    ("my order 123456789 never arrived", False),
    ("order #48213377 is late", False),
    ("100 000 000 views on that video", False),
    ("I walked 3000000 steps this year", False),
    ("room 4821337 at the hospital", False),
    ("flight on 20250131", False),
    ("ticket 31415926", False),
    ("ISBN 9780141036144", False),
    ("£1 250 000 house prices are mad", False),
    ("I slept 7 hours, 8 minutes", False),
    ("student id 20231187", False),
]

PHONE_TYPES = (
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.TOLL_FREE,
)
PHONE_LEADS = ["call me on", "my number is", "text", "ring", "it's", "reach me at", "llámame al"]
ORDINARY_LEADS = ["it was", "I paid", "order", "ref", "we had", "about", "total", "id"]


def _mistyped(digits: str, rng: random.Random) -> str:
    """One digit changed (never the first two, which carry the prefix)."""
    position = rng.randrange(2, len(digits))
    replacement = rng.choice([d for d in "0123456789" if d != digits[position]])
    return digits[:position] + replacement + digits[position + 1 :]


def _phone(rng: random.Random) -> str:
    region = rng.choice(REGIONS)
    kind = rng.choice(PHONE_TYPES)
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        example = phonenumbers.example_number(region)
    national = _mistyped(str(example.national_number), rng)
    number = phonenumbers.parse(national, region)
    style = rng.choice([PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL])
    written = phonenumbers.format_number(number, style)
    if style == PhoneNumberFormat.NATIONAL and rng.random() < 0.3:
        written = written.replace(" ", "")
    return f"{rng.choice(PHONE_LEADS)} {written}"


def _ordinary(rng: random.Random) -> str:
    kind = rng.randrange(10)
    if kind == 0:
        text = f"£{rng.randint(1, 2_000_000):,}"
    elif kind == 1:
        text = f"${rng.randint(1, 9999)}.{rng.randint(0, 99):02d}"
    elif kind == 2:
        text = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    elif kind == 3:
        text = f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(1990, 2030)}"
    elif kind == 4:
        year = rng.randint(1990, 2030)
        text = f"{year} {year + 1}"
    elif kind == 5:
        text = f"#{rng.randint(10_000, 99_999_999)}"
    elif kind == 6:
        text = f"{rng.randint(1, 999)} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
    elif kind == 7:
        text = f"{rng.randint(1_000_000, 99_999_999)}"
    elif kind == 8:
        text = f"{rng.randint(1990, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    else:
        text = f"{rng.randint(1, 999)}.{rng.randint(0, 99)} km"
    return f"{rng.choice(ORDINARY_LEADS)} {text}"


def generated(count: int = 2000, seed: int = 20261206) -> list[tuple[str, bool]]:
    rng = random.Random(seed)
    return [(_phone(rng), True) if i % 2 else (_ordinary(rng), False) for i in range(count)]


def measure(rules: RuleSet, labelled: list[tuple[str, bool]]) -> tuple[float, float, list[str]]:
    """(recall on phones, false-positive rate on ordinary numbers, the mistakes)."""
    phones = masked_phones = ordinary = masked_ordinary = 0
    mistakes = []
    for text, is_phone in labelled:
        masked = bool(rules.evaluate(text, room_id=1, is_staff=False).hits)
        if is_phone:
            phones += 1
            masked_phones += masked
        else:
            ordinary += 1
            masked_ordinary += masked
        if masked != is_phone:
            mistakes.append(("missed: " if is_phone else "masked: ") + text)
    return masked_phones / phones, masked_ordinary / ordinary, mistakes


def main() -> int:
    rules = RuleSet(
        [RuleSpec("contact details", "contact", "mask", patterns=("phone",))],
        phone_regions=REGIONS,
    )
    failed = False
    for name, labelled in (
        ("written (tuned on)", WRITTEN),
        ("generated (not tuned on)", generated()),
    ):
        recall, false_positives, mistakes = measure(rules, labelled)
        print(
            f"{name}: {len(labelled)} messages; phones masked {recall:.3f}; "
            f"ordinary numbers masked {false_positives:.3f}"
        )
        for mistake in mistakes[:8]:
            print("   ", mistake)
        if name.startswith("generated"):
            failed = recall < MIN_RECALL or false_positives > MAX_FALSE_POSITIVES
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
