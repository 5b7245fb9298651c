"""Crisis escalations: opening them, the supervisor's actions, and what everyone is shown.

Vocabulary as in the core: ``check_*`` decides permission and returns what the
caller may act on, ``do_*`` mutates (store, commit, then publish), ``notify_*``
publishes after commit. Paging (who is alerted, when) lives in escalation.paging.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from chatplatform import audit, logs, roles
from chatplatform.actors import Actor, actor_group
from chatplatform.errors import ServiceError
from chatplatform.events import publish_on_commit, room_staff_group
from chatplatform.models import (
    Message,
    Participant,
    QueueTicket,
    Room,
    RoomMembership,
    User,
)
from chatplatform.notices import notice
from chatplatform.services import access as access_service
from chatplatform.services import crisis
from chatplatform.services import messages as message_service
from chatplatform.services import queue as queue_service
from chatplatform.services.access import RoomAccess
from escalation import lifecycle
from escalation.models import Escalation, Page

CONSOLE_GROUP = "escalation.console"
TRANSCRIPT_LENGTH = 50
# Queue priority for a participant with an open escalation: imminent is served first.
QUEUE_PRIORITY = {Escalation.Level.HIGH: 50, Escalation.Level.IMMINENT: 100}
LEVEL_RANK = {Escalation.Level.LOW: 0, Escalation.Level.HIGH: 1, Escalation.Level.IMMINENT: 2}
ACTIVE_STATES = (Escalation.State.OPEN, Escalation.State.ACKNOWLEDGED)
PARTICIPANT_REQUEST = "participant_request"
# Why a mentor escalates; stored as reasons, so they are codes, not free text.
MENTOR_REASONS = {
    "suicidal_thoughts": gettext_lazy("They talk about suicide or wanting to die"),
    "plan_or_means": gettext_lazy("They describe a plan or have the means"),
    "self_harm": gettext_lazy("Self-harm"),
    "harm_to_others": gettext_lazy("Risk to someone else"),
    "safeguarding": gettext_lazy("Abuse or safeguarding concern"),
    "other": gettext_lazy("Something else worries me"),
}


def pager_group(user_id: int) -> str:
    """The channel group of one supervisor's console sockets (pages go there)."""
    return f"escalation.pager.s{user_id}"


# --- What people see ------------------------------------------------------------------------


def summary(escalation: Escalation, now: datetime | None = None) -> dict[str, Any]:
    """An escalation as the console and the mentor's room page show it. Never message text."""
    now = now or timezone.now()
    room = escalation.room
    return {
        "id": escalation.pk,
        "level": escalation.level,
        "reasons": list(escalation.reasons),
        "third_party": escalation.third_party,
        "source": escalation.source,
        "state": escalation.state,
        "room": escalation.room_id,
        "room_kind": room.kind if room is not None else None,
        "room_title": room.title if room is not None else None,
        "handle": escalation.participant.handle if escalation.participant else None,
        "created_at": escalation.created_at.isoformat(),
        "waited_seconds": max(0, int((now - escalation.created_at).total_seconds())),
        "acknowledged_by": str(escalation.acknowledged_by) if escalation.acknowledged_by else None,
        "resolved_by": str(escalation.resolved_by) if escalation.resolved_by else None,
        "outcome": escalation.outcome or None,
    }


def _with_people(queryset: QuerySet[Escalation]) -> QuerySet[Escalation]:
    return queryset.select_related("room", "participant", "acknowledged_by", "resolved_by")


def active_escalations() -> QuerySet[Escalation]:
    """Open and acknowledged escalations, imminent first, then the longest waiting."""
    rank = Case(
        *(When(level=level, then=Value(-value)) for level, value in LEVEL_RANK.items()),
        output_field=IntegerField(),
    )
    return _with_people(Escalation.objects.filter(state__in=ACTIVE_STATES)).order_by(
        rank, "created_at", "id"
    )


def crisis_support(region: str | None, level: str, *, in_chat: bool) -> dict[str, Any]:
    """The crisis panel a participant sees, worded after #chatsafe: caring, direct, no method.

    ``region`` is the participant's chosen crisis region (the default when unknown).
    The emergency number comes first when the risk is imminent.
    """
    resources = crisis.resources_for(crisis.resolve_region(region))
    emergency_number = resources[0].emergency_number if resources else ""
    imminent = level == Escalation.Level.IMMINENT
    paragraphs = [
        _(
            "It sounds like things are really hard right now. Thank you for telling us. "
            "You matter, and you don't have to face this alone."
        ),
    ]
    if emergency_number:
        danger = _(
            "If you might act on thoughts of ending your life, or you are in danger now, "
            "please call %(number)s now."
        ) % {"number": emergency_number}
    else:
        danger = _(
            "If you might act on thoughts of ending your life, or you are in danger now, "
            "please call your local emergency number now."
        )
    paragraphs.insert(0 if imminent else 1, danger)
    paragraphs.append(
        _("A supervisor from our team has been asked to help and will be with you shortly.")
        if in_chat
        else _(
            "A supervisor from our team has been alerted, and you are now at the front "
            "of the queue for a chat."
        )
    )
    paragraphs.append(
        _(
            "If you can, put some distance between yourself and anything you could use to "
            "hurt yourself, and stay close to someone you trust."
        )
    )
    return {
        "type": "crisis.support",
        "level": level,
        "heading": _("You don't have to go through this alone"),
        "paragraphs": paragraphs,
        "emergency_number": emergency_number,
        "emergency_first": imminent,
        "resources_heading": _("You can talk to someone right now, for free:"),
        "resources": [
            {
                "service": line.service,
                "how_to_reach": line.how_to_reach,
                "phone": line.phone,
                "text_number": line.text_number,
                "text_keyword": line.text_keyword,
                "url": line.url,
                "hours_and_cost": line.hours_and_cost,
            }
            for line in resources
        ],
    }


def room_status(access: RoomAccess) -> dict[str, Any]:
    """The live escalation status a mentor sees in a room (``escalation`` is None if none)."""
    if not access.actor.is_staff:
        raise ServiceError("forbidden", _("Only staff see escalation status."))
    escalation = active_escalations().filter(room_id=access.room_id).first()
    return {
        "type": "escalation.status",
        "room": access.room_id,
        "escalation": summary(escalation) if escalation is not None else None,
    }


def console_snapshot(actor: Actor) -> dict[str, Any]:
    check_supervisor(actor)
    now = timezone.now()
    return {
        "type": "escalations",
        "escalations": [summary(e, now) for e in active_escalations()],
    }


# --- Publishing -----------------------------------------------------------------------------


def notify_changed(escalation: Escalation, event: str) -> dict[str, Any]:
    """After commit: every supervisor console, and the staff in the escalation's room.

    Returns the summary it published.
    """
    escalation = _with_people(Escalation.objects.filter(pk=escalation.pk)).get()
    payload = summary(escalation)
    publish_on_commit(
        CONSOLE_GROUP, {"type": "escalation.changed", "event": event, "escalation": payload}
    )
    if escalation.room_id is not None:
        publish_on_commit(
            room_staff_group(escalation.room_id),
            {
                "type": "chat.frame",
                "audience": "staff",
                "frame": {
                    "type": "escalation.status",
                    "room": escalation.room_id,
                    "event": event,
                    "escalation": payload,
                },
            },
        )
    return payload


def notify_participant(escalation: Escalation, participant: Participant) -> None:
    """After commit: the crisis panel on every socket the participant has in this chat."""
    frame = crisis_support(
        participant.crisis_region, escalation.level, in_chat=escalation.room_id is not None
    )
    publish_on_commit(
        actor_group(f"p{participant.pk}"),
        {"type": "actor.frame", "frame": frame, "room": escalation.room_id},
    )


# --- Opening --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    escalation: Escalation
    created: bool
    level_raised: bool


def _active_for(room_id: int | None, participant_id: int | None) -> Escalation | None:
    """The unresolved escalation that a new signal about this person (or room) belongs to."""
    queryset = Escalation.objects.select_for_update().filter(state__in=ACTIVE_STATES)
    if participant_id is not None:
        same_place = Q(room__isnull=True) if room_id is None else Q(room_id=room_id)
        if room_id is not None:
            same_place |= Q(room__isnull=True)
        queryset = queryset.filter(same_place, participant_id=participant_id)
    else:
        queryset = queryset.filter(room_id=room_id, participant__isnull=True)
    return queryset.order_by("created_at").first()


def do_open_escalation(
    *,
    source: str,
    level: str,
    reasons: list[str],
    third_party: bool = False,
    room_id: int | None = None,
    participant: Participant | None = None,
    trigger_message: Message | None = None,
    raised_by: Actor | None = None,
    show_participant_support: bool = False,
    now: datetime | None = None,
) -> Opened:
    """Open an escalation, or fold a new signal into the one already open for this person.

    Preconditions: ``level`` is one of Escalation.Level; a room or a participant is
    given. A repeated signal never opens a second escalation: it raises the level
    (never lowers it) and adds its reasons. With ``show_participant_support``, the
    participant's sockets get the crisis panel whenever the level rises. A new
    escalation pages the primary on-call supervisors in this same transaction. All
    of it is published on commit.
    """
    from escalation import paging

    if room_id is None and participant is None:
        raise ValueError("an escalation needs a room or a participant")
    now = now or timezone.now()
    participant_id = participant.pk if participant is not None else None
    with transaction.atomic():
        escalation = _active_for(room_id, participant_id)
        if escalation is not None:
            previous = escalation.level
            escalation.level = lifecycle.higher_level(previous, level)
            escalation.reasons = list(dict.fromkeys([*escalation.reasons, *reasons]))
            escalation.third_party = escalation.third_party or third_party
            if escalation.room_id is None and room_id is not None:
                escalation.room_id = room_id
            escalation.save(update_fields=["level", "reasons", "third_party", "room"])
            opened = Opened(escalation, created=False, level_raised=escalation.level != previous)
        else:
            escalation = Escalation.objects.create(
                room_id=room_id,
                participant=participant,
                trigger_message=trigger_message,
                source=source,
                level=level,
                reasons=list(dict.fromkeys(reasons)),
                third_party=third_party,
                raised_by_id=raised_by.id if raised_by is not None and raised_by.is_staff else None,
                created_at=now,
                next_page_at=now,
            )
            opened = Opened(escalation, created=True, level_raised=True)
        audit.record(
            audit.staff_label(raised_by.id) if raised_by and raised_by.is_staff else audit.SYSTEM,
            "escalation.opened" if opened.created else "escalation.updated",
            target=f"escalation:{escalation.pk}",
            room_id=escalation.room_id,
            data={"source": source, "level": escalation.level, "reasons": list(reasons)},
        )
        if opened.level_raised:
            _raise_queue_priority(participant_id, escalation.level)
        published = notify_changed(escalation, "opened" if opened.created else "updated")
        if show_participant_support and participant is not None and opened.level_raised:
            notify_participant(escalation, participant)
        if opened.created:
            paging.do_first_page(escalation, published, now)
    return opened


def _raise_queue_priority(participant_id: int | None, level: str) -> None:
    priority = QUEUE_PRIORITY.get(level)
    if participant_id is None or priority is None:
        return
    raised = QueueTicket.objects.filter(
        participant_id=participant_id,
        status=QueueTicket.Status.WAITING,
        priority__lt=priority,
    ).update(priority=priority)
    if raised:
        queue_service.notify_queue_changed()


def do_rank_new_ticket(ticket: QueueTicket) -> None:
    """A participant with an unresolved escalation who joins the queue is ranked by its level."""
    escalation = (
        Escalation.objects.filter(participant_id=ticket.participant_id, state__in=ACTIVE_STATES)
        .order_by("-created_at")
        .first()
    )
    if escalation is not None:
        _raise_queue_priority(ticket.participant_id, escalation.level)


def do_open_from_risk(
    message: Message, actor: Actor, level: str, reasons: list[str], third_party: bool
) -> Opened:
    """The detector flagged a participant's message: escalate and show them crisis lines.

    Preconditions: called inside the transaction that stored ``message``.
    """
    return do_open_escalation(
        source=Escalation.Source.AUTOMATIC,
        level=level,
        reasons=reasons,
        third_party=third_party,
        room_id=message.room_id,
        participant=Participant.objects.get(pk=actor.id),
        trigger_message=message,
        show_participant_support=True,
    )


def do_request_urgent_help(
    participant: Participant, access: RoomAccess | None = None, region: str | None = None
) -> tuple[Escalation, dict[str, Any]]:
    """The participant pressed "I need urgent help now": escalate, and return their crisis panel.

    In a chat the escalation belongs to that chat. Outside one it belongs to their
    open 1:1 chat if they have one; otherwise they join the queue at the front and
    the escalation waits for the chat that matching opens.
    """
    room_id = access.room_id if access is not None else None
    if room_id is None:
        active_room = queue_service.active_direct_room(participant)
        if active_room is None:
            queue_service.do_request_chat(participant)
        else:
            room_id = active_room.pk
    with transaction.atomic():
        opened = do_open_escalation(
            source=Escalation.Source.PARTICIPANT,
            level=Escalation.Level.IMMINENT,
            reasons=[PARTICIPANT_REQUEST],
            room_id=room_id,
            participant=participant,
        )
    escalation = opened.escalation
    return escalation, crisis_support(
        region or participant.crisis_region,
        escalation.level,
        in_chat=escalation.room_id is not None,
    )


def do_urgent_help_in_room(access: RoomAccess) -> dict[str, Any]:
    """The urgent-help button inside a chat: returns the crisis panel for the participant."""
    if access.actor.is_staff:
        raise ServiceError("forbidden", _("Staff ask for a supervisor with the Escalate button."))
    participant = Participant.objects.get(pk=access.actor.id)
    return do_request_urgent_help(participant, access)[1]


def check_can_escalate(access: RoomAccess) -> None:
    if not access.actor.is_staff or access.actor.role not in roles.CHAT_ROLES:
        raise ServiceError("forbidden", _("Only the chat's mentor or a supervisor can escalate."))
    if not access.can_moderate:
        raise ServiceError("forbidden", _("You are not part of this chat."))


def do_escalate_by_staff(access: RoomAccess, reason: str, level: str, note: str = "") -> Escalation:
    """A mentor asks for a supervisor. ``reason`` is a MENTOR_REASONS code; the optional note
    is stored as an encrypted staff-only message in the room, never in the escalation."""
    check_can_escalate(access)
    if reason not in MENTOR_REASONS:
        raise ServiceError("invalid", _("Choose one of the listed reasons."))
    participant = _room_participant(access)
    with transaction.atomic():
        opened = do_open_escalation(
            source=Escalation.Source.MENTOR,
            level=level,
            reasons=[reason],
            room_id=access.room_id,
            participant=participant,
            raised_by=access.actor,
        )
        if note.strip():
            message_service.do_post_notice(
                Room.objects.get(pk=access.room_id),
                _("Escalation note: %(note)s") % {"note": note.strip()},
                kind=Message.Kind.WHISPER,
                audience=Message.Audience.STAFF,
                sender=access.actor,
            )
    return opened.escalation


def _room_participant(access: RoomAccess) -> Participant | None:
    """The participant of a 1:1 chat; a group room has many, so none is singled out."""
    if access.kind != Room.Kind.DIRECT:
        return None
    membership = (
        RoomMembership.objects.filter(room_id=access.room_id, participant__isnull=False)
        .select_related("participant")
        .order_by("-joined_at")
        .first()
    )
    return membership.participant if membership else None


def do_attach_room(participant: Participant, room: Room) -> None:
    """The participant was matched: their waiting escalation now belongs to the new chat."""
    for escalation in Escalation.objects.select_for_update().filter(
        participant=participant, room__isnull=True, state__in=ACTIVE_STATES
    ):
        escalation.room = room
        escalation.save(update_fields=["room"])
        notify_changed(escalation, "matched")


# --- The supervisor's actions ---------------------------------------------------------------


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
    Page.objects.filter(
        escalation=escalation, sent_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)
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
        escalation = check_escalation(actor, escalation_id, lock=True)
        _acknowledge(escalation, actor, now)
        notify_changed(escalation, "acknowledged")
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
        escalation = check_escalation(actor, escalation_id, lock=True)
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
        notify_changed(escalation, "resolved")
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
    escalation = check_escalation(actor, escalation_id)
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
    escalation = check_escalation(actor, escalation_id)
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
        escalation = check_escalation(actor, escalation_id, lock=True)
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
        notify_changed(escalation, "joined")
    return room


def do_take_over(actor: Actor, escalation_id: int, now: datetime | None = None) -> Room:
    """The supervisor takes the 1:1 chat from its mentor, like a transfer to themself.

    A participant still waiting in the queue is matched with the supervisor instead.
    """
    now = now or timezone.now()
    escalation = check_escalation(actor, escalation_id)
    if escalation.state == Escalation.State.RESOLVED:
        raise ServiceError("already_resolved", _("This escalation is already resolved."))
    if escalation.room_id is None:
        return _open_chat_with_waiting_participant(actor, escalation, now)
    with transaction.atomic():
        escalation = check_escalation(actor, escalation_id, lock=True)
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
        notify_changed(escalation, "taken_over")
        queue_service.notify_queue_changed()
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
        escalation = check_escalation(actor, escalation.pk, lock=True)
        _acknowledge_if_open(escalation, actor, now)
        _audit(actor, "escalation.taken_over", escalation, data={"from": 0})
        notify_changed(escalation, "taken_over")
    return room


# --- Retention ------------------------------------------------------------------------------


def rooms_on_hold(now: datetime | None = None) -> set[int]:
    """Rooms whose messages the retention purge must keep for now.

    A room is on hold while it has an unresolved escalation, and until
    ESCALATION_HOLD_DAYS after its last escalation was resolved.
    """
    now = now or timezone.now()
    since = now - timedelta(days=settings.ESCALATION_HOLD_DAYS)
    return set(
        Escalation.objects.filter(room__isnull=False)
        .filter(Q(state__in=ACTIVE_STATES) | Q(resolved_at__gte=since))
        .values_list("room_id", flat=True)
    )
