"""Small cells are suppressed, and no suppressed count can be worked out from what is shown."""

from __future__ import annotations

import random

import numpy as np
from scipy.optimize import linprog

from evaluation.suppression import Line, suppress, table_lines

K = 11


def two_way(cells: dict[tuple[str, str], int]) -> tuple[dict, list[Line]]:
    rows = sorted({r for r, _ in cells})
    columns = sorted({c for _, c in cells})
    counts = dict(cells)
    for r in rows:
        counts[(r, "total")] = sum(cells[(r, c)] for c in columns)
    for c in columns:
        counts[("total", c)] = sum(cells[(r, c)] for r in rows)
    counts[("total", "total")] = sum(cells.values())
    return counts, table_lines(rows, columns)


def feasible_range(counts: dict, lines: list[Line], hidden: set, cell) -> tuple[float, float]:
    """What an attacker can learn about one hidden cell from every shown cell and the totals."""
    unknown = sorted(hidden, key=repr)
    index = {key: i for i, key in enumerate(unknown)}
    equalities, targets = [], []
    for line in lines:
        row = np.zeros(len(unknown))
        known = 0.0
        for key, sign in [(m, 1.0) for m in line.members] + [(line.total, -1.0)]:
            if key in index:
                row[index[key]] += sign
            else:
                known += sign * counts[key]
        if row.any():
            equalities.append(row)
            targets.append(-known)
    objective = np.zeros(len(unknown))
    objective[index[cell]] = 1.0
    bounds = [(0, None)] * len(unknown)
    low = linprog(objective, A_eq=equalities, b_eq=targets, bounds=bounds)
    high = linprog(-objective, A_eq=equalities, b_eq=targets, bounds=bounds)
    assert low.status == 0
    return low.fun, (float("inf") if high.status == 3 else -high.fun)


def test_counts_below_k_are_suppressed_and_the_rest_shown():
    counts = {"a": 3, "b": 40, "c": 55, "d": 12, "total": 110}
    hidden = suppress(counts, [Line("total", ("a", "b", "c", "d"))], K)
    assert "a" in hidden
    assert "c" not in hidden and "total" not in hidden


def test_zero_is_a_small_count():
    assert suppress({"a": 0, "b": 50}, [], K) == {"a"}


def test_a_lone_small_cell_gets_a_complement_so_the_total_does_not_reveal_it():
    counts = {"a": 3, "b": 40, "c": 55, "d": 12, "total": 110}
    hidden = suppress(counts, [Line("total", ("a", "b", "c", "d"))], K)
    # 110 - 40 - 55 - 12 would give a away; the smallest other cell goes too.
    assert hidden == {"a", "d"}


def test_complements_continue_until_the_hidden_cells_are_not_all_small():
    counts = {"a": 2, "b": 3, "c": 500, "d": 600, "total": 1105}
    hidden = suppress(counts, [Line("total", ("a", "b", "c", "d"))], K)
    # a + b = 5 would still say "both tiny": a third cell joins them.
    assert hidden == {"a", "b", "c"}


def test_a_costly_cell_is_spared_when_another_complement_exists():
    counts = {"pre_only": 4, "paired": 200, "n_pre": 204}
    line = Line("n_pre", ("paired", "pre_only"))
    hidden = suppress(counts, [line], K, cost={"paired": 10.0, "n_pre": 5.0})
    assert hidden == {"pre_only", "n_pre"}


def test_complementary_suppression_on_two_way_totals():
    counts, lines = two_way(
        {
            ("x", "a"): 4,
            ("x", "b"): 30,
            ("x", "c"): 25,
            ("y", "a"): 20,
            ("y", "b"): 33,
            ("y", "c"): 41,
        }
    )
    hidden = suppress(counts, lines, K)
    assert ("x", "a") in hidden
    for cell in hidden:
        low, high = feasible_range(counts, lines, hidden, cell)
        assert high - low >= 1, f"{cell} is pinned to {low}"


def test_no_suppressed_cell_can_be_derived_in_random_tables():
    generator = random.Random(20240611)
    for _ in range(60):
        rows = [f"r{i}" for i in range(generator.randint(2, 5))]
        columns = [f"c{j}" for j in range(generator.randint(2, 5))]
        cells = {
            (r, c): generator.choice([0, 1, 2, 5, 9, 10, 11, 14, 30, 80])
            for r in rows
            for c in columns
        }
        counts, lines = two_way(cells)
        hidden = suppress(counts, lines, K)
        assert all(counts[key] >= K for key in counts if key not in hidden)
        for cell in hidden:
            low, high = feasible_range(counts, lines, hidden, cell)
            assert high - low >= 1, f"{cell} of {cells} is pinned to {low}"
