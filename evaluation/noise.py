"""Differential privacy for published counts, with OpenDP's Laplace mechanism. No Django here.

A release has an epsilon budget. It is split evenly across the count tables in the
release (sequential composition). Within a table, the noise scale is the table's
sensitivity (how much one participant can change the sum of its cells: 1 when every
participant falls in exactly one cell) divided by the table's share of epsilon.
OpenDP checks that the mechanism meets that share before any noise is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import opendp.prelude as dp

dp.enable_features("contrib")


class BudgetError(ValueError):
    """The mechanism would spend more epsilon than the table was given."""


@dataclass(frozen=True)
class NoisedCounts:
    values: list[int]
    scale: float
    epsilon: float


def laplace_counts(counts: Sequence[int], *, sensitivity: int, epsilon: float) -> NoisedCounts:
    """The counts with discrete Laplace noise, spending at most ``epsilon``.

    Noisy counts are clamped at zero afterwards (post-processing costs no privacy).
    """
    if epsilon <= 0:
        raise BudgetError("epsilon must be positive")
    if sensitivity < 1:
        raise BudgetError("sensitivity must be at least 1")
    scale = sensitivity / epsilon
    mechanism = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
    )
    spent = mechanism.map(sensitivity)
    if spent > epsilon * (1 + 1e-9):
        raise BudgetError(f"the mechanism spends {spent}, more than its share {epsilon}")
    noisy = mechanism([int(c) for c in counts]) if counts else []
    return NoisedCounts([max(0, int(v)) for v in noisy], scale, float(spent))


def split_budget(epsilon: float, parts: int) -> float:
    """Each of ``parts`` queries' share of a release's epsilon under sequential composition."""
    if parts < 1:
        raise BudgetError("a release needs at least one query")
    return epsilon / parts
