"""Who is acting: an anonymous participant or a staff member, in one shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chatplatform import roles

if TYPE_CHECKING:
    from chatplatform.models import Participant, User


@dataclass(frozen=True)
class Actor:
    kind: str  # "participant" or "staff"
    id: int
    handle: str
    role: str

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def key(self) -> str:
        """A short stable key for channel-layer group names; internal only, never exported."""
        return f"{'s' if self.is_staff else 'p'}{self.id}"

    @property
    def group(self) -> str:
        return actor_group(self.key)

    def public(self) -> dict[str, str]:
        return {"handle": self.handle, "role": self.role}


def actor_group(actor_key: str) -> str:
    return f"actor.{actor_key}"


def participant_actor(participant: Participant) -> Actor:
    return Actor(
        kind="participant", id=participant.pk, handle=participant.handle, role=roles.PARTICIPANT
    )


def staff_actor(user: User) -> Actor | None:
    role = roles.role_of(user)
    if role is None:
        return None
    return Actor(kind="staff", id=user.pk, handle=user.display_name or user.email, role=role)
