"""Disclosure control across all tables of a release: what one table hides, another may
give away; the audit finds it and suppresses more. Checked with an independent linear
programme (scipy's linprog) over everything published."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import linprog

from evaluation import disclosure
from evaluation.suppression import Line, suppress

K = 11


def ranges(counts: dict, lines: list[Line], hidden: set, same=(), latent=None) -> dict:
    """Every unknown cell's (low, high), as an attacker computes it from what is shown."""
    latent = latent or {}
    classes = {}

    def find(key):
        while classes.get(key, key) != key:
            key = classes[key]
        return key

    for a, b in same:
        classes[find(a)] = find(b)
    values = {**counts, **latent}
    # A count is unknown only when every copy of it is hidden.
    shown_roots = {find(k) for k in counts if k not in hidden}
    for key in counts:
        values.setdefault(find(key), counts[key])
    unknown_keys = sorted(
        {find(k) for k in hidden if find(k) not in shown_roots} | set(latent), key=repr
    )
    index = {key: i for i, key in enumerate(unknown_keys)}
    rows, targets = [], []
    for line in lines:
        row = np.zeros(len(unknown_keys))
        constant = 0.0
        for key, sign in [(m, 1.0) for m in line.members] + [(line.total, -1.0)]:
            root = find(key)
            if root in index:
                row[index[root]] += sign
            else:
                constant += sign * values[key]
        if row.any():
            rows.append(row)
            targets.append(-constant)
    found = {}
    for key, i in index.items():
        objective = np.zeros(len(unknown_keys))
        objective[i] = 1.0
        options = {"A_eq": rows or None, "b_eq": targets or None, "bounds": (0, None)}
        low = linprog(objective, **options)
        high = linprog(-objective, **options)
        found[key] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return found


def assert_protected(counts, lines, hidden, same=(), latent=None):
    latent = latent or {}
    values = {**counts, **latent}
    for key, (low, high) in ranges(counts, lines, hidden, same, latent).items():
        if values[key] < K:
            assert high - low >= K - 1e-7, f"{key} = {values[key]} narrowed to {low}..{high}"


def test_a_count_hidden_in_one_table_but_implied_by_another_is_protected():
    # survey_change: n_later = n_paired + n_later_only; the distribution's follow-up total
    # counts the same people as n_later. Per table, n_later is the complement of the small
    # n_later_only; the distribution then shows it, and 18 - 11 gives back the 7.
    counts = {
        ("change", "n_later"): 18,
        ("change", "n_paired"): 11,
        ("change", "n_later_only"): 7,
        ("distribution", "all"): 18,
        ("distribution", "low"): 12,
        ("distribution", "high"): 6,
    }
    # As in the report: the paired count anchors the analysis and costs most to hide.
    cost = {("change", "n_paired"): 10.0, ("change", "n_later"): 5.0}
    lines = [
        Line(("change", "n_later"), (("change", "n_paired"), ("change", "n_later_only"))),
        Line(("distribution", "all"), (("distribution", "low"), ("distribution", "high"))),
    ]
    same = [(("distribution", "all"), ("change", "n_later"))]
    per_table = suppress(counts, lines, K, cost)
    assert ("change", "n_later") in per_table and ("distribution", "all") not in per_table
    leaked = ranges(counts, lines, per_table, same)
    assert leaked[("change", "n_later_only")] == pytest.approx((7, 7))
    hidden = disclosure.protect(counts, lines, K, cost, same=same)
    assert ("distribution", "all") in hidden and ("change", "n_later_only") in hidden
    assert_protected(counts, lines, hidden, same)


def test_a_small_difference_between_nested_groups_is_protected():
    # 43 consenting people in a group, 35 of them with a baseline: 8 without, never shown.
    counts = {"reach": 43, "baseline": 35, "other_reach": 500, "other_baseline": 400}
    latent = {"without": 8, "other_without": 100}
    lines = [
        Line("reach", ("baseline", "without")),
        Line("other_reach", ("other_baseline", "other_without")),
    ]
    hidden = disclosure.protect(counts, lines, K, latent=latent)
    assert hidden & {"reach", "baseline"}
    assert not hidden & {"other_reach", "other_baseline"}
    assert_protected(counts, lines, hidden, latent=latent)


def test_cells_said_to_be_the_same_must_agree():
    with pytest.raises(ValueError, match="said to be the same differ"):
        disclosure.protect({"a": 20, "b": 21}, [], K, same=[("a", "b")])
    # Under noise they may differ; the smaller decides.
    assert disclosure.protect({"a": 5, "b": 21}, [], K, same=[("a", "b")], strict=False) == {
        "a",
        "b",
    }


def two_way(table: str, generator: random.Random) -> tuple[dict, list[Line]]:
    rows = [f"r{i}" for i in range(generator.randint(2, 4))]
    columns = [f"c{j}" for j in range(generator.randint(2, 3))]
    cells = {
        (table, r, c): generator.choice([0, 1, 3, 6, 9, 12, 20, 45]) for r in rows for c in columns
    }
    counts = dict(cells)
    lines = []
    for r in rows:
        counts[(table, r, "T")] = sum(cells[(table, r, c)] for c in columns)
        lines.append(Line((table, r, "T"), tuple((table, r, c) for c in columns)))
    for c in columns:
        counts[(table, "T", c)] = sum(cells[(table, r, c)] for r in rows)
        lines.append(Line((table, "T", c), tuple((table, r, c) for r in rows)))
    counts[(table, "T", "T")] = sum(cells.values())
    lines.append(Line((table, "T", "T"), tuple((table, r, "T") for r in rows)))
    return counts, lines


def linked_tables(generator: random.Random):
    """A two-way table, a copy of its total in another table, and a group nested in a
    larger one (the difference never shown)."""
    counts, lines = two_way("t1", generator)
    same, latent = [], {}
    counts[("t2", "copy")] = counts[("t1", "T", "T")]
    same.append((("t2", "copy"), ("t1", "T", "T")))
    extra = generator.choice([0, 2, 5, 30])
    counts[("reach", "r0")] = counts[("t1", "r0", "T")] + extra
    latent[("latent", "r0")] = extra
    lines.append(Line(("reach", "r0"), (("t1", "r0", "T"), ("latent", "r0"))))
    return counts, lines, same, latent


def test_random_linked_releases_leave_no_count_under_k_narrower_than_k():
    generator = random.Random(20261206)
    for _ in range(40):
        counts, lines, same, latent = linked_tables(generator)
        hidden = disclosure.protect(counts, lines, K, same=same, latent=latent)
        assert all(counts[key] >= K for key in counts if key not in hidden)
        assert_protected(counts, lines, hidden, same, latent)
