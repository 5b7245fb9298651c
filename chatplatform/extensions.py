"""Room frames contributed by the feature apps.

A feature app registers its frame types in its AppConfig.ready(); the room
consumer validates them with the given field specs and calls the handler in
the database thread. Handlers are thin: they call one service function and
return the frames to send back to the caller (broadcasts go out on commit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chatplatform.frames import FieldSpec

Handler = Callable[[Any, dict[str, Any]], list[dict[str, Any]] | None]


@dataclass(frozen=True)
class RoomFrame:
    fields: tuple[FieldSpec, ...]
    handler: Handler


ROOM_FRAMES: dict[str, RoomFrame] = {}


def register_room_frame(frame_type: str, fields: tuple[FieldSpec, ...], handler: Handler) -> None:
    """Add a frame type to the room protocol; ``handler(access, clean_fields)`` runs sync."""
    if frame_type in ROOM_FRAMES and ROOM_FRAMES[frame_type].handler is not handler:
        raise ValueError(f"room frame {frame_type!r} is registered twice")
    ROOM_FRAMES[frame_type] = RoomFrame(fields=fields, handler=handler)
