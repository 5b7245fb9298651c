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
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Model, QuerySet
from django.db.models.constants import LOOKUP_SEP

from evaluation.dbfunctions import Joined

DAY = 86400.0
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def week_of(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


# Text values are separated by the ASCII unit separator, which never occurs in the
# values read here (JSON escapes control characters; codes and slugs have none).
TEXT_SEPARATOR = "\x1f"
# NULL in a numeric column is read as the smallest 64-bit integer (a value no column read
# here can hold: ids, counts, epoch seconds, durations), then turned into NaN. An integer
# marker keeps columns of whole numbers on numpy's integer parser, about ten times as
# fast as its float parser (which "nan" would need): at 50,000 participants that is
# 0.4 s of CPU per report built from nothing.
_NULL = np.iinfo(np.int64).min
NULL_TEXT = str(_NULL)
_NOT_INTEGER = str.maketrans("", "", "0123456789,- ")
_INTEGER_BYTES = b"0123456789,- "


def columns(
    queryset: QuerySet[Any],
    texts: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    **selected: Any,
) -> dict[str, np.ndarray]:
    """Selected fields (by name) or expressions as arrays, read in one aggregate query.

    Numbers come as floats (NaN for NULL); the columns named in ``texts`` as object
    arrays of strings; those named in ``dates`` (``YYYY-MM-DD`` texts, never NULL:
    evaluation.dbfunctions.IsoDay) as ``datetime64[D]`` arrays.
    """
    return columns_and_joined(queryset, {}, texts, dates, **selected)[0]


def columns_and_joined(
    queryset: QuerySet[Any],
    joined: dict[str, Joined],
    texts: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    **selected: Any,
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """columns(), and the texts of the ``joined`` aggregates read by the same query (the
    same rows, in the same order) as they come: "" where they join no row."""
    texts = (*texts, *dates)
    aggregates = {
        name: Joined(
            F(expr) if isinstance(expr, str) else expr,
            TEXT_SEPARATOR if name in texts else ",",
            "" if name in texts else str(_NULL),
            nullable=not _never_null(queryset.model, expr),
        )
        for name, expr in selected.items()
    }
    read = queryset.order_by().aggregate(**aggregates, **joined)
    whole = {name: read.pop(name) or "" for name in joined}
    result: dict[str, np.ndarray] = {}
    for name, text in read.items():
        if name in dates:
            result[name] = iso_days(text or "")
        elif not text:
            result[name] = np.array([], dtype=object if name in texts else float)
        elif name in texts:
            result[name] = np.array(text.split(TEXT_SEPARATOR), dtype=object)
        else:
            result[name] = numbers(text)
    return result, whole


_ISO_DAY = len("2024-01-31")


def iso_days(text: str) -> np.ndarray:
    """``YYYY-MM-DD`` days separated by ``TEXT_SEPARATOR`` as ``datetime64[D]``.

    When every value is ten ASCII characters followed by the separator (as dates always
    are), numpy reads them in place as fixed-width bytes: no Python string per row (at
    50,000 participants 0.004 s of CPU rather than 0.017). Anything else is split first.
    """
    if not text:
        return np.array([], dtype="datetime64[D]")
    data = (text + TEXT_SEPARATOR).encode("utf-8")
    step = _ISO_DAY + 1
    if len(data) % step == 0:
        count = len(data) // step
        ends = np.ndarray((count,), dtype="S1", buffer=data, offset=_ISO_DAY, strides=(step,))
        if (ends == TEXT_SEPARATOR.encode()).all() and data.count(TEXT_SEPARATOR.encode()) == count:
            values = np.ndarray((count,), dtype=f"S{_ISO_DAY}", buffer=data, strides=(step,))
            return values.astype("datetime64[D]")
    return np.array(text.split(TEXT_SEPARATOR), dtype=object).astype("datetime64[D]")


def _never_null(model: type[Model], expr: Any) -> bool:
    """Whether ``expr`` names a column of ``model`` itself that cannot hold NULL."""
    if not isinstance(expr, str) or LOOKUP_SEP in expr:
        return False
    if expr == "pk":
        return True
    try:
        field = model._meta.get_field(expr)
    except FieldDoesNotExist:
        return False
    return bool(field.concrete) and not field.null


def numbers(text: str) -> np.ndarray:
    """Comma-separated numbers as floats, NaN for ``NULL_TEXT``; the same floats whichever
    parser reads them (whole numbers below 2**53 are exact both ways)."""
    if _whole(text):
        whole = np.fromstring(text, dtype=np.int64, sep=",")
        numbers = whole.astype(float)
        numbers[whole == _NULL] = np.nan
    else:
        numbers = np.fromstring(text, dtype=float, sep=",")
        numbers[numbers == float(_NULL)] = np.nan
    return numbers


def _whole(text: str) -> bool:
    """Whether ``text`` holds nothing but digits, commas, minus signs and spaces.

    ASCII text is checked as bytes (a copy and a table look-up per byte, a third of the CPU
    of str.translate at 50,000 participants); any other text as it always was.
    """
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError:
        return not text.translate(_NOT_INTEGER)
    return not data.translate(None, _INTEGER_BYTES)


# The largest table of ids distinct() marks (one byte per possible id).
_ID_TABLE = 1 << 24


def _fits_a_table(values: np.ndarray) -> bool:
    """Whole numbers of 0 and more, not spread much wider than their count."""
    if values.dtype.kind not in "iu" or not values.size:
        return False
    low, high = int(values.min()), int(values.max())
    return low >= 0 and high < min(_ID_TABLE, max(64 * values.size, 1 << 16))


def distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for ids and other whole numbers of 0 and more.

    When they are not spread much wider than their count, marking each in a table and
    reading the table back in order gives the same sorted values faster than hashing or
    sorting them all (as for the people in a survey pair, or each month's distinct chats).
    """
    if not _fits_a_table(values):
        return np.unique(values)
    seen = np.zeros(int(values.max()) + 1, dtype=bool)
    seen[values] = True
    return np.flatnonzero(seen).astype(values.dtype, copy=False)


def positions(present: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each of ``values``' position in ``present`` (sorted, each once), -1 where it is not
    there: ``np.searchsorted`` and a check that the value is found there.

    For ids that fit a table (as distinct()), each is looked up in a table of positions
    rather than searched for: at 50,000 participants, a tenth of the CPU for each look-up of
    a wave's people among everyone's breakdown answers.
    """
    found = np.full(values.size, -1, dtype=np.intp)
    if not present.size or not values.size:
        return found
    if _fits_a_table(present) and values.dtype.kind in "iu":
        table = np.full(int(present[-1]) + 1, -1, dtype=np.intp)
        table[present] = np.arange(present.size, dtype=np.intp)
        inside = (values >= 0) & (values < table.size)
        found[inside] = table[values[inside]]
        return found
    at = np.minimum(np.searchsorted(present, values), present.size - 1)
    hit = present[at] == values
    found[hit] = at[hit]
    return found


def common_firsts(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The indices ``np.intersect1d(left, right, return_indices=True)`` gives: for each value
    in both (in order), its first position in each; found as first_of_each() finds them."""
    left_values, left_first = first_of_each(left)
    right_values, right_first = first_of_each(right)
    if not left_values.size or not right_values.size:
        empty = np.array([], dtype=np.intp)
        return empty, empty
    at = np.minimum(np.searchsorted(right_values, left_values), right_values.size - 1)
    both = right_values[at] == left_values
    return left_first[both], right_first[at[both]]


def codes_of(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for ids: each distinct value, in order,
    and each value's position among them (as distinct(), in a table when they fit one)."""
    if not _fits_a_table(values):
        return np.unique(values, return_inverse=True)
    found, codes = _codes_in_table(values, int(values.max()) + 1)
    return found.astype(values.dtype, copy=False), codes


def _codes_in_table(offsets: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct offset (0 <= offset < size), in order, and each offset's position
    among them: marked in a table of ``size`` and counted, with no sort."""
    seen = np.zeros(size, dtype=bool)
    seen[offsets] = True
    return np.flatnonzero(seen), (np.cumsum(seen) - 1)[offsets]


def first_of_each(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_index=True)`` for ids: each distinct value, in order, and
    the position where it first occurs.

    As distinct(), in a table of their range (the least position of each, by
    ``np.minimum.at``), when they fit one: at 50,000 participants 0.001 s of CPU rather than
    0.02 for every survey response's person.
    """
    if not _fits_a_table(values):
        return np.unique(values, return_index=True)
    first = np.full(int(values.max()) + 1, values.size, dtype=np.intp)
    np.minimum.at(first, values, np.arange(values.size, dtype=np.intp))
    present = np.flatnonzero(first < values.size)
    return present.astype(values.dtype, copy=False), first[present]


def stable_order(codes: np.ndarray) -> np.ndarray:
    """``np.argsort(codes, kind="stable")`` for group codes (small whole numbers).

    As 16-bit integers numpy sorts them by radix: the same order, about ten times as fast
    as a merge sort of 64-bit integers. Codes outside that range are sorted as they are.
    """
    small = codes.dtype.kind in "iu" and codes.size > 0
    if small and codes.min() >= 0 and codes.max() < 1 << 16:
        return np.argsort(codes.astype(np.uint16), kind="stable")
    return np.argsort(codes, kind="stable")


@dataclass(frozen=True)
class Groups:
    """Group names and each row's group as an integer code (cheap to sort and count)."""

    names: list[str]
    codes: np.ndarray

    def split(self) -> list[tuple[str, np.ndarray]]:
        """(name, row positions) per group, in name order, skipping empty groups."""
        if not self.codes.size:
            return []
        order = stable_order(self.codes)
        counts = np.bincount(self.codes, minlength=len(self.names))
        parts = np.split(order, np.cumsum(counts)[:-1])
        return [(name, rows) for name, rows in zip(self.names, parts, strict=True) if rows.size]

    def take(self, rows: np.ndarray) -> Groups:
        return Groups(self.names, self.codes[rows])


def day_numbers(seconds: np.ndarray) -> np.ndarray:
    return np.floor(seconds / DAY).astype(np.int64)


# Days spanning more than this (about 2,700 years) are told apart by sorting instead.
_DAY_SPAN = 1 << 20


def distinct_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(days, return_inverse=True)`` for day numbers.

    Days fall in a short range: marking each in a table of that range and counting finds
    the same distinct days and codes without sorting every row (at 50,000 participants,
    0.02 s of CPU less per report built from nothing).
    """
    low, high = int(days.min()), int(days.max())
    if high - low >= _DAY_SPAN:
        return np.unique(days, return_inverse=True)
    found, codes = _codes_in_table(days - low, high - low + 1)
    return found + low, codes


def periods(seconds: np.ndarray, name: Callable[[date], str]) -> Groups:
    """Weeks or months of epoch seconds, naming each distinct day once."""
    if not seconds.size:
        return Groups([], np.array([], dtype=np.int64))
    days, day_codes = distinct_days(day_numbers(seconds))
    day_names = np.array([name(date.fromordinal(int(d) + EPOCH_ORDINAL)) for d in days])
    names, name_codes = np.unique(day_names, return_inverse=True)
    return Groups(names.tolist(), name_codes.astype(np.int64)[day_codes])
