"""Publishing a table: suppression with its dependants, ratios from shown counts, DP noise."""

from __future__ import annotations

import pytest

from evaluation import codebook
from evaluation.noise import BudgetError, laplace_counts, split_budget
from evaluation.tables import Table, dp_queries, publish

K = 11


def return_rate(cohort: int, returned: int) -> Table:
    table = Table(codebook.RETURN_RATE)
    index = table.add(
        window_days=30, cohort=cohort, returned=returned, not_returned=cohort - returned
    )
    table.add_line((index, "cohort"), [(index, "returned"), (index, "not_returned")])
    return table


def test_a_ratio_is_computed_from_shown_counts():
    published = publish(return_rate(200, 50), K)
    assert published.rows[0]["rate"] == 0.25
    assert published.suppressed == [[]]


def test_a_ratio_whose_count_is_suppressed_is_suppressed_too():
    published = publish(return_rate(200, 4), K)
    row = published.rows[0]
    assert row["returned"] is None and row["rate"] is None
    # Complementary: otherwise cohort - not_returned gives returned away.
    assert row["not_returned"] is None or row["cohort"] is None
    assert "rate" in published.suppressed[0]


def test_statistics_of_a_small_group_are_blanked():
    table = Table(codebook.WAITS_WEEKLY)
    table.add(week="2025-W01", chats=5, wait_p50_seconds=30.0, wait_p90_seconds=90.0)
    table.add(week="2025-W02", chats=40, wait_p50_seconds=31.0, wait_p90_seconds=95.0)
    published = publish(table, K)
    assert published.rows[0]["wait_p50_seconds"] is None
    assert published.rows[1]["wait_p50_seconds"] == 31.0


def test_differential_privacy_noises_counts_within_the_budget():
    table = Table(codebook.REACH_WEEKLY)
    for week in range(1, 6):
        table.add(week=f"2025-W0{week}", participants=1000, new_participants=500)
    table.sensitivity = 6
    assert dp_queries(table) == 1
    published = publish(table, K, epsilon_per_query=1.0)
    assert published.epsilon == pytest.approx(1.0)
    shown = [r["participants"] for r in published.rows]
    assert shown != [1000] * 5  # scale 6: the chance of no noise at all is negligible
    assert all(abs(value - 1000) < 200 for value in shown)


def test_without_a_sensitivity_every_cell_is_its_own_query():
    table = Table(codebook.TOPICS_MONTHLY)
    table.add(topic="one_to_one", month="2025-01", participants=300)
    table.add(topic="one_to_one", month="2025-02", participants=310)
    assert dp_queries(table) == 2
    assert publish(table, K, epsilon_per_query=0.5).epsilon == pytest.approx(1.0)


def test_opendp_refuses_an_impossible_budget():
    with pytest.raises(BudgetError):
        laplace_counts([1, 2], sensitivity=1, epsilon=0)
    with pytest.raises(BudgetError):
        split_budget(1.0, 0)


def test_noisy_counts_are_never_negative():
    assert all(v >= 0 for v in laplace_counts([0] * 50, sensitivity=1, epsilon=0.1).values)
