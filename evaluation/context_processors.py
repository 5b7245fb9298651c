"""Every page says so when the database holds a synthetic (demo) cohort."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from evaluation.models import SyntheticCohort

DEMO_KEY = "evaluation:demo-data"


def demo_data(request: HttpRequest) -> dict[str, Any]:
    # One tiny query a minute at most: the answer changes only when a cohort is seeded.
    return {"demo_data": cache.get_or_set(DEMO_KEY, SyntheticCohort.objects.exists, 60)}
