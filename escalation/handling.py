"""The supervisor's actions on an escalation: acknowledge, read, whisper, join, take over, resolve.

Each ``do_*`` checks permission and state under the escalation's row lock,
stores, and publishes on commit. Acknowledging (or stepping in) stops paging;
resolving resolves the pager's incident (escalation.paging).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from chatplatform import audit, logs
from chatplatform.actors import Actor, actor_group
from chatplatform.errors import ServiceError
from chatplatform.events import publish_on_commit
from chatplatform.models import Message, Room, RoomMembership
from chatplatform.notices import notice
from chatplatform.services import access as access_service
from chatplatform.services import messages as message_service
from chatplatform.services import queue as queue_service
from escalation import access, lifecycle, paging, publishing
from escalation.models import Escalation

TRANSCRIPT_LENGTH = 50


def _transition(escalation: Escalation, action: str) -> str:
    try:
        return lifecycle.next_state(escalation.state, action)
    except lifecycle.Refused as refusal:
        raise ServiceError(refusal.code, _(refusal.detail), escalation=escalation.pk) from None


def _acknowledge(escalation: Escalation, actor: Actor, now: datetime) -> None:
    """Take responsibility: the paging timer stops and pending pages are cancelled."""
    escalation.state = _transition(escalation, lifecycle.ACKNOWLEDGE)
    escalation.acknowledged_at = now
    escalation.acknowledged_by_id = actor.id
    escalation.next_page_at = None
    escalation.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "next_page_at"])
    paging.do_stop_paging(escalation, now)
    _audit(actor, "escalation.acknowledged", escalation)


def _audit(actor: Actor, action: str, escalation: Escalation, **extra: Any) -> None:
    audit.record(
        audit.staff_label(actor.id),
        action,
        target=f"escalation:{escalation.pk}",
        room_id=escalation.room_id,
        **extra,
    )


def do_acknowledge(actor: Actor, escalation_id: int, now: datetime | None = None) -> Escalation:
    """Preconditions: none; permission and state are checked here under the row lock."""
    now = now or timezone.now()
    with transaction.atomic():
        escalation = access.check_escalation(actor, escalation_id, lock=True)
        _acknowledge(escalation, actor, now)
        publishing.notify_changed(escalation, "acknowledged")
    return escalation


def do_resolve(
    actor: Actor,
    escalation_id: int,
    outcome: str,
    emergency_confirmed: bool = False,
    emergency_contacted_at: datetime | None = None,
    now: datetime | None = None,
) -> Escalation:
    """Close an acknowledged escalation with its outcome (emergency contact needs confirming)."""
    now = now or timezone.now()
    try:
        resolution = lifecycle.check_resolution(
            outcome, emergency_confirmed, emergency_contacted_at, now
        )
    except lifecycle.Refused as refusal:
        raise ServiceError(refusal.code, _(refusal.detail)) from None
    with transaction.atomic():
        escalation = access.check_escalation(actor, escalation_id, lock=True)
        escalation.state = _transition(escalation, lifecycle.RESOLVE)
        escalation.resolved_at = now
        escalation.resolved_by_id = actor.id
        escalation.outcome = resolution.outcome
        escalation.emergency_contact_confirmed = resolution.emergency_contact_confirmed
        escalation.emergency_contacted_at = resolution.emergency_contacted_at
        escalation.save(
            update_fields=[
                "state",
                "resolved_at",
                "resolved_by",
                "outcome",
                "emergency_contact_confirmed",
                "emergency_contacted_at",
            ]
        )
        _audit(actor, "escalation.resolved", escalation, data={"outcome": resolution.outcome})
        paging.do_page_resolved(escalation, now)
        publishing.notify_changed(escalation, "resolved")
        publishing.notify_closed_without_chat(escalation)
    return escalation


def _room_of(escalation: Escalation) -> Room:
    if escalation.room_id is None:
        raise ServiceError(
            "no_room",
            _("They are waiting in the queue and not in a chat yet. Take over to open one."),
            escalation=escalation.pk,
        )
    return Room.objects.get(pk=escalation.room_id)


def do_read_transcript(
    actor: Actor, escalation_id: int, reason: str, limit: int = TRANSCRIPT_LENGTH
) -> dict[str, Any]:
    """The recent messages of the escalation's room. Every read is in the audit log."""
    reason = reason.strip()
    if not reason:
        raise ServiceError("reason_required", _("Say why you are reading the transcript."))
    escalation = access.check_escalation(actor, escalation_id)
    room = _room_of(escalation)
    room_access = access_service.check_room_access(actor, room.pk)
    _audit(
        actor,
        access_service.TRANSCRIPT_READ,
        escalation,
        reason=reason,
        data={"via": "escalation"},
    )
    page, has_more = message_service.messages_before(
        room_access, message_service.Viewer.of(actor), None, limit
    )
    logs.mark_private([message["body"] for message in page])
    return {
        "type": "escalation.transcript",
        "escalation": escalation.pk,
        "room": room.pk,
        "messages": page,
        "has_more": has_more,
    }


def do_whisper(actor: Actor, escalation_id: int, body: str) -> Message:
    """A staff-only message in the room: the mentor sees it, the participant never does."""
    body = message_service.normalise_body(body)
    if not body:
        raise ServiceError("invalid", _("The message is empty."))
    escalation = access.check_escalation(actor, escalation_id)
    room = _room_of(escalation)
    with transaction.atomic():
        message = message_service.do_post_notice(
            room,
            body,
            kind=Message.Kind.WHISPER,
            audience=Message.Audience.STAFF,
            sender=actor,
        )
        _audit(actor, "escalation.whisper", escalation)
    return message


def _acknowledge_if_open(escalation: Escalation, actor: Actor, now: datetime) -> None:
    # Stepping into the chat is taking responsibility: nobody else needs paging now.
    if escalation.state == Escalation.State.OPEN:
        _acknowledge(escalation, actor, now)


def do_join(actor: Actor, escalation_id: int, now: datetime | None = None) -> Room:
    """The supervisor joins the room visibly, as "Supervisor", beside the mentor."""
    now = now or timezone.now()
    with transaction.atomic():
        escalation = access.check_escalation(actor, escalation_id, lock=True)
        room = _room_of(escalation)
        if escalation.state == Escalation.State.RESOLVED:
            raise ServiceError("already_resolved", _("This escalation is already resolved."))
        if not room.is_open:
            raise ServiceError("room_closed", _("This chat has ended."))
        _acknowledge_if_open(escalation, actor, now)
        already = RoomMembership.objects.filter(
            room=room, user_id=actor.id, left_at__isnull=True
        ).exists()
        if not already:
            RoomMembership.objects.create(
                room=room, user_id=actor.id, role=RoomMembership.Role.SUPERVISOR
            )
            message_service.do_post_notice(
                room,
                notice(
                    gettext_noop("%(name)s, a supervisor, has joined the chat."), name=actor.handle
                ),
            )
        _audit(actor, "escalation.joined", escalation)
        publishing.notify_changed(escalation, "joined")
    return room


def do_take_over(actor: Actor, escalation_id: int, now: datetime | None = None) -> Room:
    """The supervisor takes the 1:1 chat from its mentor, like a transfer to themself.

    A participant still waiting in the queue is matched with the supervisor instead.
    """
    now = now or timezone.now()
    escalation = access.check_escalation(actor, escalation_id)
    if escalation.state == Escalation.State.RESOLVED:
        raise ServiceError("already_resolved", _("This escalation is already resolved."))
    if escalation.room_id is None and escalation.sanction_kind:
        return _open_supervisors_only_chat(actor, escalation.pk, now)
    if escalation.room_id is None:
        return _open_chat_with_waiting_participant(actor, escalation, now)
    with transaction.atomic():
        escalation = access.check_escalation(actor, escalation_id, lock=True)
        room = Room.objects.select_for_update().get(pk=escalation.room_id)
        if room.kind != Room.Kind.DIRECT:
            raise ServiceError("invalid", _("Only 1:1 chats can be taken over. Join the room."))
        if not room.is_open:
            raise ServiceError("room_closed", _("This chat has ended."))
        _acknowledge_if_open(escalation, actor, now)
        staff = RoomMembership.objects.filter(
            room=room, user__isnull=False, left_at__isnull=True
        ).exclude(user_id=actor.id)
        previous = list(staff.values_list("user_id", flat=True))
        staff.update(left_at=now)
        if not RoomMembership.objects.filter(
            room=room, user_id=actor.id, left_at__isnull=True
        ).exists():
            RoomMembership.objects.create(
                room=room, user_id=actor.id, role=RoomMembership.Role.SUPERVISOR
            )
        message_service.do_post_notice(
            room,
            notice(
                gettext_noop(
                    "%(name)s, a supervisor, is taking over this chat "
                    "and can see the conversation so far."
                ),
                name=actor.handle,
            ),
        )
        for user_id in previous:
            publish_on_commit(actor_group(f"s{user_id}"), {"type": "room.revoked", "room": room.pk})
        _audit(actor, "escalation.taken_over", escalation, data={"from": len(previous)})
        publishing.notify_changed(escalation, "taken_over")
        queue_service.notify_queue_changed()
    return room


def _open_supervisors_only_chat(actor: Actor, escalation_id: int, now: datetime) -> Room:
    """A banned participant asked for urgent help: a 1:1 chat with this supervisor.

    The ban keeps them away from mentors, so they never queue: the room is marked
    ``supervisors_only`` (no mentor is ever a member; it can't be transferred to
    one) and the ban does not keep them out of it (moderation.checks).
    """
    with transaction.atomic():
        escalation = access.check_escalation(actor, escalation_id, lock=True)
        if escalation.room_id is not None:  # Another supervisor opened it meanwhile.
            return Room.objects.get(pk=escalation.room_id)
        if escalation.participant_id is None:
            raise ServiceError("gone", _("This person is no longer here."))
        room = Room.objects.create(
            kind=Room.Kind.DIRECT, title=_("1:1 chat"), supervisors_only=True
        )
        RoomMembership.objects.create(
            room=room,
            participant_id=escalation.participant_id,
            role=RoomMembership.Role.PARTICIPANT,
        )
        RoomMembership.objects.create(
            room=room, user_id=actor.id, role=RoomMembership.Role.SUPERVISOR
        )
        message_service.do_post_notice(
            room,
            notice(gettext_noop("%(name)s, a supervisor, has joined the chat."), name=actor.handle),
        )
        escalation.room = room
        escalation.save(update_fields=["room"])
        _acknowledge_if_open(escalation, actor, now)
        _audit(
            actor, "escalation.taken_over", escalation, data={"from": 0, "supervisors_only": True}
        )
        publishing.notify_chat_opened(escalation)
        publishing.notify_changed(escalation, "taken_over")
    return room


def _open_chat_with_waiting_participant(
    actor: Actor, escalation: Escalation, now: datetime
) -> Room:
    if escalation.participant_id is None:
        raise ServiceError("gone", _("This person is no longer here."))
    with transaction.atomic():
        waiting = queue_service.do_request_chat(escalation.participant)
        if isinstance(waiting, Room):
            room = waiting
        else:
            # Matching sends chat_matched, whose receiver attaches the room to the escalation.
            room = queue_service.do_accept_ticket(actor, waiting.pk)
        escalation = access.check_escalation(actor, escalation.pk, lock=True)
        _acknowledge_if_open(escalation, actor, now)
        _audit(actor, "escalation.taken_over", escalation, data={"from": 0})
        publishing.notify_changed(escalation, "taken_over")
    return room
