"""Disclosure control for a whole release: suppression audited across all its tables. No Django.

Suppressing small cells one table at a time is not enough: a suppressed count can be
rebuilt from another table of the same release (a follow-up total in one table minus
the paired count in another), or from two overlapping groups. So the whole release is
treated as one system of linear relations, as statistical offices do for linked tables
(τ-Argus):

- every published count is a cell; a ``Line`` says a total equals the sum of its
  members, inside a table or across tables;
- ``same`` pairs name cells of different tables that count the same people (the
  baseline total of a score distribution and the baseline n of the change table):
  they are one unknown, suppressed together;
- ``latent`` cells are never published but are implied by what is (the consenting
  people of a group who have no paired score: the group's reach minus its paired
  count). They are unknowns too, and protected like suppressed cells.

``protect`` first applies the per-line rules of evaluation.suppression (primary
suppression below k, complements in every line), then audits: for every unknown cell
whose true value is below k, linear programming (HiGHS) finds the smallest and the
largest value consistent with everything published (and with counts being
non-negative). When that range is narrower than k, one more cell next to it is
suppressed, the line rules run again, and the audit repeats until no cell below k can
be narrowed to less than k.

The unknowns fall into independent groups (connected by the relations); each group is
one small linear programme. A group of one relation is solved on paper: hidden members
of a shown total each range from 0 to what the total leaves. For the others, the
largest value is found first: when it is at least the true value plus k, the range is
wide enough whatever the smallest is.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from evaluation.suppression import Line, suppress

Key = Hashable


def _silence_banner() -> None:
    """HiGHS prints a banner on the C-level stdout when a process creates its first solver,
    which would corrupt what a command writes there (a CSV report). The first solver is
    made here, once, at import, with stdout pointed at /dev/null."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_silence_banner()
# Feasible ranges are computed in floating point; a range counts as k wide within this.
TOLERANCE = 1e-7


@dataclass(frozen=True)
class Exposure:
    """A cell under k that an attacker can narrow to ``low``..``high`` from the release."""

    cell: Key
    value: int
    low: float
    high: float


class _Classes:
    """Union-find over cells declared to be the same count."""

    def __init__(self, pairs: Iterable[tuple[Key, Key]]) -> None:
        self.parent: dict[Key, Key] = {}
        for a, b in pairs:
            self.parent[self.find(a)] = self.find(b)

    def find(self, key: Key) -> Key:
        root = key
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while key != root:
            self.parent[key], key = root, self.parent.get(key, key)
        return root


def _canonical_lines(lines: Sequence[Line], classes: _Classes) -> list[Line]:
    out = []
    for line in lines:
        total = classes.find(line.total)
        members = tuple(classes.find(m) for m in line.members)
        if members == (total,):
            continue
        out.append(Line(total, members))
    return out


def protect(
    counts: Mapping[Key, int],
    lines: Sequence[Line],
    k: int,
    cost: Mapping[Key, float] | None = None,
    *,
    same: Sequence[tuple[Key, Key]] = (),
    latent: Mapping[Key, int] | None = None,
    strict: bool = True,
) -> set[Key]:
    """The published cells to suppress so that no cell under k can be narrowed below k wide.

    ``counts`` are the publishable cells' values, ``latent`` the true values of cells
    that are never published. Cells said to be the same are judged by their smallest
    value; with ``strict`` (no noise) a difference between them is a ValueError.
    """
    latent = dict(latent or {})
    cost = cost or {}
    classes = _Classes(same)
    values: dict[Key, int] = {}
    members_of: dict[Key, list[Key]] = defaultdict(list)
    for key, value in counts.items():
        root = classes.find(key)
        if root in values and values[root] != value:
            if strict:
                raise ValueError(
                    f"cells said to be the same differ: {key} = {value}, not {values[root]}"
                )
            value = min(value, values[root])
        values[root] = value
        members_of[root].append(key)
    class_cost = {
        root: max(cost.get(key, 0.0) for key in keys) for root, keys in members_of.items()
    }
    all_lines = _canonical_lines(lines, classes)
    # The per-line rules apply where every cell could be published; lines through a latent
    # cell are left to the audit (a latent cell is usually large and never shown).
    plain_lines = [
        line for line in all_lines if not any(k_ in latent for k_ in (line.total, *line.members))
    ]
    hidden = suppress(values, plain_lines, k, class_cost)
    known = {**values, **latent}
    while True:
        exposures = audit(known, all_lines, hidden | set(latent), k)
        if not exposures:
            break
        added = False
        for exposure in exposures:
            extra = _next_to_hide(exposure.cell, all_lines, hidden, values, latent, class_cost)
            if extra is not None and extra not in hidden:
                hidden.add(extra)
                added = True
        if not added:
            # Every cell related to an exposed one is already hidden; nothing more to do
            # (cannot happen: a fully hidden component has no finite narrow range).
            break
        hidden = suppress(values, plain_lines, k, class_cost, hidden=hidden)
    return {key for root in hidden for key in members_of.get(root, ())}


def _next_to_hide(
    cell: Key,
    lines: Sequence[Line],
    hidden: set[Key],
    values: Mapping[Key, int],
    latent: Mapping[Key, int],
    cost: Mapping[Key, float],
) -> Key | None:
    """The cheapest shown cell in a line through ``cell``, else in the lines those reach."""
    frontier = {cell}
    seen: set[Key] = set()
    while frontier:
        candidates = set()
        reached = set()
        for line in lines:
            cells = (line.total, *line.members)
            if not frontier.intersection(cells):
                continue
            for other in cells:
                if other in values and other not in hidden:
                    candidates.add(other)
                reached.add(other)
        if candidates:
            return min(candidates, key=lambda key: (cost.get(key, 0.0), values[key], repr(key)))
        seen |= frontier
        frontier = {key for key in reached if key not in seen and (key in hidden or key in latent)}
    return None


def audit(
    values: Mapping[Key, int], lines: Sequence[Line], unknown: set[Key], k: int
) -> list[Exposure]:
    """Every unknown cell under k whose feasible range, given the shown cells, is under k wide."""
    equations = []
    for line in lines:
        terms: dict[Key, float] = defaultdict(float)
        constant = 0.0
        for key, sign in [(m, 1.0) for m in line.members] + [(line.total, -1.0)]:
            if key in unknown:
                terms[key] += sign
            else:
                constant += sign * values[key]
        terms = {key: coefficient for key, coefficient in terms.items() if coefficient}
        if terms:
            # sum(terms * x) + constant = 0
            equations.append((terms, -constant))
    components = _components(equations)
    exposures = []
    for cells, component in components:
        sensitive = [key for key in cells if values[key] < k]
        if sensitive:
            exposures += _audit_component(cells, component, sensitive, values, k)
    return exposures


def _components(
    equations: list[tuple[dict[Key, float], float]],
) -> list[tuple[list[Key], list[tuple[dict[Key, float], float]]]]:
    classes = _Classes(
        (first, other) for terms, _ in equations for first in list(terms)[:1] for other in terms
    )
    grouped: dict[Key, list[tuple[dict[Key, float], float]]] = defaultdict(list)
    for equation in equations:
        grouped[classes.find(next(iter(equation[0])))].append(equation)
    out = []
    for component in grouped.values():
        cells = sorted({key for terms, _ in component for key in terms}, key=repr)
        out.append((cells, component))
    return out


def _audit_component(
    cells: list[Key],
    equations: list[tuple[dict[Key, float], float]],
    sensitive: list[Key],
    values: Mapping[Key, int],
    k: int,
) -> list[Exposure]:
    if len(equations) == 1:
        terms, total = equations[0]
        if any(c < 0 for c in terms.values()):
            # A hidden total and hidden members: any member can grow with the total.
            return []
        # One shown total over hidden members: each lies in [0, total] when there are two
        # or more of them, and is the total itself when alone.
        low = 0.0 if len(cells) > 1 else total
        return [
            Exposure(key, values[key], low, total)
            for key in sensitive
            if total - low < k - TOLERANCE
        ]
    solver = _Programme(cells, equations)
    # Cells some solution consistent with the release puts at k or more above their true
    # value have a range at least k wide: no bound of theirs needs solving for. One
    # solution raising all of them at once (each capped at value + k) settles most.
    targets = {key: values[key] + k for key in sensitive}
    wide = solver.reaching(targets)
    exposures = []
    for key in sensitive:
        if key in wide:
            continue
        high = solver.extreme(key, maximise=True)
        if high >= values[key] + k - TOLERANCE:
            # The solution found may raise other cells far enough too.
            wide |= solver.reached(targets)
            continue
        low = solver.extreme(key, maximise=False)
        if high - low < k - TOLERANCE:
            exposures.append(Exposure(key, values[key], low, high))
    return exposures


class _Programme:
    """One group's equations as a HiGHS model; each bound changes only the objective."""

    def __init__(self, cells: list[Key], equations: list[tuple[dict[Key, float], float]]) -> None:
        self.index = {key: i for i, key in enumerate(cells)}
        self.size = len(cells)
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        infinity = highspy.kHighsInf
        self.highs.addVars(self.size, np.zeros(self.size), np.full(self.size, infinity))
        for terms, target in equations:
            columns = np.array([self.index[key] for key in terms], dtype=np.int32)
            coefficients = np.array(list(terms.values()), dtype=float)
            self.highs.addRow(target, target, len(terms), columns, coefficients)
        self.all_columns = np.arange(self.size, dtype=np.int32)

    def reaching(self, targets: Mapping[Key, float]) -> set[Key]:
        """The cells of ``targets`` that one solution, raising all of them together (none
        past its target), puts at their target."""
        at = np.array([self.index[key] for key in targets], dtype=np.int32)
        cost = np.zeros(self.size)
        cost[at] = 1.0
        infinity = np.full(self.size, highspy.kHighsInf)
        caps = infinity.copy()
        caps[at] = list(targets.values())
        self.highs.changeColsBounds(self.size, self.all_columns, np.zeros(self.size), caps)
        self.highs.changeColsCost(self.size, self.all_columns, cost)
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.highs.run()
        found = self.reached(targets)
        # Back to the model the bounds are solved on, from a fresh start.
        self.highs.changeColsBounds(self.size, self.all_columns, np.zeros(self.size), infinity)
        self.highs.clearSolver()
        return found

    def reached(self, targets: Mapping[Key, float]) -> set[Key]:
        """The cells the last solution puts at their target or above. Stricter than the
        bound it saves (which allows TOLERANCE): a cell just short is solved for."""
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return set()
        solution = self.highs.getSolution().col_value
        return {key for key, target in targets.items() if solution[self.index[key]] >= target}

    def extreme(self, key: Key, *, maximise: bool) -> float:
        cost = np.zeros(self.size)
        cost[self.index[key]] = 1.0
        self.highs.changeColsCost(self.size, self.all_columns, cost)
        self.highs.changeObjectiveSense(
            highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        )
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return float(self.highs.getInfo().objective_function_value)
        # The published values have a solution (the true counts), so anything else means
        # the objective is unbounded: no limit in that direction.
        return float("inf") if maximise else 0.0
