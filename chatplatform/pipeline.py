"""The message pipeline: an ordered list of checks that every new message passes.

The settings name the checks (``MESSAGE_CHECKS``); the feature apps provide
them, and the core imports none of them. Each check is a plain function
``check(draft) -> Verdict``. The strongest action wins: block > hold > mask
> allow. A mask rewrites the body that later checks see and that is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

ALLOW = "allow"
MASK = "mask"
HOLD = "hold"
BLOCK = "block"
_STRENGTH = {ALLOW: 0, MASK: 1, HOLD: 2, BLOCK: 3}


@dataclass(frozen=True)
class Draft:
    """A message not yet stored. ``body`` is private: never log it."""

    room_id: int
    room_kind: str
    sender_kind: str  # "participant" or "staff"
    sender_id: int
    sender_role: str
    body: str
    # None when the participant has not said which language they write in.
    language: str | None = None

    def __repr__(self) -> str:
        return (
            f"Draft(room_id={self.room_id}, sender_role={self.sender_role!r}, "
            f"length={len(self.body)})"
        )


@dataclass(frozen=True)
class Flag:
    """Something a check noticed. ``source`` names the check; ``data`` holds no message text."""

    source: str
    kind: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    action: str = ALLOW
    body: str | None = None  # the rewritten body, for MASK
    flags: tuple[Flag, ...] = ()
    # For BLOCK (and HOLD): an error code and a sentence for the sender.
    code: str = ""
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.action not in _STRENGTH:
            raise ValueError(f"unknown verdict action {self.action!r}")

    def __repr__(self) -> str:
        return f"Verdict(action={self.action!r}, code={self.code!r}, flags={self.flags!r})"


@dataclass(frozen=True)
class Outcome:
    """The combined result of every check."""

    action: str
    body: str
    flags: tuple[Flag, ...]
    code: str = ""
    detail: str = ""
    extra: dict = field(default_factory=dict)
    masked: bool = False

    def __repr__(self) -> str:
        return f"Outcome(action={self.action!r}, code={self.code!r}, masked={self.masked})"


Check = Callable[[Draft], Verdict]


@cache
def configured_checks() -> tuple[Check, ...]:
    return tuple(import_string(path) for path in settings.MESSAGE_CHECKS)


def run_checks(draft: Draft, checks: Sequence[Check] | None = None) -> Outcome:
    """Run every check in order. A block stops the run; nothing after it sees the draft."""
    action = ALLOW
    flags: list[Flag] = []
    code = detail = ""
    extra: dict = {}
    masked = False
    for check in configured_checks() if checks is None else checks:
        verdict = check(draft)
        flags.extend(verdict.flags)
        # A hold may also mask (a held message must not store a phone number either).
        if verdict.action in (MASK, HOLD) and verdict.body is not None:
            draft = replace(draft, body=verdict.body)
            masked = True
        if _STRENGTH[verdict.action] > _STRENGTH[action]:
            action = verdict.action
            code, detail, extra = verdict.code, verdict.detail, verdict.extra
        if action == BLOCK:
            break
    return Outcome(
        action=action,
        body=draft.body,
        flags=tuple(flags),
        code=code,
        detail=detail,
        extra=extra,
        masked=masked,
    )


@cache
def configured_entry_checks() -> tuple[Callable, ...]:
    return tuple(import_string(path) for path in settings.ROOM_ENTRY_CHECKS)


def run_entry_checks(actor: Any, room: Any | None) -> None:
    """Raise ServiceError when ``actor`` may not enter ``room`` (None: the 1:1 queue)."""
    for entry_check in configured_entry_checks():
        entry_check(actor, room)
