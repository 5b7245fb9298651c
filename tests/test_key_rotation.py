"""Key rotation, key buckets and crypto-shredding of room data keys."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from chatplatform import crypto
from chatplatform.env import parse_keyring
from chatplatform.models import AuditEntry, Message, RoomKey
from chatplatform.services import keys
from chatplatform.services import messages as message_service

OLD = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"
NEW = "k2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA"


def send(access, body: str) -> Message:
    result = message_service.do_send_message(access, str(uuid.uuid4()), body)
    return Message.objects.get(room_id=access.room_id, seq=result.id)


@pytest.fixture
def keyring(settings):
    """Switch ENCRYPTION_KEYS as an operator would edit the environment."""

    def use(value: str) -> None:
        settings.ENCRYPTION_KEYRING = parse_keyring("ENCRYPTION_KEYS", value)

    use(OLD)
    return use


def test_rotation_rewraps_keys_so_old_messages_read_without_the_old_kek(
    keyring, make_participant, make_group_room, access_for, capsys
):
    room = make_group_room()
    message = send(access_for(make_participant(), room), "an old message from before rotation")
    keyring(f"{NEW},{OLD}")

    call_command("rotate_keys")

    output = capsys.readouterr().out
    assert "Re-wrapped 1 data keys under 'k2'" in output
    assert "you can remove them from ENCRYPTION_KEYS: k1" in output
    assert set(RoomKey.objects.values_list("kek_id", flat=True)) == {"k2"}
    keyring(NEW)  # The old key-encryption key is gone from the environment.
    assert message_service.decrypt_message(message) == "an old message from before rotation"
    assert AuditEntry.objects.filter(action="keys.rotated").exists()


def test_rotation_does_not_re_encrypt_messages(
    keyring, make_participant, make_group_room, access_for
):
    room = make_group_room()
    message = send(access_for(make_participant(), room), "same ciphertext afterwards")
    before = bytes(message.body_ciphertext)
    keyring(f"{NEW},{OLD}")
    keys.do_rotate_keys()
    message.refresh_from_db()
    assert bytes(message.body_ciphertext) == before


def test_rotation_is_idempotent(keyring, make_participant, make_group_room, access_for, capsys):
    send(access_for(make_participant(), make_group_room()), "hello")
    keyring(f"{NEW},{OLD}")
    call_command("rotate_keys")
    capsys.readouterr()
    call_command("rotate_keys")
    assert "Re-wrapped 0 data keys under 'k2'; 1 were already current" in capsys.readouterr().out


def test_without_rotation_removing_the_old_kek_makes_content_unreadable(
    keyring, make_participant, make_group_room, access_for
):
    message = send(access_for(make_participant(), make_group_room()), "needs k1")
    keyring(NEW)
    with pytest.raises(crypto.UnknownKeyError):
        message_service.decrypt_message(message)
    report = keys.do_rotate_keys()
    assert report.unreadable == 1 and report.rewrapped == 0


def test_a_room_gets_a_new_key_version_every_bucket(make_participant, make_group_room, access_for):
    room = make_group_room()
    access = access_for(make_participant(), room)
    first = send(access, "day one")
    RoomKey.objects.filter(room=room).update(created_at=timezone.now() - timedelta(days=2))
    second = send(access, "day three")
    assert (first.key_version, second.key_version) == (1, 2)
    assert message_service.decrypt_message(first) == "day one"


def test_a_shredded_key_makes_its_messages_unreadable_even_from_a_copy(
    make_participant, make_group_room, access_for
):
    room = make_group_room()
    participant = make_participant()
    message = send(access_for(participant, room), "shred me")
    copied_ciphertext = bytes(message.body_ciphertext)  # e.g. from a backup

    assert keys.do_shred_keys(RoomKey.objects.filter(room=room)) == 1

    assert message_service.decrypt_message(message) is None
    assert keys.room_keys(room.pk, {1}) == {1: None}
    with pytest.raises(keys.ShreddedError):
        keys._unwrap(RoomKey.objects.get(room=room))
    assert copied_ciphertext == bytes(Message.objects.get(pk=message.pk).body_ciphertext)
    viewer = message_service.Viewer.of(access_for(participant, room).actor)
    frames, _ = message_service.messages_after(access_for(participant, room), viewer, 0)
    assert frames[0]["body"] is None and frames[0]["expired"] is True


def test_a_backup_taken_before_shredding_is_unreadable_once_its_kek_is_retired(
    keyring, settings, make_participant, make_group_room, access_for
):
    room = make_group_room()
    message = send(access_for(make_participant(), room), "in yesterday's backup")
    backup_key = RoomKey.objects.get(room=room)
    backup = (backup_key.kek_id, bytes(backup_key.wrapped_key), bytes(message.body_ciphertext))

    keyring(f"{NEW},{OLD}")
    keys.do_rotate_keys()
    keys.do_shred_keys(RoomKey.objects.filter(room=room))
    keyring(NEW)  # The retired KEK leaves the environment.

    kek_id, wrapped, _ciphertext = backup
    with pytest.raises(crypto.UnknownKeyError):
        crypto.unwrap_data_key(settings.ENCRYPTION_KEYRING, kek_id, room.pk, 1, wrapped)
