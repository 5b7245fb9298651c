"""Marking the detector's misses and false alarms, reviewing and exporting the marks.

- ``do_mark``: a mentor of the room, or a supervisor, marks a participant message
  "risk missed" or "false alarm" (audited, no text).
- ``marks_for_review`` / ``do_read_marked_message``: supervisors list the marks
  (metadata only) and read a marked message through the audited transcript read.
- ``report``: counts per language, no text (``manage.py risk_marks_report``).
- ``do_export``: a supervisor's explicit export of the marked messages, with their
  text, to extend the organisation's corpus; audited with the count, never the text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chatplatform import audit, logs, roles
from chatplatform.actors import Actor
from chatplatform.errors import ServiceError
from chatplatform.models import Message
from chatplatform.services.access import SUPERVISING_ROLES, active_membership
from chatplatform.services.messages import decrypt_message
from chatplatform.services.transcripts import do_read_transcript
from escalation.models import Escalation
from escalation.risk import rule_detector
from escalation.risk_marks.models import RiskMark

MARKED = "risk_mark.created"
EXPORTED = "risk_marks.exported"
# Messages shown around a marked one, so the reviewer reads it in its context.
CONTEXT_MESSAGES = 3


def check_can_mark(actor: Actor | None, room_id: int, message_id: int) -> Message:
    """The participant message ``actor`` may mark (``message_id`` is its number in the
    room, as chat frames give it): supervisors anywhere, mentors in their own room."""
    if actor is None or not actor.is_staff:
        raise ServiceError("forbidden", _("Only mentors and supervisors can mark messages."))
    message = Message.objects.filter(room_id=room_id, seq=message_id).first()
    if message is None or message.sender_participant_id is None:
        raise ServiceError("not_found", _("There is no participant message with that number."))
    if actor.role in SUPERVISING_ROLES:
        return message
    if actor.role == roles.MENTOR and active_membership(message.room_id, actor) is not None:
        return message
    raise ServiceError("forbidden", _("Only the room's mentors and supervisors can mark it."))


def do_mark(actor: Actor, message: Message, kind: str) -> tuple[RiskMark, bool]:
    """Record the mark (once per person and kind); returns it and whether it is new.

    Preconditions: ``message`` passed check_can_mark for ``actor``; ``kind`` is a Kind.
    """
    if kind not in RiskMark.Kind.values:
        raise ServiceError("invalid", _("Mark a message as risk missed or false alarm."))
    existing = RiskMark.objects.filter(message=message, marked_by_id=actor.id, kind=kind).first()
    if existing is not None:
        return existing, False
    body = decrypt_message(message)
    logs.mark_private(body)
    alerted = Escalation.objects.filter(
        trigger_message=message, source=Escalation.Source.AUTOMATIC
    ).exists()
    try:
        with transaction.atomic():
            mark = RiskMark.objects.create(
                message=message,
                room_id=message.room_id,
                kind=kind,
                marked_by_id=actor.id,
                marked_by_role=actor.role,
                language=rule_detector().language_of(body) if body else "",
                detector_alerted=alerted,
            )
            audit.record(
                audit.staff_label(actor.id),
                MARKED,
                target=f"message:{message.pk}",
                room_id=message.room_id,
                data={"kind": kind, "detector_alerted": alerted},
            )
    except IntegrityError:  # the same mark, made twice at once
        return RiskMark.objects.get(message=message, marked_by_id=actor.id, kind=kind), False
    return mark, True


def check_reviewer(actor: Actor | None) -> Actor:
    if actor is None or not actor.is_staff or actor.role not in SUPERVISING_ROLES:
        raise ServiceError("forbidden", _("Only supervisors can review marked messages."))
    return actor


def marks_for_review(limit: int = 200) -> list[RiskMark]:
    """The latest marks, metadata only (no message text is read)."""
    return list(RiskMark.objects.select_related("room")[:limit])


def do_read_marked_message(actor: Actor, mark_id: int, reason: str) -> dict[str, Any]:
    """The marked message and the few around it, read through the audited transcript read.

    Preconditions: ``actor`` passed check_reviewer.
    """
    reason = reason.strip()
    if not reason:
        raise ServiceError("reason_required", _("Say why you are reading this message."))
    mark = RiskMark.objects.select_related("room", "message").filter(pk=mark_id).first()
    if mark is None:
        raise ServiceError("not_found", _("This mark does not exist."))
    payloads = do_read_transcript(actor, mark.room, reason)
    position = next(
        (index for index, p in enumerate(payloads) if p.get("id") == mark.message.seq), None
    )
    if position is None:
        shown: list[dict[str, Any]] = []
    else:
        shown = payloads[max(0, position - CONTEXT_MESSAGES) : position + CONTEXT_MESSAGES + 1]
    return {"mark": mark, "transcript": shown, "marked_id": mark.message.seq}


@dataclass(frozen=True)
class ReportRow:
    language: str
    alerts: int  # automatic escalations
    confirmed: int  # resolved with an outcome other than false alarm
    dismissed: int  # resolved as a false alarm
    unresolved: int
    marked_missed: int
    marked_false_alarm: int


def report() -> list[ReportRow]:
    """Counts per language, no text. Alerts are counted by the language of their marks
    when marked, else under "all" only (the detector's language is not stored)."""
    alerts = Escalation.objects.filter(source=Escalation.Source.AUTOMATIC)
    outcomes = Counter(
        "unresolved"
        if state != Escalation.State.RESOLVED
        else ("dismissed" if outcome == Escalation.Outcome.FALSE_ALARM else "confirmed")
        for state, outcome in alerts.values_list("state", "outcome")
    )
    marks = Counter(RiskMark.objects.values_list("language", "kind"))
    languages = sorted({language for language, _ in marks})
    rows = [
        ReportRow(
            language="all",
            alerts=sum(outcomes.values()),
            confirmed=outcomes["confirmed"],
            dismissed=outcomes["dismissed"],
            unresolved=outcomes["unresolved"],
            marked_missed=sum(n for (_, kind), n in marks.items() if kind == RiskMark.Kind.MISSED),
            marked_false_alarm=sum(
                n for (_, kind), n in marks.items() if kind == RiskMark.Kind.FALSE_ALARM
            ),
        )
    ]
    for language in languages:
        rows.append(
            ReportRow(
                language=language or "unclear",
                alerts=0,
                confirmed=0,
                dismissed=0,
                unresolved=0,
                marked_missed=marks[(language, RiskMark.Kind.MISSED)],
                marked_false_alarm=marks[(language, RiskMark.Kind.FALSE_ALARM)],
            )
        )
    return rows


def format_report(rows: list[ReportRow]) -> str:
    """The counts in ``make eval-risk``'s layout: one row per slice, no message text."""
    columns = (
        "alerts",
        "confirmed",
        "dismissed",
        "unresolved",
        "marked missed",
        "marked false alarm",
    )
    lines = [
        "== risk detection in this deployment (counts only)",
        "",
        f"{'slice':<22}" + "".join(f"{column:>20}" for column in columns),
    ]
    for row in rows:
        values = (
            row.alerts,
            row.confirmed,
            row.dismissed,
            row.unresolved,
            row.marked_missed,
            row.marked_false_alarm,
        )
        name = "all" if row.language == "all" else f"language {row.language}"
        lines.append(f"{name:<22}" + "".join(f"{value:>20}" for value in values))
    return "\n".join(lines) + "\n"


def do_export(actor: Actor) -> list[dict[str, Any]]:
    """Every marked message with its text, as corpus lines to label (docs/risk-labelling.md).

    Preconditions: ``actor`` passed check_reviewer. The audit entry holds the count only.
    """
    marks = list(RiskMark.objects.select_related("message").order_by("pk"))
    rows = []
    for mark in marks:
        body = decrypt_message(mark.message)
        if body is None:  # its room's key was shredded: nothing left to export
            continue
        rows.append(
            {
                "text": body,
                "language": mark.language,
                "mark": mark.kind,
                "detector_alerted": mark.detector_alerted,
                # To be filled in by whoever labels it, following docs/risk-labelling.md.
                "level": None,
                "who": None,
                "when": None,
                "family": None,
                "style": None,
            }
        )
    logs.mark_private([row["text"] for row in rows])
    audit.record(audit.staff_label(actor.id), EXPORTED, data={"count": len(rows)})
    return rows
