"""The embedded single-machine channel layer."""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer


class SingleNodeChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer, sweeping expired messages at most once a second.

    The stock layer sweeps every channel and group on every receive, which is
    quadratic in the number of open sockets; with a thousand connections that
    sweep dominated the server's time.
    """

    SWEEP_INTERVAL_SECONDS = 1.0

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._last_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < self.SWEEP_INTERVAL_SECONDS:
            return
        self._last_sweep = now
        super()._clean_expired()
