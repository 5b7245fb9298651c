from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from chatplatform.services import crisis


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page needs: the quick-exit target and the crisis lines for this person.

    The lines are looked up only by pages that show them.
    """
    return {
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "crisis": SimpleLazyObject(lambda: crisis.panel_for_request(request)),
    }
