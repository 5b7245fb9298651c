"""The evaluation report: built from every table provider, published, recorded.

Everything that leaves the system (dashboard, exports, API, command line) is a
release made by ``release``: the providers' tables (evaluation.providers) pass
together through ``tables.publish_release`` (suppression audited across all of them
and, when on, differential privacy), and the release is recorded with the epsilon it
spent. A differentially private release is kept and served again for the rest of the
day, whatever happens in between (withdrawals included), so asking repeatedly cannot
average its noise away and the day's budget is spent once.
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
from django.utils import timezone, translation
from threadpoolctl import threadpool_limits

from chatplatform.models import User
from escalation.models import Escalation
from evaluation import codebook, kept, methods, metrics, providers, state
from evaluation.models import (
    Allocation,
    ChatRecord,
    InstrumentVersion,
    ParticipantVisit,
    Referral,
    Release,
    Study,
    SurveyIdentity,
    SurveyResponse,
    SyntheticCohort,
)
from evaluation.noise import split_budget
from evaluation.tables import DIMENSION, Bundle, dp_queries, publish_release


def build(today: date, *, k: int, epsilon: float | None) -> dict[str, Any]:
    """The report as published data. ``epsilon`` None means no differential privacy."""
    # The report's matrices are small: BLAS threads would spin on the shared cores for
    # nothing (measured at 50,000 participants: 1.9 s of CPU per build with one thread,
    # 2.5 s without the limit; benchmarks/README.md).
    with threadpool_limits(limits=1, user_api="blas"), kept.one_build():
        return _build(today, k=k, epsilon=epsilon)


def _build(today: date, *, k: int, epsilon: float | None) -> dict[str, Any]:
    period = metrics.Period.ending(today)
    bundle = Bundle([])
    for provider in providers.providers():
        bundle.extend(provider.build(period))
    per_query: float | None = None
    if epsilon is not None:
        queries = sum(dp_queries(table) for table in bundle.tables)
        per_query = split_budget(epsilon, queries) if queries else None
    published = publish_release(bundle, k, per_query)
    spent = sum(p.epsilon or 0.0 for p in published) if epsilon is not None else None
    instruments = [
        {"id": v.instrument, "version": v.version, "validated": v.validated}
        for v in InstrumentVersion.objects.order_by("instrument", "version")
    ]
    studies = list(
        Study.objects.exclude(state=Study.State.DRAFT)
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    # The note travels with the data, in English; the dashboard shows it in the reader's language.
    with translation.override("en"):
        note = methods.note(
            instruments=instruments,
            followup_days=settings.EVALUATION_FOLLOWUP_DAYS,
            k=k,
            dp_epsilon=epsilon,
            studies=studies,
        )
    return {
        "release": {
            "generated_on": today.isoformat(),
            "period_start": period.start.isoformat(),
            "k": k,
            "dp_epsilon": epsilon,
            "dp_epsilon_spent": spent,
            "codebook_version": codebook.CODEBOOK_VERSION,
            "instruments": instruments,
            "studies": studies,
            "methods": note,
            "demo_data": SyntheticCohort.objects.exists(),
        },
        "tables": {p.spec.name: p.as_json() for p in published},
    }


def _fingerprint() -> str:
    """Changes when rows are added or removed, so a cached report never misses new data."""
    parts = []
    for model in (
        SurveyResponse,
        SurveyIdentity,
        ChatRecord,
        ParticipantVisit,
        Escalation,
        Referral,
        Allocation,
    ):
        totals = model.objects.aggregate(top=Max("pk"), n=Count("pk"))
        parts.append(f"{totals['top']}-{totals['n']}")
    return ".".join(parts)


def _cache_key(today: date, k: int) -> str:
    version = state.data_version()
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
        # Today's noisy release, whatever k or epsilon it was made with and whatever
        # happened since: the day's budget is spent once.
        earlier = (
            Release.objects.select_for_update()
            .filter(created_on=today, dp_epsilon__isnull=False, payload__isnull=False)
            .order_by("pk")
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
    """Data were withdrawn, linked, left out or erased: no report computed before, and
    nothing a process kept to build one (evaluation.outcomes), may be used again.

    Called inside the transaction that changes the data, so the new data version commits
    with the change. The day's differentially private release stays: it has been
    published already, and drawing new noise for the same day would spend the budget
    again (and let anyone who withdraws force a fresh draw).
    """
    state.bump_data_version()


def epsilon_spent_total() -> float:
    """All the epsilon every differentially private release so far has spent."""
    return sum(
        Release.objects.exclude(dp_epsilon_spent=None).values_list("dp_epsilon_spent", flat=True)
    )


def to_json(payload: dict[str, Any]) -> dict[str, Any]:
    """The JSON export: the release, its tables and the codebook."""
    return {**payload, "codebook": codebook.codebook(providers.specs())}


def to_csv(payload: dict[str, Any]) -> str:
    """All tables in one long CSV, one line per cell (described in the codebook's ``csv``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(codebook.CSV_COLUMNS)
    specs = {spec.name: spec for spec in providers.specs()}
    for name, table in payload["tables"].items():
        spec = specs[name]
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
    writer.writerows(codebook.codebook_rows(providers.specs()))
    return buffer.getvalue()
