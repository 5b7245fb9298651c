"""Chat records: a chat's timings and message count, from metadata only.

Recorded when a chat is matched (the core's ``chat_matched``) and completed when it
ends (``chat_ended``). Chats from before the evaluation app was installed are filled
in from the same metadata the first time a report needs them; after that a report
looks only at queue tickets newer than the last settled one it checked (a mark kept in
evaluation.models.ReportState), instead of comparing every ticket with every record.
"""

from __future__ import annotations

from django.db.models import Count, Max, Min, Q

from chatplatform import roles
from chatplatform.models import Message, QueueTicket, Room, User
from evaluation import state
from evaluation.models import ChatRecord

STAFF_ROLES = (roles.MENTOR, roles.SUPERVISOR, roles.ADMIN)
# Rooms per query when filling in, well under every database's parameter limit.
BATCH = 500


def _message_facts(room_ids: list[int]) -> dict[int, tuple[int, object]]:
    rows = (
        Message.objects.filter(
            room_id__in=room_ids, kind=Message.Kind.CHAT, status=Message.Status.DELIVERED
        )
        .values("room_id")
        .annotate(
            n=Count("id"), first_staff=Min("created_at", filter=Q(sender_role__in=STAFF_ROLES))
        )
    )
    return {row["room_id"]: (row["n"], row["first_staff"]) for row in rows}


def _complete(record: ChatRecord, room: Room, facts: dict[int, tuple[int, object]]) -> None:
    record.ended_at = room.closed_at
    count, first_staff = facts.get(room.pk, (0, None))
    record.messages = count
    if first_staff is not None:
        record.first_reply_seconds = (first_staff - record.started_at).total_seconds()


def do_record_start(room: Room, ticket: QueueTicket, mentor: User) -> None:
    """A chat was matched: remember when it was asked for and when it began."""
    ChatRecord.objects.get_or_create(
        room=room,
        defaults={
            "mentor": mentor,
            "requested_at": ticket.created_at,
            "started_at": ticket.matched_at or room.created_at,
        },
    )


def do_record_end(room: Room) -> None:
    """A chat ended: count its messages and find the first mentor reply."""
    record = ChatRecord.objects.filter(room=room).first()
    if record is None:
        do_backfill([room.pk])
        return
    _complete(record, room, _message_facts([room.pk]))
    record.save(update_fields=["ended_at", "messages", "first_reply_seconds"])


def do_backfill(room_ids: list[int] | None = None) -> int:
    """Create the records missing for matched 1:1 chats (of the given rooms, or of every
    ticket past the mark); returns how many were made."""
    tickets = QueueTicket.objects.filter(
        status=QueueTicket.Status.MATCHED, room__isnull=False, room__kind=Room.Kind.DIRECT
    ).exclude(room_id__in=ChatRecord.objects.values("room_id"))
    mark = None
    if room_ids is not None:
        tickets = tickets.filter(room_id__in=room_ids)
    else:
        mark = state.tickets_checked_through()
        # Read the mark's next position before looking: a ticket settled after this
        # point is looked at again next time.
        settled = _settled_through(mark)
        tickets = tickets.filter(pk__gt=mark)
    missing = list(tickets.select_related("room"))
    for start in range(0, len(missing), BATCH):
        batch = missing[start : start + BATCH]
        facts = _message_facts([t.room_id for t in batch if t.room.closed_at is not None])
        records = []
        for ticket in batch:
            record = ChatRecord(
                room=ticket.room,
                mentor_id=ticket.mentor_id,
                requested_at=ticket.created_at,
                started_at=ticket.matched_at or ticket.room.created_at,
            )
            if ticket.room.closed_at is not None:
                _complete(record, ticket.room, facts)
            records.append(record)
        ChatRecord.objects.bulk_create(records, ignore_conflicts=True)
    if mark is not None and settled > mark:
        state.mark_tickets_checked(settled)
    return len(missing)


def _settled_through(mark: int) -> int:
    """The highest ticket id up to which no ticket is still waiting: those tickets' chats
    are matched (and recorded below) or will never be. A ticket still waiting may be
    matched later, so the mark stops just before it."""
    newer = QueueTicket.objects.filter(pk__gt=mark)
    waiting = newer.filter(status=QueueTicket.Status.WAITING).aggregate(first=Min("pk"))["first"]
    if waiting is not None:
        return waiting - 1
    return newer.aggregate(top=Max("pk"))["top"] or mark
