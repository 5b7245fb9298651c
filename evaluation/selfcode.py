"""The self-generated code for people who switch devices. No Django here.

A few stable, non-identifying questions make a code only the person can rebuild.
Each part is normalised and stored only as a keyed hash (HMAC-SHA256 under the
pseudonym key, namespaced by purpose and part), so the answers themselves are never
kept and the hashes are useless without the key. Two codes match when at most one
part differs: people misremember one answer now and then.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NAMESPACE = "evaluation.selfcode.v1"
ALLOWED_DIFFERENCES = 1


@dataclass(frozen=True)
class Part:
    id: str
    # "letter": the first letter of a word; "number": a whole number in [low, high].
    kind: str
    low: int = 0
    high: int = 0


PARTS: tuple[Part, ...] = (
    Part("caregiver_initial", "letter"),
    Part("birth_day", "number", 1, 31),
    Part("birth_month", "number", 1, 12),
    Part("older_siblings", "number", 0, 9),
    Part("childhood_town_initial", "letter"),
)


class CodeError(ValueError):
    """A part of the code is missing or not of the expected form."""

    def __init__(self, part: str, problem: str) -> None:
        super().__init__(f"{part}: {problem}")
        self.part = part


def normalise(part: Part, raw: str) -> str:
    """The canonical form of one answer: an unaccented capital letter, or a number."""
    value = (raw or "").strip()
    if part.kind == "letter":
        letters = [
            c
            for c in unicodedata.normalize("NFKD", value).upper()
            if c.isalpha() and not unicodedata.combining(c)
        ]
        if not letters:
            raise CodeError(part.id, "needs a letter")
        return letters[0]
    if not value.isdigit() or not part.low <= int(value) <= part.high:
        raise CodeError(part.id, f"needs a number from {part.low} to {part.high}")
    return str(int(value))


def part_hashes(answers: Mapping[str, str], key: str) -> list[str]:
    """The keyed hash of each part, in PARTS order. Raises CodeError for a bad part."""
    hashes = []
    for part in PARTS:
        value = normalise(part, answers.get(part.id, ""))
        message = f"{NAMESPACE}:{part.id}:{value}".encode()
        hashes.append(hmac.new(key.encode(), message, hashlib.sha256).hexdigest())
    return hashes


def matches(stored: Sequence[str], given: Sequence[str]) -> bool:
    """True when the two codes differ in at most one part."""
    differing = sum(
        1 for a, b in zip(stored, given, strict=True) if not a or not hmac.compare_digest(a, b)
    )
    return differing <= ALLOWED_DIFFERENCES
