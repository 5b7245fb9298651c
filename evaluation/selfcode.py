"""The self-generated code for people who switch devices. No Django here.

A few stable, non-identifying questions make a code only the person can rebuild.
The answers are normalised (accents, case and spacing removed) and joined, and only
one slow keyed hash of the whole code is kept (scrypt, salted with an HMAC of the
pseudonym key): no single answer is stored or can be matched on its own, and trying
every possible code costs years of computing even for someone holding the key.

Codes match only when they are identical. A near match (one answer different) is no
match: with a few low-entropy answers, "close enough" joins strangers far too often
(see evaluation.selfcode_simulation and docs/evaluation.md).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

NAMESPACE = b"evaluation.selfcode.v2"
# scrypt cost: about 50 ms and 16 MiB per code on one core. Codes are hashed once when
# entered; an offline search of the whole code space (about 10^10 codes) would take
# years of a core's time.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1


@dataclass(frozen=True)
class Part:
    id: str
    # "letters": the first ``length`` letters of a word; "number": a whole number in [low, high].
    kind: str
    low: int = 0
    high: int = 0
    length: int = 1


PARTS: tuple[Part, ...] = (
    Part("carer_letters", "letters", length=2),
    Part("birth_day", "number", 1, 31),
    Part("birth_month", "number", 1, 12),
    Part("birth_year_digit", "number", 0, 9),
    Part("older_siblings", "number", 0, 9),
    Part("town_letters", "letters", length=2),
)


class CodeError(ValueError):
    """A part of the code is missing or not of the expected form."""

    def __init__(self, part: str, problem: str) -> None:
        super().__init__(f"{part}: {problem}")
        self.part = part


def normalise(part: Part, raw: str) -> str:
    """The canonical form of one answer: unaccented capital letters, or a number."""
    value = (raw or "").strip()
    if part.kind == "letters":
        letters = [
            c
            for c in unicodedata.normalize("NFKD", value).upper()
            if c.isalpha() and not unicodedata.combining(c)
        ]
        if len(letters) < part.length:
            raise CodeError(part.id, f"needs {part.length} letters")
        return "".join(letters[: part.length])
    if not value.isdigit() or not part.low <= int(value) <= part.high:
        raise CodeError(part.id, f"needs a number from {part.low} to {part.high}")
    return str(int(value))


def canonical(answers: Mapping[str, str]) -> str:
    """The whole code in one canonical text. Raises CodeError naming the first bad part."""
    return "|".join(normalise(part, answers.get(part.id, "")) for part in PARTS)


def code_hash(answers: Mapping[str, str], key: str) -> str:
    """The stored form of a code: scrypt of the canonical code, salted by the key."""
    salt = hmac.new(key.encode(), NAMESPACE, hashlib.sha256).digest()
    digest = hashlib.scrypt(
        canonical(answers).encode(),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=64 * 1024 * 1024,
        dklen=32,
    )
    return digest.hex()
