"""Debriefs: every chat with a high or imminent escalation owes its mentor a debrief with
a supervisor, tracked until done. Overdue ones show on the supervisor's page.

Opened from the escalation's own saves (the model's post_save, so the escalation app is
not edited) and topped up when the chat ends, for mentors who joined it by transfer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import audit
from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.mentoring.models import Debrief
from chatplatform.models import Room, RoomMembership, User

DEBRIEF_LEVELS = (Debrief.Level.HIGH, Debrief.Level.IMMINENT)
_RANK = {Debrief.Level.HIGH: 1, Debrief.Level.IMMINENT: 2}


def do_open_debriefs(
    room_id: int, level: str, now: datetime, *, everyone_who_mentored: bool = False
) -> list[Debrief]:
    """A debrief for each mentor in the chat (or who ever was); a higher level raises it."""
    mentors = RoomMembership.objects.filter(
        room_id=room_id, user__isnull=False, role=RoomMembership.Role.MENTOR
    )
    if not everyone_who_mentored:
        mentors = mentors.filter(left_at__isnull=True)
    opened = []
    for user_id in set(mentors.values_list("user_id", flat=True)):
        debrief, created = Debrief.objects.get_or_create(
            mentor_id=user_id,
            room_id=room_id,
            defaults={
                "level": level,
                "created_at": now,
                "due_at": now + timedelta(hours=settings.MENTOR_DEBRIEF_DUE_HOURS),
            },
        )
        if not created and _RANK[level] > _RANK[debrief.level]:
            debrief.level = level
            debrief.save(update_fields=["level"])
        opened.append(debrief)
    return opened


def on_escalation_saved(instance: Any, **kwargs: Any) -> None:
    """post_save of escalation.Escalation: a high or imminent one in a chat opens debriefs."""
    if instance.level in DEBRIEF_LEVELS and instance.room_id is not None:
        do_open_debriefs(instance.room_id, instance.level, timezone.now())


def on_chat_ended(room: Room, **kwargs: Any) -> None:
    """Mentors who handed the chat on owe a debrief too."""
    levels = set(Debrief.objects.filter(room=room).values_list("level", flat=True))
    if levels:
        level = max(levels, key=lambda name: _RANK[name])
        do_open_debriefs(room.pk, level, timezone.now(), everyone_who_mentored=True)


def do_complete_debrief(supervisor: Actor, debrief: Debrief, now: datetime | None = None) -> None:
    """Mark a debrief held. Precondition: ``debrief`` is in this supervisor's scope."""
    if debrief.completed_at is not None:
        raise ServiceError("invalid", _("This debrief is already marked as held."))
    if debrief.mentor_id == supervisor.id:
        raise ServiceError("forbidden", _("Someone else holds your own debrief."))
    now = now or timezone.now()
    with transaction.atomic():
        debrief.completed_at = now
        debrief.completed_by = User.objects.get(pk=supervisor.id)
        debrief.save(update_fields=["completed_at", "completed_by"])
        audit.record(
            audit.staff_label(supervisor.id),
            "debrief.completed",
            target=audit.staff_label(debrief.mentor_id),
            data={"debrief": debrief.pk, "level": debrief.level},
        )
