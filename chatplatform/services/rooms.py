"""Group rooms: listing, and who hosts them."""

from __future__ import annotations

from typing import Any

from chatplatform import duties
from chatplatform.models import Room, RoomMembership, User


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
