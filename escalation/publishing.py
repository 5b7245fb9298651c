"""Publishing escalation events after commit, each only to the sockets that may see it.

* every supervisor console (``CONSOLE_GROUP``): an escalation changed;
* the staff in the escalation's room: its live status;
* the participant's own sockets: the crisis panel, in their language and region;
* one supervisor's console (``pager_group``): a page (see escalation.paging);
* one banned participant's urgent-help page (``case_group``): their chat is open, or
  their case was closed without one; an ordinary participant's urgent-help page (the
  queue's socket, in their actor group): their case was closed without a chat.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from chatplatform.actors import actor_group
from chatplatform.events import publish_on_commit, room_staff_group
from chatplatform.models import Participant
from chatplatform.services import crisis
from escalation import queries, support
from escalation.models import Escalation

CONSOLE_GROUP = "escalation.console"


def pager_group(user_id: int) -> str:
    """The channel group of one supervisor's console sockets (pages go there)."""
    return f"escalation.pager.s{user_id}"


def case_group(escalation_id: int) -> str:
    """The sockets of the one participant waiting on this urgent-help case."""
    return f"escalation.case.{escalation_id}"


def wait_status(wait: queries.BannedWait) -> dict[str, Any]:
    """The ``urgent.status`` frame of a banned participant's urgent-help page."""
    return {"type": "urgent.status", "state": wait.state, "room": wait.room}


def notify_chat_opened(escalation: Escalation) -> None:
    """After commit: the participant waiting on this case learns the chat is open."""
    wait = queries.BannedWait(escalation.pk, queries.OPEN, escalation.room_id)
    publish_on_commit(case_group(escalation.pk), wait_status(wait))


def notify_closed_without_chat(escalation: Escalation) -> None:
    """After commit: the participant waiting on this case learns it was closed, no chat.

    A banned person's page listens to its case alone (``case_group``). An ordinary
    person's urgent-help page waits on the queue's socket, which resolving the case
    leaves them in: the same frame goes to their own sockets (their actor group), where
    only the queue's socket answers it (``QueueConsumer.urgent_status``).
    """
    if escalation.room_id is not None or escalation.participant_id is None:
        return
    wait = queries.BannedWait(escalation.pk, queries.CLOSED, None)
    if escalation.sanction_kind:
        publish_on_commit(case_group(escalation.pk), wait_status(wait))
    else:
        publish_on_commit(actor_group(f"p{escalation.participant_id}"), wait_status(wait))


def notify_changed(escalation: Escalation, event: str) -> dict[str, Any]:
    """After commit: every supervisor console, and the staff in the escalation's room.

    Returns the summary it published.
    """
    escalation = queries.with_people(Escalation.objects.filter(pk=escalation.pk)).get()
    payload = queries.summary(escalation)
    publish_on_commit(
        CONSOLE_GROUP, {"type": "escalation.changed", "event": event, "escalation": payload}
    )
    if escalation.room_id is not None:
        publish_on_commit(
            room_staff_group(escalation.room_id),
            {
                "type": "chat.frame",
                "audience": "staff",
                "frame": {
                    "type": "escalation.status",
                    "room": escalation.room_id,
                    "event": event,
                    "escalation": payload,
                },
            },
        )
    return payload


def participant_panel(
    escalation: Escalation,
    participant: Participant,
    *,
    source: str,
    written_language: str = "",
) -> dict[str, Any]:
    """The crisis panel for a participant away from any request: their language, their lines.

    A panel shown because of a message is worded in the language of that message.
    """
    with translation.override(crisis.panel_language(participant, written_language)):
        return support.crisis_support(
            crisis.choice_for_participant(participant, written_language),
            source=source,
            level=escalation.level,
            third_party=escalation.third_party,
            in_chat=escalation.room_id is not None,
        )


def notify_participant(
    escalation: Escalation, participant: Participant, *, source: str, written_language: str = ""
) -> None:
    """After commit: the crisis panel on every socket the participant has in this chat.

    ``source`` is that of the signal that showed it (the wording follows it).
    """
    frame = participant_panel(
        escalation, participant, source=source, written_language=written_language
    )
    publish_on_commit(
        actor_group(f"p{participant.pk}"),
        {"type": "actor.frame", "frame": frame, "room": escalation.room_id},
    )
