"""Rate limits shared by every process, kept in the cache (Redis when REDIS_URL is set).

Counters are keyed by pseudonyms, never by raw ids or addresses: a client
network is a daily-rotating keyed hash of its address
(``pseudonyms.daily_network_key``), an identity the pseudonym of its actor key.
Nothing here touches the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import pseudonyms
from chatplatform.errors import ServiceError

HOUR = 3600
MINUTE = 60
# An open connection is counted this long after it opened, so a crashed node's
# connections stop counting against their identity within a few hours.
CONNECTION_COUNT_SECONDS = 6 * HOUR
# Wall-clock seconds; windows are aligned to it so every process agrees on them.
clock: Callable[[], float] = time.time


def client_network_key(meta: dict[str, Any]) -> str:
    """The rate-limit key for the client of this request (``request.META``).

    Behind a proxy, run Daphne with ``--proxy-headers`` so REMOTE_ADDR is the client.
    """
    return pseudonyms.daily_network_key(
        settings.PSEUDONYM_KEY.encode(), meta.get("REMOTE_ADDR") or "", timezone.now().date()
    )


def window_hit(name: str, subject: str, limit: int, window_seconds: int) -> float:
    """Count one hit in the current fixed window. 0.0 when allowed, else seconds to wait."""
    now = clock()
    window = int(now // window_seconds)
    key = f"rl:{name}:{subject}:{window}"
    cache.add(key, 0, timeout=window_seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # Evicted between add and incr: count this hit as the first.
        cache.set(key, 1, timeout=window_seconds + 5)
        count = 1
    if count <= limit:
        return 0.0
    return max(0.1, (window + 1) * window_seconds - now)


def check_new_identity(network_key: str) -> None:
    """Refuse to create another anonymous identity for a network that made too many.

    Clearing cookies gives a new identity; this bounds how fast a banned
    person can come back, without storing anything about them.
    """
    wait = window_hit("identity", network_key, settings.NEW_IDENTITIES_PER_HOUR, HOUR)
    if wait:
        raise ServiceError(
            "rate_limited",
            _("Too many new visitors from your network just now. Please try again later."),
            retry_after=round(wait),
        )


def identity_frame_wait(actor_key: str) -> float:
    """Frames of one identity across all its connections, per minute."""
    return window_hit(
        "frames",
        pseudonyms.of_actor_key(actor_key),
        settings.WS_IDENTITY_FRAMES_PER_MINUTE,
        MINUTE,
    )


def identity_message_wait(actor_key: str) -> float:
    """Messages of one identity across all its connections: the per-connection budget, once."""
    return window_hit(
        "messages",
        pseudonyms.of_actor_key(actor_key),
        settings.MESSAGE_RATE_PER_MINUTE + settings.MESSAGE_RATE_BURST,
        MINUTE,
    )


def _connections_key(actor_key: str) -> str:
    return f"conn:{pseudonyms.of_actor_key(actor_key)}"


def acquire_connection(actor_key: str) -> bool:
    """Count a new websocket for this identity; False when it already has the maximum."""
    key = _connections_key(actor_key)
    cache.add(key, 0, timeout=CONNECTION_COUNT_SECONDS)
    count = cache.incr(key)
    cache.touch(key, CONNECTION_COUNT_SECONDS)
    if count > settings.WS_MAX_CONNECTIONS_PER_IDENTITY:
        release_connection(actor_key)
        return False
    return True


def release_connection(actor_key: str) -> None:
    key = _connections_key(actor_key)
    try:
        if cache.decr(key) < 0:
            cache.set(key, 0, timeout=CONNECTION_COUNT_SECONDS)
    except ValueError:
        pass  # The count already expired: nothing to release.
