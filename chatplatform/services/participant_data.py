"""A participant's controls over their data: download it, or delete it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from chatplatform import audit, logs
from chatplatform.actors import participant_actor
from chatplatform.crypto import DecryptionError
from chatplatform.models import Block, Message, Participant, QueueTicket, Room
from chatplatform.services import keys, retention
from chatplatform.services.access import RoomAccess
from chatplatform.services.messages import decrypt_message
from chatplatform.services.queue import do_end_chat
from chatplatform.signals import participant_erased

ERASED_HANDLE = "Former participant"


def participant_export(participant: Participant) -> dict[str, Any]:
    """Every message the participant sent that is still held, with its text when still readable.

    The caller sends this to the participant only; it is marked private for the logs.
    """
    messages = list(
        Message.objects.filter(sender_participant=participant)
        .select_related("room")
        .order_by("created_at", "pk")
    )
    versions_by_room: dict[int, set[int]] = defaultdict(set)
    for message in messages:
        if message.key_version is not None and message.body_ciphertext is not None:
            versions_by_room[message.room_id].add(message.key_version)
    room_keys = {
        room_id: keys.room_keys(room_id, versions) for room_id, versions in versions_by_room.items()
    }
    exported = []
    for message in messages:
        data_key = room_keys.get(message.room_id, {}).get(message.key_version or 0)
        body = None
        if data_key is not None:
            try:
                body = decrypt_message(message, data_key)
            except DecryptionError:
                body = None
        exported.append(
            {
                "room": message.room.title,
                "sent_at": message.created_at.isoformat(),
                "status": message.status,
                "body": body,
                "deleted": body is None,
            }
        )
    logs.mark_private([entry["body"] for entry in exported])
    return {
        "handle": participant.handle,
        "first_visit": participant.created_at.date().isoformat(),
        "exported_at": timezone.now().isoformat(),
        "messages": exported,
    }


@dataclass(frozen=True)
class ErasureReport:
    messages_shredded: int
    # Content in chats under a safety review is shredded when the review's hold ends.
    postponed_rooms: int


def do_erase_participant(participant: Participant, session: Any) -> ErasureReport:
    """ "Delete my data": shred the participant's content and forget their identity.

    Shreds every message they sent or were sent privately, and the whole of
    each 1:1 chat they had (the mentor's side is about them too: its room keys
    are destroyed as well). In group rooms other people's messages stay; the
    participant's own are overwritten. Rooms on hold keep their content until
    the hold ends, then ``purge_expired`` finishes the job. Receivers of
    ``participant_erased`` unlink what they hold (e.g. the survey key). The
    browser session is flushed, so the next visit is a new identity.
    """
    now = timezone.now()
    actor = participant_actor(participant)
    open_chats = Room.objects.filter(
        kind=Room.Kind.DIRECT,
        closed_at__isnull=True,
        memberships__participant=participant,
        memberships__left_at__isnull=True,
    ).distinct()
    for room in open_chats:
        # Built here rather than by check_room_access: its entry checks (e.g. a ban)
        # must not stop anyone from deleting their own data.
        do_end_chat(
            RoomAccess(
                actor=actor,
                room_id=room.pk,
                kind=room.kind,
                title=room.title,
                is_open=True,
                is_member=True,
                can_moderate=False,
            )
        )
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        participant.erased_at = now
        participant.handle = ERASED_HANDLE
        # The language of what they wrote goes with what they wrote.
        participant.written_language = ""
        participant.save(update_fields=["erased_at", "handle", "written_language"])
        Message.objects.filter(sender_participant=participant).update(sender_handle=ERASED_HANDLE)
        QueueTicket.objects.filter(
            participant=participant, status=QueueTicket.Status.WAITING
        ).update(status=QueueTicket.Status.CANCELLED, closed_at=now)
        Block.objects.filter(blocker=participant).delete()
        Block.objects.filter(blocked=participant).delete()
        held = retention.rooms_on_hold(now)
        shredded = retention.complete_erasures(held, now, participant_ids=[participant.pk])
        postponed = (
            retention.erasure_rooms([participant.pk]).filter(pk__in=held).count()
            + Message.objects.filter(sender_participant=participant, shredded_at__isnull=True)
            .exclude(room__kind=Room.Kind.DIRECT)
            .values("room_id")
            .distinct()
            .count()
        )
        participant_erased.send(sender=Participant, participant=participant)
        audit.record(
            audit.SYSTEM,
            "participant.erased",
            data={"messages_shredded": shredded, "postponed_rooms": postponed},
        )
    session.flush()
    return ErasureReport(messages_shredded=shredded, postponed_rooms=postponed)
