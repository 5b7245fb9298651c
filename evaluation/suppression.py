"""Small-cell suppression with complementary suppression. No Django here.

A table is a set of counts keyed by any hashable cell key, plus "lines": linear
relations saying that a total cell equals the sum of its member cells (a row and
its row total, a column and its column total, the margins and the grand total).

1. Primary: every count below k is suppressed (zero included: "nobody in this
   group" is a disclosure too).
2. Complementary: in every line that has a suppressed cell, more cells are
   suppressed until (a) at least two cells of the line are suppressed, so that no
   single one is the total minus the others, and (b) when the total is shown, the
   suppressed members add up to at least k, so that the line does not reveal that
   they are all small. The cheapest cell is chosen first: lowest cost, then lowest
   count, so that important cells (given a high cost) survive where possible.

The rules repeat until no line changes. The tests check the result with linear
programming: every suppressed count can take at least two values consistent with
everything published.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

Key = Hashable


@dataclass(frozen=True)
class Line:
    total: Key
    members: tuple[Key, ...]


def suppress(
    counts: Mapping[Key, int],
    lines: Sequence[Line],
    k: int,
    cost: Mapping[Key, float] | None = None,
    hidden: set[Key] | None = None,
) -> set[Key]:
    """The keys of every cell that must not be published (``hidden``: already decided)."""
    cost = cost or {}
    hidden = {key for key, value in counts.items() if value < k} | (hidden or set())
    changed = True
    while changed:
        changed = False
        for line in lines:
            cells = [key for key in (*line.members, line.total) if key in counts]
            while _line_exposes(cells, line.total, counts, hidden, k):
                candidates = [key for key in cells if key not in hidden]
                if not candidates:
                    break
                hidden.add(min(candidates, key=lambda key: (cost.get(key, 0.0), counts[key])))
                changed = True
    return hidden


def _line_exposes(
    cells: Sequence[Key], total: Key, counts: Mapping[Key, int], hidden: set[Key], k: int
) -> bool:
    suppressed = [key for key in cells if key in hidden]
    if not suppressed:
        return False
    if len(suppressed) == 1:
        return True
    if total in hidden or total not in counts:
        return False
    return sum(counts[key] for key in suppressed) < k


def table_lines(rows: Sequence[Key], columns: Sequence[Key], total: Key = "total") -> list[Line]:
    """The lines of a two-way table whose cells are keyed ``(row, column)``.

    Margins are keyed ``(row, total)``, ``(total, column)`` and ``(total, total)``.
    """
    lines = [Line((r, total), tuple((r, c) for c in columns)) for r in rows]
    lines += [Line((total, c), tuple((r, c) for r in rows)) for c in columns]
    lines.append(Line((total, total), tuple((r, total) for r in rows)))
    lines.append(Line((total, total), tuple((total, c) for c in columns)))
    return lines
