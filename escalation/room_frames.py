"""Escalation frames in the chat room protocol (see docs/escalation.md).

Each handler runs in the database thread, calls one service and returns the
frames for the caller; broadcasts go out on commit.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from chatplatform import frames
from chatplatform.errors import ServiceError
from chatplatform.extensions import register_room_frame
from chatplatform.frames import field
from chatplatform.models import Participant
from chatplatform.services.access import RoomAccess
from escalation import cssrs, opening, publishing, queries, safety_plan, screening
from escalation.models import Escalation

NOTE_MAX_LENGTH = 500


def raise_escalation(access: RoomAccess, clean: dict[str, Any]) -> list[dict[str, Any]]:
    opening.do_escalate_by_staff(access, clean["reason"], clean["level"], clean["note"])
    return [queries.room_status(access)]


def escalation_status(access: RoomAccess, clean: dict[str, Any]) -> list[dict[str, Any]]:
    return [queries.room_status(access)]


def urgent_help(access: RoomAccess, clean: dict[str, Any]) -> list[dict[str, Any]]:
    """The participant's press in a chat: the same case however often, and its panel."""
    escalation = opening.do_urgent_help_in_room(access)
    participant = Participant.objects.get(pk=access.actor.id)
    return [
        publishing.participant_panel(escalation, participant, source=escalation.Source.PARTICIPANT)
    ]


def crisis_support(access: RoomAccess, clean: dict[str, Any]) -> list[dict[str, Any]]:
    """The participant's crisis panel again, for their open escalation in this chat: after
    they chose another country, its lines. Nothing when no escalation of theirs is open here.
    """
    if access.actor.is_staff:
        raise ServiceError("forbidden", _("The crisis panel is the participant's own."))
    escalation = queries.active_for_participant(access.actor.id)
    if escalation is None or escalation.room_id != access.room_id:
        return []
    participant = Participant.objects.get(pk=access.actor.id)
    return [publishing.participant_panel(escalation, participant, source=escalation.source)]


def screener_record(access: RoomAccess, clean: dict[str, Any]) -> list[dict[str, Any]]:
    return [screening.do_record_screening(access, clean["answers"])]


def safety_plan_get(access: RoomAccess, clean: dict[str, Any]) -> list[dict[str, Any]]:
    return [safety_plan.room_frame(access, safety_plan.check_plan_in_room(access))]


def safety_plan_save(access: RoomAccess, clean: dict[str, Any]) -> list[dict[str, Any]]:
    return [safety_plan.do_save_in_room(access, clean["sections"], clean["revision"])]


def _yes_no_answers(name: str, value: Any) -> dict[str, bool | None]:
    """The screener's answers: question code -> true, false or null (not asked)."""
    if (
        not isinstance(value, dict)
        or len(value) > len(cssrs.CODES)
        or not all(isinstance(answer, bool) or answer is None for answer in value.values())
    ):
        raise frames.FrameError(
            "invalid", _("Field '%(name)s' must map questions to yes or no.") % {"name": name}
        )
    return {str(code): answer for code, answer in value.items()}


def _plan_sections(name: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > len(safety_plan.SECTION_CODES):
        raise frames.FrameError(
            "invalid", _("Field '%(name)s' must map sections to text.") % {"name": name}
        )
    return dict(value)


def register() -> None:
    register_room_frame(
        "escalation.raise",
        (
            field("reason", frames.choice(*opening.MENTOR_REASONS)),
            field(
                "level",
                frames.choice(Escalation.Level.HIGH, Escalation.Level.IMMINENT),
                required=False,
                default=Escalation.Level.HIGH,
            ),
            field(
                "note",
                frames.text(NOTE_MAX_LENGTH, allow_blank=True),
                required=False,
                default="",
            ),
        ),
        raise_escalation,
    )
    register_room_frame("escalation.status", (), escalation_status)
    register_room_frame("urgent.help", (), urgent_help)
    register_room_frame("crisis.support", (), crisis_support)
    register_room_frame("screener.record", (field("answers", _yes_no_answers),), screener_record)
    register_room_frame("safety_plan.get", (), safety_plan_get)
    register_room_frame(
        "safety_plan.save",
        (
            field("sections", _plan_sections),
            field("revision", frames.integer(minimum=0)),
        ),
        safety_plan_save,
    )
