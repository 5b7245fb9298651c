"""Hot-path SQL without the ORM's per-call compilation.

Building a query through the ORM costs a few hundred microseconds of Python
on every call; the statements here are built once from the model's metadata
and executed with fresh parameters. Used only where a message is sent, where
that cost was most of the server's time (see benchmarks/README.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

# Field classes whose database value is the Python value itself when it is a plain
# int or str (exact classes: a subclass may convert). Anything else, and any other
# value, goes through the field's own get_db_prep_save.
_PLAIN = {
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.SmallIntegerField: int,
    models.CharField: str,
}
_INTEGER_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)

Prepare = Callable[[Any, Any], Any]


def _preparer(field: models.Field) -> Prepare:
    """How one field's value becomes its database value, as get_db_prep_save would do it.

    Plain values skip Django's layers of conversion; NULL stays NULL for every field
    but JSONField (which may store JSON null); an aware datetime and a uuid.UUID are
    adapted directly.
    """
    general = field.get_db_prep_save
    plain = _PLAIN.get(type(field))
    if (
        plain is None
        and isinstance(field, models.ForeignKey)
        and type(field.target_field) in _INTEGER_KEYS
    ):
        plain = int
    nullable = not isinstance(field, models.JSONField)

    if plain is not None:

        def prepare(value: Any, db: Any) -> Any:
            if type(value) is plain or (value is None and nullable):
                return value
            return general(value, db)

        return prepare
    if type(field) is models.UUIDField:

        def prepare_uuid(value: Any, db: Any) -> Any:
            if type(value) is uuid.UUID:
                return value if db.features.has_native_uuid_field else value.hex
            return None if value is None else general(value, db)

        return prepare_uuid
    if type(field) is models.DateTimeField:

        def prepare_datetime(value: Any, db: Any) -> Any:
            if value is None:
                return None
            if type(value) is datetime and value.utcoffset() is not None:
                return db.ops.adapt_datetimefield_value(value)
            return general(value, db)

        return prepare_datetime
    if nullable:

        def prepare_other(value: Any, db: Any) -> Any:
            return None if value is None else general(value, db)

        return prepare_other
    return general


@cache
def _insert_statement(
    model: type[models.Model], skip_duplicate: bool
) -> tuple[str, tuple[models.Field, ...], tuple[Prepare, ...]]:
    fields = tuple(field for field in model._meta.concrete_fields if not field.primary_key)
    quote = connection.ops.quote_name
    # Only quoted identifiers from the model's metadata are formatted in; values are parameters.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"{'ON CONFLICT DO NOTHING ' if skip_duplicate else ''}"
        f"RETURNING {quote(model._meta.pk.column)}"
    )
    return sql, fields, tuple(_preparer(field) for field in fields)


def insert(instance: models.Model, *, skip_duplicate: bool = False) -> bool:
    """INSERT one new row for ``instance`` and set its primary key, as ``save()`` would.

    Field defaults and ``auto_now_add`` apply as in ``save()``; model signals are not
    sent (nothing listens to them for these models). With ``skip_duplicate``, a row
    that would break a unique constraint is not inserted and False is returned
    (``ON CONFLICT DO NOTHING``, on SQLite and PostgreSQL): no error, so the
    transaction goes on without a savepoint around the statement.
    """
    sql, fields, preparers = _insert_statement(type(instance), skip_duplicate)
    # The connection itself, not the ``connection`` proxy: each attribute read through
    # the proxy is a thread-local lookup, and preparing the values reads several.
    db = connections[DEFAULT_DB_ALIAS]
    values = [
        prepare(field.pre_save(instance, True), db)
        for field, prepare in zip(fields, preparers, strict=True)
    ]
    with db.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = db.alias
    return True
