"""A survey page as the template shows it: texts in the participant's language, options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from evaluation.instruments import DONT_KNOW, Instrument, Item
from evaluation.surveys import SurveyPage


def _options(instrument: Instrument, item: Item, language: str) -> list[dict[str, Any]]:
    scale = item.scale
    if scale.type == "range":
        return [{"value": str(value), "label": str(value)} for value in scale.values()]
    options = [
        {"value": str(point.value), "label": instrument.text(point.label, language)}
        for point in scale.points
    ]
    if scale.type == "yes_no_dont_know":
        options.append({"value": DONT_KNOW, "label": _("Don't know")})
    return options


def _anchors(instrument: Instrument, item: Item, language: str) -> str:
    ends = {"min": item.scale.minimum, "max": item.scale.maximum}
    return " · ".join(
        f"{ends[end]} = {instrument.text(text, language)}"
        for end, text in sorted(item.scale.anchors.items(), key=lambda pair: ends[pair[0]])
    )


def questions(
    page: SurveyPage, language: str, given: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The page's instruments and the items this participant is shown; ``given``: answers
    sent before (kept when the page comes back with an error)."""
    given = given or {}
    return [
        {
            "id": instrument.id,
            "title": instrument.text(instrument.title, language),
            "notice": instrument.text(instrument.notice, language),
            "items": [
                {
                    "name": f"{instrument.id}.{item.id}",
                    "text": instrument.text(item.text, language),
                    "options": _options(instrument, item, language),
                    "anchors": _anchors(instrument, item, language),
                    "compact": item.scale.type == "range",
                    "given": given.get(f"{instrument.id}.{item.id}", ""),
                }
                for item in instrument.items
                if page.shows(item)
            ],
        }
        for instrument in page.instruments
    ]
