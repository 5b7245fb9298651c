"""Group rooms: listing, and who hosts them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from chatplatform import duties
from chatplatform.errors import ServiceError
from chatplatform.models import Room, RoomMembership, User
from chatplatform.services.access import RoomAccess


def group_rooms_for_participants() -> list[dict[str, Any]]:
    """The group rooms a participant may join, for GET /api/rooms/."""
    return list(
        Room.objects.filter(kind=Room.Kind.GROUP, is_listed=True, closed_at__isnull=True)
        .order_by("title")
        .values("id", "slug", "title", "kind")
    )


def do_create_group_room(slug: str, title: str, description: str = "") -> Room:
    room, _ = Room.objects.get_or_create(
        slug=slug, defaults={"kind": Room.Kind.GROUP, "title": title, "description": description}
    )
    return room


def do_assign_host(room: Room, user: User) -> None:
    """Make a mentor a host of a group room (idempotent). Refused when they may not host."""
    duties.check_duty(user, duties.HOST)
    if not RoomMembership.objects.filter(room=room, user=user, left_at__isnull=True).exists():
        RoomMembership.objects.create(room=room, user=user, role=RoomMembership.Role.MENTOR)


def people_in(room_id: int) -> int:
    """Everyone who has joined a group room and not left it: participants and staff."""
    return RoomMembership.objects.filter(
        room_id=room_id, left_at__isnull=True, removed_at__isnull=True
    ).count()


def do_leave_room(access: RoomAccess) -> None:
    """A participant leaves a group room: they stop counting as in it, and can come back.

    Precondition: ``check_room_access`` returned ``access`` for a participant.
    """
    if access.actor.is_staff or access.kind != Room.Kind.GROUP:
        raise ServiceError("invalid", _("Only participants can leave a group room."))
    RoomMembership.objects.filter(
        room_id=access.room_id, participant_id=access.actor.id, left_at__isnull=True
    ).update(left_at=timezone.now())
