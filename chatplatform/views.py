"""The core's JSON API. Pages live in the frontend app."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from chatplatform.services.rooms import group_rooms_for_participants


@require_safe
def api_rooms(request: HttpRequest) -> JsonResponse:
    """The group rooms a participant may join."""
    return JsonResponse({"rooms": group_rooms_for_participants()})
