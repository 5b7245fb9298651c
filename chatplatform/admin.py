"""The Django admin, for admins. It shows metadata only: message bodies are never listed here."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from chatplatform import roles
from chatplatform.actors import staff_actor
from chatplatform.errors import ServiceError
from chatplatform.models import CrisisResource, MentorProfile, Message, Participant, Room, User
from chatplatform.services.crisis import is_stale
from chatplatform.services.transcripts import check_transcript_reader, do_read_transcript


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


class TranscriptReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to read this transcript?"),
        max_length=200,
        help_text=_("Written to the audit log with your name, this room and the time."),
    )


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "slug", "is_listed", "created_at", "closed_at", "transcript")
    list_filter = ("kind", "is_listed")
    readonly_fields = ("last_seq", "created_at")

    @admin.display(description=_("transcript"))
    def transcript(self, obj: Room) -> str:
        url = reverse("admin:chatplatform_room_transcript", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Read (audited)"))

    def get_urls(self) -> list[URLPattern]:
        # The reason form is shown by GET and sent by POST; nothing else reaches it.
        view = self.admin_site.admin_view(
            require_http_methods(["GET", "HEAD", "POST"])(self.transcript_view)
        )
        return [
            path("<int:room_id>/transcript/", view, name="chatplatform_room_transcript"),
            *super().get_urls(),
        ]

    def transcript_view(self, request: HttpRequest, room_id: int) -> HttpResponse:
        """Ask for a reason; only then, with the read written to the audit log, show content."""
        try:
            actor = check_transcript_reader(staff_actor(request.user))
        except ServiceError as error:
            raise PermissionDenied(error.detail) from None
        room = get_object_or_404(Room, pk=room_id)
        form = TranscriptReasonForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "room": room,
            "form": form,
            "messages_shown": None,
        }
        if request.method == "POST" and form.is_valid():
            context["messages_shown"] = do_read_transcript(actor, room, form.cleaned_data["reason"])
        context["title"] = _("Transcript of %(room)s") % {"room": room}
        return TemplateResponse(request, "admin/chatplatform/room/transcript.html", context)


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
