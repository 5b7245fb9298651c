"""Dashboard charts, drawn server-side as SVG with matplotlib from a published report.

Charts read only the published tables, so a suppressed cell is simply absent from
the picture: a chart can never show more than the tables beside it. A chart with
nothing to draw says there is not enough data yet, instead of empty axes. Texts are in
the reader's language; subscales are named by their instruments' titles.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from evaluation import registry
from evaluation.dashboard import display

matplotlib.rcParams.update({"svg.fonttype": "none", "font.size": 9, "svg.hashsalt": "evaluation"})
WAVE_COLOURS = {"pre": "#6b7fa8", "post": "#2f8f6b", "followup": "#c07a2c"}


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    # No "tight" bounding box: it draws the figure twice; layouts below leave room instead.
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _rows(payload: dict[str, Any], table: str) -> list[dict[str, Any]]:
    return payload["tables"][table]["rows"]


def _empty(figure: Figure) -> str:
    axes = figure.add_subplot()
    axes.axis("off")
    axes.text(0.5, 0.5, _("Not enough data yet"), ha="center", va="center", fontsize=12)
    return _svg(figure)


def _subscale(instrument_id: str, subscale_id: str) -> str:
    """A subscale's title in the reader's language (its id when the instrument is gone)."""
    instrument = registry.instruments().get(instrument_id)
    if instrument is not None:
        for subscale in instrument.subscales:
            if subscale.id == subscale_id:
                return instrument.text(subscale.title, get_language() or "en")
    return f"{instrument_id}: {subscale_id}"


def change(payload: dict[str, Any]) -> str:
    """Mean change (later minus baseline) with its 95% CI, one line per subscale and comparison."""
    rows = [
        r
        for r in _rows(payload, "survey_change")
        if r["mean_change"] is not None and r["ci_low"] is not None
    ]
    figure = Figure(figsize=(7, 0.35 * max(len(rows), 3) + 1))
    if not rows:
        return _empty(figure)
    axes = figure.add_subplot()
    labels = [
        f"{_subscale(r['instrument'], r['subscale'])} ({display('comparison', r['comparison'])})"
        for r in rows
    ]
    positions = list(range(len(rows)))
    for y, row in zip(positions, rows, strict=True):
        better = (row["mean_change"] > 0) == row["higher_is_better"]
        colour = WAVE_COLOURS["post"] if better else WAVE_COLOURS["followup"]
        axes.plot([row["ci_low"], row["ci_high"]], [y, y], color=colour, linewidth=2)
        axes.plot([row["mean_change"]], [y], "o", color=colour)
    axes.axvline(0, color="#444", linewidth=0.8)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlabel(
        _("Mean change, later minus baseline, with 95% CI")
        + "\n"
        + _("(green: the better direction)")
    )
    figure.subplots_adjust(left=0.45, right=0.97, bottom=0.22)
    return _svg(figure)


def _headline(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Subscales worth a panel: multi-item ones, and each instrument's only subscale.

    (The single-source help-seeking items stay in the table, not the picture.)
    """
    per_instrument: dict[str, set[str]] = {}
    for row in rows:
        per_instrument.setdefault(row["instrument"], set()).add(row["subscale"])
    chosen = set()
    for instrument, subscales in per_instrument.items():
        if len(subscales) == 1:
            chosen |= {(instrument, s) for s in subscales}
    return chosen


def distributions(payload: dict[str, Any]) -> str:
    """Share of participants per score band, pre and post (and follow-up), per subscale."""
    blocks: dict[tuple[str, str], dict[str, list[tuple[str, int | None]]]] = {}
    rows = _rows(payload, "score_distribution")
    multi_item = {
        (r["instrument"], r["subscale"]) for r in _rows(payload, "survey_change") if r["items"] > 1
    }
    wanted = _headline(rows) | multi_item
    for row in rows:
        if row["band"] == "all" or (row["instrument"], row["subscale"]) not in wanted:
            continue
        key = (row["instrument"], row["subscale"])
        blocks.setdefault(key, {}).setdefault(row["wave"], []).append((row["band"], row["n"]))
    figure = Figure(figsize=(9, 2.2 * max(1, (len(blocks) + 2) // 3)))
    if not any(n for waves in blocks.values() for bands in waves.values() for _band, n in bands):
        return _empty(figure)
    columns = 3
    for position, ((instrument, subscale), waves) in enumerate(sorted(blocks.items()), start=1):
        axes = figure.add_subplot((len(blocks) + columns - 1) // columns, columns, position)
        width = 0.8 / len(waves)
        for offset, (wave, bands) in enumerate(sorted(waves.items(), key=lambda w: w[0] != "pre")):
            shown = sum(n for _, n in bands if n is not None) or 1
            xs = [i + offset * width for i in range(len(bands))]
            heights = [0 if n is None else n / shown for _, n in bands]
            axes.bar(xs, heights, width=width, color=WAVE_COLOURS.get(wave, "#888"))
        axes.set_title(_subscale(instrument, subscale), fontsize=8)
        axes.set_xticks(range(len(bands)), [b for b, _ in bands], rotation=60, fontsize=6)
        axes.tick_params(axis="y", labelsize=6)
    figure.legend(
        handles=[
            Patch(color=colour, label=display("wave", wave))
            for wave, colour in WAVE_COLOURS.items()
        ],
        loc="upper right",
        ncols=3,
        fontsize=7,
    )
    figure.subplots_adjust(left=0.06, right=0.98, top=0.88, bottom=0.12, hspace=0.9, wspace=0.25)
    return _svg(figure)


def _weekly(payload: dict[str, Any], table: str, series: dict[str, str], ylabel: str) -> str:
    rows = _rows(payload, table)
    figure = Figure(figsize=(8, 2.8))
    if not any(r[column] is not None for r in rows for column in series):
        return _empty(figure)
    axes = figure.add_subplot()
    weeks = [r["week"] for r in rows]
    for column, name in series.items():
        axes.plot(weeks, [r[column] for r in rows], marker=".", label=name)
    axes.set_ylabel(ylabel)
    step = max(1, len(weeks) // 12)
    axes.set_xticks(weeks[::step], weeks[::step], rotation=45, fontsize=7)
    axes.legend(fontsize=7)
    figure.subplots_adjust(left=0.1, right=0.98, bottom=0.25)
    return _svg(figure)


def reach(payload: dict[str, Any]) -> str:
    """Unique participants per week (suppressed weeks are gaps)."""
    return _weekly(
        payload,
        "reach_weekly",
        {"participants": _("people"), "new_participants": _("new people")},
        _("people per week"),
    )


def waits(payload: dict[str, Any]) -> str:
    """Queue wait and time to first mentor reply, median and 90th percentile, per week."""
    return _weekly(
        payload,
        "waits_weekly",
        {
            "wait_p50_seconds": _("wait, median"),
            "wait_p90_seconds": _("wait, 90th percentile"),
            "first_reply_p50_seconds": _("first reply, median"),
        },
        _("seconds"),
    )


CHARTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "change": change,
    "distributions": distributions,
    "reach": reach,
    "waits": waits,
}
