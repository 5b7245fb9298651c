"""Rate limits shared by every process, kept in the cache (Redis when REDIS_URL is set).

Counters are keyed by pseudonyms, never by raw ids or addresses: a client
network is a daily-rotating keyed hash of its address
(``pseudonyms.daily_network_key``), an identity the pseudonym of its actor key.
Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import pseudonyms
from chatplatform.errors import ServiceError

HOUR = 3600
MINUTE = 60
DAY = 24 * HOUR
# An open socket holds a slot that lapses this long after its last refresh, so the
# sockets of a node that died stop counting against their identity within minutes.
CONNECTION_SLOT_SECONDS = 90
CONNECTION_SLOT_REFRESH_SECONDS = 30
# Wall-clock seconds; windows are aligned to it so every process agrees on them.
clock: Callable[[], float] = time.time


def client_network_key(meta: dict[str, Any]) -> str:
    """The rate-limit key for the client of this request (``request.META``).

    Behind a proxy, run Daphne with ``--proxy-headers`` so REMOTE_ADDR is the client.
    """
    return network_key_of(meta.get("REMOTE_ADDR") or "")


def network_key_of(address: str) -> str:
    return pseudonyms.daily_network_key(
        settings.PSEUDONYM_KEY.encode(), address, timezone.now().date()
    )


def window_hit(name: str, subject: str, limit: int, window_seconds: int) -> float:
    """Count one hit in the current fixed window. 0.0 when allowed, else seconds to wait."""
    now = clock()
    window = int(now // window_seconds)
    key = f"rl:{name}:{subject}:{window}"
    count = _count_hit(key, window_seconds + 5)
    if count <= limit:
        return 0.0
    return max(0.1, (window + 1) * window_seconds - now)


def window_hits(names: Sequence[tuple[str, int]], subject: str, window_seconds: int) -> list[float]:
    """Count one hit on each named window in turn, as ``window_hit`` each, stopping after
    the first that refuses. The waits of the windows counted (a refused window is last).

    On Redis this is one round trip, atomic across nodes: a later window is never
    counted when an earlier one refused, so a refused frame costs no message.
    """
    now = clock()
    window = int(now // window_seconds)
    keys = [f"rl:{name}:{subject}:{window}" for name, _limit in names]
    limits = [limit for _name, limit in names]
    counts = _count_hits_in_turn(keys, limits, window_seconds + 5)
    wait = max(0.1, (window + 1) * window_seconds - now)
    return [0.0 if count <= limit else wait for count, limit in zip(counts, limits, strict=False)]


# Django's Redis cache builds a new client object on every call (about 60 us); one per
# cache backend is kept instead. Backends are per thread and replaced when CACHES
# changes, so a kept client never outlives its settings.
_writer_clients: weakref.WeakKeyDictionary[RedisCache, Any] = weakref.WeakKeyDictionary()
_hit_scripts: weakref.WeakKeyDictionary[RedisCache, Any] = weakref.WeakKeyDictionary()
# KEYS: the counters in turn; ARGV[1]: their expiry; ARGV[i + 1]: the limit of KEYS[i].
# The same SET NX EX and INCR as _count_hit, for each counter until one is over its limit.
HITS_IN_TURN = """
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'EX', ARGV[1], 'NX')
  counts[i] = redis.call('INCR', key)
  if counts[i] > tonumber(ARGV[i + 1]) then break end
end
return counts
"""


def _writer_client(backend: RedisCache) -> Any:
    client = _writer_clients.get(backend)
    if client is None:
        # Writes go to the first server of LOCATION, as Django's own get_client(write=True).
        client = _writer_clients[backend] = backend._cache.get_client(write=True)
    return client


def _hit_script(backend: RedisCache) -> Any:
    script = _hit_scripts.get(backend)
    if script is None:
        # EVALSHA, loading the script again by itself after a Redis restart.
        script = _hit_scripts[backend] = _writer_client(backend).register_script(HITS_IN_TURN)
    return script


def _count_hits_in_turn(keys: list[str], limits: list[int], timeout: int) -> list[int]:
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_keys = [backend.make_and_validate_key(key) for key in keys]
        return _hit_script(backend)(keys=full_keys, args=[timeout, *limits])
    counts = []
    for key, limit in zip(keys, limits, strict=True):
        counts.append(_count_hit(key, timeout))
        if counts[-1] > limit:
            break
    return counts


def _count_hit(key: str, timeout: int) -> int:
    """Count one hit on a window's counter, created with its expiry when it is new."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # Every frame and message passes here. Django's incr() is two round trips
        # (EXISTS, then INCR) and a new window a third (SET NX): here it is one
        # transaction, SET NX with the expiry then INCR. Django's Redis cache stores
        # ints unpickled, so cache.get() reads the same counter.
        full_key = backend.make_and_validate_key(key)
        pipeline = _writer_client(backend).pipeline(transaction=True)
        pipeline.set(full_key, 0, ex=timeout, nx=True)
        pipeline.incr(full_key)
        return pipeline.execute()[1]
    # The in-process cache: the window's counter usually exists, so increment first
    # and create it only when it does not (once per window).
    try:
        return backend.incr(key)
    except ValueError:
        backend.add(key, 0, timeout=timeout)
        try:
            return backend.incr(key)
        except ValueError:  # Evicted between add and incr: count this hit as the first.
            backend.set(key, 1, timeout=timeout)
            return 1


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


def urgent_identity_allowed(network_key: str) -> bool:
    """May this network, over its new-identity limit, still create one for an urgent press?

    Counted per network per hour, apart from ``check_new_identity``'s window.
    """
    limit = settings.URGENT_HELP_IDENTITIES_PER_HOUR
    return limit > 0 and not window_hit("urgent-identity", network_key, limit, HOUR)


def banned_urgent_case_allowed(actor_key: str) -> bool:
    """May this banned identity open another urgent-help case today (fixed daily window)?"""
    return not window_hit(
        "urgent-banned",
        pseudonyms.of_actor_key(actor_key),
        settings.URGENT_HELP_BANNED_CASES_PER_DAY,
        DAY,
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


def identity_send_waits(actor_key: str, count_message: bool) -> tuple[float, float]:
    """A ``message.send`` frame's two identity limits in one call: (frame wait, message wait).

    The message is counted only when the frame is allowed and ``count_message`` (the
    connection's own send bucket has a token); otherwise its wait is 0.0. Verdicts and
    waits are those of ``identity_frame_wait`` then ``identity_message_wait``.
    """
    names = [("frames", settings.WS_IDENTITY_FRAMES_PER_MINUTE)]
    if count_message:
        names.append(("messages", settings.MESSAGE_RATE_PER_MINUTE + settings.MESSAGE_RATE_BURST))
    waits = window_hits(names, pseudonyms.of_actor_key(actor_key), MINUTE)
    return waits[0], (waits[1] if len(waits) > 1 else 0.0)


def _slot_keys(actor_key: str) -> list[str]:
    prefix = f"conn:{pseudonyms.of_actor_key(actor_key)}"
    return [f"{prefix}:{n}" for n in range(settings.WS_MAX_CONNECTIONS_PER_IDENTITY)]


def acquire_connection(actor_key: str, connection_id: str) -> str | None:
    """Take a free connection slot for this identity: its key, or None when all are taken.

    A slot is one cache entry per open socket, holding the socket's id. Taking
    one is an atomic add (SET NX), so two nodes never hand out the same slot;
    it expires after CONNECTION_SLOT_SECONDS unless the socket refreshes it.
    """
    keys = _slot_keys(actor_key)
    taken = cache.get_many(keys)
    for key in keys:
        if key not in taken and cache.add(key, connection_id, timeout=CONNECTION_SLOT_SECONDS):
            return key
    return None


def refresh_connection(slot: str, connection_id: str) -> None:
    """The socket is still open: keep its slot for another CONNECTION_SLOT_SECONDS.

    A slot that lapsed meanwhile (the event loop stalled, the cache restarted) is
    taken again when it is still free.
    """
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # Django's touch() then add(): the same EXPIRE then SET NX EX, in one round trip
        # through the kept client. The slot holds the socket's id as Django stores it.
        key = backend.make_and_validate_key(slot)
        pipeline = _writer_client(backend).pipeline(transaction=True)
        pipeline.expire(key, CONNECTION_SLOT_SECONDS)
        pipeline.set(
            key,
            backend._cache._serializer.dumps(connection_id),
            ex=CONNECTION_SLOT_SECONDS,
            nx=True,
        )
        pipeline.execute()
        return
    if not cache.touch(slot, CONNECTION_SLOT_SECONDS):
        cache.add(slot, connection_id, timeout=CONNECTION_SLOT_SECONDS)


def release_connection(slot: str, connection_id: str) -> None:
    """Free the slot, unless it lapsed and another socket holds it now."""
    if cache.get(slot) == connection_id:
        cache.delete(slot)


def open_connections(actor_key: str) -> int:
    """How many slots this identity holds now."""
    return len(cache.get_many(_slot_keys(actor_key)))


# --- Failed sign-ins: a progressive delay per account and client, never a lock ------------

# Failures allowed before any delay, per account from one client, and per client in all.
LOGIN_FREE_FAILURES = 5
CLIENT_FREE_FAILURES = 20
# After the free ones, each failure doubles the wait before the next attempt is checked.
LOGIN_DELAY_BASE_SECONDS = 2
LOGIN_DELAY_MAX_SECONDS = 15 * MINUTE
# A client's failures are forgotten this long after its last one.
LOGIN_FAILURE_MEMORY_SECONDS = DAY


def _account_key(login: str) -> str:
    digest = hmac.new(
        settings.PSEUDONYM_KEY.encode(), b"login|" + login.strip().lower().encode(), hashlib.sha256
    )
    return digest.hexdigest()[:16]


def login_subjects(login: str, network_key: str) -> dict[str, int]:
    """What a failure counts against, with its free allowance: the account from this
    client, and this client across every account. Never the account alone, so that
    failures from one client cannot keep the right person out from another."""
    return {
        f"lf:account:{_account_key(login)}:{network_key}": LOGIN_FREE_FAILURES,
        f"lf:client:{network_key}": CLIENT_FREE_FAILURES,
    }


def _wait(entry: Any, free: int, now: float) -> float:
    if not entry:
        return 0.0
    failures, last = entry
    if failures < free:
        return 0.0
    delay = min(LOGIN_DELAY_MAX_SECONDS, LOGIN_DELAY_BASE_SECONDS * 2 ** (failures - free))
    return max(0.0, last + delay - now)


def login_wait(subjects: dict[str, int]) -> float:
    """Seconds before another attempt from this client may be checked (0: go ahead)."""
    now = clock()
    entries = cache.get_many(list(subjects))
    return max((_wait(entries.get(key), free, now) for key, free in subjects.items()), default=0.0)


def record_login_failure(subjects: dict[str, int]) -> None:
    now = clock()
    entries = cache.get_many(list(subjects))
    cache.set_many(
        {key: ((entries.get(key) or (0, now))[0] + 1, now) for key in subjects},
        timeout=LOGIN_FAILURE_MEMORY_SECONDS,
    )


def clear_login_failures(subjects: dict[str, int]) -> None:
    """A success forgets this client's failures for the account (not the client's total)."""
    cache.delete_many([key for key in subjects if key.startswith("lf:account:")])
