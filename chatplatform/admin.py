"""The Django admin, for admins. It shows metadata only: message bodies are never listed here."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from chatplatform import roles
from chatplatform.models import CrisisResource, MentorProfile, Message, Participant, Room, User
from chatplatform.services.crisis import is_stale


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "display_name", "role", "is_active", "last_login")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "display_name", "password")}),
        (_("Access"), {"fields": ("is_active", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")},
        ),
    )
    filter_horizontal = ("groups",)

    @admin.display(description=_("role"))
    def role(self, obj: User) -> str:
        return roles.role_of(obj) or "-"


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "slug", "is_listed", "created_at", "closed_at")
    list_filter = ("kind", "is_listed")
    readonly_fields = ("last_seq", "created_at")


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("handle", "created_at", "last_seen_on")
    readonly_fields = ("handle", "created_at", "last_seen_on")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Metadata only. Reading content goes through the audited transcript view."""

    list_display = ("room", "seq", "sender_role", "kind", "status", "body_length", "created_at")
    list_filter = ("kind", "status", "sender_role")
    fields = (
        "room",
        "seq",
        "sender_role",
        "sender_handle",
        "kind",
        "audience",
        "status",
        "body_length",
        "created_at",
        "hidden_at",
        "hidden_reason",
        "shredded_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(MentorProfile)
class MentorProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "status", "max_chats", "last_seen_at")


@admin.register(CrisisResource)
class CrisisResourceAdmin(admin.ModelAdmin):
    list_display = (
        "region",
        "service",
        "phone",
        "text_number",
        "last_checked",
        "needs_check",
        "is_active",
    )
    list_filter = ("region", "is_active")

    @admin.display(boolean=True, description=_("older than a year"))
    def needs_check(self, obj: CrisisResource) -> bool:
        return is_stale(obj)
