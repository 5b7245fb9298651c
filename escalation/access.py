"""Who may act on escalations: each ``check_*`` returns what the caller may act on."""

from __future__ import annotations

from django.utils.translation import gettext as _

from chatplatform import roles
from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.models import User
from chatplatform.services import access as access_service
from chatplatform.services.access import RoomAccess
from escalation.models import Escalation


def check_supervisor(actor: Actor) -> User:
    if not actor.is_staff or actor.role not in access_service.SUPERVISING_ROLES:
        raise ServiceError("forbidden", _("Only supervisors handle escalations."))
    return User.objects.get(pk=actor.id)


def check_escalation(actor: Actor, escalation_id: int, *, lock: bool = False) -> Escalation:
    """The escalation a supervisor acts on (row-locked when ``lock``; call inside atomic)."""
    check_supervisor(actor)
    queryset = Escalation.objects.select_for_update() if lock else Escalation.objects
    escalation = queryset.filter(pk=escalation_id).first()
    if escalation is None:
        raise ServiceError("not_found", _("This escalation does not exist."))
    return escalation


def check_can_escalate(access: RoomAccess) -> None:
    """The chat's mentor (or a supervisor in it) may escalate and use the safety tools."""
    if not access.actor.is_staff or access.actor.role not in roles.CHAT_ROLES:
        raise ServiceError("forbidden", _("Only the chat's mentor or a supervisor can escalate."))
    if not access.can_moderate:
        raise ServiceError("forbidden", _("You are not part of this chat."))


def check_staff_in_room(access: RoomAccess) -> None:
    if not access.actor.is_staff:
        raise ServiceError("forbidden", _("Only staff see escalation status."))
