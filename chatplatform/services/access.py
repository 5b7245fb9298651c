"""Who may enter a room, and what they may do there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from chatplatform import audit, mfa, pipeline, roles
from chatplatform.actors import Actor, participant_actor, staff_actor
from chatplatform.errors import ServiceError
from chatplatform.models import Block, Room, RoomMembership
from chatplatform.services.participants import participant_for_session

SUPERVISING_ROLES = frozenset({roles.SUPERVISOR, roles.ADMIN})


@dataclass(frozen=True)
class RoomAccess:
    """A permission decision: the room as this actor may see it, and what they may do."""

    actor: Actor
    room_id: int
    kind: str
    title: str
    is_open: bool
    is_member: bool
    can_moderate: bool

    def hello_room(self) -> dict[str, Any]:
        return {"id": self.room_id, "title": self.title, "kind": self.kind}


def resolve_actor(user: Any, session: Any) -> Actor | None:
    """A staff member with a role, else the session's participant, else nobody.

    Staff whose role needs two factors count as nobody until this session proved them.
    """
    if user is not None and getattr(user, "is_authenticated", False):
        if not mfa.allows_access(user, session):
            return None
        return staff_actor(user)
    participant = participant_for_session(session)
    return participant_actor(participant) if participant is not None else None


def active_membership(room_id: int, actor: Actor) -> RoomMembership | None:
    member = Q(user_id=actor.id) if actor.is_staff else Q(participant_id=actor.id)
    return (
        RoomMembership.objects.filter(member, room_id=room_id, left_at__isnull=True)
        .order_by("-joined_at")
        .first()
    )


def check_open_to_newcomers(room_id: int) -> None:
    """Whether someone with no identity yet may open ``room_id``: a listed, open group room.

    Checked before an identity is made for them, so a stranger who opens another
    person's chat (or a closed room) is refused without a new identity and a counted
    visit. Raises the same errors ``check_room_access`` would give them.
    """
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise ServiceError("not_found", _("This room does not exist."))
    if room.kind != Room.Kind.GROUP:
        raise ServiceError("forbidden", _("This chat belongs to someone else."))
    if not (room.is_listed and room.is_open):
        raise ServiceError("forbidden", _("This room is not open."))


def check_room_access(actor: Actor, room_id: int) -> RoomAccess:
    """Decide whether ``actor`` may open ``room_id``. Raises ServiceError when not."""
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise ServiceError("not_found", _("This room does not exist."))
    membership = active_membership(room_id, actor)
    if membership is not None and membership.removed_at is not None:
        raise ServiceError("forbidden", _("You were removed from this room."))
    is_member = membership is not None
    if actor.is_staff:
        if actor.role not in roles.CHAT_ROLES:
            raise ServiceError("forbidden", _("Your role does not take part in chats."))
        supervising = actor.role in SUPERVISING_ROLES
        if not is_member and not supervising:
            raise ServiceError("forbidden", _("You are not assigned to this room."))
        can_moderate = is_member or supervising
    else:
        # A 1:1 chat is its members' only; a practice chat is never a participant's.
        if room.kind != Room.Kind.GROUP and not is_member:
            raise ServiceError("forbidden", _("This chat belongs to someone else."))
        if room.kind == Room.Kind.GROUP and not (room.is_listed and room.is_open) and not is_member:
            raise ServiceError("forbidden", _("This room is not open."))
        can_moderate = False
    pipeline.run_entry_checks(actor, room)
    return RoomAccess(
        actor=actor,
        room_id=room.pk,
        kind=room.kind,
        title=room.title,
        is_open=room.is_open,
        is_member=is_member,
        can_moderate=can_moderate,
    )


TRANSCRIPT_READ = "transcript.read"
DEFAULT_READ_REASON = "supervision"


def do_enter_room(access: RoomAccess, reason: str = "") -> RoomAccess:
    """A participant opening a group room becomes a member of it.

    A staff member opening a room they are not a member of reads a transcript
    that is not theirs: that is written to the audit log with their reason.
    """
    if access.actor.is_staff and not access.is_member:
        audit.record(
            audit.staff_label(access.actor.id),
            TRANSCRIPT_READ,
            room_id=access.room_id,
            reason=reason.strip()[:200] or DEFAULT_READ_REASON,
            data={"via": "room"},
        )
    if access.is_member or access.actor.is_staff or access.kind != Room.Kind.GROUP:
        return access
    RoomMembership.objects.get_or_create(
        room_id=access.room_id,
        participant_id=access.actor.id,
        left_at=None,
        defaults={"role": RoomMembership.Role.PARTICIPANT},
    )
    return RoomAccess(**{**access.__dict__, "is_member": True})


def blocked_sender_keys(actor: Actor) -> frozenset[str]:
    """Actor keys whose messages this viewer has chosen not to receive."""
    if actor.is_staff:
        return frozenset()
    blocked = Block.objects.filter(blocker_id=actor.id).values_list("blocked_id", flat=True)
    return frozenset(f"p{pk}" for pk in blocked)
