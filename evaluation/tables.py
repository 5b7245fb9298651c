"""Report tables and how they are published: suppression, noise, JSON and CSV. No Django here.

A table's spec (its columns and what each means) is fixed in evaluation.codebook, so
the codebook and the API schema exist without any data. Builders fill rows; the
only way out is ``publish``, which
- suppresses every count below k plus the complementary cells (evaluation.suppression),
- optionally adds Laplace noise to the counts (evaluation.noise),
- blanks every statistic that depends on a suppressed count,
- computes ratios from the published counts, so a ratio never reveals a hidden count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from evaluation.noise import laplace_counts
from evaluation.suppression import Key, Line, suppress

DIMENSION = "dimension"
COUNT = "count"
MEASURE = "measure"
RATIO = "ratio"


@dataclass(frozen=True)
class Column:
    name: str
    role: str
    type: str
    description: str
    unit: str = ""
    # measure: blank whenever one of these counts is suppressed (primary or complementary).
    depends_on: tuple[str, ...] = ()
    # ratio: numerator and denominator count columns, and a multiplier (100 for per-100 rates).
    ratio: tuple[str, str] | None = None
    multiplier: float = 1.0
    # Counts only: suppressing this cell costs more, so complements go elsewhere first.
    cost: float = 0.0


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[Column, ...]
    # What differential privacy protects in this table: a participant, or one event
    # (a chat, an escalation) when one person's events are not bounded.
    privacy_unit: str = "participant"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def count_columns(self) -> list[Column]:
        return [c for c in self.columns if c.role == COUNT]


@dataclass
class Table:
    """A filled table before publication. Line keys are ``(row_index, count_column)``."""

    spec: TableSpec
    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    # For differential privacy: the most one privacy unit can change the sum of all the
    # table's counts (L1). None: unknown, so every count cell is its own query.
    sensitivity: int | None = None

    def add(self, **values: Any) -> int:
        unknown = set(values) - {c.name for c in self.spec.columns}
        if unknown:
            raise KeyError(f"{self.spec.name} has no column {sorted(unknown)}")
        self.rows.append(values)
        return len(self.rows) - 1

    def add_line(self, total: tuple[int, str], members: Iterable[tuple[int, str]]) -> None:
        self.lines.append(Line(total, tuple(members)))


@dataclass(frozen=True)
class PublishedTable:
    spec: TableSpec
    rows: list[dict[str, Any]]
    # Per row, the columns blanked by suppression (as opposed to "not computable").
    suppressed: list[list[str]]
    epsilon: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "description": self.spec.description,
            "columns": [c.name for c in self.spec.columns],
            "rows": [
                {**row, "suppressed": hidden}
                for row, hidden in zip(self.rows, self.suppressed, strict=True)
            ],
            "epsilon": self.epsilon,
        }


def dp_queries(table: Table) -> int:
    """How many shares of the release's epsilon this table's counts need."""
    if not table.spec.count_columns or not table.rows:
        return 0
    return 1 if table.sensitivity is not None else len(table.rows) * len(table.spec.count_columns)


def publish(table: Table, k: int, epsilon_per_query: float | None = None) -> PublishedTable:
    """The table as it may leave the system."""
    spec = table.spec
    counts: dict[Key, int] = {}
    cost: dict[Key, float] = {}
    for index, row in enumerate(table.rows):
        for column in spec.count_columns:
            value = row.get(column.name)
            if value is not None:
                counts[(index, column.name)] = int(value)
                cost[(index, column.name)] = column.cost
    shown = dict(counts)
    epsilon: float | None = None
    if epsilon_per_query is not None and counts:
        shown, epsilon = _noised(table.sensitivity, counts, epsilon_per_query)
    # Suppress on the smaller of the true and the noisy count, so nothing shown is below k
    # and no true small count hides behind noise.
    basis = {key: min(value, shown[key]) for key, value in counts.items()}
    hidden = suppress(basis, table.lines, k, cost)
    rows: list[dict[str, Any]] = []
    suppressed: list[list[str]] = []
    for index, row in enumerate(table.rows):
        out: dict[str, Any] = {}
        blanked: list[str] = []
        for column in spec.columns:
            value, was_hidden = _published_value(column, index, row, shown, hidden)
            out[column.name] = value
            if was_hidden:
                blanked.append(column.name)
        rows.append(out)
        suppressed.append(blanked)
    return PublishedTable(spec, rows, suppressed, epsilon)


def _noised(
    sensitivity: int | None, counts: dict[Key, int], epsilon_per_query: float
) -> tuple[dict[Key, int], float]:
    keys = list(counts)
    if sensitivity is not None:
        result = laplace_counts(
            [counts[key] for key in keys], sensitivity=sensitivity, epsilon=epsilon_per_query
        )
        return dict(zip(keys, result.values, strict=True)), result.epsilon
    noisy: dict[Key, int] = {}
    spent = 0.0
    for key in keys:
        result = laplace_counts([counts[key]], sensitivity=1, epsilon=epsilon_per_query)
        noisy[key] = result.values[0]
        spent += result.epsilon
    return noisy, spent


def _published_value(
    column: Column, index: int, row: dict[str, Any], shown: dict[Key, int], hidden: set[Key]
) -> tuple[Any, bool]:
    if column.role == COUNT:
        key = (index, column.name)
        if key not in shown:
            return None, False
        return (None, True) if key in hidden else (shown[key], False)
    if column.role == RATIO:
        numerator, denominator = column.ratio or ("", "")
        if (index, numerator) in hidden or (index, denominator) in hidden:
            return None, True
        top, bottom = shown.get((index, numerator)), shown.get((index, denominator))
        if top is None or not bottom:
            return None, False
        return column.multiplier * top / bottom, False
    value = row.get(column.name)
    if column.role == MEASURE and any((index, name) in hidden for name in column.depends_on):
        return None, True
    if isinstance(value, float) and not math.isfinite(value):
        return None, False
    return value, False
