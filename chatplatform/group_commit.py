"""Group commit: messages waiting for the database are stored in one transaction per batch.

Every socket's ``message.send`` waits here instead of taking its own trip to
the database thread. One writer per event loop takes whatever is waiting when
it is free (no timer: a lone message goes at once) and stores it with
``do_send_messages``: one thread hop, one transaction, one commit for the
batch. Each sender gets its result only after the batch has committed, so a
message is acknowledged only once it is durable; if the batch fails, every
sender in it gets ``not_sent`` and nothing of it was stored (the client sends
again with the same ``client_id``). ``SEND_BATCH_MAX`` bounds a batch; 1 turns
batching off.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from chatplatform import logs
from chatplatform.errors import OUTAGES, ServiceError
from chatplatform.services import messages
from chatplatform.services.access import RoomAccess

logger = logging.getLogger(__name__)

Waiting = tuple[messages.SendRequest, asyncio.Future]

# Batches written in this process and the messages in them (whatever their outcome):
# benchmarks read the mean batch size (chatplatform/bench.py), since a node's CPU per
# message falls as its batches grow.
counts = {"batches": 0, "messages": 0}


def not_sent() -> ServiceError:
    return ServiceError("not_sent", _("Your message was not sent. Please send it again."))


class Writer:
    """The one writer of an event loop, and the sends waiting for it."""

    def __init__(self) -> None:
        self.waiting: list[Waiting] = []
        self.task: asyncio.Task | None = None

    async def send(self, request: messages.SendRequest) -> messages.SendResult:
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self.waiting.append((request, future))
        if self.task is None or self.task.done():
            # Its own context: the batch runs each message in its sender's context.
            self.task = loop.create_task(self._write(), context=contextvars.Context())
        return await future

    async def _write(self) -> None:
        while self.waiting:
            size = settings.SEND_BATCH_MAX
            batch, self.waiting = self.waiting[:size], self.waiting[size:]
            counts["batches"] += 1
            counts["messages"] += len(batch)
            try:
                outcomes = await sync_to_async(_write_batch, thread_sensitive=True)(
                    [request for request, _future in batch]
                )
            except OUTAGES as error:
                # The database is out of reach: expected while it restarts, so one
                # WARNING naming the kind of failure (never its text), no traceback.
                logger.warning(
                    "message batch hit an outage",
                    extra={
                        "event": "ws.batch_unavailable",
                        "messages": len(batch),
                        "error": type(error).__name__,
                    },
                )
                for _request, future in batch:
                    if not future.done():
                        future.set_exception(not_sent())
                continue
            except Exception:
                # The error may quote a message (a check's bug): every body in the
                # batch is scrubbed from the line, as each frame's own context would.
                with logs.private_context(*(request.body for request, _future in batch)):
                    logger.exception("message batch failed", extra={"messages": len(batch)})
                for _request, future in batch:
                    if not future.done():
                        future.set_exception(not_sent())
                continue
            for (_request, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the sender's socket closed meanwhile
                    continue
                if isinstance(outcome, ServiceError):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)


def _write_batch(requests: list[messages.SendRequest]) -> list[messages.SendResult | ServiceError]:
    """One batch on the database thread, keeping the connection between batches.

    Channels' database_sync_to_async hands the connection back before and after
    every call; with PostgreSQL's pool (DATABASE_POOL_SIZE) that is a trip
    through the pool per batch. The writer keeps it instead, and lets it go only
    after a failure, so a broken connection is replaced by the next batch.
    """
    try:
        return messages.do_send_messages(requests)
    except Exception:
        connection.close()
        raise


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Writer] = weakref.WeakKeyDictionary()


async def send_message(access: RoomAccess, client_id: str, body: str) -> messages.SendResult:
    """Store one message with whatever else is waiting; return once its batch has committed.

    Raises ServiceError when the message is refused, or ``not_sent`` when its batch failed.
    """
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = Writer()
    request = messages.SendRequest(
        access=access, client_id=client_id, body=body, context=contextvars.copy_context()
    )
    return await writer.send(request)
