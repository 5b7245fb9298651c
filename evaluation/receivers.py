"""Receivers for the core's signals (connected in EvaluationConfig.ready)."""

from __future__ import annotations

from datetime import date
from typing import Any

from chatplatform.models import Participant, QueueTicket, Room, User
from evaluation import changes
from evaluation.chats import do_record_end, do_record_start
from evaluation.models import ParticipantVisit
from evaluation.report import forget_cached_reports
from evaluation.surveys import do_unlink


def record_visit(sender: Any, participant: Participant, day: date, **kwargs: Any) -> None:
    """Keep each day a participant used the service, for reach and return rates."""
    ParticipantVisit.objects.get_or_create(participant=participant, day=day)


def forget_participant(sender: Any, participant: Participant, **kwargs: Any) -> None:
    """ "Delete my data": unlink survey answers and drop the visit days."""
    do_unlink(participant)
    ParticipantVisit.objects.filter(participant=participant).delete()
    forget_cached_reports()


def chat_started(
    sender: Any,
    room: Room,
    participant: Participant,
    mentor: User,
    ticket: QueueTicket,
    **kwargs: Any,
) -> None:
    do_record_start(room, ticket, mentor)


def chat_finished(sender: Any, room: Room, **kwargs: Any) -> None:
    do_record_end(room)


def install_change_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After every migrate: the change triggers a rebuilt table lost (evaluation.changes)."""
    changes.install(using)
