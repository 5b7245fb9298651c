"""Sending, storing, replaying and rendering messages."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import events, fastsql, notices, pipeline, roles
from chatplatform.actors import Actor
from chatplatform.crypto import DecryptionError
from chatplatform.errors import ServiceError
from chatplatform.events import publish_on_commit
from chatplatform.models import Message, Participant, Room, RoomKey
from chatplatform.services import keys
from chatplatform.services.access import RoomAccess
from chatplatform.signals import message_stored

logger = logging.getLogger(__name__)

RESUME_BATCH = 200
HISTORY_MAX = 100
SYSTEM_HANDLE = "System"


room_group = events.room_group


@dataclass(frozen=True)
class Viewer:
    """Who a message is being rendered for."""

    key: str
    is_staff: bool
    blocked: frozenset[str] = frozenset()

    @classmethod
    def of(cls, actor: Actor, blocked: frozenset[str] = frozenset()) -> Viewer:
        return cls(key=actor.key, is_staff=actor.is_staff, blocked=blocked)


@dataclass(frozen=True)
class SendResult:
    client_id: str
    id: int | None
    status: str
    duplicate: bool = False
    masked: bool = False
    notice: str = ""

    def ack_frame(self) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": "message.ack", "client_id": self.client_id, "id": self.id}
        if self.status != Message.Status.DELIVERED:
            frame["status"] = self.status
        if self.masked:
            frame["masked"] = True
        if self.notice:
            frame["notice"] = self.notice
        return frame


def normalise_body(body: str) -> str:
    return body.replace("\r\n", "\n").replace("\r", "\n").strip()


def check_can_post(access: RoomAccess) -> None:
    if not access.is_open:
        raise ServiceError("room_closed", _("This chat has ended. You can start a new one."))
    if access.actor.role == roles.EVALUATOR:
        raise ServiceError("forbidden", _("Your role cannot post in chats."))


def _sender_filter(actor: Actor) -> Q:
    return Q(sender_user_id=actor.id) if actor.is_staff else Q(sender_participant_id=actor.id)


def _existing_send(room_id: int, actor: Actor, client_id: str) -> SendResult | None:
    found = Message.objects.filter(
        _sender_filter(actor), room_id=room_id, client_id=client_id
    ).values_list("seq", "status")[:1]
    for seq, status in found:
        return SendResult(client_id=client_id, id=seq, status=status, duplicate=True)
    return None


def do_send_message(access: RoomAccess, client_id: str, body: str) -> SendResult:
    """Store a participant's or staff member's message, then broadcast it after commit.

    Preconditions: ``access`` came from check_room_access for this actor, and
    the body length was checked at the edge. Re-sending a ``client_id`` returns
    the original result and stores nothing.
    """
    context = contextvars.copy_context()
    [outcome] = do_send_messages([SendRequest(access, client_id, body, context)])
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


@dataclass(frozen=True)
class SendRequest:
    """One message waiting for the database. ``context`` is its sender's: log
    redaction and the sender's held events (chatplatform.events) apply inside it."""

    access: RoomAccess
    client_id: str
    body: str
    context: contextvars.Context

    def __repr__(self) -> str:
        return f"SendRequest(room={self.access.room_id}, client_id={self.client_id!r})"


def do_send_messages(requests: Sequence[SendRequest]) -> list[SendResult | ServiceError]:
    """Store a batch of messages in one transaction (group commit).

    Preconditions: as for do_send_message, for each request. Each message is
    checked and stored in order, so one refusal, or one re-sent ``client_id``,
    leaves the others alone; ids are taken in order under each room's row lock.
    Returns one result or refusal per request once the transaction has committed.
    Any other error fails the whole batch: nothing of it is stored, and the caller
    must tell every sender.
    """
    outcomes: list[SendResult | ServiceError] = []
    with transaction.atomic():
        _lock_rooms({request.access.room_id for request in requests})
        for request in requests:
            try:
                outcomes.append(
                    request.context.run(_send, request.access, request.client_id, request.body)
                )
            except ServiceError as refusal:
                outcomes.append(refusal)
    return outcomes


def _lock_rooms(room_ids: set[int]) -> None:
    """Lock a batch's rooms in id order before taking any message id.

    Each id is taken under its room's row lock. Two nodes' batches taking the
    locks in the order their messages came would deadlock (one holds room 1 and
    waits for room 2, the other the reverse); in id order they queue instead.
    SQLite locks the whole database for a write transaction, so it needs none.
    """
    if len(room_ids) > 1 and connection.features.has_select_for_update:
        list(
            Room.objects.select_for_update()
            .filter(pk__in=room_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def draft_for(access: RoomAccess, body: str) -> pipeline.Draft:
    """The draft the message checks (MESSAGE_CHECKS) read: this sender, room and body."""
    return pipeline.Draft(
        room_id=access.room_id,
        room_kind=access.kind,
        sender_kind=access.actor.kind,
        sender_id=access.actor.id,
        sender_role=access.actor.role,
        body=body,
    )


def _send(access: RoomAccess, client_id: str, body: str) -> SendResult:
    """Check and store one message in the batch's transaction, without a savepoint.

    Every refusal comes before the first write of the message (what the checks
    record, an automatic block's audit entry, stays). A re-sent ``client_id`` is
    caught by the INSERT itself (``ON CONFLICT DO NOTHING``), which gives its id
    back; ``message_stored`` receivers may not refuse a stored message, so an
    error from one fails the batch.
    """
    check_can_post(access)
    body = normalise_body(body)
    if not body:
        raise ServiceError("invalid", _("The message is empty."))
    outcome = pipeline.run_checks(draft_for(access, body))
    if outcome.action == pipeline.BLOCK:
        # A re-send after a reconnect is acknowledged, not refused by a check that
        # changed since the message was accepted (a mute, slow mode).
        duplicate = _existing_send(access.room_id, access.actor, client_id)
        if duplicate is not None:
            return duplicate
        raise ServiceError(
            outcome.code or "blocked",
            outcome.detail or _("This message can't be sent."),
            **outcome.extra,
        )
    held = outcome.action == pipeline.HOLD
    message = Message(
        room_id=access.room_id,
        client_id=client_id,
        sender_participant_id=None if access.actor.is_staff else access.actor.id,
        sender_user_id=access.actor.id if access.actor.is_staff else None,
        sender_role=access.actor.role,
        sender_handle=access.actor.handle,
        status=Message.Status.HELD if held else Message.Status.DELIVERED,
    )
    if not _store(message, outcome.body, deliver=not held, skip_duplicate=True):
        # The unique (room, sender, client_id) constraint caught a re-send; nothing was kept.
        duplicate = _existing_send(access.room_id, access.actor, client_id)
        if duplicate is None:
            raise IntegrityError("a new message collided with a row that is not its original")
        return duplicate
    try:
        message_stored.send(
            sender=Message, message=message, body=outcome.body, outcome=outcome, actor=access.actor
        )
    except ServiceError as refusal:
        # Without a savepoint the stored row and its id cannot be taken back alone.
        raise RuntimeError("a message_stored receiver refused a stored message") from refusal
    return SendResult(
        client_id=client_id,
        id=message.seq,
        status=message.status,
        masked=outcome.masked,
        notice=outcome.detail if (held or outcome.masked) else "",
    )


# The send path's one statement: lock the room row, take the next message id, and read
# the room's newest live data-key version and newest version of any key (0: none yet,
# so the room's first message creates version 1 without another query). Table names
# come from the models.
_NEXT_SEQ_SQL = (
    f"UPDATE {Room._meta.db_table} SET last_seq = last_seq + 1 WHERE id = %s "  # noqa: S608
    f"RETURNING last_seq, closed_at, (SELECT MAX(version) FROM {RoomKey._meta.db_table} "
    f"WHERE room_id = {Room._meta.db_table}.id AND shredded_at IS NULL "
    "AND wrapped_key IS NOT NULL), "
    f"(SELECT COALESCE(MAX(version), 0) FROM {RoomKey._meta.db_table} "
    f"WHERE room_id = {Room._meta.db_table}.id)"
)


def _take_next_seq(room_id: int, *, allow_closed: bool = False) -> tuple[int, keys.KeyVersions]:
    """Lock the room row and take its next message id; also its key versions.

    The UPDATE holds the row lock until commit, so ids commit in the order they are
    taken and a resuming client never skips one. A closed room refuses new messages.
    """
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SEQ_SQL, [room_id])
        row = cursor.fetchone()
    if row is None:
        raise ServiceError("not_found", _("This room does not exist."))
    if row[1] is not None and not allow_closed:
        raise ServiceError("room_closed", _("This chat has ended. You can start a new one."))
    return row[0], keys.KeyVersions(newest_live=row[2], newest=row[3])


def _check_open(room_id: int) -> None:
    closed = Room.objects.filter(pk=room_id).values_list("closed_at", flat=True).first()
    if closed is not None:
        raise ServiceError("room_closed", _("This chat has ended. You can start a new one."))


def _store(
    message: Message,
    body: str,
    *,
    deliver: bool,
    allow_closed: bool = False,
    skip_duplicate: bool = False,
) -> bool:
    """Encrypt and save; when delivering, take the next id and broadcast after commit.

    Call inside a transaction. ``allow_closed`` lets the core post its own notice
    ("the chat has ended") into a room it has just closed. With ``skip_duplicate``,
    a message that breaks a unique constraint (a re-sent ``client_id``) is not
    stored, gives back the id it took, and False is returned.
    """
    versions = None
    if deliver:
        message.seq, versions = _take_next_seq(message.room_id, allow_closed=allow_closed)
        message.delivered_at = timezone.now()
    elif not allow_closed:
        _check_open(message.room_id)
    message.key_version, message.body_ciphertext = keys.encrypt_body(
        message.room_id, str(message.uid), body, versions
    )
    message.body_length = len(body)
    if not fastsql.insert(message, skip_duplicate=skip_duplicate):
        if deliver:
            _give_back_seq(message.room_id)
        return False
    if deliver:
        notify_message(message, body)
    return True


_GIVE_BACK_SEQ_SQL = f"UPDATE {Room._meta.db_table} SET last_seq = last_seq - 1 WHERE id = %s"  # noqa: S608


def _give_back_seq(room_id: int) -> None:
    """Return the id just taken by a message that was not stored.

    Safe only right after ``_take_next_seq`` in the same transaction: the room's
    row lock is still held and no later id was taken, so ids stay gap-free.
    """
    with connection.cursor() as cursor:
        cursor.execute(_GIVE_BACK_SEQ_SQL, [room_id])


def notify_message(message: Message, body: str | None) -> None:
    """After commit: the message to every socket that may see it (events.message_recipients)."""
    payload = message_payload(message, body)
    recipients = events.message_recipients(
        message.room_id,
        message.audience,
        message.recipient_participant_id,
        message.hidden_at is not None,
    )
    has_staff_copy = len(recipients) > 1
    for group, view in recipients:
        event: dict[str, Any] = {"type": "chat.message", "room": message.room_id}
        if view == events.MEMBER_VIEW:
            event["message"] = member_view(payload)
            # Staff sockets, in this group too, take the staff copy instead.
            event["staff_copy"] = has_staff_copy
        else:
            event["message"] = payload
        publish_on_commit(group, event)


def member_view(payload: dict[str, Any]) -> dict[str, Any]:
    """What every member of the room may see of a message: a hidden one without its body."""
    if not payload["hidden"]:
        return payload
    return {**payload, "body": None, "hidden_reason": ""}


def do_post_notice(
    room: Room,
    text: str,
    *,
    kind: str = Message.Kind.SYSTEM,
    audience: str = Message.Audience.ROOM,
    recipient: Participant | None = None,
    sender: Actor | None = None,
) -> Message:
    """Store and broadcast a system notice, staff whisper or private warning in a room.

    Notices may be posted into a closed room (the core's own "the chat has ended").
    """
    message = Message(
        room_id=room.pk,
        kind=kind,
        audience=audience,
        recipient_participant=recipient,
        sender_user_id=sender.id if sender and sender.is_staff else None,
        sender_role=sender.role if sender else notices.SYSTEM_ROLE,
        sender_handle=sender.handle if sender else SYSTEM_HANDLE,
    )
    with transaction.atomic():
        _store(message, text, deliver=True, allow_closed=True)
    return message


def do_release_held(message: Message) -> Message:
    """Deliver a held message now, with the next id, as if it had just been sent."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.status != Message.Status.HELD:
            return message
        body = decrypt_message(message)
        message.seq, _ = _take_next_seq(message.room_id, allow_closed=True)
        message.status = Message.Status.DELIVERED
        message.delivered_at = timezone.now()
        message.save(update_fields=["seq", "status", "delivered_at"])
        if body is not None:
            notify_message(message, body)
    return message


def message_payload(message: Message, body: str | None) -> dict[str, Any]:
    """Everything any viewer could be shown; render_for_viewer cuts it down per viewer."""
    if message.sender_participant_id is not None:
        sender_key = f"p{message.sender_participant_id}"
    elif message.sender_user_id is not None:
        sender_key = f"s{message.sender_user_id}"
    else:
        sender_key = ""
    return {
        "id": message.seq,
        "client_id": str(message.client_id) if message.client_id else None,
        "room": message.room_id,
        "sender": {"handle": message.sender_handle, "role": message.sender_role},
        "sender_key": sender_key,
        "body": body,
        "sent_at": _iso(message.delivered_at or message.created_at),
        "kind": message.kind,
        "audience": message.audience,
        "recipient_key": (
            f"p{message.recipient_participant_id}" if message.recipient_participant_id else None
        ),
        "hidden": message.hidden_at is not None,
        "hidden_reason": message.hidden_reason,
        "expired": body is None,
    }


def render_for_viewer(payload: dict[str, Any], viewer: Viewer) -> dict[str, Any] | None:
    """The ``message`` frame this viewer may see, or None when it is not for them."""
    audience = payload["audience"]
    if audience == Message.Audience.STAFF and not viewer.is_staff:
        return None
    if audience == Message.Audience.PRIVATE and not (
        viewer.is_staff or payload["recipient_key"] == viewer.key
    ):
        return None
    if payload["sender_key"] and payload["sender_key"] in viewer.blocked:
        return None
    frame = {
        "type": "message",
        "id": payload["id"],
        "client_id": payload["client_id"],
        "room": payload["room"],
        "sender": payload["sender"],
        "body": notices.for_reader(payload["sender"]["role"], payload["body"]),
        "sent_at": payload["sent_at"],
        "kind": payload["kind"],
        "mine": payload["sender_key"] == viewer.key,
    }
    if payload["expired"]:
        frame["expired"] = True
    if payload["hidden"]:
        frame["hidden"] = True
        if viewer.is_staff:
            frame["hidden_reason"] = payload["hidden_reason"]
        else:
            frame["body"] = None
    return frame


def decrypt_message(message: Message, data_key: bytes | None = None) -> str | None:
    """The plaintext body, or None when its key was shredded."""
    if message.body_ciphertext is None or message.key_version is None:
        return None
    if data_key is None:
        data_key = keys.room_keys(message.room_id, {message.key_version})[message.key_version]
        if data_key is None:
            return None
    return keys.decrypt_body(
        message.room_id, str(message.uid), message.key_version, message.body_ciphertext, data_key
    )


def _payloads(messages: list[Message]) -> list[dict[str, Any]]:
    if not messages:
        return []
    room_id = messages[0].room_id
    versions = {m.key_version for m in messages if m.key_version is not None}
    data_keys = keys.room_keys(room_id, versions) if versions else {}
    payloads = []
    for message in messages:
        data_key = data_keys.get(message.key_version) if message.key_version else None
        body: str | None = None
        if data_key is not None and message.body_ciphertext is not None:
            try:
                body = decrypt_message(message, data_key)
            except DecryptionError:
                # Never fall back to anything: a row that fails to authenticate shows as expired.
                logger.error(
                    "message failed to authenticate", extra={"room": room_id, "seq": message.seq}
                )
        payloads.append(message_payload(message, body))
    return payloads


def _visible(room_id: int, viewer: Viewer) -> Any:
    queryset = Message.objects.filter(
        room_id=room_id, status=Message.Status.DELIVERED, seq__isnull=False
    )
    if not viewer.is_staff:
        participant_id = int(viewer.key[1:])
        queryset = queryset.filter(
            Q(audience=Message.Audience.ROOM)
            | Q(audience=Message.Audience.PRIVATE, recipient_participant_id=participant_id)
        )
    return queryset


def messages_after(
    access: RoomAccess, viewer: Viewer, after: int
) -> tuple[list[dict[str, Any]], int]:
    """Every message with id > after that this viewer may see, in order, and the last id."""
    frames: list[dict[str, Any]] = []
    cursor = after
    queryset = _visible(access.room_id, viewer)
    while True:
        batch = list(queryset.filter(seq__gt=cursor).order_by("seq")[:RESUME_BATCH])
        for payload in _payloads(batch):
            frame = render_for_viewer(payload, viewer)
            if frame is not None:
                frames.append(frame)
        if batch:
            cursor = batch[-1].seq
        if len(batch) < RESUME_BATCH:
            break
    return frames, cursor


def messages_before(
    access: RoomAccess, viewer: Viewer, before: int | None, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """Up to ``limit`` messages older than ``before`` (newest page when None), oldest first."""
    limit = max(1, min(limit, HISTORY_MAX))
    queryset = _visible(access.room_id, viewer)
    if before is not None:
        queryset = queryset.filter(seq__lt=before)
    batch = list(queryset.order_by("-seq")[: limit + 1])
    has_more = len(batch) > limit
    batch = list(reversed(batch[:limit]))
    frames = [f for f in (render_for_viewer(p, viewer) for p in _payloads(batch)) if f is not None]
    return frames, has_more


def transcript_payloads(room_id: int) -> list[dict[str, Any]]:
    """Every message of a room, held and staff-only ones included, oldest first.

    For audited staff reads only (chatplatform.services.transcripts).
    """
    payloads = _payloads(list(Message.objects.filter(room_id=room_id).order_by("created_at", "pk")))
    for payload in payloads:
        payload["body"] = notices.for_reader(payload["sender"]["role"], payload["body"])
    return payloads


def last_message_id(room_id: int) -> int:
    return Room.objects.filter(pk=room_id).values_list("last_seq", flat=True).first() or 0


def _iso(moment: Any) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def max_length() -> int:
    return settings.MESSAGE_MAX_LENGTH
