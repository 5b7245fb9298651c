"""The programme's gate, as the core's duty and room-entry checks.

Listed in settings.MENTOR_DUTY_CHECKS and settings.ROOM_ENTRY_CHECKS. A mentor in
MENTOR_PROGRAMME_ROLES without a current certificate cannot become available, accept
a chat, host a group room or receive a transfer: the refusal is ``training_required``
and names what is missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from chatplatform import duties
from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring import certification
from chatplatform.mentoring.curriculum import text
from chatplatform.models import Room, User


def _missing(standings: list[certification.Standing], language: str) -> list[dict[str, str]]:
    return [
        {"module": s.module.id, "title": text(s.module.title, language), "state": s.state}
        for s in standings
    ]


def training_refusal(user: User, duty: str, now: datetime) -> ServiceError | None:
    """``training_required`` when the user's certificate is not current, else None."""
    if not certification.is_programme_mentor(user):
        return None
    cert = certification.certificate(user, now)
    if cert.is_current:
        return None

    missing = _missing(cert.missing, (get_language() or "en")[:2])
    titles = ", ".join(m["title"] for m in missing)
    if duty == duties.RECEIVE_TRANSFER:
        detail = _("%(name)s has not completed their training and can't take this chat.") % {
            "name": user
        }
    else:
        detail = _("Complete your training before taking chats. Still to do: %(modules)s.") % {
            "modules": titles
        }
    return ServiceError(
        "training_required", detail, missing=missing, training_url=reverse("training")
    )


def check_training(user: User, duty: str, now: datetime) -> None:
    """MENTOR_DUTY_CHECKS entry: refuse every duty without a current certificate."""
    refusal = training_refusal(user, duty, now)
    if refusal is not None:
        raise refusal


def check_host_entry(actor: Actor, room: Any | None) -> None:
    """ROOM_ENTRY_CHECKS entry: a mentor opening a group room they host needs the certificate.

    Supervisors reading a room are outside MENTOR_PROGRAMME_ROLES by default. A mentor's
    open 1:1 chat stays reachable when a certificate lapses: nobody is left mid-chat.
    """
    if room is None or not actor.is_staff or room.kind != Room.Kind.GROUP:
        return
    user = User.objects.filter(pk=actor.id).first()
    if user is not None:
        duties.check_duty(user, duties.HOST)
