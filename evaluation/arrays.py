"""Query results as numpy arrays, grouped by week or month.

Datetimes are read as epoch seconds (evaluation.dbfunctions.EpochSeconds) and turned
into week or month labels by naming each distinct day once, so a large cohort costs
array operations rather than a Python conversion per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db import connections
from django.db.models import QuerySet

DAY = 86400.0
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def week_of(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


def columns(queryset: QuerySet[Any], **selected: Any) -> dict[str, np.ndarray]:
    """Selected fields (by name) or expressions as arrays: numbers as floats (NaN for NULL),
    text as object arrays."""
    names = list(selected)
    # Annotations get a prefix so that they never clash with a model field's name.
    expressions = {f"_{name}": expr for name, expr in selected.items() if not isinstance(expr, str)}
    fields = [selected[name] if isinstance(selected[name], str) else f"_{name}" for name in names]
    query = queryset.annotate(**expressions).values_list(*fields).query
    sql, params = query.get_compiler(using=queryset.db).as_sql()
    # Raw rows: Django's per-value converters would cost more than the query itself.
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return {name: np.array([]) for name in names}
    table = np.array(rows, dtype=object).reshape(len(rows), len(names))
    result = {}
    for position, name in enumerate(names):
        column = table[:, position]
        textual = any(isinstance(value, str) for value in column[:100])
        result[name] = column if textual else np.array(column.tolist(), dtype=float)
    return result


@dataclass(frozen=True)
class Groups:
    """Group names and each row's group as an integer code (cheap to sort and count)."""

    names: list[str]
    codes: np.ndarray

    def split(self) -> list[tuple[str, np.ndarray]]:
        """(name, row positions) per group, in name order, skipping empty groups."""
        if not self.codes.size:
            return []
        order = np.argsort(self.codes, kind="stable")
        counts = np.bincount(self.codes, minlength=len(self.names))
        parts = np.split(order, np.cumsum(counts)[:-1])
        return [(name, rows) for name, rows in zip(self.names, parts, strict=True) if rows.size]

    def take(self, rows: np.ndarray) -> Groups:
        return Groups(self.names, self.codes[rows])


def categories(values: np.ndarray) -> Groups:
    """Groups of text values (languages, topics, answers)."""
    if not values.size:
        return Groups([], np.array([], dtype=np.int64))
    names, codes = np.unique(values.astype(str), return_inverse=True)
    return Groups(names.tolist(), codes.astype(np.int64))


def day_numbers(seconds: np.ndarray) -> np.ndarray:
    return np.floor(seconds / DAY).astype(np.int64)


def periods(seconds: np.ndarray, name: Callable[[date], str]) -> Groups:
    """Weeks or months of epoch seconds, naming each distinct day once."""
    if not seconds.size:
        return Groups([], np.array([], dtype=np.int64))
    days, day_codes = np.unique(day_numbers(seconds), return_inverse=True)
    day_names = np.array([name(date.fromordinal(int(d) + EPOCH_ORDINAL)) for d in days])
    names, name_codes = np.unique(day_names, return_inverse=True)
    return Groups(names.tolist(), name_codes.astype(np.int64)[day_codes])
