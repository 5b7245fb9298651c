"""Per-room data keys: created on first use, unwrapped on demand, shredded for erasure.

Keys are per room, not per participant: everyone in a room reads the same
messages, so one key per room keeps encryption cheap and reading a page one
unwrap. Each room starts a new key version every ROOM_KEY_BUCKET_DAYS, so the
retention purge can shred whole keys once every message under them has
expired: crypto-shredding that also reaches copies of the ciphertext in
backups (see docs/privacy.md for how backups and key-encryption keys interact).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from chatplatform import crypto, fastsql
from chatplatform.models import RoomKey


class ShreddedError(crypto.DecryptionError):
    """The data key is gone: the content it protected can never be read again."""


def bucket_length() -> timedelta:
    return timedelta(days=settings.ROOM_KEY_BUCKET_DAYS)


# Data keys used for new messages, by (room id, version), with their creation time.
# Only read for the version the database has just reported, under the room's row
# lock, as the room's newest live key, so a shredded or superseded version is never
# taken from here; entries are added only once the key's row is committed.
_RECENT_KEYS: dict[tuple[int, int], tuple[bytes, datetime]] = {}
_RECENT_KEYS_MAX = 4096


def _remember(room_id: int, version: int, data_key: bytes, created_at: datetime) -> None:
    def remember() -> None:
        if len(_RECENT_KEYS) >= _RECENT_KEYS_MAX:
            _RECENT_KEYS.pop(next(iter(_RECENT_KEYS)))
        _RECENT_KEYS[(room_id, version)] = (data_key, created_at)

    transaction.on_commit(remember)


@dataclass(frozen=True)
class KeyVersions:
    """A room's key versions as read under its row lock: the newest live one (None:
    no live key), and the newest of any key, live or shredded (0: none ever)."""

    newest_live: int | None
    newest: int


def current_room_key(room_id: int, versions: KeyVersions | None = None) -> tuple[int, bytes]:
    """The room's data key for new messages as (version, key).

    A new version is started when the room has none or its newest one is older
    than one bucket. Call inside the transaction that holds the room's row
    lock, so that two senders never create two keys at once. A caller that has
    just read the key versions under that lock passes them: a key this process
    already unwrapped is then used without another query, and a room without a
    live key gets its new one without a query either (a room's first message).
    """
    if versions is not None and versions.newest_live is None:
        return create_room_key(room_id, versions.newest + 1)
    if versions is not None:
        cached = _RECENT_KEYS.get((room_id, versions.newest_live))
        if cached is not None and cached[1] > timezone.now() - bucket_length():
            return versions.newest_live, cached[0]
    newest = (
        RoomKey.objects.filter(room_id=room_id, shredded_at__isnull=True)
        .order_by("-version")
        .values_list("version", "kek_id", "wrapped_key", "created_at")[:1]
    )
    for version, kek_id, wrapped, created_at in newest:
        if wrapped is None or created_at <= timezone.now() - bucket_length():
            break
        data_key = crypto.unwrap_data_key(
            settings.ENCRYPTION_KEYRING, kek_id, room_id, version, bytes(wrapped)
        )
        _remember(room_id, version, data_key, created_at)
        return version, data_key
    return create_room_key(room_id)


def create_room_key(room_id: int, version: int | None = None) -> tuple[int, bytes]:
    """Start the room's next key version (``version`` when the caller read it under the lock).

    A ``version`` read in the statement that took the room's row lock can be stale:
    when that statement had to wait for the lock, PostgreSQL gives it the row as
    the other sender left it but runs its subqueries on the snapshot from before
    the wait, which misses the key the other sender has just created. Then the
    insert collides, and the key that is there now is the one to use.
    """
    if version is not None:
        try:
            with transaction.atomic():  # a savepoint, once per room and bucket
                return _insert_room_key(room_id, version)
        except IntegrityError:
            return current_room_key(room_id)
    with transaction.atomic(savepoint=False):
        last = RoomKey.objects.filter(room_id=room_id).order_by("-version").first()
        return _insert_room_key(room_id, (last.version + 1) if last else 1)


def _insert_room_key(room_id: int, version: int) -> tuple[int, bytes]:
    data_key = crypto.new_data_key()
    kek_id, wrapped = crypto.wrap_data_key(settings.ENCRYPTION_KEYRING, room_id, version, data_key)
    row = RoomKey(room_id=room_id, version=version, kek_id=kek_id, wrapped_key=wrapped)
    fastsql.insert(row)
    _remember(room_id, version, data_key, row.created_at)
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


def encrypt_body(
    room_id: int, message_uid: str, body: str, versions: KeyVersions | None = None
) -> tuple[int, bytes]:
    version, data_key = current_room_key(room_id, versions)
    blob = crypto.seal(
        data_key, body.encode("utf-8"), crypto.message_aad(room_id, message_uid, version)
    )
    return version, blob


def decrypt_body(room_id: int, message_uid: str, version: int, blob: bytes, data_key: bytes) -> str:
    plaintext = crypto.open_sealed(
        data_key, bytes(blob), crypto.message_aad(room_id, message_uid, version)
    )
    return plaintext.decode("utf-8")


@dataclass
class RotationReport:
    current_kek: str
    rewrapped: int = 0
    already_current: int = 0
    shredded: int = 0
    # Keys wrapped under a key-encryption key that is no longer in ENCRYPTION_KEYS.
    unreadable: int = 0
    # Staff two-factor authenticators whose secrets were re-sealed (chatplatform.mfa).
    secrets_resealed: int = 0
    kek_ids_in_use: list[str] = field(default_factory=list)

    @property
    def removable_kek_ids(self) -> list[str]:
        ring = settings.ENCRYPTION_KEYRING
        return sorted(set(ring.keys) - set(self.kek_ids_in_use))


def do_rotate_keys() -> RotationReport:
    """Re-wrap every live data key under the keyring's current key-encryption key.

    Messages are not touched: their data keys stay the same, only the wrapping
    changes. Idempotent: keys already under the current KEK are counted and
    left alone. Afterwards, KEK ids no longer in use can leave ENCRYPTION_KEYS.
    """
    keyring = settings.ENCRYPTION_KEYRING
    report = RotationReport(current_kek=keyring.current_id)
    report.shredded = RoomKey.objects.filter(wrapped_key__isnull=True).count()
    report.already_current = RoomKey.objects.filter(
        wrapped_key__isnull=False, kek_id=keyring.current_id
    ).count()
    stale = RoomKey.objects.filter(wrapped_key__isnull=False).exclude(kek_id=keyring.current_id)
    for key_id in stale.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            key_row = RoomKey.objects.select_for_update().get(pk=key_id)
            if key_row.wrapped_key is None or key_row.kek_id == keyring.current_id:
                continue
            try:
                data_key = _unwrap(key_row)
            except crypto.UnknownKeyError:
                report.unreadable += 1
                continue
            key_row.kek_id, key_row.wrapped_key = crypto.wrap_data_key(
                keyring, key_row.room_id, key_row.version, data_key
            )
            key_row.save(update_fields=["kek_id", "wrapped_key"])
            report.rewrapped += 1
    # Two-factor secrets are sealed under the same keyring (chatplatform.mfa).
    from chatplatform.mfa import do_rotate_secrets

    report.secrets_resealed, unreadable_secrets, secret_kek_ids = do_rotate_secrets()
    report.unreadable += unreadable_secrets
    report.kek_ids_in_use = sorted(
        set(
            RoomKey.objects.filter(wrapped_key__isnull=False)
            .values_list("kek_id", flat=True)
            .distinct()
        )
        | secret_kek_ids
    )
    return report


def do_shred_keys(key_rows: QuerySet[RoomKey], now: datetime | None = None) -> int:
    """Destroy these data keys: every message they protected becomes unreadable for good.

    The wrapped key is overwritten with NULL in the live database; copies in
    backups stay wrapped under a KEK and die when that KEK is retired.
    """
    return key_rows.filter(wrapped_key__isnull=False).update(
        wrapped_key=None, shredded_at=now or timezone.now()
    )
