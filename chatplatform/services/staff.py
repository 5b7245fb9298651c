"""Creating and updating staff accounts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from chatplatform import roles
from chatplatform.errors import ServiceError
from chatplatform.models import MentorProfile, User


@dataclass(frozen=True)
class StaffResult:
    user: User
    created: bool
    generated_password: str | None


def check_staff_input(email: str, role: str, password: str | None) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ServiceError("invalid", f"'{email}' is not a valid email address") from None
    if role not in roles.STAFF_ROLES:
        raise ServiceError("invalid", f"role must be one of: {', '.join(roles.STAFF_ROLES)}")
    if password is not None:
        try:
            validate_password(password)
        except ValidationError as error:
            raise ServiceError(
                "invalid", "password rejected: " + " ".join(error.messages)
            ) from None
    return email


def do_add_staff(
    email: str, role: str, password: str | None = None, display_name: str | None = None
) -> StaffResult:
    """Create or update a staff member with exactly one role; generate a password if none."""
    email = check_staff_input(email, role, password)
    generated = None
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        created = user is None
        if user is None:
            user = User(email=email, display_name=display_name or email.split("@")[0].title()[:40])
        elif display_name:
            user.display_name = display_name
        if password is None and created:
            generated = secrets.token_urlsafe(12)
            password = generated
        if password is not None:
            user.set_password(password)
        user.is_active = True
        user.save()
        roles.assign_role(user, role)
        if role in (roles.MENTOR, roles.SUPERVISOR, roles.ADMIN):
            MentorProfile.objects.get_or_create(user=user)
    return StaffResult(user=user, created=created, generated_password=generated)
