"""Moderator actions on a room: hide, mute, remove, ban, warn, slow mode, lock, pinned rules.

Every action is checked (``check_moderator``), stored, appended to the audit log
and published after commit, so that every client of the room, on every node,
sees it at once. A moderator names a participant by one of their messages in
the room (``message`` = the protocol id), because that is what the UI shows.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from chatplatform import audit
from chatplatform.actors import Actor, actor_group
from chatplatform.errors import ServiceError
from chatplatform.events import publish_on_commit, room_staff_group
from chatplatform.models import Message, Participant, Room, RoomMembership
from chatplatform.notices import notice
from chatplatform.services.access import RoomAccess, check_room_access
from chatplatform.services.messages import (
    decrypt_message,
    do_post_notice,
    notify_message,
    room_group,
)
from moderation.models import RoomState, Sanction

logger = logging.getLogger(__name__)

CLOSE_BANNED = 4403
MAX_MUTE_MINUTES = 7 * 24 * 60
MAX_BAN_DAYS = 3650


# --- permission and targets -------------------------------------------------------------


def check_moderator(access: RoomAccess, action: str) -> None:
    """Only staff assigned to the room, supervisors and admins may moderate it.

    A refused attempt is logged (who tried, never what the message said) and raised.
    """
    if access.actor.is_staff and access.can_moderate:
        return
    logger.warning(
        "moderation refused",
        extra={"action": action, "room": access.room_id, "role": access.actor.role},
    )
    raise ServiceError("forbidden", _("Only staff assigned to this room can moderate it."))


def check_moderation_access(actor: Actor, room_id: int, action: str) -> RoomAccess:
    """For actions from a page rather than the room socket: the access, if moderation is allowed."""
    try:
        access = check_room_access(actor, room_id)
    except ServiceError as error:
        if error.code != "forbidden":
            raise
        logger.warning(
            "moderation refused", extra={"action": action, "room": room_id, "role": actor.role}
        )
        raise ServiceError(
            "forbidden", _("Only staff assigned to this room can moderate it.")
        ) from None
    check_moderator(access, action)
    return access


def check_target(access: RoomAccess, action: str, message_id: int) -> Message:
    """The delivered message ``message_id`` in this room, once the actor may moderate."""
    check_moderator(access, action)
    message = (
        Message.objects.filter(
            room_id=access.room_id, seq=message_id, status=Message.Status.DELIVERED
        )
        .select_related("sender_participant")
        .first()
    )
    if message is None:
        raise ServiceError("not_found", _("There is no message with that id in this room."))
    return message


def sender_of(message: Message) -> Participant:
    """The participant who sent ``message``; staff and system messages have none."""
    if message.sender_participant is None:
        raise ServiceError("invalid", _("That message was not sent by a participant."))
    return message.sender_participant


def _label(actor: Actor) -> str:
    return audit.staff_label(actor.id)


def post_note(access: RoomAccess, action: str, message: Message | None, text: str) -> int | None:
    """Keep a moderator's words as a staff-only note in the room; its message id, or None.

    The note is a message like any other (encrypted under the room's data key,
    shredded by retention and erasure), so the audit log only needs its id.
    """
    text = text.strip()
    if not text:
        return None
    room = Room.objects.get(pk=access.room_id)
    if message is not None:
        body = _("Moderator's note (%(action)s, message %(id)s): %(text)s") % {
            "action": action,
            "id": message.seq,
            "text": text,
        }
    else:
        body = _("Moderator's note (%(action)s): %(text)s") % {"action": action, "text": text}
    note = do_post_notice(
        room,
        body,
        kind=Message.Kind.WHISPER,
        audience=Message.Audience.STAFF,
        sender=access.actor,
    )
    return note.seq


def record_action(
    access: RoomAccess,
    action: str,
    message: Message | None,
    *,
    note: str = "",
    note_id: int | None = None,
    **fields: Any,
) -> None:
    """Append a moderator's action to the audit log, naming the target by handle.

    ``note`` (what the moderator typed) becomes a staff-only note in the room,
    and the entry refers to it (``note_id``, when the caller posted it already).
    """
    data = fields.pop("data", {})
    if message is not None:
        data = {"message": message.seq, **data}
    note_id = note_id or post_note(access, action, message, note)
    if note_id is not None:
        data["note"] = note_id
    audit.record(
        _label(access.actor),
        action,
        target=message.sender_handle if message is not None else "",
        room_id=access.room_id,
        data=data,
        **fields,
    )


# --- publishing -------------------------------------------------------------------------


def notify_message_changed(message: Message) -> None:
    """Re-send the message to the room; each client renders it for its viewer (hidden or not)."""
    notify_message(message, decrypt_message(message))


def notify_staff(access: RoomAccess, action: str, message: Message | None, **details: Any) -> None:
    """Tell the room's staff what a moderator did, so that every open console agrees."""
    frame = {
        "type": "moderation.event",
        "room": access.room_id,
        "action": action,
        "by": access.actor.handle,
        "message": message.seq if message is not None else None,
        "target": message.sender_handle if message is not None else None,
        **details,
    }
    publish_on_commit(
        room_staff_group(access.room_id),
        {"type": "chat.frame", "frame": frame, "audience": "staff"},
    )


def notify_participant(participant_id: int, room_id: int | None, frame: dict[str, Any]) -> None:
    event: dict[str, Any] = {"type": "actor.frame", "frame": frame}
    if room_id is not None:
        event["room"] = room_id
    publish_on_commit(actor_group(f"p{participant_id}"), event)


# --- hiding -----------------------------------------------------------------------------


def do_hide(message: Message, reason: str, by: str, note_id: int | None = None) -> bool:
    """Hide a delivered message from participants, keeping it for staff with the reason.

    ``by`` is the audit actor (a staff label or ``automod``); the caller has checked it may.
    ``reason`` is the system's label (never a moderator's words: those are the note
    ``note_id``). Returns False when the message was already hidden.
    """
    with transaction.atomic():
        hidden = Message.objects.filter(pk=message.pk, hidden_at__isnull=True).update(
            hidden_at=timezone.now(), hidden_reason=reason[:200]
        )
        if not hidden:
            return False
        message.refresh_from_db(fields=["hidden_at", "hidden_reason"])
        data: dict[str, Any] = {"message": message.seq}
        if note_id is not None:
            data["note"] = note_id
        audit.record(
            by,
            "hide",
            target=message.sender_handle,
            room_id=message.room_id,
            reason=reason,
            data=data,
        )
        notify_message_changed(message)
    return True


def do_hide_message(
    access: RoomAccess, message: Message, reason: str = "", note_id: int | None = None
) -> None:
    """A moderator hides a message; their reason becomes a staff note (or is ``note_id``).

    Precondition: ``check_target`` returned ``message``.
    """
    with transaction.atomic():
        if message.hidden_at is not None:
            return
        note_id = note_id or post_note(access, "hide", message, reason)
        label = (
            _("see the moderator's note, message %(id)s") % {"id": note_id}
            if note_id is not None
            else _("hidden by a moderator")
        )
        if do_hide(message, label, _label(access.actor), note_id):
            notify_staff(access, "hide", message, note=note_id)


def do_unhide_message(access: RoomAccess, message: Message) -> None:
    """Show a hidden message again. Precondition: ``check_target`` returned ``message``."""
    with transaction.atomic():
        shown = Message.objects.filter(pk=message.pk, hidden_at__isnull=False).update(
            hidden_at=None, hidden_reason=""
        )
        if not shown:
            return
        message.refresh_from_db(fields=["hidden_at", "hidden_reason"])
        record_action(access, "unhide", message)
        notify_message_changed(message)
        notify_staff(access, "unhide", message)


# --- sanctions on a participant ---------------------------------------------------------


def do_mute(access: RoomAccess, message: Message, minutes: int, reason: str = "") -> Sanction:
    """Mute the sender of ``message`` in this room for ``minutes``; a new mute replaces the old.

    Precondition: ``check_target`` returned ``message``.
    """
    participant = sender_of(message)
    if not 1 <= minutes <= MAX_MUTE_MINUTES:
        raise ServiceError("invalid", _("A mute lasts from 1 minute to 7 days."))
    now = timezone.now()
    with transaction.atomic():
        Sanction.objects.filter(
            kind=Sanction.Kind.MUTE, participant=participant, room_id=access.room_id, lifted_at=None
        ).update(lifted_at=now)
        mute = Sanction.objects.create(
            kind=Sanction.Kind.MUTE,
            participant=participant,
            room_id=access.room_id,
            ends_at=now + timedelta(minutes=minutes),
            created_by_id=access.actor.id,
        )
        state, _created = RoomState.objects.select_for_update().get_or_create(
            room_id=access.room_id
        )
        if state.mutes_until is None or state.mutes_until < mute.ends_at:
            state.mutes_until = mute.ends_at
            state.save(update_fields=["mutes_until", "updated_at"])
        record_action(access, "mute", message, note=reason, data={"minutes": minutes})
        notify_participant(
            participant.pk,
            access.room_id,
            {
                "type": "moderation.muted",
                "room": access.room_id,
                "until": mute.ends_at.isoformat(),
                "seconds_left": minutes * 60,
            },
        )
        notify_staff(access, "mute", message, minutes=minutes)
    return mute


def do_unmute(access: RoomAccess, message: Message) -> None:
    """Lift the sender's mute in this room. Precondition: ``check_target`` returned ``message``."""
    participant = sender_of(message)
    with transaction.atomic():
        lifted = Sanction.objects.filter(
            kind=Sanction.Kind.MUTE, participant=participant, room_id=access.room_id, lifted_at=None
        ).update(lifted_at=timezone.now())
        if not lifted:
            return
        record_action(access, "unmute", message)
        notify_participant(
            participant.pk, access.room_id, {"type": "moderation.unmuted", "room": access.room_id}
        )
        notify_staff(access, "unmute", message)


def do_remove(access: RoomAccess, message: Message, reason: str = "") -> None:
    """Remove the sender of ``message`` from this group room; their open sockets here close.

    Precondition: ``check_target`` returned ``message``.
    """
    participant = sender_of(message)
    if access.kind != Room.Kind.GROUP:
        raise ServiceError("invalid", _("Only group rooms have participants to remove."))
    now = timezone.now()
    with transaction.atomic():
        removed = RoomMembership.objects.filter(
            room_id=access.room_id, participant=participant, left_at=None
        ).update(removed_at=now)
        if not removed:
            # Not a member right now: a removed membership still keeps them out.
            RoomMembership.objects.create(
                room_id=access.room_id,
                participant=participant,
                role=RoomMembership.Role.PARTICIPANT,
                removed_at=now,
            )
        record_action(access, "remove", message, note=reason)
        publish_on_commit(
            actor_group(f"p{participant.pk}"), {"type": "room.revoked", "room": access.room_id}
        )
        notify_staff(access, "remove", message)


def do_ban(access: RoomAccess, message: Message, days: int | None, reason: str) -> Sanction:
    """Ban the sender's anonymous identity from the platform, for ``days`` or (None) for good.

    Every socket they have open is closed; later handshakes are refused.
    Precondition: ``check_target`` returned ``message``.
    """
    participant = sender_of(message)
    if days is not None and not 1 <= days <= MAX_BAN_DAYS:
        raise ServiceError("invalid", _("A ban lasts from 1 day to 10 years, or for good."))
    now = timezone.now()
    with transaction.atomic():
        ban = Sanction.objects.create(
            kind=Sanction.Kind.BAN,
            participant=participant,
            ends_at=now + timedelta(days=days) if days is not None else None,
            created_by_id=access.actor.id,
        )
        record_action(access, "ban", message, note=reason, data={"days": days})
        publish_on_commit(
            actor_group(f"p{participant.pk}"),
            {"type": "actor.close", "code": CLOSE_BANNED, "reason": "banned"},
        )
        notify_staff(access, "ban", message, days=days)
    return ban


def do_lift_ban(actor: Actor, ban: Sanction) -> None:
    """An admin or supervisor lifts a ban early (from the Django admin)."""
    with transaction.atomic():
        if not Sanction.objects.filter(pk=ban.pk, lifted_at=None).update(lifted_at=timezone.now()):
            return
        audit.record(
            _label(actor), "unban", target=ban.participant.handle, data={"sanction": ban.pk}
        )


def do_warn(access: RoomAccess, message: Message, text: str) -> Message:
    """A private warning that only the sender of ``message`` (and staff) can read.

    Precondition: ``check_target`` returned ``message``.
    """
    participant = sender_of(message)
    room = Room.objects.get(pk=access.room_id)
    with transaction.atomic():
        warning = do_post_notice(
            room,
            text,
            kind=Message.Kind.WARNING,
            audience=Message.Audience.PRIVATE,
            recipient=participant,
            sender=access.actor,
        )
        # The warning itself is the note: a private message, encrypted like any other.
        record_action(access, "warn", message, note_id=warning.seq)
        notify_staff(access, "warn", message)
    return warning


# --- room settings ----------------------------------------------------------------------


def _locked_state(access: RoomAccess) -> RoomState:
    if access.kind != Room.Kind.GROUP:
        raise ServiceError("invalid", _("Only group rooms have slow mode, locks and rules."))
    RoomState.objects.get_or_create(room_id=access.room_id)
    return RoomState.objects.select_for_update().get(room_id=access.room_id)


def state_frame(state: RoomState | None, room_id: int) -> dict[str, Any]:
    """The room's moderation settings as everyone in it may see them."""
    rules = None
    if state is not None and state.rules_message is not None:
        rules = {"id": state.rules_message.seq, "text": decrypt_message(state.rules_message)}
    return {
        "type": "moderation.state",
        "room": room_id,
        "slow_mode_seconds": state.slow_mode_seconds if state else 0,
        "locked": state.locked if state else False,
        "rules": rules,
    }


def notify_state(state: RoomState) -> None:
    publish_on_commit(
        room_group(state.room_id),
        {"type": "chat.frame", "frame": state_frame(state, state.room_id)},
    )


def do_set_slow_mode(access: RoomAccess, seconds: int) -> RoomState:
    """At most one message per ``seconds`` per participant; 0 turns slow mode off.

    Precondition: ``check_moderator`` passed.
    """
    with transaction.atomic():
        state = _locked_state(access)
        if state.slow_mode_seconds == seconds:
            return state
        state.slow_mode_seconds = seconds
        state.save(update_fields=["slow_mode_seconds", "updated_at"])
        text = (
            notice(
                gettext_noop(
                    "Slow mode is on: everyone can send one message every %(seconds)d seconds."
                ),
                seconds=seconds,
            )
            if seconds
            else notice(gettext_noop("Slow mode is off."))
        )
        # The notice locks the room row before the audit log's head row, in the same order
        # as sending a message does, so the two never wait on each other.
        do_post_notice(state.room, text)
        record_action(access, "slow_mode", None, data={"seconds": seconds})
        notify_state(state)
    return state


def do_set_locked(access: RoomAccess, locked: bool) -> RoomState:
    """Lock the room so that only staff can post, or open it again.

    Precondition: ``check_moderator`` passed.
    """
    with transaction.atomic():
        state = _locked_state(access)
        if state.locked == locked:
            return state
        state.locked = locked
        state.save(update_fields=["locked", "updated_at"])
        do_post_notice(
            state.room,
            notice(gettext_noop("This room is locked for now: only staff can post."))
            if locked
            else notice(gettext_noop("The room is open again: everyone can post.")),
        )
        record_action(access, "lock" if locked else "unlock", None)
        notify_state(state)
    return state


def do_pin_rules(access: RoomAccess, text: str) -> RoomState:
    """Post the room's rules and pin them: each participant accepts them before posting.

    Precondition: ``check_moderator`` passed.
    """
    with transaction.atomic():
        state = _locked_state(access)
        state.rules_message = do_post_notice(state.room, text, sender=access.actor)
        state.save(update_fields=["rules_message", "updated_at"])
        record_action(access, "pin_rules", None, data={"rules": state.rules_message.seq})
        notify_state(state)
    return state


def do_unpin_rules(access: RoomAccess) -> RoomState:
    """Participants no longer need to accept rules. Precondition: ``check_moderator`` passed."""
    with transaction.atomic():
        state = _locked_state(access)
        if state.rules_message_id is None:
            return state
        state.rules_message = None
        state.save(update_fields=["rules_message", "updated_at"])
        record_action(access, "unpin_rules", None)
        notify_state(state)
    return state
