"""Staff roles as Django groups, and the role a user acts in."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatplatform.models import User

PARTICIPANT = "participant"
MENTOR = "mentor"
SUPERVISOR = "supervisor"
EVALUATOR = "evaluator"
ADMIN = "admin"

STAFF_ROLES = (MENTOR, SUPERVISOR, EVALUATOR, ADMIN)
# When someone holds several groups, the strongest one decides what they act as.
ROLE_PRECEDENCE = (ADMIN, SUPERVISOR, MENTOR, EVALUATOR)
CHAT_ROLES = frozenset({MENTOR, SUPERVISOR, ADMIN})

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    MENTOR: ("answer_chats",),
    SUPERVISOR: ("answer_chats", "moderate_any_room", "supervise"),
    EVALUATOR: ("view_metrics",),
    ADMIN: ("answer_chats", "moderate_any_room", "supervise", "view_metrics"),
}


def ensure_role_groups() -> None:
    """Create the role groups with their permissions. Idempotent."""
    from django.contrib.auth.models import Group, Permission

    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = Permission.objects.filter(
            content_type__app_label="chatplatform", codename__in=codenames
        )
        group.permissions.set(permissions)


def role_of(user: User) -> str | None:
    """The role a staff user acts in, or None when they hold no role."""
    if not user.is_authenticated or not user.is_active:
        return None
    cached = getattr(user, "_chat_role", False)
    if cached is not False:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    role = next((r for r in ROLE_PRECEDENCE if r in names), None)
    if role is None and user.is_superuser:
        role = ADMIN
    user._chat_role = role  # type: ignore[attr-defined]
    return role


def assign_role(user: User, role: str) -> None:
    """Give the user exactly this one role."""
    from django.contrib.auth.models import Group

    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(STAFF_ROLES)}")
    ensure_role_groups()
    user.groups.set([Group.objects.get(name=role)])
    user.is_staff = role == ADMIN
    user.is_superuser = role == ADMIN
    user.save(update_fields=["is_staff", "is_superuser"])
    if hasattr(user, "_chat_role"):
        del user._chat_role
