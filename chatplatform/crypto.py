"""Envelope encryption: message bodies under per-room data keys, data keys under a keyring.

Small secrets (two-factor seeds) are sealed under the keyring directly, as text.

Every ciphertext is bound to its row with AES-GCM associated data, so a
ciphertext copied into another row (or another room) fails to decrypt.
No Django imports: this module is tested on its own.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chatplatform.env import Keyring

NONCE_BYTES = 12
DATA_KEY_BYTES = 32


class DecryptionError(Exception):
    """Ciphertext could not be opened: wrong key, wrong row, or tampered bytes."""


class UnknownKeyError(DecryptionError):
    """The key-encryption key this data key was wrapped under is not in the keyring."""


def seal(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def open_sealed(key: bytes, blob: bytes, associated_data: bytes) -> bytes:
    if len(blob) < NONCE_BYTES + 16:
        raise DecryptionError("ciphertext too short")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated_data)
    except InvalidTag:
        raise DecryptionError("ciphertext does not authenticate for this row") from None


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)


def data_key_aad(room_id: int, version: int) -> bytes:
    return f"dek|room={room_id}|v={version}".encode()


def message_aad(room_id: int, message_uid: str, key_version: int) -> bytes:
    return f"msg|room={room_id}|uid={message_uid}|v={key_version}".encode()


def wrap_data_key(
    keyring: Keyring, room_id: int, version: int, data_key: bytes
) -> tuple[str, bytes]:
    """Wrap under the keyring's current key; returns (kek_id, wrapped bytes)."""
    kek_id = keyring.current_id
    return kek_id, seal(keyring.keys[kek_id], data_key, data_key_aad(room_id, version))


def unwrap_data_key(
    keyring: Keyring, kek_id: str, room_id: int, version: int, wrapped: bytes
) -> bytes:
    kek = keyring.keys.get(kek_id)
    if kek is None:
        raise UnknownKeyError(f"key-encryption key {kek_id!r} is not in ENCRYPTION_KEYS")
    return open_sealed(kek, bytes(wrapped), data_key_aad(room_id, version))


def secret_aad(purpose: str) -> bytes:
    return f"secret|{purpose}".encode()


def seal_secret(keyring: Keyring, text: str, purpose: str) -> str:
    """``text`` sealed under the keyring's current key, as ``<kek id>:<base64>``."""
    kek_id = keyring.current_id
    blob = seal(keyring.keys[kek_id], text.encode(), secret_aad(purpose))
    return f"{kek_id}:{base64.urlsafe_b64encode(blob).decode()}"


def secret_kek_id(sealed: str) -> str:
    return sealed.partition(":")[0]


def open_secret(keyring: Keyring, sealed: str, purpose: str) -> str:
    kek_id, _, encoded = sealed.partition(":")
    kek = keyring.keys.get(kek_id)
    if kek is None:
        raise UnknownKeyError(f"key-encryption key {kek_id!r} is not in ENCRYPTION_KEYS")
    try:
        blob = base64.urlsafe_b64decode(encoded.encode())
    except ValueError:
        raise DecryptionError("sealed secret is not base64") from None
    return open_sealed(kek, blob, secret_aad(purpose)).decode()
