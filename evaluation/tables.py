"""Report tables and how they are published: suppression, noise, JSON and CSV. No Django here.

A table's spec (its columns and what each means) is fixed in evaluation.codebook, so
the codebook and the API schema exist without any data. Builders fill rows and say how
cells relate, inside a table (``Table.add_line``) and across the tables they build
together (a ``Bundle``). The only way out is ``publish_release``, which
- optionally adds Laplace noise to the counts (evaluation.noise),
- suppresses every count below k, the complementary cells, and whatever else the
  release-wide audit needs so that no count below k can be narrowed from the whole
  release (evaluation.disclosure),
- blanks every statistic that depends on a suppressed count,
- computes ratios from the published counts, so a ratio never reveals a hidden count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from evaluation.disclosure import protect
from evaluation.noise import laplace_counts
from evaluation.suppression import Key, Line

DIMENSION = "dimension"
COUNT = "count"
MEASURE = "measure"
RATIO = "ratio"
# Text that qualifies a row (why a statistic is not computable); never a number.
NOTE = "note"

# A cell of a release: (table name, row index, column).
Cell = tuple[str, int, str]


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
    # What a reader sees instead of the name (translatable; the name stays in exports).
    label: Any = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    columns: tuple[Column, ...]
    # What differential privacy protects in this table: a participant, or one event
    # (a chat, an escalation) when one person's events are not bounded.
    privacy_unit: str = "participant"
    # The table's title for readers (translatable).
    title: Any = ""

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

    def cell(self, index: int, column: str) -> Cell:
        """The release-wide key of one count, for relations across tables."""
        return (self.spec.name, index, column)


@dataclass
class Bundle:
    """Tables built together, and how their counts relate across tables.

    - ``same(a, b)``: the two cells count the same people (suppressed together);
    - ``line(total, members)``: a cell is the sum of others in other tables;
    - ``latent(total, members, value)``: ``total`` is the sum of ``members`` and of a count
      that is never published, whose true value is ``value`` (the audit protects it).
    """

    tables: list[Table]
    lines: list[Line] = field(default_factory=list)
    same_cells: list[tuple[Cell, Cell]] = field(default_factory=list)
    latent_values: dict[Key, int] = field(default_factory=dict)

    def same(self, first: Cell, second: Cell) -> None:
        self.same_cells.append((first, second))

    def line(self, total: Cell, members: Iterable[Cell]) -> None:
        self.lines.append(Line(total, tuple(members)))

    def latent(self, total: Cell, members: Iterable[Cell], value: int) -> None:
        key = ("latent", len(self.latent_values))
        self.latent_values[key] = int(value)
        self.lines.append(Line(total, (*members, key)))

    def extend(self, other: Bundle) -> None:
        """Add another builder's tables (to one release; table names must be unique)."""
        names = {t.spec.name for t in self.tables}
        clash = names & {t.spec.name for t in other.tables}
        if clash:
            raise ValueError(f"two builders made the table(s) {sorted(clash)}")
        offset = len(self.latent_values)

        def renamed(key: Key) -> Key:
            if isinstance(key, tuple) and key and key[0] == "latent":
                return ("latent", key[1] + offset)
            return key

        self.tables += other.tables
        self.lines += [
            Line(renamed(line.total), tuple(renamed(m) for m in line.members))
            for line in other.lines
        ]
        self.same_cells += other.same_cells
        self.latent_values.update({renamed(k): v for k, v in other.latent_values.items()})


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
    """One table published on its own (a release of one table)."""
    return publish_release(Bundle([table]), k, epsilon_per_query)[0]


def publish_release(
    bundle: Bundle, k: int, epsilon_per_query: float | None = None
) -> list[PublishedTable]:
    """Every table of a release as it may leave the system, audited together."""
    counts: dict[Key, int] = {}
    cost: dict[Key, float] = {}
    shown: dict[Key, int] = {}
    epsilons: dict[str, float | None] = {}
    lines = list(bundle.lines)
    for table in bundle.tables:
        spec = table.spec
        table_counts: dict[Key, int] = {}
        for index, row in enumerate(table.rows):
            for column in spec.count_columns:
                value = row.get(column.name)
                if value is not None:
                    key = table.cell(index, column.name)
                    table_counts[key] = int(value)
                    cost[key] = column.cost
        counts.update(table_counts)
        epsilons[spec.name] = None
        if epsilon_per_query is not None and table_counts:
            noisy, epsilons[spec.name] = _noised(table.sensitivity, table_counts, epsilon_per_query)
            shown.update(noisy)
        else:
            shown.update(table_counts)
        lines += [
            Line(
                (spec.name, *line.total),
                tuple((spec.name, *member) for member in line.members),
            )
            for line in table.lines
        ]
    # Suppress on the smaller of the true and the noisy count, so nothing shown is below k
    # and no true small count hides behind noise.
    basis = {key: min(value, shown[key]) for key, value in counts.items()}
    same = [pair for pair in bundle.same_cells if pair[0] in basis and pair[1] in basis]
    # Without noise, cells said to count the same people must agree (a builder's mistake
    # otherwise); with noise they differ, and the class is judged by its smallest basis.
    hidden = protect(
        basis,
        lines,
        k,
        cost,
        same=same,
        latent=bundle.latent_values,
        strict=epsilon_per_query is None,
    )
    published = []
    for table in bundle.tables:
        rows: list[dict[str, Any]] = []
        suppressed: list[list[str]] = []
        for index, row in enumerate(table.rows):
            out: dict[str, Any] = {}
            blanked: list[str] = []
            for column in table.spec.columns:
                value, was_hidden = _published_value(column, table, index, row, shown, hidden)
                out[column.name] = value
                if was_hidden:
                    blanked.append(column.name)
            rows.append(out)
            suppressed.append(blanked)
        published.append(PublishedTable(table.spec, rows, suppressed, epsilons[table.spec.name]))
    return published


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
    column: Column,
    table: Table,
    index: int,
    row: dict[str, Any],
    shown: dict[Key, int],
    hidden: set[Key],
) -> tuple[Any, bool]:
    if column.role == COUNT:
        key = table.cell(index, column.name)
        if key not in shown:
            return None, False
        return (None, True) if key in hidden else (shown[key], False)
    if column.role == RATIO:
        top_key, bottom_key = (table.cell(index, name) for name in column.ratio or ("", ""))
        if top_key in hidden or bottom_key in hidden:
            return None, True
        top, bottom = shown.get(top_key), shown.get(bottom_key)
        if top is None or not bottom:
            return None, False
        return column.multiplier * top / bottom, False
    value = row.get(column.name)
    if column.role == MEASURE and any(
        table.cell(index, name) in hidden for name in column.depends_on
    ):
        return None, True
    if isinstance(value, float) and not math.isfinite(value):
        return None, False
    return value, False
