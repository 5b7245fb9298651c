"""Referrals a mentor records in a 1:1 chat: the kind only (a doctor, a helpline...).

Metadata only: no text, no name of a service, nothing the person said. It lets the
follow-up ask whether the person followed that kind of referral, and the report count
how many did. Recording needs an active place in the chat as staff.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chatplatform import audit, roles
from chatplatform.errors import ServiceError
from chatplatform.models import Participant, Room, RoomMembership, User
from evaluation.instruments import REFERRAL_KINDS
from evaluation.models import Referral

RECORDING_ROLES = (roles.MENTOR, roles.SUPERVISOR)
LABELS = {
    "doctor": gettext_lazy("A doctor (e.g. GP or family doctor)"),
    "therapy": gettext_lazy("A counsellor, psychologist or therapist"),
    "helpline": gettext_lazy("A helpline"),
    "education_work": gettext_lazy("Support at school, university or work"),
    "other": gettext_lazy("Another service"),
}


def check_may_record(user: User, room_id: int) -> Room:
    """The 1:1 chat a staff member may record a referral in: one they are in right now."""
    if roles.role_of(user) not in RECORDING_ROLES:
        raise ServiceError("forbidden", _("Only mentors and supervisors record referrals."))
    room = Room.objects.filter(pk=room_id, kind=Room.Kind.DIRECT).first()
    if room is None:
        raise ServiceError("not_found", _("There is no such 1:1 chat."))
    if not RoomMembership.objects.filter(room=room, user=user, left_at__isnull=True).exists():
        raise ServiceError("forbidden", _("You can record a referral only in a chat you are in."))
    return room


def do_record_referral(user: User, room_id: int, kind: str) -> Referral:
    """Record that the person was referred to this kind of help (once per kind and chat)."""
    room = check_may_record(user, room_id)
    if kind not in REFERRAL_KINDS:
        raise ServiceError("invalid", _("Choose one of the kinds of help listed."))
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                room=room, kind=kind, recorded_on=timezone.localdate(), recorded_by=user
            )
            audit.record(audit.staff_label(user.pk), "referral_recorded", target=f"room:{room.pk}")
    except IntegrityError:
        referral = Referral.objects.get(room=room, kind=kind)
    return referral


def recorded_in(room_id: int) -> list[str]:
    return list(Referral.objects.filter(room_id=room_id).values_list("kind", flat=True))


def kinds_for(participant: Participant) -> set[str]:
    """The kinds of referral recorded in any of the participant's 1:1 chats."""
    rooms = RoomMembership.objects.filter(participant=participant).values("room_id")
    return set(Referral.objects.filter(room_id__in=rooms).values_list("kind", flat=True))
