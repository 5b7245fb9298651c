"""Reading escalations: what the console, the mentor's room page and the pager show.

Reads only, never message text. Permission checks are in ``escalation.access``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db.models import Case, IntegerField, QuerySet, Sum, Value, When
from django.utils import timezone

from chatplatform.actors import Actor
from chatplatform.services.access import RoomAccess
from escalation import access
from escalation.models import Escalation, UnreachedAlert

LEVEL_RANK = {Escalation.Level.LOW: 0, Escalation.Level.HIGH: 1, Escalation.Level.IMMINENT: 2}
ACTIVE_STATES = (Escalation.State.OPEN, Escalation.State.ACKNOWLEDGED)


def summary(escalation: Escalation, now: datetime | None = None) -> dict[str, Any]:
    """An escalation as the console and the mentor's room page show it. Never message text."""
    now = now or timezone.now()
    room = escalation.room
    participant = escalation.participant
    return {
        "id": escalation.pk,
        "level": escalation.level,
        "reasons": list(escalation.reasons),
        "third_party": escalation.third_party,
        # "ban" when a banned participant asked for urgent help (their chat is supervisors'
        # only); never the sanction's reason.
        "sanction_kind": escalation.sanction_kind or None,
        "source": escalation.source,
        "state": escalation.state,
        "room": escalation.room_id,
        "room_kind": room.kind if room is not None else None,
        "room_title": room.title if room is not None else None,
        "handle": participant.handle if participant else None,
        "created_at": escalation.created_at.isoformat(),
        "waited_seconds": max(0, int((now - escalation.created_at).total_seconds())),
        "acknowledged_by": str(escalation.acknowledged_by) if escalation.acknowledged_by else None,
        "resolved_by": str(escalation.resolved_by) if escalation.resolved_by else None,
        "outcome": escalation.outcome or None,
    }


def with_people(queryset: QuerySet[Escalation]) -> QuerySet[Escalation]:
    return queryset.select_related("room", "participant", "acknowledged_by", "resolved_by")


def active_escalations() -> QuerySet[Escalation]:
    """Open and acknowledged escalations, imminent first, then the longest waiting."""
    rank = Case(
        *(When(level=level, then=Value(-value)) for level, value in LEVEL_RANK.items()),
        output_field=IntegerField(),
    )
    return with_people(Escalation.objects.filter(state__in=ACTIVE_STATES)).order_by(
        rank, "created_at", "id"
    )


def active_for_participant(participant_id: int) -> Escalation | None:
    """The participant's newest unresolved escalation, if any."""
    return (
        with_people(
            Escalation.objects.filter(participant_id=participant_id, state__in=ACTIVE_STATES)
        )
        .order_by("-created_at")
        .first()
    )


class BannedWait(NamedTuple):
    """The urgent-help case a banned participant's page listens to, and where it stands."""

    case: int
    state: str  # WAITING, OPEN (the chat is open) or CLOSED (resolved without a chat)
    room: int | None


WAITING = "waiting"
OPEN = "open"
CLOSED = "closed"


def _newest_case(participant_id: int) -> Escalation | None:
    return (
        Escalation.objects.filter(participant_id=participant_id)
        .order_by("-created_at", "-pk")
        .only("pk", "room_id", "state", "sanction_kind", "source")
        .first()
    )


def closed_without_chat(participant_id: int) -> Escalation | None:
    """The person's newest case, when a supervisor resolved it before any chat was open.

    Only an urgent-help press outside a chat opens a case with no room (the detector and
    mentors raise theirs in a chat), so this is their request for urgent help, closed
    without a chat, banned or not. ``None`` otherwise: no case, one still unresolved (or
    a newer press), or one that had a chat.
    """
    escalation = _newest_case(participant_id)
    if (
        escalation is None
        or escalation.state in ACTIVE_STATES
        or escalation.room_id is not None
        or escalation.source != Escalation.Source.PARTICIPANT
    ):
        return None
    return escalation


def banned_wait(participant_id: int) -> BannedWait | None:
    """The urgent-help case a banned participant's page listens to, if any.

    It is their newest escalation, when that is a banned person's case (it carries the
    sanction's kind) and it either is unresolved or was resolved without a chat: a
    person whose request was closed that way is told so. ``None`` otherwise (no case,
    an ordinary one, or one resolved after the chat it opened).
    """
    escalation = _newest_case(participant_id)
    if escalation is None or not escalation.sanction_kind:
        return None
    if escalation.state in ACTIVE_STATES:
        state = WAITING if escalation.room_id is None else OPEN
    elif escalation.room_id is None:
        state = CLOSED
    else:
        return None
    return BannedWait(escalation.pk, state, escalation.room_id)


def room_status(room_access: RoomAccess) -> dict[str, Any]:
    """The live escalation status a mentor sees in a room (``escalation`` is None if none)."""
    access.check_staff_in_room(room_access)
    escalation = active_escalations().filter(room_id=room_access.room_id).first()
    return {
        "type": "escalation.status",
        "room": room_access.room_id,
        "escalation": summary(escalation) if escalation is not None else None,
    }


def console_snapshot(actor: Actor) -> dict[str, Any]:
    access.check_supervisor(actor)
    now = timezone.now()
    return {
        "type": "escalations",
        "escalations": [summary(e, now) for e in active_escalations()],
        "unreached": recent_unreached(now),
    }


# Urgent-help presses a defence kept from opening a case (escalation.unreached).
UNREACHED_WINDOW = timedelta(hours=1)


def unreached_summary(alert: UnreachedAlert) -> dict[str, Any]:
    """An alert as the console shows it: its kind, count and times. No address, no text."""
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "count": alert.count,
        "handle": alert.participant.handle if alert.participant_id else None,
        "first_at": alert.first_at.isoformat(),
        "last_at": alert.last_at.isoformat(),
    }


def recent_unreached(now: datetime | None = None) -> list[dict[str, Any]]:
    """The alerts with a press in the last hour, newest first."""
    now = now or timezone.now()
    alerts = (
        UnreachedAlert.objects.filter(last_at__gte=now - UNREACHED_WINDOW)
        .select_related("participant")
        .order_by("-last_at", "-pk")
    )
    return [unreached_summary(alert) for alert in alerts]


def recent_unreached_counts(now: datetime | None = None) -> dict[str, int]:
    """Presses that opened no case in the last hour, by kind (what every page carries)."""
    now = now or timezone.now()
    rows = (
        UnreachedAlert.objects.filter(last_at__gte=now - UNREACHED_WINDOW)
        .values("kind")
        .annotate(total=Sum("count"))
    )
    counts = dict.fromkeys(UnreachedAlert.Kind.values, 0)
    counts.update({row["kind"]: row["total"] for row in rows})
    return counts
