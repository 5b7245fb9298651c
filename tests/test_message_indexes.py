"""Every lookup of messages by room or by person is served by an index, with few indexes.

The message table has no index on ``room_id`` by itself (one B-tree fewer per
INSERT on the send path): the unique ``(room, seq)`` index leads with the room,
the unique ``(participant, room, client_id)`` constraint serves the dedup lookup
and every lookup by participant (it leads with the sender), and the staff
sender and the recipient are indexed only where set, so a participant's
message writes no entry for either. Each
query below asks the database for its plan; a full scan of the table fails.
On PostgreSQL, sequential scans are switched off for the question, so the plan
shows whether an index can serve the query at all, not only whether the
planner prefers one for a table this small.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet

from chatplatform.models import Message
from chatplatform.services import messages as message_service

TABLE = Message._meta.db_table


def plan_of(queryset: QuerySet) -> str:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


def full_scan(plan: str) -> bool:
    if connection.vendor == "postgresql":
        return f"Seq Scan on {TABLE}" in plan
    # SQLite: "SEARCH <table> USING INDEX ..." looks rows up; "SCAN <table>" reads them all.
    return f"SCAN {TABLE}" in plan


QUERIES: dict[str, Callable[[int, int], QuerySet]] = {
    "replay after an id (resume)": lambda room, sender: (
        message_service._visible(room, message_service.Viewer(key=f"p{sender}", is_staff=False))
        .filter(seq__gt=0)
        .order_by("seq")
    ),
    "history before an id": lambda room, sender: (
        message_service._visible(room, message_service.Viewer(key="s1", is_staff=True))
        .filter(seq__lt=10)
        .order_by("-seq")
    ),
    "a re-sent client_id (dedup)": lambda room, sender: Message.objects.filter(
        room_id=room, sender_participant_id=sender, client_id="0" * 32
    ),
    "slow mode: the sender's last message": lambda room, sender: Message.objects.filter(
        room_id=room, sender_participant_id=sender
    ).order_by("-created_at"),
    "a message by its id (moderation, risk marks)": lambda room, sender: Message.objects.filter(
        room_id=room, seq=3
    ),
    "the transcript of a room": lambda room, sender: Message.objects.filter(room_id=room).order_by(
        "created_at", "pk"
    ),
    "rooms deleted or past retention: their messages": lambda room, sender: Message.objects.filter(
        room_id__in=[room, room + 1]
    ),
    "evaluation: chat counts per room": lambda room, sender: (
        Message.objects.filter(room_id__in=[room, room + 1], kind=Message.Kind.CHAT)
        .values("room_id")
        .annotate(n=Count("id"))
    ),
}


# Lookups by person: deleting a staff member (their messages' sender set to NULL),
# deleting a participant (their messages' sender set to NULL, messages sent only to
# them go too), a participant's export and an erasure.
BY_PERSON: dict[str, Callable[[int, int], QuerySet]] = {
    "a participant's messages (export, deletion, erasure)": lambda room, sender: (
        Message.objects.filter(sender_participant_id=sender).order_by("created_at", "pk")
    ),
    "a deleted staff member's messages": lambda room, sender: Message.objects.filter(
        sender_user_id__in=[sender]
    ),
    "messages to a deleted participant": lambda room, sender: Message.objects.filter(
        recipient_participant_id__in=[sender]
    ),
    "an erasure: what a participant wrote or was sent": lambda room, sender: Message.objects.filter(
        Q(sender_participant_id__in=[sender]) | Q(recipient_participant_id__in=[sender])
    ),
}


def test_there_is_no_index_on_room_alone_and_one_unique_index_on_room_and_id(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    indexed = [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]
    assert ["room_id"] not in indexed
    assert indexed.count(["room_id", "seq"]) == 1
    assert ["sender_participant_id"] not in indexed


def test_a_held_message_without_an_id_never_collides_but_two_ids_do(
    make_group_room, make_participant
):
    room, sender = make_group_room(), make_participant()

    def message(seq: int | None) -> Message:
        return Message(
            room_id=room.pk, seq=seq, sender_participant_id=sender.pk, sender_handle=sender.handle
        )

    Message.objects.bulk_create([message(None), message(None), message(1)])
    with pytest.raises(IntegrityError), transaction.atomic():
        message(1).save()
    seqs = Message.objects.filter(room=room).values_list("seq", flat=True)
    assert sorted(seqs, key=lambda seq: (seq is not None, seq or 0)) == [None, None, 1]


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_each_lookup_by_room_uses_an_index(name, make_group_room, make_participant):
    room = make_group_room()
    sender = make_participant()
    plan = plan_of(QUERIES[name](room.pk, sender.pk))
    assert TABLE in plan
    assert not full_scan(plan), plan


@pytest.mark.parametrize("name", sorted(BY_PERSON))
def test_each_lookup_by_person_uses_an_index(name, make_group_room, make_participant):
    room = make_group_room()
    sender = make_participant()
    plan = plan_of(BY_PERSON[name](room.pk, sender.pk))
    assert TABLE in plan
    assert not full_scan(plan), plan
