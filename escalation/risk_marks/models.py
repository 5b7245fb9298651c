"""A staff member's mark on a participant message: the detector missed risk, or alarmed
for nothing. Metadata only: the message's text stays in the encrypted message row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RiskMark(models.Model):
    class Kind(models.TextChoices):
        MISSED = "missed", _("Risk missed")
        FALSE_ALARM = "false_alarm", _("False alarm")

    message = models.ForeignKey(
        "chatplatform.Message", on_delete=models.CASCADE, related_name="risk_marks"
    )
    room = models.ForeignKey("chatplatform.Room", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_by_role = models.CharField(max_length=12)
    # The language the detector read the message in ("en", "es"; "" when unclear), for
    # the per-language report; derived when the mark is made.
    language = models.CharField(max_length=8, blank=True)
    # Whether the detector had alerted on this message (an automatic escalation it
    # triggered), at the time of the mark.
    detector_alerted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "marked_by", "kind"], name="risk_mark_once_per_person"
            )
        ]
        indexes = [models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return f"risk mark {self.pk} ({self.kind})"
