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


class Mentorship(models.Model):
    """A mentor's place in the programme: their supervisor and the month they started."""

    mentor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorship"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervisees",
    )
    started_on = models.DateField(default=timezone.localdate)

    def __str__(self) -> str:
        return f"mentorship of user {self.mentor_id}"


class OnlineShift(models.Model):
    """A stretch of time a mentor was available with their console open.

    Opened when they set themselves available, extended by the console's heartbeat,
    closed when they go away or their console falls silent.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="online_shifts"
    )
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "started_at"])]

    def __str__(self) -> str:
        return f"shift {self.pk} of user {self.user_id}"


class Debrief(models.Model):
    """A debrief a mentor is owed after a chat with a high or imminent escalation.

    Holds the chat's id and the level, never anything said in it.
    """

    class Level(models.TextChoices):
        HIGH = "high", _("High")
        IMMINENT = "imminent", _("Imminent")

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="debriefs"
    )
    room = models.ForeignKey(
        "chatplatform.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.CharField(max_length=10, choices=Level.choices)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mentor", "room"], name="one_debrief_per_mentor_chat")
        ]
        indexes = [models.Index(fields=["completed_at", "due_at"])]

    def __str__(self) -> str:
        return f"debrief {self.pk} ({self.level})"


class SupervisionTopic(models.TextChoices):
    """The fixed list of supervision topics: categories, never case details."""

    CASELOAD = "caseload", _("Caseload and availability")
    RISK = "risk", _("Risk and escalation")
    BOUNDARIES = "boundaries", _("Boundaries")
    SKILLS = "skills", _("Listening skills")
    FIDELITY = "fidelity", _("Programme fidelity")
    WELLBEING = "wellbeing", _("Mentor wellbeing")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class SupervisionSession(models.Model):
    """One supervision session, individual or group. No participant content is recorded."""

    class Format(models.TextChoices):
        INDIVIDUAL = "individual", _("One-to-one")
        GROUP = "group", _("Group")

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="supervision_sessions")
    held_on = models.DateField()
    minutes = models.PositiveSmallIntegerField()
    format = models.CharField(max_length=10, choices=Format.choices)
    topics = models.JSONField(default=list)
    follow_up = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Agreed actions. Never a participant's details or words."),
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["held_on"])]

    def __str__(self) -> str:
        return f"supervision on {self.held_on}"


class FidelityRating(models.Model):
    """The fidelity checklist for one 1:1 chat, by its mentor or by a supervisor.

    Answers are ``yes``/``no``/``na`` per element of the checklist version rated.
    """

    class Rater(models.TextChoices):
        SELF = "self", _("The chat's mentor")
        SUPERVISOR = "supervisor", _("A supervisor (sampled review)")

    room = models.ForeignKey("chatplatform.Room", on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fidelity_ratings"
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rater_role = models.CharField(max_length=10, choices=Rater.choices)
    checklist_version = models.PositiveIntegerField()
    answers = models.JSONField()
    # Sampled for a supervisor's review when the mentor rated it (self ratings only).
    sampled = models.BooleanField(default=False)
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["room", "mentor", "rater_role"], name="one_rating_per_chat_and_rater"
            )
        ]

    def __str__(self) -> str:
        return f"fidelity of room {self.room_id} by {self.rater_role}"


class CostRate(models.Model):
    """What an hour of a programme activity costs the organisation, for the cost tables."""

    class Activity(models.TextChoices):
        ONLINE = "online", _("Mentor hours online")
        SUPERVISION = "supervision", _("Supervision hours")
        TRAINING = "training", _("Training hours")

    activity = models.CharField(max_length=12, choices=Activity.choices, unique=True)
    hourly_cost = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")

    def __str__(self) -> str:
        return f"{self.activity}: {self.hourly_cost} {self.currency}"


class PracticeSession(models.Model):
    """A trainee's practice chat with a scripted participant, and its review.

    ``path`` lists the scenario's node ids in the order reached (never what was typed).
    """

    room = models.OneToOneField("chatplatform.Room", on_delete=models.CASCADE, related_name="+")
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_sessions"
    )
    scenario = models.CharField(max_length=60)
    scenario_version = models.PositiveIntegerField()
    language = models.CharField(max_length=8)
    node = models.CharField(max_length=60)
    path = models.JSONField(default=list)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"practice {self.scenario} by user {self.trainee_id}"


class WellbeingCheckin(models.Model):
    """A mentor's answers to the wellbeing check-in. Only the mentor sees the answers."""

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins"
    )
    answered_on = models.DateField(default=timezone.localdate)
    version = models.PositiveIntegerField()
    answers = models.JSONField()
    score = models.PositiveSmallIntegerField()
    suggests_conversation = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["mentor", "answered_on"])]

    def __str__(self) -> str:
        return f"check-in {self.pk}"


class WeeklyShift(models.Model):
    """A weekly slot a mentor plans to be available in (the site's time zone)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_shifts"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="weekly_shift_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at}-{self.ends_at}"
