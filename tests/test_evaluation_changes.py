"""The change counters that key the report's kept parts on SQLite (evaluation.changes):
every write to a watched row or column counts, nothing else does, and a missing trigger
sends the key back to the aggregates until migrate installs it again."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from chatplatform.models import Participant, Room, RoomMembership
from evaluation import changes, kept, metrics, programme
from evaluation.models import ChangeCount, ChatRecord, ParticipantVisit
from evaluation.synthetic import seed

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the counters are SQLite's (PostgreSQL: aggregates)"
)


def count(model) -> int:
    return ChangeCount.objects.get(name=changes.table(model)).changes


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def test_every_watched_table_has_its_three_triggers_and_a_counter(db):
    expected = {changes.trigger_name(m, e) for m in changes.WATCHED for e in changes.EVENTS}
    assert expected <= triggers()
    assert changes.counted(tuple(changes.WATCHED)) == tuple(
        count(model) for model in changes.WATCHED
    )


def test_inserts_bulk_inserts_updates_and_deletes_each_count(db, make_participant, make_group_room):
    room = make_group_room()
    seen = [count(Room), count(RoomMembership), count(ParticipantVisit)]
    participant = make_participant()

    def moved(position: int) -> bool:
        now = (count(Room), count(RoomMembership), count(ParticipantVisit))[position]
        moved, seen[position] = now > seen[position], now
        return moved

    RoomMembership.objects.create(room=room, participant=participant, role="participant")
    assert moved(1)

    day = timezone.localdate()
    ParticipantVisit.objects.bulk_create(
        ParticipantVisit(participant=participant, day=day - timedelta(days=n)) for n in range(3)
    )
    assert moved(2)

    Room.objects.filter(pk=room.pk).update(slug="renamed")
    assert moved(0)
    room.refresh_from_db()
    room.save()
    assert moved(0)

    # A room's deletion cascades to its memberships: each deleted row counts.
    room.delete()
    assert moved(0) and moved(1)
    assert not RoomMembership.objects.filter(participant=participant).exists()


def test_a_counter_goes_on_from_the_clock_so_a_restored_database_never_repeats_a_key(db):
    clock = int(timezone.now().timestamp() * 1_000_000)
    # A database restored from an old backup: its counter far behind the last key read.
    ChangeCount.objects.filter(name=changes.table(Room)).update(changes=5)
    for n in range(3):
        Room.objects.create(kind=Room.Kind.GROUP, title="Restored", slug=f"restored-{n}")
    assert count(Room) >= clock - 1_000_000
    # Many changes within the clock's millisecond still move it, one at a time.
    before = count(Room)
    Room.objects.update(created_at=F("created_at"))
    assert count(Room) >= before + 3


def test_a_write_made_outside_django_counts(db, make_participant):
    participant = make_participant()
    before = count(Participant)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{changes.table(Participant)}" SET created_at = %s WHERE id = %s',  # noqa: S608
            ["2026-01-01 00:00:00", participant.pk],
        )
    assert count(Participant) > before


def test_columns_the_report_does_not_read_count_nothing(db, make_participant, make_group_room):
    room, participant = make_group_room(), make_participant()
    before = count(Room), count(Participant)
    # The send path moves a room's message sequence with every message.
    Room.objects.filter(pk=room.pk).update(last_seq=F("last_seq") + 1)
    Participant.objects.filter(pk=participant.pk).update(
        last_seen_on=timezone.localdate() + timedelta(days=1)
    )
    assert (count(Room), count(Participant)) == before
    assert Room.objects.get(pk=room.pk).last_seq == room.last_seq + 1


def test_a_missing_trigger_keys_by_the_aggregates_until_migrate_installs_it(db):
    seed(30, seed=3, days=30, messages=False)
    counted = kept.chats_fingerprint()
    assert counted[0] == "counted"
    # What SQLite does to a table's triggers when a migration rebuilds the table.
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER "{changes.trigger_name(ChatRecord, "update")}"')
    assert changes.counted((ChatRecord,)) is None
    aggregates = kept.chats_fingerprint()
    assert aggregates[0] != "counted"
    # Unseen by the counter while its trigger is gone, seen by the aggregates.
    record = ChatRecord.objects.exclude(ended_at=None).order_by("pk").first()
    ChatRecord.objects.filter(pk=record.pk).update(ended_at=None)
    assert kept.chats_fingerprint() != aggregates

    before = count(ChatRecord)
    call_command("migrate", verbosity=0)
    assert changes.trigger_name(ChatRecord, "update") in triggers()
    # Installing counts a change on every table: a write made meanwhile is covered.
    assert count(ChatRecord) > before
    assert kept.chats_fingerprint() not in (counted, aggregates)


def test_the_kept_parts_read_only_the_watched_columns(db):
    seed(30, seed=3, days=30, messages=False)
    kept.forget()
    statements: list[str] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    period = metrics.Period.ending(timezone.localdate())
    start = timezone.make_aware(datetime.combine(period.start, time.min))
    months = programme._months(period.start, period.today)
    # What each kept part runs when it is built (evaluation.metrics, evaluation.programme).
    with connection.execute_wrapper(capture):
        metrics._build(period)
        programme._direct_chats_by_month(start, [(m, *programme._month_bounds(m)) for m in months])
    read: dict[str, set[str]] = {}
    names = {changes.table(model): model for model in changes.WATCHED}
    for sql in statements:
        for table, column in re.findall(r'"(\w+)"\."(\w+)"', sql):
            read.setdefault(table, set()).add(column)
    # No other table: a change elsewhere would not be seen.
    assert set(read) == set(names)
    for table, columns in read.items():
        assert columns <= set(changes.WATCHED[names[table]]), table
