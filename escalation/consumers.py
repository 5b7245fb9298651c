"""``/ws/supervisor/``: the supervisor console's live escalations and actions.
``/ws/help/urgent/``: a banned participant waiting for a supervisor on their case.

Thin, like the core's consumers: authenticate at connect, validate each frame
against its spec, call one service function, send the result or an error.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import frames
from chatplatform.consumers import CLOSE_FORBIDDEN, FrameConsumer
from chatplatform.errors import ServiceError
from chatplatform.frames import field
from chatplatform.services.access import SUPERVISING_ROLES
from escalation import console_watch, handling, oncall, paging, publishing, queries
from escalation.lifecycle import OUTCOMES

logger = logging.getLogger(__name__)


def _aware_datetime(name: str, value: Any) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment
    raise frames.FrameError(
        "invalid",
        _("Field '%(name)s' must be a date and time with a time zone.") % {"name": name},
    )


ESCALATION = field("escalation", frames.integer(minimum=1))
SUPERVISOR_SPECS: frames.FrameSpecs = {
    "ping": (),
    "escalation.ack": (ESCALATION,),
    "escalation.transcript": (ESCALATION, field("reason", frames.text(500))),
    "escalation.whisper": (ESCALATION, field("body", frames.text(settings.MESSAGE_MAX_LENGTH))),
    "escalation.join": (ESCALATION,),
    "escalation.take_over": (ESCALATION,),
    "escalation.resolve": (
        ESCALATION,
        field("outcome", frames.choice(*OUTCOMES)),
        field("emergency_confirmed", frames.boolean, required=False, default=False),
        field("emergency_contacted_at", _aware_datetime, required=False),
    ),
}


class SupervisorConsumer(FrameConsumer):
    specs = SUPERVISOR_SPECS

    async def on_connect(self) -> None:
        assert self.actor is not None
        if not self.actor.is_staff or self.actor.role not in SUPERVISING_ROLES:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # The actor group too: signing out (actor.close) must close the console as well.
        self.groups_joined = (
            publishing.CONSOLE_GROUP,
            publishing.pager_group(self.actor.id),
            self.actor.group,
        )
        # (escalation, step) of every page shown, so a page heard twice shows once.
        self.pages_shown: set[tuple[int, int]] = set()
        # A little before now: a page sent as this socket connected (its pass began
        # earlier) is still read; the dedup above keeps it from showing twice.
        read_pages_since = timezone.now() - timedelta(seconds=5)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        # The dead man's switch counts open consoles (escalation.console_watch).
        await database_sync_to_async(console_watch.do_console_seen)(
            self.channel_name, self.actor.id
        )
        await self.accept()
        await self.send_json(await database_sync_to_async(queries.console_snapshot)(self.actor))
        # Who is on call, and a hole in the rota ahead; re-sent when it changes.
        self.rota = await database_sync_to_async(oncall.console_frame)()
        await self.send_json(self.rota)
        self.page_reader = asyncio.create_task(self._read_pages(read_pages_since))

    async def disconnect(self, code: int) -> None:
        reader = getattr(self, "page_reader", None)
        if reader is not None:
            reader.cancel()
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "groups_joined", ()):
            await database_sync_to_async(console_watch.do_console_closed)(self.channel_name)

    async def _read_pages(self, since: datetime) -> None:
        """Pages also come from the database, so none is lost with a channel-layer event.

        Without Redis the worker's layer lives in its own process and reaches no
        socket; with any layer, an event to a consumer whose queue is full is dropped.
        """
        assert self.actor is not None
        last_heartbeat = timezone.now()
        while True:
            await asyncio.sleep(settings.ESCALATION_WORKER_POLL_SECONDS)
            try:
                if timezone.now() - last_heartbeat >= console_watch.HEARTBEAT:
                    last_heartbeat = timezone.now()
                    await database_sync_to_async(console_watch.do_console_seen)(
                        self.channel_name, self.actor.id
                    )
                    # A hole in the rota can come within the warning's reach while it is open.
                    rota = await database_sync_to_async(oncall.console_frame)()
                    if rota != self.rota:
                        self.rota = rota
                        await self.send_json(rota)
                found = await database_sync_to_async(paging.console_pages_sent_since)(
                    self.actor.id, since, self.pages_shown
                )
            except Exception:
                # This loop is how a lost page still arrives, so nothing may end it
                # but the socket closing (cancellation is not an Exception). A
                # database blip is caught up by the next read; anything else is logged.
                logger.exception("reading console pages failed")
                continue
            for event in found:
                await self.escalation_page(event)

    async def handle(self, frame_type: str, clean: dict[str, Any], ref: str | None) -> None:
        if frame_type == "ping":
            await self.send_json({"type": "pong"})
            return
        reply = await database_sync_to_async(self._act)(frame_type, clean)
        await self.send_json({**reply, "ref": ref})

    def _act(self, frame_type: str, clean: dict[str, Any]) -> dict[str, Any]:
        actor = self.actor
        assert actor is not None
        escalation_id = clean["escalation"]
        done = {"type": "escalation.done", "action": frame_type, "escalation": escalation_id}
        if frame_type == "escalation.ack":
            handling.do_acknowledge(actor, escalation_id)
        elif frame_type == "escalation.transcript":
            return handling.do_read_transcript(actor, escalation_id, clean["reason"])
        elif frame_type == "escalation.whisper":
            handling.do_whisper(actor, escalation_id, clean["body"])
        elif frame_type == "escalation.join":
            done["room"] = handling.do_join(actor, escalation_id).pk
        elif frame_type == "escalation.take_over":
            done["room"] = handling.do_take_over(actor, escalation_id).pk
        elif frame_type == "escalation.resolve":
            handling.do_resolve(
                actor,
                escalation_id,
                clean["outcome"],
                clean["emergency_confirmed"],
                clean["emergency_contacted_at"],
            )
        else:
            raise ServiceError("unknown_type", _("This server does not know that frame type."))
        return done

    # Channel-layer events, named after their type.

    async def escalation_changed(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "escalation.changed",
                "event": event["event"],
                "escalation": event["escalation"],
            }
        )

    async def chat_assigned(self, event: dict[str, Any]) -> None:
        """A chat transferred to this supervisor (they answer chats too)."""
        await self.send_json({"type": "chat.assigned", "room": event["room"]})

    async def escalation_page(self, event: dict[str, Any]) -> None:
        shown = (event["escalation"]["id"], event["step"])
        if shown in self.pages_shown:
            return
        self.pages_shown.add(shown)
        await self.send_json(
            {
                "type": "escalation.page",
                "step": event["step"],
                "repeat": event["repeat"],
                "escalation": event["escalation"],
                "unreached": event.get("unreached", {}),
            }
        )

    async def escalation_unreached(self, event: dict[str, Any]) -> None:
        """Urgent-help presses a defence kept from opening a case (escalation.unreached)."""
        await self.send_json(
            {"type": "escalation.unreached", "new": event["new"], "alert": event["alert"]}
        )


class BannedWaitConsumer(FrameConsumer):
    """``/ws/help/urgent/``: a banned participant's urgent-help page, told where their case is.

    The queue's socket refuses a banned identity, and their actor group carries more than
    this page should hear. This socket joins one group, that of the person's own case
    (``publishing.case_group``), and says one thing: ``urgent.status``, with the case's
    state (waiting, open with the chat's room, or closed without a chat). A page that
    connects after the chat opened or the case closed is told at once. Staff, and
    participants with no such case, are refused.
    """

    specs: frames.FrameSpecs = {"ping": ()}

    async def on_connect(self) -> None:
        assert self.actor is not None
        if self.actor.is_staff:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        wait = await database_sync_to_async(queries.banned_wait)(self.actor.id)
        if wait is None:
            await self.refuse(
                CLOSE_FORBIDDEN, "no_case", _("You have no request for urgent help waiting.")
            )
            return
        self.case_group = publishing.case_group(wait.case)
        await self.channel_layer.group_add(self.case_group, self.channel_name)
        await self.accept()
        # Read again once in the group: a chat opened (or the case closed) between the two
        # reads is in this one.
        wait = await database_sync_to_async(queries.banned_wait)(self.actor.id) or wait
        await self.send_json(publishing.wait_status(wait))

    async def disconnect(self, code: int) -> None:
        group = getattr(self, "case_group", None)
        if group is not None:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def handle(self, frame_type: str, clean: dict[str, Any], ref: str | None) -> None:
        await self.send_json({"type": "pong"})

    async def urgent_status(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "urgent.status", "state": event["state"], "room": event["room"]}
        )
