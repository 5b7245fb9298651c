"""The evaluation report: built from outcomes and process metrics, published, recorded.

Everything that leaves the system (dashboard, exports, API, command line) is a
release made by ``release``: the tables pass through ``tables.publish`` (suppression
and, when on, differential privacy), and the release is recorded with the epsilon it
spent. A differentially private release is kept and served again for the rest of the
day, so asking repeatedly cannot average its noise away.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from chatplatform.models import User
from escalation.models import Escalation
from evaluation import codebook, metrics, outcomes, programme
from evaluation.models import (
    ChatRecord,
    InstrumentVersion,
    ParticipantVisit,
    Release,
    SurveyResponse,
)
from evaluation.noise import split_budget
from evaluation.tables import DIMENSION, dp_queries, publish

DATA_VERSION_KEY = "evaluation:data-version"
SPECS = {spec.name: spec for spec in codebook.TABLES}


def build(today: date, *, k: int, epsilon: float | None) -> dict[str, Any]:
    """The report as published data. ``epsilon`` None means no differential privacy."""
    period = metrics.Period.ending(today)
    tables = (
        outcomes.build_tables()
        + metrics.build_tables(period)
        + programme.build_tables(period.start, period.today)
    )
    per_query: float | None = None
    if epsilon is not None:
        queries = sum(dp_queries(table) for table in tables)
        per_query = split_budget(epsilon, queries) if queries else None
    published = [publish(table, k, per_query) for table in tables]
    spent = sum(p.epsilon or 0.0 for p in published) if epsilon is not None else None
    return {
        "release": {
            "generated_on": today.isoformat(),
            "period_start": period.start.isoformat(),
            "k": k,
            "dp_epsilon": epsilon,
            "dp_epsilon_spent": spent,
            "codebook_version": codebook.CODEBOOK_VERSION,
            "instruments": [
                {"id": v.instrument, "version": v.version, "validated": v.validated}
                for v in InstrumentVersion.objects.order_by("instrument", "version")
            ],
        },
        "tables": {p.spec.name: p.as_json() for p in published},
    }


def _fingerprint() -> str:
    """Changes when rows are added or removed, so a cached report never misses new data."""
    parts = []
    for model in (SurveyResponse, ChatRecord, ParticipantVisit, Escalation):
        totals = model.objects.aggregate(top=Max("pk"), n=Count("pk"))
        parts.append(f"{totals['top']}-{totals['n']}")
    return ".".join(parts)


def _cache_key(today: date, k: int) -> str:
    version = cache.get_or_set(DATA_VERSION_KEY, 0, timeout=None)
    return f"evaluation:report:{version}:{today.isoformat()}:{k}:{_fingerprint()}"


def release(channel: str, user: User | None = None, *, record: bool = True) -> dict[str, Any]:
    """Build (or reuse) the report under the site's settings and record the release.

    ``record=False`` serves a copy of what was already released (the dashboard's charts
    are drawn from the dashboard's release); a differentially private build is always
    recorded, because it spends budget.
    """
    today = timezone.localdate()
    k = settings.EVALUATION_MIN_CELL
    epsilon = settings.EVALUATION_DP_EPSILON if settings.EVALUATION_DP else None
    if epsilon is not None:
        return _dp_release(channel, user, today, k, epsilon, record)
    key = _cache_key(today, k)
    payload = cache.get(key)
    if payload is None:
        payload = build(today, k=k, epsilon=None)
        cache.set(key, payload, settings.EVALUATION_REPORT_CACHE_SECONDS)
    if record:
        Release.objects.create(channel=channel, requested_by=user, k=k)
    return payload


def _dp_release(
    channel: str, user: User | None, today: date, k: int, epsilon: float, record: bool
) -> dict[str, Any]:
    with transaction.atomic():
        earlier = (
            Release.objects.select_for_update()
            .filter(created_on=today, k=k, dp_epsilon=epsilon, payload__isnull=False)
            .order_by("-pk")
            .first()
        )
        if earlier is not None:
            if record:
                Release.objects.create(
                    channel=channel,
                    requested_by=user,
                    k=k,
                    dp_epsilon=epsilon,
                    dp_epsilon_spent=0.0,
                )
            return earlier.payload
        payload = build(today, k=k, epsilon=epsilon)
        Release.objects.create(
            channel=channel,
            requested_by=user,
            k=k,
            dp_epsilon=epsilon,
            dp_epsilon_spent=payload["release"]["dp_epsilon_spent"],
            payload=payload,
        )
    return payload


def forget_cached_reports() -> None:
    """Data were withdrawn: no report computed before may be served again."""
    try:
        cache.incr(DATA_VERSION_KEY)
    except ValueError:
        cache.set(DATA_VERSION_KEY, 1, timeout=None)
    Release.objects.filter(payload__isnull=False).update(payload=None)


def epsilon_spent_total() -> float:
    """All the epsilon every differentially private release so far has spent."""
    return sum(
        Release.objects.exclude(dp_epsilon_spent=None).values_list("dp_epsilon_spent", flat=True)
    )


def to_json(payload: dict[str, Any]) -> dict[str, Any]:
    """The JSON export: the release, its tables and the codebook."""
    return {**payload, "codebook": codebook.codebook()}


def to_csv(payload: dict[str, Any]) -> str:
    """All tables in one long CSV, one line per cell (described in the codebook's ``csv``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(codebook.CSV_COLUMNS)
    for name, table in payload["tables"].items():
        spec = SPECS[name]
        for number, row in enumerate(table["rows"], start=1):
            hidden = set(row["suppressed"])
            for column in spec.columns:
                value = row[column.name]
                if column.name in hidden:
                    status = "suppressed"
                elif value is None:
                    status = "not_available"
                else:
                    status = DIMENSION if column.role == DIMENSION else "shown"
                writer.writerow((name, number, column.name, "" if value is None else value, status))
    return buffer.getvalue()


def codebook_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("table", "column", "role", "type", "unit", "description"))
    writer.writerows(codebook.codebook_rows())
    return buffer.getvalue()
