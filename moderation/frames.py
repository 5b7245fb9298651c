"""The moderation frames of the room protocol (documented in docs/protocol.md).

Each handler is thin: it checks, calls one service function and returns the
reply for the caller. Broadcasts to the room go out after commit.
"""

from __future__ import annotations

from typing import Any

from chatplatform import frames
from chatplatform.extensions import register_room_frame
from chatplatform.frames import field
from chatplatform.services.access import RoomAccess
from moderation.models import Report
from moderation.services import actions, safety

Reply = list[dict[str, Any]]

MESSAGE = field("message", frames.integer(minimum=1))
REASON = field("reason", frames.text(200))
OPTIONAL_REASON = field("reason", frames.text(200, allow_blank=True), required=False, default="")


def _done(action: str, message: int | None = None, **details: Any) -> Reply:
    return [{"type": "moderation.done", "action": action, "message": message, **details}]


def hide(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    message = actions.check_target(access, "hide", clean["message"])
    actions.do_hide_message(access, message, clean["reason"])
    return _done("hide", clean["message"])


def unhide(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    message = actions.check_target(access, "unhide", clean["message"])
    actions.do_unhide_message(access, message)
    return _done("unhide", clean["message"])


def mute(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    message = actions.check_target(access, "mute", clean["message"])
    sanction = actions.do_mute(access, message, clean["minutes"], clean["reason"])
    return _done("mute", clean["message"], until=sanction.ends_at.isoformat())


def unmute(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    message = actions.check_target(access, "unmute", clean["message"])
    actions.do_unmute(access, message)
    return _done("unmute", clean["message"])


def remove(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    message = actions.check_target(access, "remove", clean["message"])
    actions.do_remove(access, message, clean["reason"])
    return _done("remove", clean["message"])


def ban(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    message = actions.check_target(access, "ban", clean["message"])
    sanction = actions.do_ban(access, message, clean["days"], clean["reason"])
    until = sanction.ends_at.isoformat() if sanction.ends_at else None
    return _done("ban", clean["message"], until=until)


def warn(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    message = actions.check_target(access, "warn", clean["message"])
    actions.do_warn(access, message, clean["text"])
    return _done("warn", clean["message"])


def slow_mode(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    actions.check_moderator(access, "slow_mode")
    actions.do_set_slow_mode(access, clean["seconds"])
    return _done("slow_mode", seconds=clean["seconds"])


def lock(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    actions.check_moderator(access, "lock")
    actions.do_set_locked(access, clean["locked"])
    return _done("lock", locked=clean["locked"])


def pin_rules(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    actions.check_moderator(access, "pin_rules")
    state = actions.do_pin_rules(access, clean["text"])
    return _done("pin_rules", state.rules_message.seq if state.rules_message else None)


def unpin_rules(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    actions.check_moderator(access, "unpin_rules")
    actions.do_unpin_rules(access)
    return _done("unpin_rules")


def report(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    message = safety.check_participant_target(access, clean["message"])
    safety.do_report(access, message, clean["category"])
    return [{"type": "report.received", "message": clean["message"]}]


def block(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    message = safety.check_participant_target(access, clean["message"])
    safety.do_set_block(access, message, blocked=True)
    return [{"type": "block.done", "message": clean["message"], "blocked": True}]


def unblock(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    message = safety.check_participant_target(access, clean["message"])
    safety.do_set_block(access, message, blocked=False)
    return [{"type": "block.done", "message": clean["message"], "blocked": False}]


def accept_rules(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    safety.do_accept_rules(access, clean["rules"])
    return [{"type": "rules.accepted", "rules": clean["rules"]}]


def state(access: RoomAccess, clean: dict[str, Any]) -> Reply:
    return [safety.room_state_for(access)]


def register() -> None:
    """Add the moderation frames to the room protocol (called from AppConfig.ready)."""
    register_room_frame("mod.hide", (MESSAGE, REASON), hide)
    register_room_frame("mod.unhide", (MESSAGE,), unhide)
    register_room_frame(
        "mod.mute",
        (
            MESSAGE,
            field("minutes", frames.integer(minimum=1, maximum=actions.MAX_MUTE_MINUTES)),
            OPTIONAL_REASON,
        ),
        mute,
    )
    register_room_frame("mod.unmute", (MESSAGE,), unmute)
    register_room_frame("mod.remove", (MESSAGE, OPTIONAL_REASON), remove)
    register_room_frame(
        "mod.ban",
        (
            MESSAGE,
            field(
                "days",
                frames.integer(minimum=1, maximum=actions.MAX_BAN_DAYS),
                required=False,
                default=None,
            ),
            REASON,
        ),
        ban,
    )
    register_room_frame("mod.warn", (MESSAGE, field("text", frames.text(500))), warn)
    register_room_frame(
        "mod.slow_mode", (field("seconds", frames.integer(minimum=0, maximum=3600)),), slow_mode
    )
    register_room_frame("mod.lock", (field("locked", frames.boolean),), lock)
    register_room_frame("mod.pin_rules", (field("text", frames.text(2000)),), pin_rules)
    register_room_frame("mod.unpin_rules", (), unpin_rules)
    register_room_frame(
        "message.report",
        (MESSAGE, field("category", frames.choice(*Report.Category.values))),
        report,
    )
    register_room_frame("participant.block", (MESSAGE,), block)
    register_room_frame("participant.unblock", (MESSAGE,), unblock)
    register_room_frame("rules.accept", (field("rules", frames.integer(minimum=1)),), accept_rules)
    register_room_frame("moderation.state", (), state)
