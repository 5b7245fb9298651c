"""Retention: message content is kept MESSAGE_RETENTION_DAYS, then shredded.

Metadata stays (timestamps, counts, roles, lengths, kinds, statuses) so that
evaluation keeps working; content never does. Rooms on hold (an open crisis
escalation, or one resolved less than ESCALATION_HOLD_DAYS ago: the
escalation app's ``rooms_on_hold``, named in ROOM_HOLD_CHECKS) keep their
content until the hold ends. Shredding a message overwrites its ciphertext
with NULL; shredding a key destroys the data key every copy of that
ciphertext (backups included) depends on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from chatplatform import audit
from chatplatform.models import Message, Room, RoomKey
from chatplatform.services import keys


@dataclass
class PurgeReport:
    messages_shredded: int = 0
    keys_shredded: int = 0
    erasure_messages_shredded: int = 0
    rooms_on_hold: int = 0
    messages_kept_on_hold: int = 0
    sessions_deleted: int = 0
    # Other apps' rows deleted (RETENTION_PURGES), by the purge function's name.
    other_rows_deleted: dict[str, int] = field(default_factory=dict)


def rooms_on_hold(now: datetime) -> set[int]:
    """Union of every configured hold check (``ROOM_HOLD_CHECKS``: ``f(now) -> set[int]``)."""
    held: set[int] = set()
    for path in settings.ROOM_HOLD_CHECKS:
        held |= set(import_string(path)(now))
    return held


def shred_messages(messages: QuerySet[Message], now: datetime) -> int:
    """Overwrite the ciphertext of these messages; their metadata stays."""
    return messages.filter(shredded_at__isnull=True).update(body_ciphertext=None, shredded_at=now)


def erasure_rooms(participant_ids: Iterable[int] | None = None) -> QuerySet[Room]:
    """1:1 chats of erased participants: everything said there is about them."""
    rooms = Room.objects.filter(kind=Room.Kind.DIRECT)
    if participant_ids is None:
        rooms = rooms.filter(memberships__participant__erased_at__isnull=False)
    else:
        rooms = rooms.filter(memberships__participant_id__in=list(participant_ids))
    return rooms.distinct()


def complete_erasures(
    held: set[int], now: datetime, participant_ids: Iterable[int] | None = None
) -> int:
    """Shred what erased participants wrote or were sent, and their 1:1 chats, outside holds.

    ``participant_ids`` limits it to those participants (the erasure itself);
    None finishes every erasure a hold had postponed (the daily purge).
    Returns the number of messages shredded.
    """
    if participant_ids is None:
        theirs = Q(sender_participant__erased_at__isnull=False) | Q(
            recipient_participant__erased_at__isnull=False
        )
    else:
        ids = list(participant_ids)
        theirs = Q(sender_participant_id__in=ids) | Q(recipient_participant_id__in=ids)
    room_ids = set(erasure_rooms(participant_ids).values_list("pk", flat=True)) - held
    shredded = shred_messages(Message.objects.filter(theirs).exclude(room_id__in=held), now)
    shredded += shred_messages(Message.objects.filter(room_id__in=room_ids), now)
    keys.do_shred_keys(RoomKey.objects.filter(room_id__in=room_ids), now)
    return shredded


def do_purge_expired(now: datetime | None = None) -> PurgeReport:
    """Shred expired content outside holds, finish postponed erasures, drop expired sessions.

    Idempotent: a second run finds nothing left to do. Writes one audit entry
    with the counts.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.MESSAGE_RETENTION_DAYS)
    report = PurgeReport()
    with transaction.atomic():
        held = rooms_on_hold(now)
        expired = Message.objects.filter(created_at__lt=cutoff, shredded_at__isnull=True)
        report.rooms_on_hold = len(held)
        report.messages_kept_on_hold = expired.filter(room_id__in=held).count()
        report.messages_shredded = shred_messages(expired.exclude(room_id__in=held), now)
        report.erasure_messages_shredded = complete_erasures(held, now)
        # A key is used for new messages for one bucket after it was made, so a
        # key made a bucket before the cutoff protects only expired messages.
        old_keys = RoomKey.objects.filter(created_at__lte=cutoff - keys.bucket_length()).exclude(
            room_id__in=held
        )
        report.keys_shredded = keys.do_shred_keys(old_keys, now)
        report.sessions_deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
        for path in settings.RETENTION_PURGES:
            report.other_rows_deleted[path.rsplit(".", 1)[-1]] = import_string(path)(now)
        audit.record(audit.SYSTEM, "retention.purge", data=asdict(report))
    return report
