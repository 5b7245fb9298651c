"""Per-room data keys: created on first use, unwrapped on demand, shredded for erasure."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from chatplatform import crypto
from chatplatform.models import RoomKey


class ShreddedError(crypto.DecryptionError):
    """The data key is gone: the content it protected can never be read again."""


def current_room_key(room_id: int) -> tuple[int, bytes]:
    """The room's newest live data key as (version, key), creating the first one if needed.

    Call inside the transaction that holds the room's row lock, so that two
    senders never create two first keys.
    """
    newest = (
        RoomKey.objects.filter(room_id=room_id, shredded_at__isnull=True)
        .order_by("-version")
        .values_list("version", "kek_id", "wrapped_key")[:1]
    )
    for version, kek_id, wrapped in newest:
        if wrapped is None:
            break
        return version, crypto.unwrap_data_key(
            settings.ENCRYPTION_KEYRING, kek_id, room_id, version, bytes(wrapped)
        )
    return create_room_key(room_id)


def create_room_key(room_id: int) -> tuple[int, bytes]:
    keyring = settings.ENCRYPTION_KEYRING
    with transaction.atomic():
        last = RoomKey.objects.filter(room_id=room_id).order_by("-version").first()
        version = (last.version + 1) if last else 1
        data_key = crypto.new_data_key()
        kek_id, wrapped = crypto.wrap_data_key(keyring, room_id, version, data_key)
        RoomKey.objects.create(room_id=room_id, version=version, kek_id=kek_id, wrapped_key=wrapped)
    return version, data_key


def room_keys(room_id: int, versions: set[int]) -> dict[int, bytes | None]:
    """Unwrapped keys for these versions; None for a version that was shredded."""
    found: dict[int, bytes | None] = dict.fromkeys(versions)
    for key_row in RoomKey.objects.filter(room_id=room_id, version__in=versions):
        found[key_row.version] = None if key_row.wrapped_key is None else _unwrap(key_row)
    return found


def _unwrap(key_row: RoomKey) -> bytes:
    if key_row.wrapped_key is None:
        raise ShreddedError("this data key was shredded")
    return crypto.unwrap_data_key(
        settings.ENCRYPTION_KEYRING,
        key_row.kek_id,
        key_row.room_id,
        key_row.version,
        bytes(key_row.wrapped_key),
    )


def encrypt_body(room_id: int, message_uid: str, body: str) -> tuple[int, bytes]:
    version, data_key = current_room_key(room_id)
    blob = crypto.seal(
        data_key, body.encode("utf-8"), crypto.message_aad(room_id, message_uid, version)
    )
    return version, blob


def decrypt_body(room_id: int, message_uid: str, version: int, blob: bytes, data_key: bytes) -> str:
    plaintext = crypto.open_sealed(
        data_key, bytes(blob), crypto.message_aad(room_id, message_uid, version)
    )
    return plaintext.decode("utf-8")
