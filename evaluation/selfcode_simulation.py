"""How often a self-generated code links the wrong people: a simulation. No Django here.

``python -m evaluation.selfcode_simulation`` prints the table quoted in
docs/evaluation.md. Codes are drawn from realistic, stated distributions (below):
carers' first names and home towns from lists of common names and places with a long
tail, birthdays with the calendar's unevenness and a mild seasonality, a student-aged
population for the year digit, and sibling counts from household surveys' typical shape.
Every distribution is an assumption, written out here so it can be challenged.

Two kinds of attempt are played against ``stored`` codes:
- a returning person re-enters their own code on a new device, misremembering each
  answer with a small probability (``RECALL_ERRORS``);
- a newcomer who has never taken part enters their code and confirms the link anyway
  (the worst case: the page asks only people who answered on another device to confirm).

Linking rule being measured (evaluation.surveys): exact match only, and nothing is
linked when two or more earlier people share the code. The rule it replaced (five
answers, one may differ) is simulated too, for comparison.
"""

from __future__ import annotations

import argparse
import string
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

LETTERS = string.ascii_uppercase
# Typical second letters of names and places (vowels dominate).
SECOND_LETTER = {
    "A": 26, "E": 18, "I": 11, "O": 10, "U": 4, "R": 8, "L": 6, "H": 4, "N": 3, "Y": 2,
    "M": 1, "T": 1, "C": 1, "S": 1, "D": 1, "B": 1, "V": 1, "W": 1,
}  # fmt: skip
# First letters of the long tail of names and places (roughly, of words in general).
FIRST_LETTER = {
    "A": 8, "B": 6, "C": 8, "D": 6, "E": 5, "F": 3, "G": 4, "H": 4, "I": 2, "J": 5, "K": 4,
    "L": 6, "M": 9, "N": 3, "O": 2, "P": 5, "Q": 1, "R": 5, "S": 9, "T": 5, "U": 1, "V": 3,
    "W": 3, "X": 1, "Y": 2, "Z": 1,
}  # fmt: skip

# Mothers' (or main carers') first names of today's young adults, weights per thousand;
# the rest of the thousand is the tail.
CARERS_EN = {
    "Susan": 25, "Karen": 22, "Lisa": 22, "Mary": 20, "Jennifer": 18, "Linda": 15,
    "Patricia": 14, "Elizabeth": 14, "Sarah": 14, "Julie": 13, "Michelle": 13, "Deborah": 12,
    "Donna": 11, "Sandra": 11, "Angela": 11, "Kimberly": 10, "Amanda": 10, "Helen": 10,
    "Nicola": 9, "Claire": 9, "Joanne": 9, "Tracey": 8, "Kelly": 8, "Jane": 8, "Anne": 8,
    "Catherine": 8, "Laura": 8, "Rachel": 8, "Christine": 8, "Margaret": 8, "Barbara": 8,
    "Melissa": 7, "Carol": 7, "Emma": 6, "Nancy": 6, "Diane": 6, "Alison": 6, "Samantha": 6,
    "Heather": 6, "Rebecca": 6, "Stephanie": 6, "Nicole": 6, "Sharon": 6, "Tina": 5,
    "Wendy": 5, "Paula": 5, "Victoria": 5, "Jessica": 5, "Andrea": 5, "Teresa": 5,
    "Denise": 5, "Cheryl": 5, "Dawn": 5, "Louise": 5, "Caroline": 5, "Janet": 5, "Pamela": 5,
}  # fmt: skip
CARERS_ES = {
    "María": 180, "Carmen": 45, "Ana": 35, "Isabel": 25, "Rosa": 20, "Pilar": 18,
    "Dolores": 15, "Laura": 15, "Marta": 15, "Cristina": 15, "Elena": 15, "Teresa": 15,
    "Patricia": 15, "Josefa": 12, "Antonia": 12, "Silvia": 12, "Guadalupe": 12, "Claudia": 12,
    "Luz": 12, "Francisca": 10, "Mercedes": 10, "Beatriz": 10, "Mónica": 10, "Sonia": 10,
    "Susana": 10, "Alejandra": 10, "Gabriela": 10, "Adriana": 10, "Sandra": 10,
    "Verónica": 10, "Margarita": 10, "Martha": 10, "Gloria": 10, "Juana": 10, "Yolanda": 10,
    "Alicia": 10, "Raquel": 8, "Lucía": 8, "Leticia": 8, "Blanca": 8, "Norma": 8, "Rocío": 8,
    "Liliana": 8, "Lorena": 6, "Irma": 6, "Esperanza": 6, "Paula": 6, "Angélica": 6,
    "Graciela": 6, "Marisol": 6,
}  # fmt: skip
# Towns and cities where young adults grew up.
TOWNS_EN = {
    "London": 150, "Manchester": 40, "Birmingham": 30, "Leeds": 25, "Glasgow": 20,
    "Liverpool": 20, "Bristol": 15, "Sheffield": 15, "Edinburgh": 12, "Newcastle": 12,
    "Nottingham": 12, "Leicester": 10, "Cardiff": 10, "Belfast": 10, "Coventry": 8,
    "Bradford": 8, "Southampton": 8, "Brighton": 6, "Hull": 6, "Plymouth": 5, "Reading": 5,
    "Stoke": 5, "Derby": 5, "York": 4, "Oxford": 4, "Cambridge": 4,
}  # fmt: skip
TOWNS_ES = {
    "Madrid": 150, "Ciudad de México": 120, "Barcelona": 80, "Bogotá": 60, "Lima": 60,
    "Buenos Aires": 60, "Santiago": 50, "Valencia": 30, "Sevilla": 30, "Málaga": 20,
    "Guadalajara": 20, "Monterrey": 20, "Medellín": 20, "Caracas": 20, "Zaragoza": 15,
    "Murcia": 15, "Quito": 12, "Bilbao": 10, "Guatemala": 10, "Montevideo": 10,
    "San José": 8, "La Paz": 6,
}  # fmt: skip
# A local programme where a third of participants grew up in the same city (pessimistic).
TOWNS_LOCAL_ES = {"Madrid": 350, **{t: w for t, w in TOWNS_ES.items() if t != "Madrid"}}

# Share of people by age; the year digit is (this year - age) mod 10.
AGES = {16: 2, 17: 4, 18: 10, 19: 12, 20: 12, 21: 11, 22: 9, 23: 7, 24: 6, 25: 5, 26: 4,
        27: 4, 28: 3, 29: 3, 30: 3, **{age: 1 for age in range(31, 46)}}  # fmt: skip
# Births per month (slightly more in late summer).
MONTHS = (80, 74, 81, 79, 83, 83, 88, 89, 87, 85, 80, 81)
OLDER_SIBLINGS = (42, 33, 14, 6, 3, 1, 0.5, 0.3, 0.1, 0.1)
# Chance that a returning person gives a different answer to each part.
RECALL_ERRORS = {
    "carer_letters": 0.005,
    "birth_day": 0.01,
    "birth_month": 0.01,
    "birth_year_digit": 0.01,
    "older_siblings": 0.03,
    "town_letters": 0.03,
}
CURRENT_YEAR = 2026


def _normalise(probabilities: np.ndarray) -> np.ndarray:
    return probabilities / probabilities.sum()


def _letters(text: str, length: int) -> str:
    plain = text.upper().translate(str.maketrans("ÁÉÍÓÚÜÑ", "AEIOUUN"))
    return "".join(c for c in plain if c.isalpha())[:length]


def _two_letter_distribution(named: Mapping[str, float]) -> np.ndarray:
    """Probabilities over the 676 two-letter starts: the named words plus a tail."""
    probabilities = np.zeros(26 * 26)
    for word, weight in named.items():
        first, second = _letters(word, 2)
        probabilities[LETTERS.index(first) * 26 + LETTERS.index(second)] += weight
    tail = max(0.0, 1000 - sum(named.values()))
    first = _normalise(np.array([FIRST_LETTER.get(c, 0) for c in LETTERS], dtype=float))
    second = _normalise(np.array([SECOND_LETTER.get(c, 0) for c in LETTERS], dtype=float))
    probabilities += tail * np.outer(first, second).ravel()
    return _normalise(probabilities)


def _one_letter_distribution(named: Mapping[str, float]) -> np.ndarray:
    two = _two_letter_distribution(named).reshape(26, 26)
    return two.sum(axis=1)


def _birth_days() -> np.ndarray:
    month_days = (31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    return _normalise(np.array([sum(day <= m for m in month_days) for day in range(1, 32)]))


def _year_digits() -> np.ndarray:
    digits = np.zeros(10)
    for age, weight in AGES.items():
        digits[(CURRENT_YEAR - age) % 10] += weight
    return _normalise(digits)


@dataclass(frozen=True)
class Population:
    """Distributions of every part, per language group, and each group's share."""

    name: str
    groups: Sequence[tuple[float, Mapping[str, np.ndarray]]]


def _group(carers: Mapping[str, float], towns: Mapping[str, float]) -> dict[str, np.ndarray]:
    return {
        "carer_letters": _two_letter_distribution(carers),
        "birth_day": _birth_days(),
        "birth_month": _normalise(np.array(MONTHS, dtype=float)),
        "birth_year_digit": _year_digits(),
        "older_siblings": _normalise(np.array(OLDER_SIBLINGS, dtype=float)),
        "town_letters": _two_letter_distribution(towns),
    }


def _old_group(carers: Mapping[str, float], towns: Mapping[str, float]) -> dict[str, np.ndarray]:
    """The five parts of the earlier code (initials only, no year digit)."""
    new = _group(carers, towns)
    return {
        "carer_initial": _one_letter_distribution(carers),
        "birth_day": new["birth_day"],
        "birth_month": new["birth_month"],
        "older_siblings": new["older_siblings"],
        "town_initial": _one_letter_distribution(towns),
    }


def populations(old: bool = False) -> list[Population]:
    make = _old_group if old else _group
    return [
        Population(
            "mixed (80% English-, 20% Spanish-speaking)",
            [(0.8, make(CARERS_EN, TOWNS_EN)), (0.2, make(CARERS_ES, TOWNS_ES))],
        ),
        Population("Spanish-speaking", [(1.0, make(CARERS_ES, TOWNS_ES))]),
        Population(
            "local, Spanish-speaking (a third grew up in one city)",
            [(1.0, make(CARERS_ES, TOWNS_LOCAL_ES))],
        ),
    ]


def draw(
    population: Population, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``size`` codes, one column per part (integer answers), and each one's group."""
    shares = np.array([share for share, _ in population.groups])
    group_of = rng.choice(len(shares), size=size, p=shares / shares.sum())
    parts = list(population.groups[0][1])
    codes = np.zeros((size, len(parts)), dtype=np.int64)
    for index, (_, distributions) in enumerate(population.groups):
        rows = np.flatnonzero(group_of == index)
        for column, part in enumerate(parts):
            probabilities = distributions[part]
            codes[rows, column] = rng.choice(probabilities.size, size=rows.size, p=probabilities)
    return codes, group_of


def _misremember(
    codes: np.ndarray, groups: np.ndarray, population: Population, rng: np.random.Generator
) -> np.ndarray:
    """The codes as re-entered: each part, with its recall-error chance, replaced by another
    answer drawn from the person's group's distribution (common answers are the likely
    mistakes, which is what makes a mistake collide with someone else's code)."""
    entered = codes.copy()
    parts = list(population.groups[0][1])
    for column, part in enumerate(parts):
        wrong = np.flatnonzero(rng.random(len(codes)) < RECALL_ERRORS[part])
        for index, (_, distributions) in enumerate(population.groups):
            rows = wrong[groups[wrong] == index]
            probabilities = distributions[part]
            while rows.size:
                entered[rows, column] = rng.choice(probabilities.size, rows.size, p=probabilities)
                rows = rows[entered[rows, column] == codes[rows, column]]
    return entered


def _keys(codes: np.ndarray, population: Population) -> np.ndarray:
    """Each code as one integer (mixed radix), for exact matching."""
    sizes = [d.size for d in population.groups[0][1].values()]
    keys = np.zeros(len(codes), dtype=np.int64)
    for column, size in enumerate(sizes):
        keys = keys * size + codes[:, column]
    return keys


def _matches(stored: np.ndarray, entered: np.ndarray) -> np.ndarray:
    """How many stored codes each entered code equals exactly."""
    unique, counts = np.unique(stored, return_counts=True)
    at = np.clip(np.searchsorted(unique, entered), 0, unique.size - 1)
    return np.where(unique[at] == entered, counts[at], 0)


@dataclass(frozen=True)
class Result:
    population: str
    stored: int
    attempts: int
    returning_linked: float
    returning_wrong: float
    returning_blocked: float
    returning_missed: float
    newcomer_wrong: float
    newcomer_blocked: float


def simulate(population: Population, stored: int, attempts: int, seed: int = 1) -> Result:
    """Rates per attempt under the exact-match rule (``attempts`` of each kind)."""
    rng = np.random.default_rng(seed)
    codes, groups = draw(population, stored, rng)
    keys = _keys(codes, population)
    who = rng.integers(0, stored, size=attempts)
    entered = _keys(_misremember(codes[who], groups[who], population, rng), population)
    found = _matches(keys, entered)
    own = entered == keys[who]
    newcomers = _matches(keys, _keys(draw(population, attempts, rng)[0], population))
    return Result(
        population.name,
        stored,
        attempts,
        returning_linked=float(np.mean(own & (found == 1))),
        returning_wrong=float(np.mean(~own & (found == 1))),
        returning_blocked=float(np.mean(found >= 2)),
        returning_missed=float(np.mean(found == 0)),
        newcomer_wrong=float(np.mean(newcomers == 1)),
        newcomer_blocked=float(np.mean(newcomers >= 2)),
    )


def simulate_old_rule(population: Population, stored: int, attempts: int, seed: int = 1) -> float:
    """Newcomers wrongly linked under the earlier rule (five parts, one may differ)."""
    rng = np.random.default_rng(seed)
    codes = draw(population, stored, rng)[0]
    newcomers = draw(population, attempts, rng)[0]
    wrong = 0
    for start in range(0, attempts, 500):
        block = newcomers[start : start + 500]
        equal = (block[:, None, :] == codes[None, :, :]).sum(axis=2)
        wrong += int(((equal >= codes.shape[1] - 1).sum(axis=1) == 1).sum())
    return wrong / attempts


def report(attempts: int = 200_000, seed: int = 1) -> str:
    """The table quoted in docs/evaluation.md, as Markdown."""
    lines = [
        "| population | stored codes | returning: linked | wrong | blocked | missed "
        "| newcomer confirming: wrong | blocked |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for population in populations():
        for stored in (3_000, 10_000, 50_000):
            r = simulate(population, stored, attempts, seed)
            lines.append(
                f"| {r.population} | {stored:,} | {r.returning_linked:.2%} | "
                f"{r.returning_wrong:.3%} | {r.returning_blocked:.2%} | "
                f"{r.returning_missed:.2%} | {r.newcomer_wrong:.3%} | {r.newcomer_blocked:.3%} |"
            )
    lines += ["", "Earlier rule (five parts, one may differ), newcomers wrongly linked:"]
    for population in populations(old=True):
        for stored in (3_000, 10_000):
            rate = simulate_old_rule(population, stored, 20_000, seed)
            lines.append(f"  {population.name}, {stored:,} stored codes: {rate:.1%}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="False-link rates of the self-generated code.")
    parser.add_argument("--attempts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    sys.stdout.write(report(options.attempts, options.seed))


if __name__ == "__main__":
    main()
