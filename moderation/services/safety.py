"""What participants do to keep themselves safe: report, block, accept a room's rules."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import audit
from chatplatform.actors import actor_group
from chatplatform.errors import ServiceError
from chatplatform.events import publish_on_commit
from chatplatform.models import Block, Message
from chatplatform.services.access import RoomAccess, blocked_sender_keys
from moderation.models import Report, ReviewItem, RoomState, RulesAcceptance, Sanction
from moderation.services.actions import do_hide, state_frame
from moderation.services.review import notify_review_item, open_item


def check_participant_target(access: RoomAccess, message_id: int) -> Message:
    """A message this participant can see in the room, sent by someone else."""
    if access.actor.is_staff:
        raise ServiceError("invalid", _("Staff hide messages or mute senders instead."))
    message = (
        Message.objects.filter(
            Q(audience=Message.Audience.ROOM)
            | Q(audience=Message.Audience.PRIVATE, recipient_participant_id=access.actor.id),
            room_id=access.room_id,
            seq=message_id,
            status=Message.Status.DELIVERED,
        )
        .select_related("sender_participant")
        .first()
    )
    if message is None:
        raise ServiceError("not_found", _("There is no message with that id in this room."))
    if message.sender_participant_id == access.actor.id:
        raise ServiceError("invalid", _("That is your own message."))
    return message


def do_report(access: RoomAccess, message: Message, category: str) -> bool:
    """Put a reported message in the moderation queue; enough reporters hide it pending review.

    Precondition: ``check_participant_target`` returned ``message``. Returns False when
    this participant had already reported it.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                Report.objects.create(
                    message=message, reporter_id=access.actor.id, category=category
                )
        except IntegrityError:
            return False
        item, _created = open_item(message, ReviewItem.Kind.REPORT)
        if category not in item.reasons:
            item.reasons = [*item.reasons, category]
            item.save(update_fields=["reasons"])
        reporters = Report.objects.filter(message=message).count()
        threshold = settings.REPORT_AUTO_HIDE_THRESHOLD
        if threshold and reporters >= threshold:
            do_hide(
                message,
                _("Hidden after %(count)d reports, waiting for a mentor's review.")
                % {"count": reporters},
                audit.AUTOMOD,
            )
        notify_review_item(item, reports=reporters)
    return True


def notify_blocks(participant_id: int, blocked: frozenset[str]) -> None:
    publish_on_commit(
        actor_group(f"p{participant_id}"), {"type": "actor.blocks", "blocked": sorted(blocked)}
    )


def do_set_block(access: RoomAccess, message: Message, blocked: bool) -> None:
    """Stop (or resume) receiving the sender's messages, in every room.

    Precondition: ``check_participant_target`` returned ``message``.
    """
    if message.sender_participant_id is None:
        raise ServiceError("invalid", _("You can block other participants, not staff."))
    with transaction.atomic():
        if blocked:
            Block.objects.get_or_create(
                blocker_id=access.actor.id, blocked_id=message.sender_participant_id
            )
        else:
            Block.objects.filter(
                blocker_id=access.actor.id, blocked_id=message.sender_participant_id
            ).delete()
        notify_blocks(access.actor.id, blocked_sender_keys(access.actor))


def do_accept_rules(access: RoomAccess, rules_id: int) -> None:
    """Accept the rules pinned in this room; ``rules_id`` is the rules message's id."""
    state = RoomState.objects.filter(room_id=access.room_id).select_related("rules_message").first()
    if state is None or state.rules_message is None or state.rules_message.seq != rules_id:
        raise ServiceError("rules_changed", _("The room's rules have changed. Please read them."))
    if access.actor.is_staff:
        return
    RulesAcceptance.objects.get_or_create(
        participant_id=access.actor.id,
        rules_message=state.rules_message,
        defaults={"room_id": access.room_id},
    )


def room_state_for(access: RoomAccess) -> dict[str, Any]:
    """The room's moderation settings, and where this viewer stands with them."""
    state = RoomState.objects.filter(room_id=access.room_id).select_related("rules_message").first()
    frame = state_frame(state, access.room_id)
    frame["can_moderate"] = access.can_moderate
    if access.actor.is_staff:
        if access.can_moderate:
            # Only this staff member's reply carries it: participants never learn who is muted.
            frame["muted"] = muted_handles(access.room_id)
        return frame
    rules_message_id = state.rules_message_id if state is not None else None
    frame["rules_accepted"] = (
        rules_message_id is None
        or RulesAcceptance.objects.filter(
            participant_id=access.actor.id, rules_message_id=rules_message_id
        ).exists()
    )
    mute = Sanction.in_force(Sanction.Kind.MUTE, access.actor.id, access.room_id)
    frame["muted_until"] = mute.ends_at.isoformat() if mute is not None else None
    if mute is not None:
        frame["seconds_left"] = max(1, int((mute.ends_at - timezone.now()).total_seconds()))
    return frame


def muted_handles(room_id: int) -> list[str]:
    """The handles of the participants muted in this room now, for its moderators."""
    now = timezone.now()
    return sorted(
        Sanction.objects.filter(
            kind=Sanction.Kind.MUTE, room_id=room_id, lifted_at=None, ends_at__gt=now
        ).values_list("participant__handle", flat=True)
    )
