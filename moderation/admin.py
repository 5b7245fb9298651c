"""Admins edit the automatic rules here; every change is appended to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from chatplatform import audit
from chatplatform.actors import staff_actor
from moderation.models import Rule, Sanction
from moderation.services.actions import do_lift_ban


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("name", "match", "action", "room", "exempt_staff", "is_active", "position")
    list_filter = ("action", "match", "is_active")
    list_editable = ("is_active", "position")
    search_fields = ("name", "description")

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            audit.staff_label(request.user.pk),
            "rule_change" if change else "rule_add",
            room_id=obj.room_id,
            reason=obj.name,
            data={"rule": obj.pk, "action": obj.action, "active": obj.is_active},
        )

    def delete_model(self, request: HttpRequest, obj: Rule) -> None:
        audit.record(audit.staff_label(request.user.pk), "rule_delete", reason=obj.name)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Rule]) -> None:
        for rule in queryset:
            audit.record(audit.staff_label(request.user.pk), "rule_delete", reason=rule.name)
        super().delete_queryset(request, queryset)


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    """Mutes and bans are made in the rooms; here admins see them and lift bans early."""

    list_display = ("kind", "participant", "room", "created_at", "ends_at", "lifted_at")
    list_filter = ("kind",)
    actions = ["lift_bans"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Lift the selected bans"), permissions=["view"])
    def lift_bans(self, request: HttpRequest, queryset: QuerySet[Sanction]) -> None:
        actor = staff_actor(request.user)
        if actor is None:
            return
        for ban in queryset.filter(kind=Sanction.Kind.BAN, lifted_at=None):
            do_lift_ban(actor, ban)
