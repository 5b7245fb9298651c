"""The published report shaped for the dashboard's tables (display only, no new data)."""

from __future__ import annotations

from typing import Any

from evaluation import providers

# Shown open on the page; the long breakdown tables start folded.
OPEN_TABLES = ("survey_change", "reach_weekly", "waits_weekly", "escalations", "return_rate")


def display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(value, ".4g")
    return str(value)


def dashboard_tables(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Each table with its columns (and their codebook descriptions) and display cells."""
    shaped = []
    for spec in providers.specs():
        table = payload["tables"][spec.name]
        rows = []
        for row in table["rows"]:
            hidden = set(row["suppressed"])
            rows.append(
                [
                    {"text": display(row[c.name]), "suppressed": c.name in hidden}
                    for c in spec.columns
                ]
            )
        shaped.append(
            {
                "name": spec.name,
                "description": spec.description,
                "columns": spec.columns,
                "rows": rows,
                "open": spec.name in OPEN_TABLES,
            }
        )
    return shaped
