"""Anonymous participants: one per browser session, created lazily."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from chatplatform import throttle
from chatplatform.handles import generate_handle
from chatplatform.models import Participant
from chatplatform.signals import participant_seen

SESSION_KEY = "participant_id"


def participant_for_session(session: Any) -> Participant | None:
    participant_id = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(participant_id, int):
        return None
    return Participant.objects.filter(pk=participant_id).first()


def do_get_or_create_participant(session: Any, network_key: str) -> Participant:
    """The session's participant, created on first need. Nothing about the browser is kept.

    ``network_key`` is the daily keyed hash of the client's network
    (``throttle.client_network_key``): creating identities is rate-limited per
    network, so clearing cookies is no quick way around a ban. Raises
    ServiceError("rate_limited") when the network made too many.
    """
    participant = participant_for_session(session)
    if participant is None:
        throttle.check_new_identity(network_key)
        participant = do_create_participant(session)
    else:
        do_touch_participant(participant)
    return participant


def do_create_participant(session: Any) -> Participant:
    """A new identity for this session, with no rate limit: the caller has applied one."""
    participant = Participant.objects.create(handle=generate_handle())
    session[SESSION_KEY] = participant.pk
    participant_seen.send(sender=Participant, participant=participant, day=participant.last_seen_on)
    return participant


def do_touch_participant(participant: Participant) -> None:
    today = timezone.localdate()
    if participant.last_seen_on != today:
        participant.last_seen_on = today
        participant.save(update_fields=["last_seen_on"])
        participant_seen.send(sender=Participant, participant=participant, day=today)


def do_change_handle(participant: Participant) -> str:
    """Give the participant a fresh handle. Messages already sent keep the old one."""
    previous = participant.handle
    new_handle = generate_handle()
    while new_handle == previous:
        new_handle = generate_handle()
    participant.handle = new_handle
    participant.save(update_fields=["handle"])
    return new_handle


def do_forget_session(session: Any) -> None:
    session.pop(SESSION_KEY, None)
