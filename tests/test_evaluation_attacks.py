"""An attacker with the whole published release and the codebook tries to recover
suppressed counts (linear programming over every relation the codebook states) and to
difference nested groups. At 5,000 and 50,000 participants they find nothing under k;
the same attack on the same tables suppressed one at a time does find small counts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from django.utils import timezone
from scipy.optimize import linprog

from evaluation import codebook, metrics, outcomes, report
from evaluation.synthetic import seed
from evaluation.tables import Bundle, publish

K = 11
COUNTS = {spec.name: [c.name for c in spec.count_columns] for spec in codebook.TABLES}
LATER = {"pre_post": "post", "pre_followup": "followup"}


class Attacker:
    """What can be inferred from a published release and the codebook's stated relations."""

    def __init__(self, tables: dict[str, Any]) -> None:
        self.tables = tables
        self.parent: dict[Any, Any] = {}
        self.values: dict[Any, int] = {}
        self.equations: list[dict[Any, float]] = []
        self.slacks: list[Any] = []
        for name, table in tables.items():
            for index, row in enumerate(table["rows"]):
                for column in COUNTS[name]:
                    if column not in row["suppressed"] and row[column] is not None:
                        self.values[(name, index, column)] = row[column]

    def rows(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        return list(enumerate(self.tables[name]["rows"]))

    def find(self, key: Any) -> Any:
        while self.parent.get(key, key) != key:
            key = self.parent[key]
        return key

    def same(self, a: Any, b: Any) -> None:
        self.parent[self.find(a)] = self.find(b)

    def sum(self, total: Any, members: list[Any]) -> None:
        equation: dict[Any, float] = defaultdict(float)
        equation[total] -= 1.0
        for member in members:
            equation[member] += 1.0
        self.equations.append(equation)

    def row_sum(self, name: str, index: int, total: str, members: list[str]) -> None:
        self.sum((name, index, total), [(name, index, m) for m in members])

    def nested(self, outer: Any, inner: Any) -> None:
        """``inner`` counts a subset of ``outer``'s people: the rest is an unseen count."""
        slack = ("slack", len(self.slacks))
        self.slacks.append(slack)
        self.sum(outer, [inner, slack])

    def group_sums(self, name: str, by: tuple[str, ...], columns: list[str]) -> None:
        groups: dict[tuple, list[int]] = defaultdict(list)
        totals: dict[tuple, int] = {}
        for index, row in self.rows(name):
            key = tuple(row[d] for d in by)
            if row["group"] == "all":
                totals[key] = index
            else:
                groups[key].append(index)
        for key, members in groups.items():
            for column in columns:
                self.sum((name, totals[key], column), [(name, m, column) for m in members])

    def codebook_relations(self) -> None:
        change: dict[tuple, int] = {}
        first_of: dict[tuple, int] = {}
        for index, row in self.rows("survey_change"):
            name = "survey_change"
            self.row_sum(name, index, "n_baseline", ["n_paired", "n_baseline_only"])
            self.row_sum(name, index, "n_later", ["n_paired", "n_later_only"])
            if row["reliable_change_note"] == "":
                outcomes_ = ["n_reliably_improved", "n_reliably_worse", "n_no_reliable_change"]
                self.row_sum(name, index, "n_paired", outcomes_)
            version = (row["instrument"], row["version"])
            change[(*version, row["subscale"], row["comparison"])] = index
            # Subscales of an instrument count the same people; so do comparisons' baselines.
            first = first_of.setdefault((*version, row["comparison"]), index)
            for column in ("n_baseline", "n_later", "n_paired", "n_baseline_only", "n_later_only"):
                self.same((name, index, column), (name, first, column))
            base = first_of.setdefault(version, index)
            self.same((name, index, "n_baseline"), (name, base, "n_baseline"))
        for index, row in self.rows("attrition"):
            source = change[(row["instrument"], row["version"], row["subscale"], row["comparison"])]
            self.same(("attrition", index, "n_completers"), ("survey_change", source, "n_paired"))
            self.same(
                ("attrition", index, "n_non_completers"),
                ("survey_change", source, "n_baseline_only"),
            )
        bands: dict[tuple, list[int]] = defaultdict(list)
        band_totals: dict[tuple, int] = {}
        for index, row in self.rows("score_distribution"):
            key = (row["instrument"], row["version"], row["subscale"], row["wave"])
            if row["band"] == "all":
                band_totals[key] = index
            else:
                bands[key].append(index)
        first_total: dict[tuple, int] = {}
        for key, total in band_totals.items():
            cell = ("score_distribution", total, "n")
            self.sum(cell, [("score_distribution", m, "n") for m in bands[key]])
            # Subscales of an instrument: the same people at each wave.
            first = first_total.setdefault((key[0], key[1], key[3]), total)
            self.same(cell, ("score_distribution", first, "n"))
            for (instrument, version, subscale, comparison), source in change.items():
                if (instrument, version, subscale) != key[:3]:
                    continue
                if key[3] == "pre":
                    self.same(cell, ("survey_change", source, "n_baseline"))
                elif key[3] == LATER[comparison]:
                    self.same(cell, ("survey_change", source, "n_later"))
        group_columns = ["n_baseline", "n_paired", "n_baseline_only"]
        for index, _row in self.rows("survey_groups"):
            self.row_sum("survey_groups", index, "n_baseline", ["n_paired", "n_baseline_only"])
        by = ("instrument", "version", "comparison", "subscale", "breakdown")
        self.group_sums("survey_groups", by, group_columns)
        copies: dict[tuple, int] = {}
        for index, row in self.rows("survey_groups"):
            version = (row["instrument"], row["version"], row["comparison"])
            group = "all" if row["group"] == "all" else (row["breakdown"], row["group"])
            first = copies.setdefault((*version, group), index)
            for column in group_columns:
                self.same(("survey_groups", index, column), ("survey_groups", first, column))
            if row["group"] == "all":
                source = change[
                    (row["instrument"], row["version"], row["subscale"], row["comparison"])
                ]
                for column in group_columns:
                    self.same(("survey_groups", index, column), ("survey_change", source, column))
        for index, _row in self.rows("proportions"):
            self.row_sum("proportions", index, "n_answered", ["n_yes", "n_no"])
        by = ("instrument", "version", "wave", "item", "breakdown")
        self.group_sums("proportions", by, ["n_answered", "n_yes", "n_no"])
        totals: dict[tuple, int] = {}
        for index, row in self.rows("proportions"):
            if row["group"] == "all":
                key = (row["instrument"], row["version"], row["wave"], row["item"])
                first = totals.setdefault(key, index)
                for column in ("n_answered", "n_yes", "n_no"):
                    self.same(("proportions", index, column), ("proportions", first, column))
        self.group_sums("survey_reach", ("breakdown",), ["participants"])
        reach: dict[tuple, int] = {}
        reach_total = None
        for index, row in self.rows("survey_reach"):
            if row["group"] == "all":
                reach_total = reach_total if reach_total is not None else index
                self.same(
                    ("survey_reach", index, "participants"),
                    ("survey_reach", reach_total, "participants"),
                )
            else:
                reach[(row["breakdown"], row["group"])] = index
        # Nested groups: everyone counted below consented, so each is part of the reach.
        for name, column in (("survey_groups", "n_baseline"), ("proportions", "n_answered")):
            for index, row in self.rows(name):
                outer = reach.get((row["breakdown"], row["group"]))
                if outer is not None:
                    self.nested(("survey_reach", outer, "participants"), (name, index, column))
        for index, _row in self.rows("return_rate"):
            self.sum(
                ("return_rate", index, "cohort"),
                [("return_rate", index, "returned"), ("return_rate", index, "not_returned")],
            )
        levels = self.rows("escalations")
        total = next(i for i, r in levels if r["level"] == "all")
        for column in ("escalations", "acknowledged", "resolved"):
            self.sum(
                ("escalations", total, column),
                [("escalations", i, column) for i, r in levels if r["level"] != "all"],
            )

    def ranges(self) -> dict[Any, tuple[float, float]]:
        """Every unknown count's feasible range, by linear programming per connected group."""
        known = {}
        for key, value in self.values.items():
            root = self.find(key)
            assert known.get(root, value) == value, f"two copies of {key} differ"
            known[root] = value
        equations = []
        for equation in self.equations:
            terms: dict[Any, float] = defaultdict(float)
            constant = 0.0
            for key, coefficient in equation.items():
                root = self.find(key) if key[0] != "slack" else key
                if root in known:
                    constant += coefficient * known[root]
                else:
                    terms[root] += coefficient
            terms = {k: v for k, v in terms.items() if v}
            if terms:
                equations.append((terms, -constant))
            else:
                assert abs(constant) < 1e-9, f"the release contradicts itself: {equation}"
        parent: dict[Any, Any] = {}

        def find(key: Any) -> Any:
            while parent.get(key, key) != key:
                key = parent[key]
            return key

        for terms, _ in equations:
            first = next(iter(terms))
            for key in terms:
                parent[find(key)] = find(first)
        components: dict[Any, list] = defaultdict(list)
        for equation in equations:
            components[find(next(iter(equation[0])))].append(equation)
        found = {}
        for component in components.values():
            cells = sorted({k for terms, _ in component for k in terms}, key=repr)
            index = {k: i for i, k in enumerate(cells)}
            matrix = np.zeros((len(component), len(cells)))
            targets = np.zeros(len(component))
            for row, (terms, target) in enumerate(component):
                for key, coefficient in terms.items():
                    matrix[row, index[key]] = coefficient
                targets[row] = target
            for key, i in index.items():
                objective = np.zeros(len(cells))
                objective[i] = 1.0
                high = linprog(-objective, A_eq=matrix, b_eq=targets, bounds=(0, None))
                assert high.status in (0, 3), "the published release has no solution"
                top = float("inf") if high.status == 3 else -high.fun
                if top >= K + 1:
                    # Neither under k nor pinned under k, whatever the smallest value is.
                    found[key] = (float("nan"), top)
                    continue
                low = linprog(objective, A_eq=matrix, b_eq=targets, bounds=(0, None))
                found[key] = (low.fun, top)
        return found

    def findings(self) -> list[tuple[Any, float, float]]:
        """Unknown counts the attacker can show to be under k, or pin under k."""
        self.codebook_relations()
        return [
            (key, low, high)
            for key, (low, high) in self.ranges().items()
            if high < K - 1e-7 or (high - low < 1 - 1e-7 and low < K)
        ]


def per_table_release() -> dict[str, Any]:
    """The same tables suppressed one at a time (what the report used to publish)."""
    period = metrics.Period.ending(timezone.localdate())
    bundle = Bundle([])
    for provider in (outcomes, metrics):
        bundle.extend(provider.build(period))
    return {t.spec.name: publish(t, K).as_json() for t in bundle.tables}


@pytest.mark.parametrize("participants", [5_000, 50_000])
def test_the_published_release_gives_nothing_under_k_away(participants, db):
    seed(participants, seed=14, days=330, messages=False)
    released = report.build(timezone.localdate(), k=K, epsilon=None)["tables"]
    assert Attacker(released).findings() == []


def test_the_attack_finds_small_counts_when_tables_are_suppressed_one_at_a_time(db):
    seed(2_500, seed=14, days=330, messages=False)
    # Differencing a group's consenting people and those with a baseline gives small counts.
    assert Attacker(per_table_release()).findings()
    released = report.build(timezone.localdate(), k=K, epsilon=None)["tables"]
    assert Attacker(released).findings() == []
