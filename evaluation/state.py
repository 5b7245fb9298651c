"""The report's bookkeeping row (evaluation.models.ReportState): the data version and
how far the chat records have been checked.

The data version lives in the database, not the cache: it must survive a cache being
cleared and be the same for every process, because whatever a process keeps between
builds is trusted only at the version it was read at.
"""

from __future__ import annotations

from django.db.models import F

from evaluation.models import ReportState

ROW = 1


def _row() -> ReportState:
    return ReportState.objects.get_or_create(pk=ROW)[0]


def data_version() -> str:
    """The row's series and version: equal only while stored data have merely grown."""
    row = _row()
    return f"{row.series}.{row.data_version}"


def bump_data_version() -> None:
    """Stored data changed (not merely grew): nothing kept from before may be used again."""
    if not ReportState.objects.filter(pk=ROW).update(data_version=F("data_version") + 1):
        ReportState.objects.get_or_create(pk=ROW, defaults={"data_version": 1})


def tickets_checked_through() -> int:
    return _row().tickets_checked_through


def mark_tickets_checked(through: int) -> None:
    """Moves the mark forward only: two reports checking at once never move it back."""
    ReportState.objects.filter(pk=ROW, tickets_checked_through__lt=through).update(
        tickets_checked_through=through
    )
