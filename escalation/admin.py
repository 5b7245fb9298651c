"""Admin: the on-call rota is edited here; escalations, pages and alerts are read-only records."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from chatplatform.models import User
from escalation import oncall
from escalation.models import Escalation, OnCallOverride, OutboundAlert, Page, WeeklyShift


def _on_call_people() -> Any:
    return (
        User.objects.filter(is_active=True, groups__name__in=oncall.SUPERVISING_GROUPS)
        .distinct()
        .order_by("display_name")
    )


class WeeklyShiftForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=[(zone, zone) for zone in sorted(available_timezones())]
    )

    class Meta:
        model = WeeklyShift
        fields = ("user", "tier", "weekday", "starts", "ends", "time_zone")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _on_call_people()
        if not self.instance.pk:
            self.initial.setdefault("time_zone", settings.TIME_ZONE)


class OnCallOverrideForm(forms.ModelForm):
    class Meta:
        model = OnCallOverride
        fields = ("user", "tier", "starts_at", "ends_at")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _on_call_people()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            raise forms.ValidationError(_("A shift must end after it starts."))
        return cleaned


class RotaAdmin(admin.ModelAdmin):
    """Both rota lists warn when the coming hours have no primary on call."""

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        warning = oncall.gap_warning()
        if warning:
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


@admin.register(WeeklyShift)
class WeeklyShiftAdmin(RotaAdmin):
    form = WeeklyShiftForm
    list_display = ("user", "tier", "weekday", "starts", "ends", "time_zone")
    list_filter = ("tier", "weekday")


@admin.register(OnCallOverride)
class OnCallOverrideAdmin(RotaAdmin):
    form = OnCallOverrideForm
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


@admin.register(OutboundAlert)
class OutboundAlertAdmin(ReadOnlyAdmin):
    list_display = ("key", "channel", "action", "attempts", "last_status", "sent_at", "failed_at")
    list_filter = ("channel", "action")
    exclude = ("claim",)
