"""Crisis escalations: who is at risk, who took responsibility, how it ended.

The schema is shared with the evaluation app, which reads timings and counts
from it (never content).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Escalation(models.Model):
    class Source(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic risk detection")
        MENTOR = "mentor", _("Escalated by a mentor")
        PARTICIPANT = "participant", _("Participant asked for urgent help")

    class Level(models.TextChoices):
        LOW = "low", _("Low")
        HIGH = "high", _("High")
        IMMINENT = "imminent", _("Imminent")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    class Outcome(models.TextChoices):
        DE_ESCALATED = "de_escalated", _("De-escalated")
        REFERRED = "referred", _("Referred to professional care")
        EMERGENCY_SERVICES = "emergency_services", _("Emergency services contacted")
        FALSE_ALARM = "false_alarm", _("False alarm")

    room = models.ForeignKey(
        "chatplatform.Room", on_delete=models.CASCADE, related_name="escalations"
    )
    participant = models.ForeignKey(
        "chatplatform.Participant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    trigger_message = models.ForeignKey(
        "chatplatform.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=12, choices=Source.choices)
    level = models.CharField(max_length=10, choices=Level.choices)
    # Signal names that matched (e.g. "ideation", "means"), never message text.
    reasons = models.JSONField(default=list, blank=True)
    third_party = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    first_alerted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    emergency_contact_confirmed = models.BooleanField(default=False)
    emergency_contacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "level", "created_at"])]

    def __str__(self) -> str:
        return f"escalation {self.pk} ({self.level}, {self.state})"
