from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from chatplatform import roles
from chatplatform.services import crisis
from chatplatform.services.crisis import REGION_SESSION_KEY
from frontend.navigation import links_for


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the quick-exit target, the crisis lines for the chosen region,
    and the staff pages this user's role can open."""
    session = getattr(request, "session", None)
    region = crisis.resolve_region(session.get(REGION_SESSION_KEY) if session is not None else None)
    resources = crisis.resources_for(region)
    user = getattr(request, "user", None)
    return {
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "crisis_region": region,
        "crisis_regions": crisis.regions(),
        "crisis_resources": resources,
        "emergency_number": resources[0].emergency_number if resources else "",
        "staff_links": links_for(roles.role_of(user)) if user is not None else [],
    }
