"""Pseudonymous identifiers for everything that leaves the core: logs, metrics, exports.

A pseudonym is HMAC-SHA256 over ``namespace|internal id`` under PSEUDONYM_KEY,
a secret separate from SECRET_KEY. The same id always maps to the same
pseudonym (so a log reader can follow one participant through a session of
log lines) but nobody without the key can map it back or test a guess.

Pseudonyms are the first 16 hex characters (64 bits) of the digest: short
enough to read in a log line, long enough that two of the few million ids a
deployment will ever see collide with odds below one in a million.

The namespace keeps a participant's pseudonym different from a room's or a
staff member's with the same number. No Django imports in ``pseudonym``; the
settings-bound helpers below read the key lazily.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import date
from functools import lru_cache

PSEUDONYM_HEX_CHARS = 16

PARTICIPANT = "participant"
STAFF = "staff"
ROOM = "room"
MESSAGE = "message"


@lru_cache(maxsize=8192)
def pseudonym(key: bytes, namespace: str, internal_id: int | str) -> str:
    """Memoised: the rate limits ask for a socket's identity on every frame."""
    digest = hmac.new(key, f"{namespace}|{internal_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX_CHARS]


def network_of(ip: str) -> str:
    """The network a client address stands for: IPv6 clients get a whole /64 each."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def daily_network_key(key: bytes, ip: str, day: date) -> str:
    """A rate-limit key for a client network that changes every day.

    HMAC over the day and the network, truncated to 16 hex characters: enough to
    count requests from one network, useless for following it from one day to
    the next. It is held only in the cache, never in the database or a log.
    """
    message = f"network|{day.isoformat()}|{network_of(ip)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]


def _key() -> bytes:
    from django.conf import settings

    return settings.PSEUDONYM_KEY.encode()


def of(namespace: str, internal_id: int | str) -> str:
    """The pseudonym of an internal id under this deployment's PSEUDONYM_KEY."""
    return pseudonym(_key(), namespace, internal_id)


def of_actor_key(actor_key: str) -> str:
    """Pseudonym for an ``Actor.key`` (``p<id>`` or ``s<id>``), prefixed with its kind."""
    kind = STAFF if actor_key.startswith("s") else PARTICIPANT
    return f"{actor_key[0]}-{of(kind, actor_key[1:])}"
