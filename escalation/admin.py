"""Admin: the on-call schedule is edited here; escalations and pages are read-only records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chatplatform import roles
from chatplatform.models import User
from escalation.models import Escalation, OnCallShift, Page


class OnCallShiftForm(forms.ModelForm):
    class Meta:
        model = OnCallShift
        fields = ("user", "tier", "starts_at", "ends_at")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True, groups__name__in=(roles.SUPERVISOR, roles.ADMIN))
            .distinct()
            .order_by("display_name")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            raise forms.ValidationError(_("A shift must end after it starts."))
        return cleaned


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    form = OnCallShiftForm
    list_display = ("user", "tier", "starts_at", "ends_at")
    list_filter = ("tier",)
    ordering = ("-starts_at",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    """Metadata only: the transcript is read, audited, from the supervisor console."""

    list_display = ("pk", "level", "source", "state", "room", "created_at", "outcome")
    list_filter = ("state", "level", "source", "outcome")


@admin.register(Page)
class PageAdmin(ReadOnlyAdmin):
    list_display = ("escalation", "step", "recipient", "channel", "created_at", "sent_at")
    list_filter = ("channel",)
