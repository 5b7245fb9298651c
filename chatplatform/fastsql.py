"""Hot-path SQL without the ORM's per-call compilation.

Building a query through the ORM costs a few hundred microseconds of Python
on every call; the statements here are built once from the model's metadata
and executed with fresh parameters. Used only where a message is sent, where
that cost was most of the server's time (see benchmarks/README.md).
"""

from __future__ import annotations

from functools import cache

from django.db import connection, models


@cache
def _insert_statement(model: type[models.Model]) -> tuple[str, tuple[models.Field, ...]]:
    fields = tuple(field for field in model._meta.concrete_fields if not field.primary_key)
    quote = connection.ops.quote_name
    # Only quoted identifiers from the model's metadata are formatted in; values are parameters.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"RETURNING {quote(model._meta.pk.column)}"
    )
    return sql, fields


def insert(instance: models.Model) -> None:
    """INSERT one new row for ``instance`` and set its primary key, as ``save()`` would.

    Field defaults and ``auto_now_add`` apply as in ``save()``; model signals are not
    sent (nothing listens to them for these models).
    """
    sql, fields = _insert_statement(type(instance))
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
