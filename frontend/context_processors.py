from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from chatplatform import roles
from chatplatform.services import crisis
from frontend.navigation import links_for


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the quick-exit target and the crisis lines for this person.

    The lines are looked up only by pages that show them.
    """
    user = getattr(request, "user", None)
    return {
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "crisis": SimpleLazyObject(lambda: crisis.panel_for_request(request)),
        "staff_links": links_for(roles.role_of(user)) if user is not None else [],
    }
