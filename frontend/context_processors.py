from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from chatplatform.services import crisis
from chatplatform.services.crisis import REGION_SESSION_KEY


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the quick-exit target and the crisis lines for the chosen region."""
    session = getattr(request, "session", None)
    region = crisis.resolve_region(session.get(REGION_SESSION_KEY) if session is not None else None)
    resources = crisis.resources_for(region)
    return {
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "crisis_region": region,
        "crisis_regions": crisis.regions(),
        "crisis_resources": resources,
        "emergency_number": resources[0].emergency_number if resources else "",
    }
