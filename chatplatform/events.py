"""Publishing to the channel layer, only after the transaction commits, only to who may see it.

Store first, acknowledge, then broadcast: a client never hears of a row that
might still roll back. Inside a websocket consumer, events committed while
handling a frame are held until the consumer has replied (the ack), then
sent from the event loop; elsewhere (views, commands, workers) they are sent
as soon as the transaction commits. Tests capture calls to ``send_to_group``.

Recipients are computed here, on the server, not filtered at each socket: a
room's group carries only what every member may see; staff-only frames go to
the room's staff group; a frame for one participant goes to their own sockets
(``message_recipients``).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

Event = tuple[str, dict[str, Any]]
_held: ContextVar[list[Event] | None] = ContextVar("held_channel_events", default=None)


# Audiences of a stored message (chatplatform.models.Message.Audience).
ROOM, STAFF, PRIVATE = "room", "staff", "private"
# Views of a message: what every member may see, or all of it (staff, or its recipient).
MEMBER_VIEW, FULL_VIEW = "member", "full"


def room_group(room_id: int) -> str:
    """Every socket open in the room: only what every member may see goes here."""
    return f"room.{room_id}"


def room_staff_group(room_id: int) -> str:
    """The staff sockets open in the room (its mentors, supervisors and admins looking in)."""
    return f"room.{room_id}.staff"


def participant_group(participant_id: int) -> str:
    """Every socket of one participant, in any room (events name their room)."""
    return f"actor.p{participant_id}"


def message_recipients(
    room_id: int, audience: str, recipient_id: int | None, hidden: bool
) -> list[tuple[str, str]]:
    """The groups a stored message goes to, each with the view it may get.

    - to everyone in the room: the room group; a hidden one gets the member view
      there (no body, no reason) and the full view in the staff group;
    - staff only: the staff group;
    - private to one participant: the staff group and that participant's sockets.

    Staff sockets belong to both room groups: an event to the room group that has a
    staff copy is marked so that they skip it (``RoomConsumer.chat_message``).
    """
    if audience == STAFF:
        return [(room_staff_group(room_id), FULL_VIEW)]
    if audience == PRIVATE:
        assert recipient_id is not None
        return [
            (room_staff_group(room_id), FULL_VIEW),
            (participant_group(recipient_id), FULL_VIEW),
        ]
    if hidden:
        return [(room_group(room_id), MEMBER_VIEW), (room_staff_group(room_id), FULL_VIEW)]
    return [(room_group(room_id), FULL_VIEW)]


def send_to_group(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        # The row is committed; clients catch up with "resume". Log the event type only.
        logger.exception(
            "channel layer send failed", extra={"group": group, "event": event["type"]}
        )


def _publish(group: str, event: dict[str, Any], held: list[Event] | None) -> None:
    if held is None:
        send_to_group(group, event)
    else:
        held.append((group, event))


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    # The holder is taken now, not at commit: one transaction may store several
    # senders' messages (group commit), and each sender's socket sends its own events.
    held = _held.get()
    transaction.on_commit(lambda: _publish(group, event, held), robust=True)


def held_events() -> list[Event]:
    """The events held in the current ``held_until_reply`` block so far (empty outside one).

    A consumer may mark one ``"exclude": <its channel name>`` before the block ends:
    that socket then does not receive it (it has sent its own copy with its reply).
    """
    return _held.get() or []


class held_until_reply:
    """Hold events committed in this block; send them when the block ends, even on error."""

    async def __aenter__(self) -> held_until_reply:
        self.events: list[Event] = []
        self.token = _held.set(self.events)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _held.reset(self.token)
        layer = get_channel_layer()
        for group, event in self.events:
            try:
                await layer.group_send(group, event)
            except Exception:
                logger.exception(
                    "channel layer send failed", extra={"group": group, "event": event["type"]}
                )
