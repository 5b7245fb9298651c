"""Publishing to the channel layer, only after the transaction commits.

Store first, acknowledge, then broadcast: a client never hears of a row that
might still roll back. Tests capture calls to ``send_to_group``.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


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


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_to_group(group, event), robust=True)
