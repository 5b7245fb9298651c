"""Signal receivers: the core tells us about stored messages and new matches."""

from __future__ import annotations

from typing import Any

from chatplatform.actors import Actor
from chatplatform.models import Participant, QueueTicket, Room
from chatplatform.pipeline import Outcome
from escalation import opening
from escalation.checks import RISK_SOURCE


def on_message_stored(message: Any, outcome: Outcome, actor: Actor, **kwargs: Any) -> None:
    """Inside the storing transaction: a risk flag from the pipeline opens an escalation."""
    flag = next((f for f in outcome.flags if f.source == RISK_SOURCE), None)
    if flag is None or actor.is_staff:
        return
    opening.do_open_from_risk(
        message,
        actor,
        level=flag.kind,
        reasons=list(flag.data.get("reasons", ())),
        third_party=about_someone_else(flag.data),
        written_language=str(flag.data.get("language") or ""),
    )


def about_someone_else(data: dict[str, Any]) -> bool:
    """The risk is to someone the participant is worried about, not to them.

    The detector says so with ``who: "other"``; older detectors with ``third_party``.
    """
    return data.get("who") == "other" or bool(data.get("third_party", False))


def on_chat_matched(room: Room, participant: Participant, **kwargs: Any) -> None:
    opening.do_attach_room(participant, room)


def on_ticket_saved(instance: QueueTicket, created: bool, **kwargs: Any) -> None:
    """The queue has no signal of its own for a new ticket; the model's post_save is it."""
    if created and instance.status == QueueTicket.Status.WAITING:
        opening.do_rank_new_ticket(instance)
