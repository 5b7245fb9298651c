"""Signal receivers: the core tells us about stored messages and new matches."""

from __future__ import annotations

from typing import Any

from chatplatform.actors import Actor
from chatplatform.models import Participant, QueueTicket, Room
from chatplatform.pipeline import Outcome
from escalation import services
from escalation.checks import RISK_SOURCE


def on_message_stored(message: Any, outcome: Outcome, actor: Actor, **kwargs: Any) -> None:
    """Inside the storing transaction: a risk flag from the pipeline opens an escalation."""
    flag = next((f for f in outcome.flags if f.source == RISK_SOURCE), None)
    if flag is None or actor.is_staff:
        return
    services.do_open_from_risk(
        message,
        actor,
        level=flag.kind,
        reasons=list(flag.data.get("reasons", ())),
        third_party=bool(flag.data.get("third_party", False)),
    )


def on_chat_matched(room: Room, participant: Participant, **kwargs: Any) -> None:
    services.do_attach_room(participant, room)


def on_ticket_saved(instance: QueueTicket, created: bool, **kwargs: Any) -> None:
    """The queue has no signal of its own for a new ticket; the model's post_save is it."""
    if created and instance.status == QueueTicket.Status.WAITING:
        services.do_rank_new_ticket(instance)
