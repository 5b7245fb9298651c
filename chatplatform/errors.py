"""Errors are data: a stable code for programs and a human sentence for people."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refused request. ``detail`` is safe to show to the user and never holds private content."""

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = str(detail)
        self.extra = extra

    def as_frame(self, ref: str | None = None) -> dict[str, Any]:
        return {"type": "error", "code": self.code, "detail": self.detail, "ref": ref, **self.extra}
