"""A bare Channels broadcast consumer: the baseline ``make bench`` compares the chat against.

No persistence, no checks, no authentication: it is routed only when
BENCHMARK_ENDPOINTS is on, and must never be enabled in production.
"""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from chatplatform import group_commit


class BareBroadcastConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = f"bench.{int(self.scope['url_route']['kwargs']['room_id'])}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": "bench.message", "text": text_data}
        )

    async def bench_message(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])


class SendBatchCountsConsumer(AsyncWebsocketConsumer):
    """Sends this process's group-commit counts (batches, messages) as one frame, then closes."""

    async def connect(self) -> None:
        await self.accept()
        await self.send(text_data=json.dumps(group_commit.counts))
        await self.close()
