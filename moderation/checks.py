"""The moderation checks the core runs: three message checks and one room-entry check.

``still_allowed`` refuses a message from a participant banned or removed since
their socket opened (access is decided at the handshake, and the close event that
a ban sends can be lost); ``room_state`` enforces what moderators set (mute, lock,
pinned rules, slow mode); ``rules`` applies the automatic rules; ``not_banned``
refuses a banned participant's handshake. Listed in settings.MESSAGE_CHECKS and
settings.ROOM_ENTRY_CHECKS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import audit, pipeline
from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.models import Message, Participant, Room, RoomMembership
from moderation import rules as rule_engine
from moderation import ruleset
from moderation.models import RoomState, RulesAcceptance, Sanction

SOURCE = "moderation"
_PIPELINE_ACTION = {
    rule_engine.BLOCK: pipeline.BLOCK,
    rule_engine.HOLD: pipeline.HOLD,
    rule_engine.MASK: pipeline.MASK,
    rule_engine.FLAG: pipeline.ALLOW,
}


def _default_notice(action: str) -> str:
    return {
        rule_engine.BLOCK: _("This message can't be sent here."),
        rule_engine.HOLD: _("Your message is waiting for a mentor to read it."),
        rule_engine.MASK: _("Part of your message was removed before it was sent."),
    }.get(action, "")


def _block(code: str, detail: str, **extra: object) -> pipeline.Verdict:
    return pipeline.Verdict(action=pipeline.BLOCK, code=code, detail=detail, extra=extra)


@cache
def _participant_state_sql() -> str:
    quote = connection.ops.quote_name
    sanctions = quote(Sanction._meta.db_table)
    memberships = quote(RoomMembership._meta.db_table)
    states = quote(RoomState._meta.db_table)
    rooms = quote(Room._meta.db_table)
    # Only quoted identifiers from the models are formatted in; values are parameters.
    # One row whatever exists: the room's state columns are NULL when it has none.
    return (
        f"SELECT EXISTS (SELECT 1 FROM {sanctions} WHERE participant_id = %s "  # noqa: S608
        "AND kind = %s AND lifted_at IS NULL AND (ends_at IS NULL OR ends_at > %s) "
        # A ban does not stop a participant in a supervisors-only crisis chat.
        f"AND NOT EXISTS (SELECT 1 FROM {rooms} WHERE id = %s AND supervisors_only)), "
        f"EXISTS (SELECT 1 FROM {memberships} WHERE room_id = %s AND participant_id = %s "
        "AND left_at IS NULL AND removed_at IS NOT NULL), "
        "rs.locked, rs.rules_message_id, rs.slow_mode_seconds, "
        "(rs.mutes_until IS NOT NULL AND rs.mutes_until > %s) "
        f"FROM (SELECT 1) AS one LEFT JOIN {states} AS rs ON rs.room_id = %s"
    )


@dataclass(frozen=True)
class ParticipantState:
    """What moderation decided about a participant and a room, read in one statement."""

    banned: bool
    removed: bool
    # None when moderators never set anything on the room.
    room: tuple[bool, int | None, int, bool] | None


def _participant_state(draft: pipeline.Draft, now: datetime) -> ParticipantState:
    """Ban, removal and the room's state for one participant message: one precompiled
    statement, since every participant message passes here (an ORM query's compilation
    cost more than the lookups)."""
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            _participant_state_sql(),
            [draft.sender_id, Sanction.Kind.BAN, at, draft.room_id, draft.room_id,
             draft.sender_id, at, draft.room_id],
        )  # fmt: skip
        banned, removed, locked, rules_message_id, slow_mode_seconds, mute_possible = (
            cursor.fetchone()
        )
    room = (
        None
        if locked is None
        else (bool(locked), rules_message_id, slow_mode_seconds, bool(mute_possible))
    )
    return ParticipantState(banned=bool(banned), removed=bool(removed), room=room)


def participant_may_post(draft: pipeline.Draft) -> pipeline.Verdict:
    """``still_allowed`` then ``room_state``, from one statement. Staff pass without it.

    The send path lists this one check instead of the two (settings.MESSAGE_CHECKS):
    the same refusals in the same order, one database round trip fewer per message.
    """
    if draft.sender_kind != "participant":
        return pipeline.Verdict()
    now = timezone.now()
    state = _participant_state(draft, now)
    return _still_allowed_verdict(state) or _room_state_verdict(draft, state.room, now)


def still_allowed(draft: pipeline.Draft) -> pipeline.Verdict:
    """A participant banned, or removed from this room, since their socket opened cannot post.

    One statement per participant message; staff pass without it.
    """
    if draft.sender_kind != "participant":
        return pipeline.Verdict()
    return _still_allowed_verdict(_participant_state(draft, timezone.now())) or pipeline.Verdict()


def _still_allowed_verdict(state: ParticipantState) -> pipeline.Verdict | None:
    if state.banned:
        return _block("banned", _("You can't use this service at the moment."))
    if state.removed:
        return _block("removed", _("You were removed from this room."))
    return None


def room_state(draft: pipeline.Draft) -> pipeline.Verdict:
    """Mute, lock, unaccepted rules and slow mode stop a participant's message. Staff pass."""
    if draft.sender_kind != "participant":
        return pipeline.Verdict()
    now = timezone.now()
    return _room_state_verdict(draft, _participant_state(draft, now).room, now)


def _room_state_verdict(
    draft: pipeline.Draft, state: tuple[bool, int | None, int, bool] | None, now: datetime
) -> pipeline.Verdict:
    if state is None:
        return pipeline.Verdict()
    locked, rules_message_id, slow_mode_seconds, mute_possible = state
    mute = None
    if mute_possible:
        mute = Sanction.in_force(Sanction.Kind.MUTE, draft.sender_id, draft.room_id)
    if mute is not None:
        seconds_left = max(1, math.ceil((mute.ends_at - now).total_seconds()))
        minutes_left = math.ceil(seconds_left / 60)
        return _block(
            "muted",
            _("A moderator muted you in this room. You can post again in %(minutes)d min.")
            % {"minutes": minutes_left},
            seconds_left=seconds_left,
            until=mute.ends_at.isoformat(),
        )
    if locked:
        return _block("room_locked", _("This room is locked: only staff can post for now."))
    if (
        rules_message_id is not None
        and draft.room_kind == Room.Kind.GROUP
        and not RulesAcceptance.objects.filter(
            participant_id=draft.sender_id, rules_message_id=rules_message_id
        ).exists()
    ):
        rules_id = Message.objects.filter(pk=rules_message_id).values_list("seq", flat=True)
        return _block(
            "rules_not_accepted",
            _("Please read and accept this room's rules before your first message."),
            rules=rules_id.first(),
        )
    if slow_mode_seconds:
        last_sent = (
            Message.objects.filter(room_id=draft.room_id, sender_participant_id=draft.sender_id)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if last_sent is not None:
            wait = slow_mode_seconds - (now - last_sent).total_seconds()
            if wait > 0:
                return _block(
                    "slow_mode",
                    _("Slow mode is on: one message every %(seconds)d seconds.")
                    % {"seconds": slow_mode_seconds},
                    retry_after=math.ceil(wait),
                )
    return pipeline.Verdict()


def rules(draft: pipeline.Draft) -> pipeline.Verdict:
    """The automatic rules. Flags name the rules that matched, never the text."""
    evaluation = ruleset.current().evaluate(
        draft.body, room_id=draft.room_id, is_staff=draft.sender_kind == "staff"
    )
    if evaluation.action is None:
        return pipeline.Verdict()
    flags = tuple(
        pipeline.Flag(
            source=SOURCE,
            kind=hit.rule.action,
            data={"rule": hit.rule.name, "rule_id": hit.rule.id, "count": len(hit.spans)},
        )
        for hit in evaluation.hits
    )
    deciding = evaluation.deciding_rule
    assert deciding is not None
    notice = deciding.notice or _default_notice(evaluation.action)
    if evaluation.action == rule_engine.BLOCK:
        # Nothing is stored, so no message_stored signal follows: record the block here.
        audit.record(
            audit.AUTOMOD,
            "block",
            target=_sender_handle(draft),
            room_id=draft.room_id,
            reason=deciding.name,
            data={"rules": [hit.rule.name for hit in evaluation.hits]},
        )
        return pipeline.Verdict(
            action=pipeline.BLOCK, code="blocked", detail=notice, extra={"rule": deciding.name}
        )
    return pipeline.Verdict(
        action=_PIPELINE_ACTION[evaluation.action],
        body=evaluation.body if evaluation.masked else None,
        flags=flags,
        detail="" if evaluation.action == rule_engine.FLAG else notice,
    )


def _sender_handle(draft: pipeline.Draft) -> str:
    if draft.sender_kind != "participant":
        return ""
    handles = Participant.objects.filter(pk=draft.sender_id).values_list("handle", flat=True)
    return handles.first() or ""


def not_banned(actor: Actor, room: Room | None) -> None:
    """A banned participant is refused in every room and in the 1:1 queue, except the
    supervisors-only crisis chat a supervisor opened after they asked for urgent help."""
    if actor.is_staff:
        return
    if room is not None and room.supervisors_only:
        return
    if Sanction.in_force(Sanction.Kind.BAN, actor.id) is not None:
        raise ServiceError("banned", _("You can't use this service at the moment."))
