"""Errors are data: a stable code for programs and a human sentence for people."""

from __future__ import annotations

from typing import Any

from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# A service a request needs (Redis, the database) cannot be reached: nothing about the
# request is wrong, and the same request can be sent again once it is back.
OUTAGES = (
    RedisConnectionError,
    RedisTimeoutError,
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)


class ServiceError(Exception):
    """A refused request. ``detail`` is safe to show to the user and never holds private content."""

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = str(detail)
        self.extra = extra

    def as_frame(self, ref: str | None = None) -> dict[str, Any]:
        return {"type": "error", "code": self.code, "detail": self.detail, "ref": ref, **self.extra}
