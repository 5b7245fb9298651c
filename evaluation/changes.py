"""Change counters kept by the database, so a report's kept parts are keyed cheaply.

The process tables a report keeps between builds (evaluation.kept) are keyed by what
they read. Reading that key as aggregates over every row (counts, sums, maxima) cost
about 0.1 s of CPU per report at 50,000 participants: a tenth of a build from nothing.
On SQLite, triggers instead count every change to the rows and columns the kept parts
read, one counter per table, and the key is those few counters.

- Each watched table has three triggers: after an insert, after a delete (cascades and
  purges included: SQLite fires row triggers for them), and after an update that sets
  a watched column. An update of other columns (a room's message sequence on every
  message, a participant's last visit) counts nothing, so the send path pays nothing.
- Triggers see every writer: the ORM, ``bulk_create``, raw SQL, the ``sqlite3`` shell.
  The aggregates missed a timestamp rewritten in place; a counter does not.
- SQLite drops a table's triggers when a migration rebuilds the table. The triggers are
  installed again after every ``migrate`` (evaluation.apps), which also counts one
  change on every table (rows written while a trigger was missing are then covered),
  and a key is read from the counters only while every trigger is there; otherwise
  from the aggregates, as before.
- PostgreSQL keeps the aggregates: there the counter row would be locked by every
  writer until its commit, making concurrent joins, visits and chats wait on each
  other. SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, router
from django.db.models import Model

from chatplatform.models import Participant, Room, RoomMembership
from escalation.models import Escalation
from evaluation.models import ChangeCount, ChatRecord, ParticipantVisit

# Each watched model and the columns the kept parts read from it (evaluation.metrics'
# process tables, evaluation.programme's chats; a test holds the reads to this list).
WATCHED: dict[type[Model], tuple[str, ...]] = {
    ChatRecord: (
        "id",
        "requested_at",
        "started_at",
        "ended_at",
        "messages",
        "first_reply_seconds",
        "mentor_id",
    ),
    ParticipantVisit: ("id", "participant_id", "day"),
    Participant: ("id", "created_at"),
    Escalation: ("id", "level", "created_at", "acknowledged_at", "resolved_at", "room_id"),
    RoomMembership: ("id", "room_id", "participant_id", "user_id", "role", "joined_at"),
    Room: ("id", "kind", "slug", "created_at"),
}
EVENTS = ("insert", "update", "delete")
# A counter moves to the clock's microseconds since 1970 (or one past its value, if that
# is higher): a database restored from a backup goes on from today's time, never
# through the values it had before, so no key kept by a running process meets it again.
_NEXT = "MAX(changes + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))"


def table(model: type[Model]) -> str:
    return model._meta.db_table


def trigger_name(model: type[Model], event: str) -> str:
    return f"evaluation_changes_{table(model)}_{event}"


def _trigger_sql(model: type[Model], event: str) -> str:
    counts, name = table(ChangeCount), table(model)
    watched = ", ".join(f'"{column}"' for column in WATCHED[model])
    when = {
        "insert": "AFTER INSERT",
        "update": f"AFTER UPDATE OF {watched}",
        "delete": "AFTER DELETE",
    }[event]
    # The counter's row is made again if it was deleted (a test database being flushed).
    return (
        f'CREATE TRIGGER IF NOT EXISTS "{trigger_name(model, event)}" {when} ON "{name}" '  # noqa: S608 (names from model metadata)
        f"FOR EACH ROW BEGIN "
        f"INSERT OR IGNORE INTO \"{counts}\" (name, changes) VALUES ('{name}', 0); "
        f"UPDATE \"{counts}\" SET changes = {_NEXT} WHERE name = '{name}'; END"
    )


def install(using: str = "default") -> None:
    """Creates the missing triggers (SQLite only) and counts one change on every table."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    counts = table(ChangeCount)
    # Migrated backwards past a watched table or the counters: nothing to watch.
    present = set(connection.introspection.table_names())
    if not {counts, *(table(model) for model in WATCHED)} <= present:
        return
    with connection.cursor() as cursor:
        for model in WATCHED:
            for event in EVENTS:
                cursor.execute(_trigger_sql(model, event))
            cursor.execute(
                f'INSERT OR IGNORE INTO "{counts}" (name, changes) VALUES (%s, 0)',  # noqa: S608
                [table(model)],
            )
            cursor.execute(
                f'UPDATE "{counts}" SET changes = {_NEXT} WHERE name = %s',  # noqa: S608
                [table(model)],
            )


def counted(models: tuple[type[Model], ...]) -> tuple[Any, ...] | None:
    """The change counters of ``models``, or None when they cannot be trusted: not
    SQLite, a trigger missing (a rebuilt table before ``migrate`` finished) or a counter
    row missing."""
    connection = connections[router.db_for_read(models[0])]
    if connection.vendor != "sqlite":
        return None
    names = [table(model) for model in models]
    triggers = [trigger_name(model, event) for model in models for event in EVENTS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, changes, (SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "  # noqa: S608
            f"AND name IN ({', '.join(['%s'] * len(triggers))})) "
            f'FROM "{table(ChangeCount)}" WHERE name IN ({", ".join(["%s"] * len(names))})',
            [*triggers, *names],
        )
        rows = cursor.fetchall()
    if len(rows) != len(names) or rows[0][2] != len(triggers):
        return None
    changes = dict((name, value) for name, value, _ in rows)
    return tuple(changes[name] for name in names)
