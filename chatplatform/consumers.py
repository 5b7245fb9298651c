"""Websocket edges. Each consumer authenticates at connect, validates frames,
calls one service function per frame and sends the result or a structured error.
No ORM queries and no business rules live here.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from autobahn.exception import Disconnected
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chatplatform import events, frames, group_commit, logs, pseudonyms, throttle
from chatplatform.actors import Actor
from chatplatform.errors import OUTAGES, ServiceError
from chatplatform.extensions import ROOM_FRAMES
from chatplatform.frames import field
from chatplatform.ratelimit import TokenBucket
from chatplatform.services import access as access_service
from chatplatform.services import messages as message_service
from chatplatform.services import queue as queue_service
from chatplatform.services.participants import participant_for_session
from chatplatform.services.sessions import do_extend_staff_session

logger = logging.getLogger(__name__)

OUTAGE_RETRY_SECONDS = 2

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY_CONNECTIONS = 4429
CLOSE_SERVER_ERROR = 1011
# A refusal's reason word and the sentence shown when the consumer has no better one.
REFUSALS = {
    CLOSE_UNAUTHENTICATED: (
        "unauthenticated",
        gettext_lazy("You are not signed in, or your session has ended."),
    ),
    CLOSE_FORBIDDEN: ("forbidden", gettext_lazy("You can't use this page's live connection.")),
    CLOSE_NOT_FOUND: ("not_found", gettext_lazy("This room does not exist.")),
    CLOSE_TOO_MANY_CONNECTIONS: (
        "too_many_connections",
        gettext_lazy("Too many tabs are open. Close one, and this one reconnects by itself."),
    ),
}
# Sentences for reasons the server gives when it closes sockets by itself.
REASON_DETAILS = {
    "banned": gettext_lazy("You can't use this service at the moment."),
    "signed_out": gettext_lazy("You signed out. Sign in again to continue."),
}
TYPING_INTERVAL_SECONDS = 2.0
SNAPSHOT_DEBOUNCE_SECONDS = 0.25
STAFF_SESSION_TOUCH_SECONDS = 60.0
IN_PROCESS_CACHE = "django.core.cache.backends.locmem.LocMemCache"


async def _cache_call(function: Callable[..., Any], *args: Any) -> Any:
    """Run a cache-only throttle function (it never touches the DB).

    A network cache (Redis) is called from a worker thread so the event loop does
    not wait on the network. The in-process cache answers in microseconds, far
    less than the hop to a thread and back, which every frame would otherwise pay.
    """
    if settings.CACHES["default"]["BACKEND"] == IN_PROCESS_CACHE:
        return function(*args)
    return await sync_to_async(function, thread_sensitive=False)(*args)


def _rate_limited(wait: float) -> ServiceError:
    return ServiceError(
        "rate_limited", _("Too many frames. Slow down a little."), retry_after=round(wait, 1)
    )


class FrameConsumer(AsyncWebsocketConsumer):
    """Shared plumbing: JSON decoding, spec validation, error frames, a frame rate limit."""

    specs: frames.FrameSpecs = {}
    actor: Actor | None = None
    slot: str | None = None
    slot_keeper: asyncio.Task | None = None
    accepted = False
    client_gone = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # However the consumer ends (closed, refused, failed, cancelled by the server
        # after a slow shutdown), its connection slot is released.
        try:
            await super().__call__(scope, receive, self._to_client(send))
        finally:
            await self._release_slot()

    def _to_client(self, send: Callable[[dict[str, Any]], Any]) -> Callable[..., Any]:
        """``send``, except that a client that has gone away is an event, not an error.

        Daphne drops what we send once it has seen the disconnect. Until then, a
        client that has closed its end (its close frame answered while the server's
        earlier writes are still flushing) makes a send raise ``Disconnected``: say
        so once, at info level, and drop this and every later send, as Daphne
        would. What the frame did stands (a stored message stays stored; the client
        re-sends it with its ``client_id`` and gets the same id).
        """

        async def send_to_client(message: dict[str, Any]) -> None:
            if self.client_gone:
                return
            try:
                await send(message)
            except Disconnected:
                self.client_gone = True
                logs.log_event(
                    logger,
                    "ws.client_gone",
                    route=type(self).__name__,
                    actor=pseudonyms.of_actor_key(self.actor.key) if self.actor else "-",
                )

        return send_to_client

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Run the event's handler with the event's strings marked private for the logs.

        An unexpected error is logged here, inside that context, so its text is
        redacted; the socket is then closed rather than the error escaping to
        Daphne, which would log it without the context. Frames never get this
        far: ``receive`` answers their errors with an error frame.
        """
        # Channels hops to the database thread before every handler to close stale
        # connections. Our handlers reach the database only through
        # database_sync_to_async, which does that itself, so the hop is skipped: it
        # queued every broadcast delivery behind the database work.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            if message["type"].startswith("websocket."):
                raise ValueError(f"no handler for message type {message['type']}")
            # An actor's events go to all their sockets (a mentor's console and chat
            # pages alike); a socket ignores the ones that are not for its page.
            return
        if not hasattr(self, "connection_id"):
            self.connection_id = uuid.uuid4().hex[:16]
            self.opened_at = time.monotonic()
        # A frame from the client is private whole; a server event, all but its vocabulary.
        private = message if message["type"].startswith("websocket.") else logs.ServerEvent(message)
        with logs.request_context(self.connection_id), logs.private_context(private):
            try:
                await handler(message)
            except StopConsumer:
                raise
            except Exception:
                logger.exception(
                    "websocket handler failed",
                    extra={"event": "ws.error", "route": type(self).__name__},
                )
                await self.close(code=CLOSE_SERVER_ERROR)

    async def connect(self) -> None:
        self.frame_bucket = TokenBucket(
            capacity=settings.WS_FRAME_BURST, refill_per_second=settings.WS_FRAMES_PER_SECOND
        )
        self.staff_session_touched = time.monotonic()
        self.actor = await database_sync_to_async(access_service.resolve_actor)(
            self.scope.get("user"), self.scope.get("session")
        )
        if self.actor is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.slot = await _cache_call(
            throttle.acquire_connection, self.actor.key, self.connection_id
        )
        if self.slot is None:
            await self.close(code=CLOSE_TOO_MANY_CONNECTIONS)
            return
        self.slot_keeper = asyncio.create_task(self._keep_slot(self.slot))
        await self.on_connect()

    async def _keep_slot(self, slot: str) -> None:
        """Refresh the slot while the socket is open; it lapses soon after it stops."""
        while True:
            await asyncio.sleep(throttle.CONNECTION_SLOT_REFRESH_SECONDS)
            try:
                await _cache_call(throttle.refresh_connection, slot, self.connection_id)
            except Exception:
                # The cache is unreachable (a Redis restart): try again next time.
                logger.warning(
                    "connection slot refresh failed", extra={"event": "ws.slot"}, exc_info=True
                )

    async def _release_slot(self) -> None:
        if self.slot_keeper is not None:
            self.slot_keeper.cancel()
            self.slot_keeper = None
        slot, self.slot = self.slot, None
        if slot is None:
            return
        try:
            await _cache_call(throttle.release_connection, slot, self.connection_id)
        except Exception:
            # The slot lapses by itself within CONNECTION_SLOT_SECONDS.
            logger.warning(
                "connection slot release failed", extra={"event": "ws.slot"}, exc_info=True
            )

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        self.accepted = True
        await super().accept(subprotocol, headers)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        if isinstance(code, int) and code in REFUSALS and not self.accepted:
            await self.refuse(code)
            return
        await super().close(code=code, reason=reason)
        # The socket is done for: a reconnect must find its slot free at once.
        await self._release_slot()

    async def refuse(self, code: int, reason: str = "", detail: str = "") -> None:
        """Close with a documented code, after accepting so that browsers see the code.

        A refused HTTP upgrade reaches a page only as a failed connection; a close
        after the handshake gives it ``CloseEvent.code``. The ``closed`` frame
        before it names the reason and says it in the user's language (Daphne
        does not pass a close reason on).
        """
        word, sentence = REFUSALS[code]
        detail = detail or str(REASON_DETAILS.get(reason, sentence))
        if not self.accepted:
            await self.accept()
        await self.send_json(
            {"type": "closed", "code": code, "reason": reason or word, "detail": detail}
        )
        await self.close(code=code)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        await self._release_slot()
        logs.log_event(
            logger,
            "ws.close",
            route=type(self).__name__,
            code=message.get("code"),
            duration_ms=round((time.monotonic() - self.opened_at) * 1000, 1),
            actor=pseudonyms.of_actor_key(self.actor.key) if self.actor is not None else "-",
        )
        await super().websocket_disconnect(message)

    async def on_connect(self) -> None:
        raise NotImplementedError

    async def send_json(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=frames.encode(frame))

    async def send_error(self, error: ServiceError, ref: str | None) -> None:
        await self.send_json(error.as_frame(ref))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Answer every frame: its reply, or exactly one error frame. Never a close."""
        if self.actor is None:
            return
        ref = None
        try:
            # Every frame counts against the limits, malformed ones too; a refused
            # frame is answered rate_limited whatever else is wrong with it.
            wait = self.frame_bucket.take()
            try:
                data = frames.decode(text_data if text_data is not None else bytes_data)
            except frames.FrameError as error:
                ref = error.ref
                wait = wait or await self._identity_frame_wait()
                raise _rate_limited(wait) if wait else error from None
            ref = frames.reference(data)
            if wait:
                raise _rate_limited(wait)
            # A frame whose handler counts it (with its other limits, in one call) is
            # counted here only when it does not reach its handler.
            counted_by_handler = self.counts_own_frame(data)
            if not counted_by_handler and (wait := await self._identity_frame_wait()):
                raise _rate_limited(wait)
            try:
                frame_type, clean = self.parse(data)
            except frames.FrameError:
                if counted_by_handler and (wait := await self._identity_frame_wait()):
                    raise _rate_limited(wait) from None
                raise
            if self.actor.is_staff and frame_type != "ping" and not counted_by_handler:
                await self._extend_staff_session()
            async with events.held_until_reply():
                await self.handle(frame_type, clean, ref)
        except ServiceError as error:
            await self.send_error(error, ref)
        except StopConsumer:
            raise
        except OUTAGES as error:
            # Expected while Redis or the database restarts: one WARNING line naming the
            # kind of failure (never its message, which may quote a query), no traceback.
            logger.warning(
                "websocket frame hit an outage",
                extra={
                    "event": "ws.frame_unavailable",
                    "route": type(self).__name__,
                    "error": type(error).__name__,
                },
            )
            await self.send_error(
                ServiceError(
                    "temporarily_unavailable",
                    _("We could not reach part of the service. Trying again in a moment."),
                    retry_after=OUTAGE_RETRY_SECONDS,
                ),
                ref,
            )
        except Exception:
            # The "e" keeps the id from reading as a phone number to the log redaction.
            error_id = "e" + uuid.uuid4().hex[:11]
            logger.exception(
                "websocket frame failed",
                extra={
                    "event": "ws.frame_error",
                    "route": type(self).__name__,
                    "error_id": error_id,
                },
            )
            await self.send_error(
                ServiceError(
                    "internal",
                    _(
                        "Something went wrong on our side. Please try again. "
                        "(Reference: %(error_id)s)"
                    )
                    % {"error_id": error_id},
                    error_id=error_id,
                ),
                ref,
            )

    async def _identity_frame_wait(self) -> float:
        assert self.actor is not None
        return await _cache_call(throttle.identity_frame_wait, self.actor.key)

    def counts_own_frame(self, data: dict[str, Any]) -> bool:
        """Whether this decoded frame's handler counts it against the identity's frame
        limit itself (and extends a staff session once the frame is allowed)."""
        return False

    async def _extend_staff_session(self) -> None:
        """Staff working in a websocket are active: keep their session from timing out.

        Pings are automatic, so they do not count as activity.
        """
        now = time.monotonic()
        if now - self.staff_session_touched >= STAFF_SESSION_TOUCH_SECONDS:
            self.staff_session_touched = now
            await database_sync_to_async(do_extend_staff_session)(self.scope["session"])

    def parse(self, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return frames.parse_frame(data, self.specs)

    async def handle(self, frame_type: str, clean: dict[str, Any], ref: str | None) -> None:
        raise NotImplementedError

    async def room_revoked(self, event: dict[str, Any]) -> None:
        """Default: nothing. Room consumers close when their room is revoked."""

    async def actor_close(self, event: dict[str, Any]) -> None:
        """Server-side disconnect of everything this actor has open (ban, logout)."""
        await self.refuse(event.get("code", CLOSE_FORBIDDEN), event.get("reason", ""))

    async def actor_frame(self, event: dict[str, Any]) -> None:
        """A private frame for this actor, optionally only in one room."""
        if event.get("room") in (None, getattr(self, "room_id", None)):
            await self.send_json(event["frame"])


ROOM_SPECS: frames.FrameSpecs = {
    "message.send": (
        field("client_id", frames.uuid_string),
        field("body", frames.text()),
    ),
    "resume": (field("after", frames.integer(minimum=0)),),
    "history": (
        field("before", frames.integer(minimum=1), required=False),
        field(
            "limit",
            frames.integer(minimum=1, maximum=message_service.HISTORY_MAX),
            required=False,
            default=50,
        ),
    ),
    "typing": (),
    "ping": (),
    "chat.end": (),
    "chat.transfer": (field("to", frames.integer(minimum=1)),),
}


class RoomConsumer(FrameConsumer):
    """``/ws/rooms/<room_id>/``: a chat room."""

    specs = ROOM_SPECS

    async def on_connect(self) -> None:
        assert self.actor is not None
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        try:
            self.access, blocked, self.last_id = await database_sync_to_async(self._open_room)()
        except ServiceError as error:
            code = CLOSE_NOT_FOUND if error.code == "not_found" else CLOSE_FORBIDDEN
            await self.refuse(code, error.code, error.detail)
            return
        self.viewer = message_service.Viewer.of(self.actor, blocked)
        # ``?own=ack``: this socket's own messages come back in their ack, not as a
        # second frame (docs/protocol.md); the actor's other sockets still get the copy.
        query = parse_qs(self.scope.get("query_string", b"").decode("utf-8", errors="replace"))
        self.own_in_ack = query.get("own", [""])[0] == "ack"
        self.send_bucket = TokenBucket(
            capacity=settings.MESSAGE_RATE_BURST,
            refill_per_second=settings.MESSAGE_RATE_PER_MINUTE / 60,
        )
        self.last_typing = 0.0
        self.group = events.room_group(self.room_id)
        # Staff also hear what only the room's staff may see; recipients are chosen
        # when an event is published (events.message_recipients), not here.
        self.groups_joined = [self.group, self.actor.group]
        if self.actor.is_staff:
            self.groups_joined.append(events.room_staff_group(self.room_id))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json(
            {
                "type": "hello",
                "room": self.access.hello_room(),
                "you": self.actor.public(),
                "last_id": self.last_id,
                "open": self.access.is_open,
                "can_moderate": self.access.can_moderate,
                "max_length": settings.MESSAGE_MAX_LENGTH,
            }
        )
        # Staff reading a room they are not in (an audited read, e.g. shadowing) are silent.
        if self.actor.is_staff and self.access.is_member:
            await self._presence("joined")

    def _open_room(self) -> tuple[access_service.RoomAccess, frozenset[str], int]:
        assert self.actor is not None
        query = parse_qs(self.scope.get("query_string", b"").decode("utf-8", errors="replace"))
        room_access = access_service.do_enter_room(
            access_service.check_room_access(self.actor, self.room_id),
            reason=query.get("reason", [""])[0],
        )
        return (
            room_access,
            access_service.blocked_sender_keys(self.actor),
            message_service.last_message_id(self.room_id),
        )

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "group"):
            return
        if self.actor is not None and self.actor.is_staff and self.access.is_member:
            await self._presence("left")
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _presence(self, state: str) -> None:
        assert self.actor is not None
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "chat.frame",
                "frame": {"type": "presence", "state": state, **self.actor.public()},
                "exclude": self.channel_name,
            },
        )

    def parse(self, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        extension = ROOM_FRAMES.get(data["type"])
        if extension is not None:
            return frames.parse_frame(data, {data["type"]: extension.fields})
        frame_type, clean = frames.parse_frame(data, self.specs)
        if frame_type == "message.send" and len(clean["body"]) > settings.MESSAGE_MAX_LENGTH:
            raise frames.FrameError(
                "too_long",
                _("Messages can be at most %(max)d characters.")
                % {"max": settings.MESSAGE_MAX_LENGTH},
                limit=settings.MESSAGE_MAX_LENGTH,
            )
        return frame_type, clean

    async def handle(self, frame_type: str, clean: dict[str, Any], ref: str | None) -> None:
        extension = ROOM_FRAMES.get(frame_type)
        if extension is not None:
            replies = await database_sync_to_async(extension.handler)(self.access, clean)
            for reply in replies or ():
                await self.send_json(reply)
            return
        handler = getattr(self, "frame_" + frame_type.replace(".", "_"))
        await handler(clean)

    def counts_own_frame(self, data: dict[str, Any]) -> bool:
        return data["type"] == "message.send" and "message.send" not in ROOM_FRAMES

    async def frame_message_send(self, clean: dict[str, Any]) -> None:
        """The frame and message limits in one call: the identity's frame counter, then
        (when the frame is allowed and this connection has a send token) its message
        counter. A frame refused costs no send token, as when it was refused earlier."""
        assert self.actor is not None
        frame_wait, message_wait = await _cache_call(
            throttle.identity_send_waits, self.actor.key, not self.send_bucket.wait()
        )
        if frame_wait:
            raise _rate_limited(frame_wait)
        if self.actor.is_staff:
            await self._extend_staff_session()
        wait = self.send_bucket.take() or message_wait
        if wait:
            raise ServiceError(
                "rate_limited",
                _("You're sending messages very quickly. Please wait a moment."),
                retry_after=round(wait, 1),
            )
        result = await group_commit.send_message(self.access, clean["client_id"], clean["body"])
        ack = result.ack_frame()
        if self.own_in_ack:
            own = self._own_copy(result.client_id)
            if own is not None:
                ack["message"] = own
        await self.send_json(ack)

    def _own_copy(self, client_id: str) -> dict[str, Any] | None:
        """This socket's copy of the message it just sent, taken from the events held for
        after the ack; each of them is marked so that it skips this socket.

        The copy is what ``chat_message`` would send this socket from those events, so
        the ack carries exactly what the second frame would have carried.
        """
        assert self.actor is not None
        own = None
        for group, event in events.held_events():
            if (
                event["type"] != "chat.message"
                or group not in self.groups_joined
                or event.get("room") != self.room_id
                or event["message"]["client_id"] != client_id
                or event["message"]["sender_key"] != self.actor.key
            ):
                continue
            event["exclude"] = self.channel_name
            own = self._message_frame(event) or own
        return own

    async def frame_resume(self, clean: dict[str, Any]) -> None:
        replay, last_id = await database_sync_to_async(message_service.messages_after)(
            self.access, self.viewer, clean["after"]
        )
        for frame in replay:
            await self.send_json(frame)
        await self.send_json({"type": "resume.done", "last_id": max(last_id, clean["after"])})

    async def frame_history(self, clean: dict[str, Any]) -> None:
        page, has_more = await database_sync_to_async(message_service.messages_before)(
            self.access, self.viewer, clean["before"], clean["limit"]
        )
        await self.send_json(
            {
                "type": "history.page",
                "before": clean["before"],
                "messages": page,
                "has_more": has_more,
            }
        )

    async def frame_typing(self, clean: dict[str, Any]) -> None:
        now = asyncio.get_running_loop().time()
        if now - self.last_typing < TYPING_INTERVAL_SECONDS or not self.access.is_open:
            return
        self.last_typing = now
        assert self.actor is not None
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "chat.frame",
                "frame": {"type": "typing", **self.actor.public()},
                "exclude": self.channel_name,
            },
        )

    async def frame_ping(self, clean: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    async def frame_chat_end(self, clean: dict[str, Any]) -> None:
        await database_sync_to_async(queue_service.do_end_chat)(self.access)

    async def frame_chat_transfer(self, clean: dict[str, Any]) -> None:
        target = await database_sync_to_async(queue_service.do_transfer_chat)(
            self.access, clean["to"]
        )
        await self.send_json({"type": "chat.transferred", "room": self.room_id, "to": str(target)})

    # Channel-layer events, named after their type.

    async def chat_message(self, event: dict[str, Any]) -> None:
        if event.get("exclude") == self.channel_name:
            return  # this socket sent it, and had its copy in the ack (layers other than
            # the embedded one, which does not queue it here at all)
        frame = self._message_frame(event)
        if frame is not None:
            await self.send_json(frame)

    def _message_frame(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The ``message`` frame this socket shows for a ``chat.message`` event, if any."""
        assert self.actor is not None
        if event.get("room", self.room_id) != self.room_id:
            return None  # sent to this participant's sockets, for another room
        if event.get("staff_copy") and self.actor.is_staff:
            return None  # the member view; the staff group brings this socket the full one
        return message_service.render_for_viewer(event["message"], self.viewer)

    async def chat_frame(self, event: dict[str, Any]) -> None:
        """A transient frame for the room. ``staff_frame`` replaces ``frame`` for staff viewers."""
        if event.get("exclude") == self.channel_name:
            return
        assert self.actor is not None
        if event.get("audience") == "staff" and not self.actor.is_staff:
            return
        frame = (
            event.get("staff_frame")
            if self.actor.is_staff and event.get("staff_frame")
            else event["frame"]
        )
        if frame.get("type") == "chat.ended":
            self.access = access_service.RoomAccess(**{**self.access.__dict__, "is_open": False})
        await self.send_json(frame)

    async def room_revoked(self, event: dict[str, Any]) -> None:
        if event["room"] == self.room_id:
            await self.send_json({"type": "revoked", "room": self.room_id})
            await self.close(code=CLOSE_FORBIDDEN)

    async def actor_blocks(self, event: dict[str, Any]) -> None:
        self.viewer = message_service.Viewer.of(self.actor, frozenset(event["blocked"]))  # type: ignore[arg-type]


QUEUE_SPECS: frames.FrameSpecs = {"ping": (), "queue.leave": ()}


class QueueConsumer(FrameConsumer):
    """``/ws/queue/``: a waiting participant's live position."""

    specs = QUEUE_SPECS

    async def on_connect(self) -> None:
        assert self.actor is not None
        if self.actor.is_staff:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        try:
            status = await database_sync_to_async(self._status)(True)
        except ServiceError as error:
            await self.refuse(CLOSE_FORBIDDEN, error.code, error.detail)
            return
        await self.channel_layer.group_add(queue_service.QUEUE_GROUP, self.channel_name)
        await self.channel_layer.group_add(self.actor.group, self.channel_name)
        await self.accept()
        await self.send_json(status)

    async def disconnect(self, code: int) -> None:
        if self.actor is not None and not self.actor.is_staff:
            await self.channel_layer.group_discard(queue_service.QUEUE_GROUP, self.channel_name)
            await self.channel_layer.group_discard(self.actor.group, self.channel_name)

    def _status(self, touch: bool) -> dict[str, Any]:
        participant = participant_for_session(self.scope["session"])
        if participant is None:
            raise ServiceError("forbidden", _("Your session has ended."))
        queue_service.check_may_queue(participant)
        if touch:
            queue_service.do_touch_ticket(participant)
        return queue_service.queue_status(participant).frame()

    async def _send_status(self, touch: bool = False) -> None:
        try:
            status = await database_sync_to_async(self._status)(touch)
        except ServiceError as error:
            # Banned (or the session ended) while waiting: say why, then close.
            await self.send_error(error, None)
            await self.refuse(CLOSE_FORBIDDEN, error.code, error.detail)
            return
        await self.send_json(status)

    async def handle(self, frame_type: str, clean: dict[str, Any], ref: str | None) -> None:
        if frame_type == "ping":
            await self._send_status(touch=True)
        elif frame_type == "queue.leave":
            await database_sync_to_async(self._leave)()
            await self.send_json({"type": "queue.left"})

    def _leave(self) -> None:
        participant = participant_for_session(self.scope["session"])
        if participant is not None:
            queue_service.do_leave_queue(participant)

    async def queue_changed(self, event: dict[str, Any]) -> None:
        await self._send_status()

    async def queue_matched(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "queue.matched", "room": event["room"]})

    async def urgent_status(self, event: dict[str, Any]) -> None:
        """Their urgent-help case was closed without a chat; they are still here (or not)."""
        await self.send_json(
            {"type": "urgent.status", "state": event["state"], "room": event["room"]}
        )


STAFF_SPECS: frames.FrameSpecs = {
    "ping": (),
    "availability.set": (
        field("status", frames.choice("available", "away")),
        field("max_chats", frames.integer(minimum=1, maximum=20), required=False),
    ),
    "queue.accept": (field("ticket", frames.integer(minimum=1)),),
}


class StaffConsumer(FrameConsumer):
    """``/ws/staff/``: the mentor console's live queue and chats."""

    specs = STAFF_SPECS

    async def on_connect(self) -> None:
        assert self.actor is not None
        if not self.actor.is_staff or self.actor.role not in queue_service.MENTORING_ROLES:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.snapshot_pending = False
        await self.channel_layer.group_add(queue_service.STAFF_GROUP, self.channel_name)
        await self.channel_layer.group_add(self.actor.group, self.channel_name)
        await self.accept()
        await database_sync_to_async(queue_service.do_mentor_heartbeat)(self.actor)
        await self._send_snapshot()

    async def disconnect(self, code: int) -> None:
        if self.actor is not None and hasattr(self, "snapshot_pending"):
            task = getattr(self, "snapshot_task", None)
            if task is not None:
                task.cancel()
            await self.channel_layer.group_discard(queue_service.STAFF_GROUP, self.channel_name)
            await self.channel_layer.group_discard(self.actor.group, self.channel_name)

    async def _send_snapshot(self) -> None:
        await self.send_json(await database_sync_to_async(queue_service.staff_snapshot)(self.actor))

    async def handle(self, frame_type: str, clean: dict[str, Any], ref: str | None) -> None:
        if frame_type == "ping":
            await database_sync_to_async(self._heartbeat)()
            await self.send_json({"type": "pong"})
        elif frame_type == "availability.set":
            await database_sync_to_async(queue_service.do_set_availability)(
                self.actor, clean["status"], clean["max_chats"]
            )
        elif frame_type == "queue.accept":
            room = await database_sync_to_async(queue_service.do_accept_ticket)(
                self.actor, clean["ticket"]
            )
            await self.send_json(
                {"type": "queue.accepted", "ticket": clean["ticket"], "room": room.pk}
            )

    def _heartbeat(self) -> None:
        queue_service.do_mentor_heartbeat(self.actor)
        queue_service.do_sweep_idle_tickets()

    async def staff_changed(self, event: dict[str, Any]) -> None:
        # Coalesce bursts of queue changes into one snapshot, sent shortly after the first.
        if not self.snapshot_pending:
            self.snapshot_pending = True
            self.snapshot_task = asyncio.create_task(self._delayed_snapshot())

    async def _delayed_snapshot(self) -> None:
        await asyncio.sleep(SNAPSHOT_DEBOUNCE_SECONDS)
        self.snapshot_pending = False
        await self._send_snapshot()

    async def chat_assigned(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "chat.assigned", "room": event["room"]})
