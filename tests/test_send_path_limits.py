"""The limits every frame and message passes, as the send path counts them.

A window's counter is incremented first and created only when missing (one cache
operation per hit instead of two); the embedded cache holds at least one entry per
open socket and per identity's window, so no limit is forgotten under load.
"""

from __future__ import annotations

import time
import uuid

import pytest
from django.core.cache import cache, caches

from chatplatform import pseudonyms, throttle


@pytest.fixture(autouse=True)
def one_window(monkeypatch):
    monkeypatch.setattr(throttle, "clock", lambda: 1_700_000_010.0)
    cache.clear()
    yield
    cache.clear()


def test_a_window_counts_to_its_limit_then_refuses_until_the_window_ends():
    waits = [throttle.window_hit("frames", "someone", 3, 60) for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == waits[4] == 30.0  # the window ends at 1_700_000_040
    assert cache.get("rl:frames:someone:28333333") == 5


def test_a_counter_lost_mid_window_starts_again_instead_of_failing():
    throttle.window_hit("frames", "someone", 3, 60)
    cache.delete("rl:frames:someone:28333333")
    assert throttle.window_hit("frames", "someone", 3, 60) == 0.0
    assert cache.get("rl:frames:someone:28333333") == 1


def test_the_counter_expires_with_its_window():
    throttle.window_hit("frames", "someone", 3, 60)
    key = cache.make_and_validate_key("rl:frames:someone:28333333")
    expires_in = cache._expire_info[key] - time.time()
    assert 0 < expires_in <= 65


def test_pseudonyms_are_memoised_but_still_keyed(settings):
    first = pseudonyms.of_actor_key("p7")
    assert pseudonyms.of_actor_key("p7") == first
    settings.PSEUDONYM_KEY = "another-pseudonym-key-0123456789abcdefghijklmn"
    assert pseudonyms.of_actor_key("p7") != first


def test_a_thousand_sockets_keep_their_slots_and_limits_in_the_embedded_cache(settings):
    """Django's locmem default of 300 entries culled a third of them whenever it filled."""
    settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
    actors = [f"p{n}" for n in range(1000)]
    for actor in actors:
        assert throttle.acquire_connection(actor, uuid.uuid4().hex) is not None
        throttle.identity_frame_wait(actor)
        throttle.identity_message_wait(actor)
    # Every slot is still held, so a second socket of any of them is refused...
    assert all(throttle.acquire_connection(actor, uuid.uuid4().hex) is None for actor in actors)
    # ...and every identity's counters are still counting.
    frames_key = "rl:frames:{}:28333333"
    assert all(cache.get(frames_key.format(pseudonyms.of_actor_key(a))) == 1 for a in actors)


@pytest.mark.parametrize("limit", [1, 2])
def test_messages_across_connections_are_limited_per_identity(settings, limit):
    settings.MESSAGE_RATE_PER_MINUTE = limit
    settings.MESSAGE_RATE_BURST = 0
    hits = [throttle.identity_message_wait("p9") for _ in range(limit + 1)]
    assert hits[:limit] == [0.0] * limit
    assert hits[limit] > 0


# --- On Redis (every node's limits): one transaction per hit ------------------------------


@pytest.fixture
def redis_cache(settings, redis_url):
    # Databases of their own: clearing the cache empties its whole Redis database,
    # and the session's Redis (database 0) also serves other tests' nodes.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url.removesuffix("/0") + "/2",
            "KEY_PREFIX": "limits-test",
        }
    }
    cache.clear()
    client = caches["default"]._cache.get_client(write=True)
    client.config_resetstat()
    yield client
    cache.clear()


def commands_run(client) -> dict[str, int]:
    """Commands since the last CONFIG RESETSTAT, without that one."""
    return {
        name.removeprefix("cmdstat_"): stats["calls"]
        for name, stats in client.info("commandstats").items()
        if name != "cmdstat_config|resetstat"
    }


def test_on_redis_a_window_counts_to_its_limit_then_refuses(redis_cache):
    waits = [throttle.window_hit("frames", "someone", 3, 60) for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 30.0, 30.0]
    # The counter is the cache's own entry: Django reads it back as an int.
    assert cache.get("rl:frames:someone:28333333") == 5
    key = caches["default"].make_and_validate_key("rl:frames:someone:28333333")
    assert 60 < redis_cache.ttl(key) <= 65


def test_on_redis_each_hit_is_one_transaction_without_exists(redis_cache):
    for _ in range(4):
        throttle.identity_frame_wait("p5")
    run = commands_run(redis_cache)
    assert run.get("exec") == 4 and run.get("incrby") == 4
    assert "exists" not in run


def test_on_redis_a_counter_lost_mid_window_starts_again_with_its_expiry(redis_cache):
    throttle.window_hit("frames", "someone", 3, 60)
    cache.delete("rl:frames:someone:28333333")
    assert throttle.window_hit("frames", "someone", 3, 60) == 0.0
    assert cache.get("rl:frames:someone:28333333") == 1
    key = caches["default"].make_and_validate_key("rl:frames:someone:28333333")
    assert redis_cache.ttl(key) > 0


def test_on_redis_the_next_window_counts_from_one(redis_cache, monkeypatch):
    for _ in range(3):
        throttle.window_hit("frames", "someone", 2, 60)
    monkeypatch.setattr(throttle, "clock", lambda: 1_700_000_070.0)
    assert throttle.window_hit("frames", "someone", 2, 60) == 0.0
    assert cache.get("rl:frames:someone:28333334") == 1
    assert cache.get("rl:frames:someone:28333333") == 3


def test_on_redis_the_kept_client_follows_a_change_of_cache(redis_cache, settings, redis_url):
    throttle.window_hit("frames", "someone", 3, 60)
    other = {**settings.CACHES["default"], "LOCATION": redis_url.removesuffix("/0") + "/3"}
    settings.CACHES = {"default": other}
    cache.clear()
    throttle.window_hit("frames", "someone", 3, 60)
    throttle.window_hit("frames", "someone", 3, 60)
    key = caches["default"].make_and_validate_key("rl:frames:someone:28333333")
    assert int(redis_cache.get(key)) == 1  # the first database kept its one hit
    assert cache.get("rl:frames:someone:28333333") == 2  # the new cache counted the rest
    cache.clear()


# --- A message.send frame: its frame and message limits in one call ----------------------


def sequential_waits(actor: str, count_message: bool) -> tuple[float, float]:
    """The verdicts of the two separate hits that a message.send frame used to cost."""
    frame_wait = throttle.identity_frame_wait(actor)
    if frame_wait or not count_message:
        return frame_wait, 0.0
    return frame_wait, throttle.identity_message_wait(actor)


def send_limits(settings, frames: int, messages: int) -> None:
    settings.WS_IDENTITY_FRAMES_PER_MINUTE = frames
    settings.MESSAGE_RATE_PER_MINUTE = messages
    settings.MESSAGE_RATE_BURST = 0


def counters(actor: str) -> tuple[int | None, int | None]:
    subject = pseudonyms.of_actor_key(actor)
    return cache.get(f"rl:frames:{subject}:28333333"), cache.get(f"rl:messages:{subject}:28333333")


def check_same_verdicts_as_two_hits(settings) -> None:
    send_limits(settings, frames=6, messages=3)
    # Some frames find the connection's send bucket empty: those count no message.
    plan = [True, True, False, True, True, True, False, True]
    together = [throttle.identity_send_waits("p1", count) for count in plan]
    apart = [sequential_waits("p2", count) for count in plan]
    assert together == apart
    assert together[:3] == [(0.0, 0.0)] * 3
    assert together[4] == (0.0, 30.0)  # the fourth message of three
    assert together[6:] == [(30.0, 0.0), (30.0, 0.0)]  # the seventh frame of six
    assert counters("p1") == counters("p2") == (8, 5)


def check_a_refused_frame_costs_no_message(settings) -> None:
    send_limits(settings, frames=2, messages=5)
    for _ in range(2):
        assert throttle.identity_send_waits("p3", True) == (0.0, 0.0)
    assert throttle.identity_send_waits("p3", True) == (30.0, 0.0)
    assert counters("p3") == (3, 2)
    settings.WS_IDENTITY_FRAMES_PER_MINUTE = 10  # the frame limit allows again
    assert throttle.identity_send_waits("p3", True) == (0.0, 0.0)
    assert counters("p3") == (4, 3)


def test_a_message_frames_limits_in_one_call_give_the_two_hits_verdicts(settings):
    check_same_verdicts_as_two_hits(settings)


def test_a_frame_refused_by_the_frame_limit_costs_no_message(settings):
    check_a_refused_frame_costs_no_message(settings)


def test_on_redis_a_message_frames_limits_give_the_two_hits_verdicts(redis_cache, settings):
    check_same_verdicts_as_two_hits(settings)


def test_on_redis_a_frame_refused_by_the_frame_limit_costs_no_message(redis_cache, settings):
    check_a_refused_frame_costs_no_message(settings)


def test_on_redis_a_message_frames_limits_are_one_round_trip(redis_cache, settings):
    send_limits(settings, frames=100, messages=100)
    throttle.identity_send_waits("p4", True)  # loads the script once
    redis_cache.config_resetstat()
    for _ in range(4):
        throttle.identity_send_waits("p4", True)
    run = commands_run(redis_cache)
    assert run.pop("evalsha") == 4
    assert run == {"set": 8, "incr": 8}  # inside the script: no EXISTS, no GET
    subject = pseudonyms.of_actor_key("p4")
    for name in ("frames", "messages"):
        key = caches["default"].make_and_validate_key(f"rl:{name}:{subject}:28333333")
        assert cache.get(f"rl:{name}:{subject}:28333333") == 5
        assert 60 < redis_cache.ttl(key) <= 65


def test_on_redis_the_script_is_loaded_again_after_a_flush(redis_cache, settings):
    send_limits(settings, frames=100, messages=100)
    throttle.identity_send_waits("p5", True)
    redis_cache.script_flush()  # as after a Redis restart
    assert throttle.identity_send_waits("p5", True) == (0.0, 0.0)
    assert counters("p5") == (2, 2)


# --- Connection slots on Redis: a refresh is one transaction through the kept client ------


def test_on_redis_a_refresh_keeps_the_slot_in_one_transaction(redis_cache, settings):
    settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
    slot = throttle.acquire_connection("p6", "c1")
    key = caches["default"].make_and_validate_key(slot)
    redis_cache.expire(key, 5)
    redis_cache.config_resetstat()
    throttle.refresh_connection(slot, "c1")
    run = commands_run(redis_cache)
    assert run == {"multi": 1, "expire": 1, "set": 1, "exec": 1}
    assert 85 < redis_cache.ttl(key) <= throttle.CONNECTION_SLOT_SECONDS
    assert cache.get(slot) == "c1"
    assert throttle.acquire_connection("p6", "c2") is None


def test_on_redis_a_lapsed_slot_is_taken_again_by_its_socket(redis_cache, settings):
    settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
    slot = throttle.acquire_connection("p7", "c1")
    cache.delete(slot)  # lapsed while the event loop stalled
    throttle.refresh_connection(slot, "c1")
    assert cache.get(slot) == "c1"  # Django reads the socket's id back
    assert 85 < redis_cache.ttl(caches["default"].make_and_validate_key(slot)) <= 90
    throttle.release_connection(slot, "c1")
    assert throttle.open_connections("p7") == 0


def test_on_redis_a_refresh_never_takes_a_slot_another_socket_holds(redis_cache, settings):
    settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
    slot = throttle.acquire_connection("p8", "c1")
    cache.delete(slot)
    assert throttle.acquire_connection("p8", "c2") == slot
    throttle.refresh_connection(slot, "c1")  # the first socket's late refresh
    assert cache.get(slot) == "c2"
