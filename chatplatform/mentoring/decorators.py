"""Cross-cutting view concerns of the programme's pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from chatplatform.actors import Actor, staff_actor
from chatplatform.errors import ServiceError


def staff_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff only; the view gets the Actor; service errors become 403/404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor: Actor | None = staff_actor(request.user)
        if actor is None:
            raise PermissionDenied
        try:
            return view(request, actor, *args, **kwargs)
        except ServiceError as error:
            if error.code == "not_found":
                raise Http404(error.detail) from None
            raise PermissionDenied(error.detail) from None

    return wrapper
