"""Publishing to the channel layer, only after the transaction commits.

Store first, acknowledge, then broadcast: a client never hears of a row that
might still roll back. Inside a websocket consumer, events committed while
handling a frame are held until the consumer has replied (the ack), then
sent from the event loop; elsewhere (views, commands, workers) they are sent
as soon as the transaction commits. Tests capture calls to ``send_to_group``.
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
