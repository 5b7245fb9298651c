"""Encryption at rest: authenticated, bound to its row, with key ids for rotation."""

from __future__ import annotations

import pytest

from chatplatform import crypto
from chatplatform.env import parse_keyring
from chatplatform.models import Message, RoomKey
from chatplatform.services import keys
from chatplatform.services import messages as message_service

KEYRING = parse_keyring("K", "a:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY")


def test_ciphertext_opens_only_with_its_own_associated_data():
    key = crypto.new_data_key()
    blob = crypto.seal(key, b"hello", crypto.message_aad(1, "uid-1", 1))
    assert crypto.open_sealed(key, blob, crypto.message_aad(1, "uid-1", 1)) == b"hello"
    for wrong in (
        crypto.message_aad(2, "uid-1", 1),
        crypto.message_aad(1, "uid-2", 1),
        crypto.message_aad(1, "uid-1", 2),
    ):
        with pytest.raises(crypto.DecryptionError):
            crypto.open_sealed(key, blob, wrong)


def test_tampered_ciphertext_is_refused():
    key = crypto.new_data_key()
    blob = bytearray(crypto.seal(key, b"hello", b"ad"))
    blob[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(key, bytes(blob), b"ad")


def test_data_key_wrapped_under_an_unknown_key_id_is_reported():
    kek_id, wrapped = crypto.wrap_data_key(KEYRING, 1, 1, crypto.new_data_key())
    other = parse_keyring("K", "b:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY")
    with pytest.raises(crypto.UnknownKeyError):
        crypto.unwrap_data_key(other, kek_id, 1, 1, wrapped)


def test_each_room_gets_its_own_data_key(make_group_room):
    first, second = make_group_room(), make_group_room()
    assert keys.current_room_key(first.pk)[1] != keys.current_room_key(second.pk)[1]
    assert RoomKey.objects.filter(room=first).count() == 1


def test_ciphertext_swapped_between_rows_does_not_open(
    make_participant, make_group_room, access_for
):
    import uuid

    room = make_group_room()
    access = access_for(make_participant(), room)
    message_service.do_send_message(access, str(uuid.uuid4()), "first")
    message_service.do_send_message(access, str(uuid.uuid4()), "second")
    one, two = Message.objects.order_by("seq")
    Message.objects.filter(pk=two.pk).update(body_ciphertext=one.body_ciphertext)
    two.refresh_from_db()
    with pytest.raises(crypto.DecryptionError):
        message_service.decrypt_message(two)


def test_a_shredded_current_key_is_never_reused_from_memory(
    make_participant, make_group_room, access_for
):
    import uuid

    from django.utils import timezone

    room = make_group_room()
    access = access_for(make_participant(), room)
    message_service.do_send_message(access, str(uuid.uuid4()), "under the first key")
    first = RoomKey.objects.get(room=room)
    RoomKey.objects.filter(pk=first.pk).update(wrapped_key=None, shredded_at=timezone.now())
    message_service.do_send_message(access, str(uuid.uuid4()), "under a new key")
    newest = Message.objects.filter(room=room).order_by("-seq").first()
    assert newest.key_version == first.version + 1
    assert message_service.decrypt_message(newest) == "under a new key"
