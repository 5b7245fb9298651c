"""Opening an escalation: from the detector, the participant's urgent-help press, or a mentor.

One person has at most one unresolved escalation per chat: a later signal
raises its level (never lowers it) and adds its reasons. A new escalation pages
the primary on-call supervisors in the same transaction (escalation.paging).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chatplatform import audit, pseudonyms, throttle
from chatplatform.actors import Actor, participant_actor
from chatplatform.errors import ServiceError
from chatplatform.models import Message, Participant, QueueTicket, Room, RoomMembership
from chatplatform.services import crisis, participants
from chatplatform.services import messages as message_service
from chatplatform.services import queue as queue_service
from chatplatform.services.access import RoomAccess
from escalation import access, lifecycle, paging, publishing, queries, unreached
from escalation.models import Escalation, UnreachedAlert
from escalation.queries import ACTIVE_STATES

# Queue priority for a participant with an open escalation: imminent is served first.
QUEUE_PRIORITY = {Escalation.Level.HIGH: 50, Escalation.Level.IMMINENT: 100}
PARTICIPANT_REQUEST = "participant_request"
# A banned participant asked for urgent help: the reason code on their case, and the
# kind of sanction shown with it (the ban's error code from the queue's entry checks).
BANNED_PARTICIPANT = "banned_participant"
BANNED = "banned"
BANNED_SANCTION_KIND = "ban"
# Why a mentor escalates; stored as reasons, so they are codes, not free text.
MENTOR_REASONS = {
    "suicidal_thoughts": gettext_lazy("They talk about suicide or wanting to die"),
    "plan_or_means": gettext_lazy("They describe a plan or have the means"),
    "self_harm": gettext_lazy("Self-harm"),
    "harm_to_others": gettext_lazy("Risk to someone else"),
    "safeguarding": gettext_lazy("Abuse or safeguarding concern"),
    "other": gettext_lazy("Something else worries me"),
}


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
    written_language: str = "",
    sanction_kind: str = "",
    now: datetime | None = None,
) -> Opened:
    """Open an escalation, or fold a new signal into the one already open for this person.

    Preconditions: ``level`` is one of Escalation.Level; a room or a participant is
    given. A repeated signal never opens a second escalation: it raises the level
    (never lowers it) and adds its reasons. With ``show_participant_support``, the
    participant's sockets get the crisis panel (worded for ``source``) whenever the
    level rises. A new escalation pages the primary on-call supervisors in this same
    transaction. All of it is published on commit.
    """
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
            escalation.sanction_kind = escalation.sanction_kind or sanction_kind
            if escalation.room_id is None and room_id is not None:
                escalation.room_id = room_id
            escalation.save(
                update_fields=["level", "reasons", "third_party", "sanction_kind", "room"]
            )
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
                sanction_kind=sanction_kind,
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
            data={
                "source": source,
                "level": escalation.level,
                "reasons": list(reasons),
                **({"sanction": sanction_kind} if sanction_kind else {}),
            },
        )
        if opened.level_raised:
            _raise_queue_priority(participant_id, escalation.level)
        published = publishing.notify_changed(escalation, "opened" if opened.created else "updated")
        if show_participant_support and participant is not None and opened.level_raised:
            publishing.notify_participant(
                escalation, participant, source=source, written_language=written_language
            )
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
    message: Message,
    actor: Actor,
    level: str,
    reasons: list[str],
    third_party: bool,
    written_language: str = "",
) -> Opened:
    """The detector flagged a participant's message: escalate and show them crisis lines.

    Preconditions: called inside the transaction that stored ``message``.
    """
    participant = Participant.objects.get(pk=actor.id)
    crisis.do_note_written_language(participant, written_language)
    return do_open_escalation(
        source=Escalation.Source.AUTOMATIC,
        level=level,
        reasons=reasons,
        third_party=third_party,
        room_id=message.room_id,
        participant=participant,
        trigger_message=message,
        show_participant_support=True,
        written_language=written_language,
    )


def do_get_urgent_identity(session: Any, network_key: str) -> Participant | None:
    """The participant behind an urgent-help press, created if need be.

    A network over ``NEW_IDENTITIES_PER_HOUR`` still gets a new identity for an urgent
    press, within ``URGENT_HELP_IDENTITIES_PER_HOUR`` more per hour: without one there
    is no case to page about and no chat to reach the person in. Beyond that the press
    is counted in the network's alert (every supervisor console sees it) and None is
    returned: the caller shows the lines.
    """
    try:
        return participants.do_get_or_create_participant(session, network_key)
    except ServiceError as error:
        if error.code != "rate_limited":
            raise
    if throttle.urgent_identity_allowed(network_key):
        with transaction.atomic():
            participant = participants.do_create_participant(session)
            audit.record(
                audit.SYSTEM,
                "escalation.urgent_identity",
                target=f"participant:{participant.pk}",
                data={"over": "new_identities_per_hour"},
            )
        return participant
    unreached.do_count(UnreachedAlert.Kind.NETWORK, network_key[:64])
    return None


def do_request_urgent_help(
    participant: Participant, room_access: RoomAccess | None = None
) -> Escalation:
    """The participant pressed "I need urgent help now": escalate at imminent.

    In a chat the escalation belongs to that chat. Outside one it belongs to their
    open 1:1 chat if they have one; otherwise they join the queue at the front and
    the escalation waits for the chat that matching opens. Pressing again, or
    reloading the page, folds into the same unresolved escalation: never a second one.

    A banned participant never joins the queue (the ban keeps them from mentors):
    their case waits for a supervisor, who opens a supervisors-only chat with them
    (``handling.do_take_over``). See ``_request_while_banned`` for its limit.
    """
    room_id = room_access.room_id if room_access is not None else None
    if room_id is None:
        active_room = queue_service.active_direct_room(participant)
        if active_room is not None and active_room.supervisors_only:
            return _request_while_banned(participant, active_room.pk)
        if active_room is None:
            try:
                queue_service.do_request_chat(participant)
            except ServiceError as error:
                if error.code != BANNED:
                    raise
                return _request_while_banned(participant)
        else:
            room_id = active_room.pk
    elif Room.objects.filter(pk=room_id, supervisors_only=True).exists():
        # Pressed inside their supervisors-only chat: the same case and the same limit.
        return _request_while_banned(participant, room_id)
    with transaction.atomic():
        opened = do_open_escalation(
            source=Escalation.Source.PARTICIPANT,
            level=Escalation.Level.IMMINENT,
            reasons=[PARTICIPANT_REQUEST],
            room_id=room_id,
            participant=participant,
        )
    return opened.escalation


def _request_while_banned(participant: Participant, room_id: int | None = None) -> Escalation:
    """A banned participant's press: a case only supervisors handle, a few a day at most.

    ``room_id`` is their supervisors-only chat, when the press came from it (or while
    it is still open). A press while their case is unresolved folds into it (no new
    page). A new case
    counts against ``URGENT_HELP_BANNED_CASES_PER_DAY`` for this identity; beyond it
    the press is counted in an alert every supervisor console shows, and
    ServiceError("unreached") tells the caller so.
    """
    actor_key = participant_actor(participant).key
    if queries.active_for_participant(participant.pk) is None and not (
        throttle.banned_urgent_case_allowed(actor_key)
    ):
        unreached.do_count(
            UnreachedAlert.Kind.BANNED,
            pseudonyms.of_actor_key(actor_key)[:64],
            participant=participant,
        )
        raise ServiceError(
            "unreached",
            _(
                "You have asked for urgent help several times today. The supervisors on "
                "duty can see that you asked again, but a new chat can't be opened now."
            ),
        )
    with transaction.atomic():
        active = queries.active_for_participant(participant.pk)
        opened = do_open_escalation(
            source=Escalation.Source.PARTICIPANT,
            level=Escalation.Level.IMMINENT,
            reasons=[PARTICIPANT_REQUEST, BANNED_PARTICIPANT],
            room_id=active.room_id if active is not None and active.room_id else room_id,
            participant=participant,
            sanction_kind=BANNED_SANCTION_KIND,
        )
    return opened.escalation


def do_urgent_help_in_room(room_access: RoomAccess) -> Escalation:
    """The urgent-help button inside a chat (staff use the Escalate form instead)."""
    if room_access.actor.is_staff:
        raise ServiceError("forbidden", _("Staff ask for a supervisor with the Escalate button."))
    participant = Participant.objects.get(pk=room_access.actor.id)
    return do_request_urgent_help(participant, room_access)


def room_participant(room_access: RoomAccess) -> Participant | None:
    """The participant of a 1:1 chat; a group room has many, so none is singled out."""
    if room_access.kind != Room.Kind.DIRECT:
        return None
    membership = (
        RoomMembership.objects.filter(room_id=room_access.room_id, participant__isnull=False)
        .select_related("participant")
        .order_by("-joined_at")
        .first()
    )
    return membership.participant if membership else None


def do_escalate_by_staff(
    room_access: RoomAccess, reason: str, level: str, note: str = ""
) -> Escalation:
    """A mentor asks for a supervisor. ``reason`` is a MENTOR_REASONS code; the optional note
    is stored as an encrypted staff-only message in the room, never in the escalation.

    The participant of a 1:1 chat is shown the mentor's crisis panel: a colleague is
    coming to help, they are not in trouble, and the lines of their region.
    """
    access.check_can_escalate(room_access)
    if reason not in MENTOR_REASONS:
        raise ServiceError("invalid", _("Choose one of the listed reasons."))
    participant = room_participant(room_access)
    with transaction.atomic():
        opened = do_open_escalation(
            source=Escalation.Source.MENTOR,
            level=level,
            reasons=[reason],
            room_id=room_access.room_id,
            participant=participant,
            raised_by=room_access.actor,
            show_participant_support=True,
        )
        if note.strip():
            message_service.do_post_notice(
                Room.objects.get(pk=room_access.room_id),
                _("Escalation note: %(note)s") % {"note": note.strip()},
                kind=Message.Kind.WHISPER,
                audience=Message.Audience.STAFF,
                sender=room_access.actor,
            )
    return opened.escalation


def do_attach_room(participant: Participant, room: Room) -> None:
    """The participant was matched: their waiting escalation now belongs to the new chat."""
    for escalation in Escalation.objects.select_for_update().filter(
        participant=participant, room__isnull=True, state__in=ACTIVE_STATES
    ):
        escalation.room = room
        escalation.save(update_fields=["room"])
        publishing.notify_changed(escalation, "matched")
