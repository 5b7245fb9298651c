"""The send path's INSERT writes exactly the row Django's own save() writes.

``chatplatform.fastsql`` converts plain values (ints, strs, NULLs, aware
datetimes) itself and leaves every other value to the field; a row written each
way, read back column by column, must be the same.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection, models

from chatplatform import fastsql
from chatplatform.models import Message, RoomKey


def raw_row(model, pk, skip=()):
    columns = [f.column for f in model._meta.concrete_fields if f.column not in skip]
    # Column names come from the model; the id is a parameter.
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(quote(c) for c in columns)} "  # noqa: S608
            f"FROM {quote(model._meta.db_table)} WHERE id = %s",
            [pk],
        )
        return dict(zip(columns, cursor.fetchone(), strict=True))


def message(room, sender, **values):
    return Message(
        room_id=room.pk,
        client_id=uuid.uuid4() if values.pop("uuid_client_id", False) else str(uuid.uuid4()),
        sender_participant_id=sender.pk,
        sender_role="participant",
        sender_handle=sender.handle,
        **values,
    )


@pytest.mark.parametrize(
    "values",
    [
        {"seq": 7, "status": Message.Status.DELIVERED, "key_version": 1, "body_length": 3},
        {
            "status": Message.Status.HELD,
            "kind": Message.Kind.SYSTEM,
            "audience": Message.Audience.PRIVATE,
            "body_ciphertext": b"\x00\x01secret",
            "body_length": 6,
            "hidden_at": datetime(2026, 12, 6, 11, 0, tzinfo=timezone(timedelta(hours=-5))),
            "hidden_reason": "off topic",
            "delivered_at": datetime(2026, 12, 6, 16, 0, 0, 123456, tzinfo=UTC),
        },
        # Values the fields convert: a numeric string, a memoryview, a uuid.UUID.
        {
            "seq": "12",
            "body_length": 0,
            "body_ciphertext": memoryview(b"abc"),
            "uuid_client_id": True,
        },
    ],
    ids=["delivered", "held-hidden-private", "values-the-fields-convert"],
)
def test_a_message_row_is_the_one_save_writes(make_group_room, make_participant, values):
    room, sender = make_group_room(), make_participant()
    fast = message(room, sender, **dict(values))
    fastsql.insert(fast)
    saved = message(room, sender, **dict(values))
    if "seq" in values:
        saved.seq = int(values["seq"]) + 100  # (room, seq) is unique
    saved.save()
    differ = {"id", "uid", "client_id", "created_at", "seq"}  # unique, or taken at creation
    fast_row, saved_row = raw_row(Message, fast.pk), raw_row(Message, saved.pk)
    assert {k: v for k, v in fast_row.items() if k not in differ} == {
        k: v for k, v in saved_row.items() if k not in differ
    }
    assert {k: type(v) for k, v in fast_row.items()} == {k: type(v) for k, v in saved_row.items()}
    reread = Message.objects.get(pk=fast.pk)
    assert (reread.uid, reread.created_at) == (fast.uid, fast.created_at)
    assert str(reread.client_id) == str(fast.client_id)
    assert reread.seq == (int(values["seq"]) if "seq" in values else None)


def test_a_room_key_row_is_the_one_save_writes(make_group_room):
    room = make_group_room()
    fast = RoomKey(room_id=room.pk, version=1, kek_id="k1", wrapped_key=b"wrapped")
    fastsql.insert(fast)
    saved = RoomKey(room_id=room.pk, version=2, kek_id="k1", wrapped_key=b"wrapped")
    saved.save()
    skip = {"id", "version", "created_at"}
    assert raw_row(RoomKey, fast.pk, skip) == raw_row(RoomKey, saved.pk, skip)
    assert RoomKey.objects.get(pk=fast.pk).created_at == fast.created_at


def test_only_plain_values_skip_the_field_and_json_keeps_its_null():
    count, data = models.IntegerField(null=True), models.JSONField(null=True)
    count.set_attributes_from_name("count")
    data.set_attributes_from_name("data")
    prepare_count, prepare_data = fastsql._preparer(count), fastsql._preparer(data)
    assert prepare_count(5, connection) == 5
    assert prepare_count(None, connection) is None
    assert prepare_count("5", connection) == count.get_db_prep_save("5", connection) == 5
    for value in (None, {"a": 1}):
        # The field's own answer (on PostgreSQL a Jsonb wrapper, which has no equality).
        ours, its = prepare_data(value, connection), data.get_db_prep_save(value, connection)
        assert type(ours) is type(its)
        assert getattr(ours, "obj", ours) == getattr(its, "obj", its)


def test_a_row_breaking_a_unique_constraint_is_skipped_without_an_error(
    make_group_room, make_participant
):
    room, sender = make_group_room(), make_participant()
    first = message(room, sender, seq=1)
    assert fastsql.insert(first, skip_duplicate=True) is True
    again = message(room, sender, seq=2)
    again.client_id = first.client_id  # the same sender's client_id in the same room
    assert fastsql.insert(again, skip_duplicate=True) is False
    assert again.pk is None and again._state.adding
    # The transaction goes on: the next statement works.
    third = message(room, sender, seq=2)
    assert fastsql.insert(third, skip_duplicate=True) is True
    assert list(Message.objects.filter(room=room).order_by("seq").values_list("pk", flat=True)) == [
        first.pk,
        third.pk,
    ]
