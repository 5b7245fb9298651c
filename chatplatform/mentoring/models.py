"""The peer mentor programme's data: training, certification and the records around them.

Nothing here holds what a participant wrote. Quiz attempts keep a score, not answers;
the module wording a mentor passed is kept as a ``ModuleVersion``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ModuleVersion(models.Model):
    """A version of a training module as it was taken, kept with its exact wording."""

    module = models.CharField(max_length=60)
    version = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    definition = models.JSONField()
    recorded_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["module", "version"], name="module_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.module} v{self.version}"


class QuizAttempt(models.Model):
    """One try at a module's quiz: the score, never the answers."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    module_version = models.ForeignKey(ModuleVersion, on_delete=models.PROTECT)
    score = models.PositiveSmallIntegerField(help_text=_("Percent of questions answered right."))
    passed = models.BooleanField()
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "submitted_at"])]

    def __str__(self) -> str:
        return f"attempt {self.pk} ({self.score}%)"


class Completion(models.Model):
    """A module completed by a mentor, valid until ``expires_at``.

    Made by passing the quiz, by a supervisor's sign-off of a practice chat (for modules
    that need one), or granted by an administrator (prior training, the demo mentors).
    """

    class Via(models.TextChoices):
        QUIZ = "quiz", _("Passed the quiz")
        SIGNOFF = "signoff", _("Signed off by a supervisor")
        GRANTED = "granted", _("Granted by an administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="completions"
    )
    module_version = models.ForeignKey(ModuleVersion, on_delete=models.PROTECT)
    via = models.CharField(max_length=8, choices=Via.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.module_version} for user {self.user_id} ({self.via})"
