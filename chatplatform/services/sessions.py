"""Staff sessions: kept alive by real activity, ended everywhere at sign-out."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from chatplatform.actors import actor_group
from chatplatform.events import publish_on_commit

CLOSE_SIGNED_OUT = 4401


def do_extend_staff_session(session: Any) -> None:
    """Restart the inactivity timer of a staff session (the websocket equivalent of a page view).

    Precondition: ``session`` belongs to a signed-in staff member.
    """
    session.set_expiry(settings.STAFF_SESSION_IDLE_MINUTES * 60)
    session.save()


def notify_signed_out(user: Any) -> None:
    """Close every websocket the staff member has open, on every node."""
    publish_on_commit(
        actor_group(f"s{user.pk}"),
        {"type": "actor.close", "code": CLOSE_SIGNED_OUT, "reason": "signed_out"},
    )


def on_user_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Receiver of Django's ``user_logged_out``."""
    if user is not None:
        notify_signed_out(user)
