"""Every lookup of messages by room is served by an index, without one on room alone.

The message table has no index on ``room_id`` by itself (one B-tree fewer per
INSERT on the send path): the ``(room, seq)`` index leads with the room, and the
unique ``(room, sender, client_id)`` constraints serve the dedup lookup. Each
query below asks the database for its plan; a full scan of the table fails.
On PostgreSQL, sequential scans are switched off for the question, so the plan
shows whether an index can serve the query at all, not only whether the
planner prefers one for a table this small.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.db.models import Count, QuerySet

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


def test_there_is_no_index_on_room_alone(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    indexed = [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]
    assert ["room_id"] not in indexed
    assert ["room_id", "seq"] in indexed


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_each_lookup_by_room_uses_an_index(name, make_group_room, make_participant):
    room = make_group_room()
    sender = make_participant()
    plan = plan_of(QUERIES[name](room.pk, sender.pk))
    assert TABLE in plan
    assert not full_scan(plan), plan
