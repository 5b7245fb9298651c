"""The mentors' moderation queue: reported, flagged and held messages, and their resolution."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import audit, notices, pipeline, roles
from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.events import publish_on_commit, room_staff_group
from chatplatform.models import Message, Room
from chatplatform.services.access import SUPERVISING_ROLES, RoomAccess
from chatplatform.services.messages import decrypt_message, do_release_held
from moderation import rules
from moderation.checks import SOURCE
from moderation.models import ReviewItem
from moderation.services import actions

# What a mentor may decide about a held message (it cannot be hidden: nobody has seen it).
HELD_RESOLUTIONS = (
    ReviewItem.Resolution.APPROVE,
    ReviewItem.Resolution.REJECT,
    ReviewItem.Resolution.MUTE,
    ReviewItem.Resolution.BAN,
)
CONTEXT_BEFORE = 3
CONTEXT_AFTER = 2
QUEUE_PAGE_SIZE = 100
DEFAULT_MUTE_MINUTES = 30


def open_item(
    message: Message, kind: str, reasons: list[str] | None = None
) -> tuple[ReviewItem, bool]:
    """The open queue item of this kind for this message, created if there is none."""
    return ReviewItem.objects.get_or_create(
        message=message,
        kind=kind,
        resolved_at=None,
        defaults={"room_id": message.room_id, "reasons": reasons or []},
    )


def notify_review_item(item: ReviewItem, **details: Any) -> None:
    """Alert the staff in the room: a message needs a look."""
    frame = {
        "type": "moderation.alert",
        "room": item.room_id,
        "item": item.pk,
        "kind": item.kind,
        "message": item.message.seq,
        "reasons": item.reasons,
        **details,
    }
    publish_on_commit(
        room_staff_group(item.room_id),
        {"type": "chat.frame", "frame": frame, "audience": "staff"},
    )


def on_message_stored(
    sender: object,
    message: Message,
    body: str,
    outcome: pipeline.Outcome,
    actor: Actor,
    **kwargs: object,
) -> None:
    """Record what the rules did to a stored message and queue it when a mentor must look.

    Runs inside the transaction that stored the message (chatplatform.signals).
    """
    flags = [flag for flag in outcome.flags if flag.source == SOURCE]
    for flag in flags:
        audit.record(
            audit.AUTOMOD,
            flag.kind,
            target=message.sender_handle,
            room_id=message.room_id,
            reason=flag.data.get("rule", ""),
            data={"message": message.seq, "held_ref": None if message.seq else message.pk},
        )
    if message.status == Message.Status.HELD:
        # Any check may hold a message; whoever held it, a mentor must release or reject it.
        reasons = [f.data.get("rule", f.kind) for f in outcome.flags if f.kind == pipeline.HOLD]
        item, _created = open_item(
            message, ReviewItem.Kind.HELD, reasons or [outcome.code or "held"]
        )
        notify_review_item(item)
    flagged = [flag.data["rule"] for flag in flags if flag.kind == rules.FLAG]
    if flagged:
        item, _created = open_item(message, ReviewItem.Kind.FLAG, flagged)
        notify_review_item(item)


# --- reading the queue ------------------------------------------------------------------


def moderated_rooms(actor: Actor) -> Any:
    """Rooms whose queue this staff member works: supervisors and admins see every room."""
    if not actor.is_staff or actor.role not in roles.CHAT_ROLES:
        raise ServiceError("forbidden", _("Only mentors and supervisors moderate rooms."))
    if actor.role in SUPERVISING_ROLES:
        return Room.objects.all()
    return Room.objects.filter(
        memberships__user_id=actor.id, memberships__left_at__isnull=True
    ).distinct()


@dataclass(frozen=True)
class ContextLine:
    id: int | None
    handle: str
    role: str
    body: str | None
    hidden: bool
    is_subject: bool


@dataclass(frozen=True)
class QueueEntry:
    item: ReviewItem
    context: list[ContextLine]
    report_count: int


def _context(message: Message) -> list[ContextLine]:
    """The message with a few delivered messages around it, as staff see them."""
    around = Message.objects.filter(
        room_id=message.room_id, status=Message.Status.DELIVERED
    ).exclude(pk=message.pk)
    before = list(
        around.filter(created_at__lte=message.created_at).order_by("-created_at")[:CONTEXT_BEFORE]
    )
    after = list(
        around.filter(created_at__gt=message.created_at).order_by("created_at")[:CONTEXT_AFTER]
    )
    lines = []
    for each in [*reversed(before), message, *after]:
        lines.append(
            ContextLine(
                id=each.seq,
                handle=each.sender_handle,
                role=each.sender_role,
                body=notices.for_reader(each.sender_role, decrypt_message(each)),
                hidden=each.hidden_at is not None,
                is_subject=each.pk == message.pk,
            )
        )
    return lines


def queue_for(actor: Actor, room_id: int | None = None) -> list[QueueEntry]:
    """Open items in the rooms this staff member moderates, newest first, with context."""
    items = (
        ReviewItem.objects.filter(resolved_at=None, room__in=moderated_rooms(actor))
        .select_related("message", "room")
        .annotate(report_count=Count("message__reports"))
        .order_by("-created_at")
    )
    if room_id is not None:
        items = items.filter(room_id=room_id)
    return [
        QueueEntry(item=item, context=_context(item.message), report_count=item.report_count)
        for item in items[:QUEUE_PAGE_SIZE]
    ]


def counts_for(actor: Actor) -> list[dict[str, Any]]:
    """Open items per room, for the rooms this staff member moderates."""
    return list(
        moderated_rooms(actor)
        .annotate(
            open_items=Count(
                "review_items", filter=Q(review_items__resolved_at=None), distinct=True
            )
        )
        .filter(open_items__gt=0)
        .order_by("-open_items", "title")
        .values("id", "title", "kind", "open_items")
    )


@dataclass(frozen=True)
class QueuePage:
    entries: list[QueueEntry]
    counts: list[dict[str, Any]]
    can_read_audit: bool


def queue_page(actor: Actor, room_id: int | None) -> QueuePage:
    """What the moderation queue page shows this staff member."""
    return QueuePage(
        entries=queue_for(actor, room_id),
        counts=counts_for(actor),
        can_read_audit=actor.role in SUPERVISING_ROLES,
    )


# --- resolving --------------------------------------------------------------------------


def check_item(actor: Actor, item_id: int, resolution: str) -> tuple[ReviewItem, RoomAccess]:
    """The open item and the room access to act on it, when this staff member may."""
    item = ReviewItem.objects.select_related("message").filter(pk=item_id).first()
    if item is None:
        raise ServiceError("not_found", _("That queue item does not exist."))
    access = actions.check_moderation_access(actor, item.room_id, resolution)
    if not item.is_open:
        raise ServiceError("gone", _("Someone has already resolved this item."))
    held = item.message.status == Message.Status.HELD
    if resolution in (ReviewItem.Resolution.APPROVE, ReviewItem.Resolution.REJECT) and not held:
        raise ServiceError("invalid", _("Only held messages can be approved or rejected."))
    if held and resolution not in HELD_RESOLUTIONS:
        raise ServiceError("invalid", _("A held message must be approved or rejected."))
    return item, access


def do_resolve(
    item: ReviewItem,
    access: RoomAccess,
    resolution: str,
    note: str,
    *,
    minutes: int | None = None,
    days: int | None = None,
) -> ReviewItem:
    """Carry out the mentor's decision and close every open item about the same message.

    Precondition: ``check_item`` returned ``item`` and ``access``. A muted or banned
    sender's held message is rejected as well.
    """
    message = item.message
    # The mentor's note is content: one staff note in the room, which the actions
    # below and the audit entry refer to by id (see actions.post_note).
    with transaction.atomic():
        note_id = actions.post_note(access, "resolve", message, note)
        if resolution == ReviewItem.Resolution.HIDE:
            actions.do_hide_message(access, message, note_id=note_id)
        elif resolution == ReviewItem.Resolution.UNHIDE:
            actions.do_unhide_message(access, message)
        elif resolution == ReviewItem.Resolution.APPROVE:
            do_release_held(message)
            actions.record_action(access, "approve", message, note_id=note_id)
        elif resolution == ReviewItem.Resolution.MUTE:
            actions.do_mute(access, message, minutes or DEFAULT_MUTE_MINUTES)
        elif resolution == ReviewItem.Resolution.REMOVE:
            actions.do_remove(access, message)
        elif resolution == ReviewItem.Resolution.BAN:
            actions.do_ban(access, message, days, "")
        if resolution == ReviewItem.Resolution.REJECT or (
            message.status == Message.Status.HELD and resolution != ReviewItem.Resolution.APPROVE
        ):
            do_reject_held(access, message, note_id)
        now = timezone.now()
        ReviewItem.objects.filter(message=message, resolved_at=None).update(
            resolved_at=now, resolved_by_id=access.actor.id, resolution=resolution
        )
        data = {"item": item.pk, "resolution": resolution, "message": message.seq}
        if note_id is not None:
            data["note"] = note_id
        audit.record(
            audit.staff_label(access.actor.id),
            "resolve",
            target=message.sender_handle,
            room_id=message.room_id,
            data=data,
        )
    item.refresh_from_db()
    return item


def do_reject_held(access: RoomAccess, message: Message, note_id: int | None = None) -> None:
    """A held message is never delivered; its sender hears so privately."""
    with transaction.atomic():
        if not Message.objects.filter(pk=message.pk, status=Message.Status.HELD).update(
            status=Message.Status.REJECTED
        ):
            return
        actions.record_action(access, "reject", message, note_id=note_id)
        if message.sender_participant_id is not None:
            actions.notify_participant(
                message.sender_participant_id,
                message.room_id,
                {
                    "type": "message.rejected",
                    "room": message.room_id,
                    "client_id": str(message.client_id) if message.client_id else None,
                },
            )
