"""The published report shaped for the dashboard (display only, no new data).

Readers see the codebook's labels and titles, never raw column names; the names stay in
the exports, where the codebook explains them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation import codebook, providers
from evaluation.stats import P_FLOOR
from evaluation.tables import DIMENSION, TableSpec

# Shown open on the page; the long breakdown tables start folded.
OPEN_TABLES = ("survey_change", "reach_weekly", "waits_weekly", "escalations", "return_rate")
# Values of a few dimensions, as words.
VALUES = {
    "comparison": {
        "pre_post": gettext_lazy("before → after the chat"),
        "pre_followup": gettext_lazy("before → follow-up"),
    },
    "wave": {
        "pre": gettext_lazy("before"),
        "post": gettext_lazy("after"),
        "followup": gettext_lazy("follow-up"),
    },
    "group": {"all": gettext_lazy("all"), "not_answered": gettext_lazy("not answered")},
    "band": {"all": gettext_lazy("all")},
    "arm": {"all": gettext_lazy("all")},
    "level": {"all": gettext_lazy("all")},
}


def display(column: str, value: Any, unit: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if unit == "p" and isinstance(value, float) and value <= P_FLOOR:
        return f"< {P_FLOOR:g}"
    if isinstance(value, float):
        return format(value, ".4g")
    named = VALUES.get(column, {}).get(value) if isinstance(value, str) else None
    return str(named) if named is not None else str(value)


def _shape(spec: TableSpec, table: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for row in table["rows"]:
        hidden = set(row["suppressed"])
        rows.append(
            [
                {
                    "text": display(c.name, row[c.name], c.unit),
                    "suppressed": c.name in hidden,
                    "header": c.role == DIMENSION,
                }
                for c in spec.columns
            ]
        )
    return {
        "name": spec.name,
        "title": codebook.title_of(spec),
        "description": spec.description,
        "columns": spec.columns,
        "rows": rows,
        "open": spec.name in OPEN_TABLES,
    }


def dashboard_tables(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Each table with its labelled columns (described by the codebook) and display cells."""
    return [
        _shape(spec, payload["tables"][spec.name])
        for spec in providers.specs()
        if spec.name in payload["tables"]
    ]
