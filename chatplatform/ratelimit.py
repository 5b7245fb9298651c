"""A token bucket, for per-connection rate limits. No Django here."""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    def __init__(
        self, capacity: float, refill_per_second: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self.clock = clock
        self.tokens = capacity
        self.updated = clock()

    def take(self, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens. Returns 0.0 when allowed, else the seconds until it would be."""
        wait = self.wait(cost)
        if not wait:
            self.tokens -= cost
        return wait

    def wait(self, cost: float = 1.0) -> float:
        """What ``take`` would answer now, without spending anything."""
        now = self.clock()
        self.tokens = min(
            self.capacity, self.tokens + (now - self.updated) * self.refill_per_second
        )
        self.updated = now
        if self.tokens >= cost:
            return 0.0
        return (cost - self.tokens) / self.refill_per_second
