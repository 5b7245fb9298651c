"""Database expressions the report needs to stay fast on large cohorts."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, Func, IntegerField, Q, TextField, Value
from django.db.models.functions import Cast, Coalesce


class EpochSeconds(Func):
    """Whole seconds since 1970-01-01 UTC of a date or datetime column.

    Reading numbers instead of datetimes skips per-row conversion in Python, which is
    what makes a 50,000-participant report take seconds rather than tens of seconds;
    whole seconds are precise enough for waits and durations, and shorter to read.
    """

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        # SQLite stores UTC text; julianday counts days from noon on 24 November 4714 BC.
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400.0) AS INTEGER)",
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(
            compiler, connection, template="ROUND(EXTRACT(EPOCH FROM %(expressions)s))::bigint"
        )


class Unindexed(Func):
    """A column as it is, which SQLite's planner may not look up through an index.

    A report period keeps nearly every row: SQLite would still walk the column's index
    and fetch each row through it, about eight times the cost of reading the table in
    order (at 50,000 participants, the chat records read with ``started_at >= since``:
    0.06 s of CPU through the index, 0.008 s in a plain scan). The unary plus changes
    no value; PostgreSQL's planner chooses well by itself.
    """

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, template="+%(expressions)s")


class IsoDay(Func):
    """A date column as ``YYYY-MM-DD`` text, to be read as numpy ``datetime64[D]``.

    SQLite stores dates as that text already: reading it as it is skips a date function
    per row (at 50,000 participants, julianday on every survey response's day cost about
    0.1 s of CPU per report built from nothing), and numpy parses the text faster.
    """

    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, template="%(expressions)s")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        # Whatever the server's DateStyle.
        return self.as_sql(compiler, connection, template="TO_CHAR(%(expressions)s, 'YYYY-MM-DD')")


class Joined(Aggregate):
    """Every value of a column in one text, separated by ``separator``; NULL becomes ``null``.

    Reading a large column as one string, parsed by numpy, costs a fraction of reading
    one Python object per row. All Joined columns of one query see the rows in the same
    order, so their positions line up. ``nullable=False`` for a column that cannot hold
    NULL: SQLite then joins the values as they are, without a conversion and a NULL
    check on every row (the same text: SQLite turns a value into text one way). With
    ``filter``, only the rows it holds, in that same order.
    """

    function = "GROUP_CONCAT"
    output_field = TextField()

    def __init__(
        self,
        expression: Any,
        separator: str,
        null: str,
        *,
        nullable: bool = True,
        filter: Q | None = None,
    ) -> None:
        value = (
            Coalesce(Cast(expression, TextField()), Constant(null))
            if nullable
            else AsText(expression)
        )
        super().__init__(value, Constant(separator), filter=filter)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra)


class Constant(Value):
    """A text the code fixes (a separator, the NULL mark) written into the SQL, not bound.

    SQLite's GROUP_CONCAT reads a bound separator again for every row: on the survey
    responses' query at 50,000 participants (nine columns of 180,735 rows) bound
    separators cost 0.21 s of CPU, written ones 0.125 s. Never for anything a person
    gave: only texts without quotes, backslashes or percent signs are accepted.
    """

    def __init__(self, text: str) -> None:
        if any(mark in text for mark in "'\\%\x00"):
            raise ValueError("a constant text cannot hold quotes, backslashes, % or NUL")
        super().__init__(text, output_field=TextField())

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return f"'{self.value}'", []


class AsText(Func):
    """A value as text for Joined: SQLite's GROUP_CONCAT converts by itself."""

    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, template="%(expressions)s")

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        extra.setdefault("template", "CAST(%(expressions)s AS text)")
        return super().as_sql(compiler, connection, **extra)
