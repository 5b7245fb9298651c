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

    # Empty while a participant who asked for urgent help outside a chat waits for one;
    # filled in when they are matched (see escalation.receivers).
    room = models.ForeignKey(
        "chatplatform.Room",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalations",
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
    # The kind of sanction in force when a banned participant asked for urgent help
    # ("ban"), else empty. Never the sanction's free-text reason.
    sanction_kind = models.CharField(max_length=8, blank=True)
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
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The durable paging timer: the next policy step to run and when it is due.
    # Cleared once someone acknowledges, so a restarted worker has nothing left to send.
    policy_step = models.PositiveIntegerField(default=0)
    next_page_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "level", "created_at"]),
            models.Index(fields=["state", "next_page_at"]),
        ]

    def __str__(self) -> str:
        return f"escalation {self.pk} ({self.level}, {self.state})"


class UnreachedAlert(models.Model):
    """Urgent-help presses that a defence kept from opening a case, counted per hour.

    One row per (kind, subject, hour): the first press of the hour creates it and
    every supervisor console shows it; later ones add to ``count``. ``subject`` is a
    pseudonym (the network's daily keyed hash, or the identity's), never an address.
    """

    class Kind(models.TextChoices):
        NETWORK = "network", _("Too many urgent-help presses from one network")
        BANNED = "banned", _("A banned participant asked again")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    subject = models.CharField(max_length=64)
    participant = models.ForeignKey(
        "chatplatform.Participant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "window_start"], name="one_unreached_alert_per_hour"
            )
        ]
        indexes = [models.Index(fields=["last_at"])]

    def __str__(self) -> str:
        return f"unreached {self.kind} x{self.count}"


class Tier(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    BACKUP = "backup", _("Backup")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeeklyShift(models.Model):
    """A recurring on-call shift: every week on one weekday, in one time zone (escalation.rota)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oncall_weekly_shifts"
    )
    tier = models.CharField(max_length=8, choices=Tier.choices)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField(
        help_text=_("At or before the start: the shift ends the next day (equal: 24 hours).")
    )
    time_zone = models.CharField(max_length=64, default="UTC")

    class Meta:
        ordering = ["weekday", "starts", "tier", "id"]
        verbose_name = _("weekly on-call shift")
        verbose_name_plural = _("weekly on-call shifts")

    def __str__(self) -> str:
        return (
            f"{self.user} ({self.tier}) {self.get_weekday_display()} "
            f"{self.starts:%H:%M}-{self.ends:%H:%M} {self.time_zone}"
        )


class OnCallOverride(models.Model):
    """A one-off on-call period. While it lasts it replaces its tier's weekly shifts."""

    Tier = Tier

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call_overrides"
    )
    tier = models.CharField(max_length=8, choices=Tier.choices)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Leave empty to replace the weekly shifts of this tier until removed."),
    )

    class Meta:
        ordering = ["starts_at", "tier", "id"]
        verbose_name = _("one-off on-call shift (override)")
        verbose_name_plural = _("one-off on-call shifts (overrides)")
        indexes = [models.Index(fields=["starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="on_call_shift_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.tier})"


class Page(models.Model):
    """One alert to one supervisor over one channel, for one step of the policy.

    The unique constraint and the row lock taken while delivering make each page
    go out once, however many workers run.
    """

    class Channel(models.TextChoices):
        CONSOLE = "console", _("Supervisor console")
        EMAIL = "email", _("Email")

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="pages")
    # Paging never ends while nobody acknowledges, so steps outgrow a small integer.
    step = models.PositiveIntegerField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["escalation", "step", "recipient", "channel"], name="page_once_per_step"
            )
        ]
        indexes = [models.Index(fields=["sent_at", "cancelled_at", "failed_at"])]

    def __str__(self) -> str:
        return f"page {self.pk} (escalation {self.escalation_id}, step {self.step})"


class OutboundAlert(models.Model):
    """One alert to somebody outside the supervisor consoles: the on-call team's pager
    (PagerDuty Events API v2, or any JSON webhook) or an email.

    ``key`` is unique (the escalation, the action and the policy step; or the alarm),
    so however many workers run, each alert is written once. A worker sends it under
    a lease (``claimed_until``) rather than a row lock, so no database lock is held
    while it waits on the network. Bodies hold levels, counts and times, never text
    anybody typed.
    """

    class Channel(models.TextChoices):
        WEBHOOK = "webhook", _("Pager webhook")
        EMAIL = "email", _("Email")

    class Action(models.TextChoices):
        TRIGGER = "trigger", _("Trigger")
        ACKNOWLEDGE = "acknowledge", _("Acknowledge")
        RESOLVE = "resolve", _("Resolve")

    key = models.CharField(max_length=120, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    action = models.CharField(max_length=12, choices=Action.choices)
    escalation = models.ForeignKey(
        Escalation, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Alerts with the same dedup key go out in the order they were written.
    dedup_key = models.CharField(max_length=120)
    body = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["sent_at", "failed_at", "cancelled_at", "next_attempt_at"]),
            models.Index(fields=["dedup_key", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.action} {self.dedup_key}"


class ConsolePresence(models.Model):
    """One open supervisor console socket, refreshed while it stays open (dead man's switch)."""

    channel_name = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    connected_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"console of {self.user_id} seen {self.seen_at:%H:%M:%S}"


class NoConsoleAlarm(models.Model):
    """Escalations were open and no supervisor console was connected: the dead man's switch.

    At most one is active at a time (a partial unique constraint), however many
    workers notice at once.
    """

    is_active = models.BooleanField(default=True)
    started_at = models.DateTimeField(default=timezone.now)
    # The last moment any console was seen before the alarm (None: never).
    console_last_seen_at = models.DateTimeField(null=True, blank=True)
    open_escalations = models.PositiveIntegerField(default=0)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="one_active_no_console_alarm",
            )
        ]

    def __str__(self) -> str:
        return f"no console since {self.console_last_seen_at} ({self.started_at:%Y-%m-%d %H:%M})"


class Screening(models.Model):
    """The Columbia Protocol (C-SSRS) screener as a mentor recorded it (escalation.cssrs).

    Yes/no answers by question code and the level they point to: structured
    metadata of the case, never anything anybody said. Evaluators see counts only.
    """

    room = models.ForeignKey("chatplatform.Room", on_delete=models.CASCADE, related_name="+")
    escalation = models.ForeignKey(
        Escalation, null=True, blank=True, on_delete=models.SET_NULL, related_name="screenings"
    )
    participant = models.ForeignKey(
        "chatplatform.Participant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answers = models.JSONField(default=dict)
    level = models.CharField(max_length=10)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"screening {self.pk} ({self.level})"


class SafetyPlan(models.Model):
    """A participant's Stanley-Brown safety plan, encrypted like messages (escalation.safety_plan).

    Sealed under the data key of the 1:1 chat it was made in, bound to this row by
    its ``uid``: the room's retention and the participant's erasure apply to it.
    """

    uid = models.UUIDField(unique=True)
    participant = models.OneToOneField(
        "chatplatform.Participant", on_delete=models.CASCADE, related_name="safety_plan"
    )
    room = models.ForeignKey("chatplatform.Room", on_delete=models.CASCADE, related_name="+")
    key_version = models.PositiveIntegerField()
    body_ciphertext = models.BinaryField()
    # Each save needs the revision it was made from, so two editors never overwrite
    # each other unknowingly.
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sealed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"safety plan {self.pk}"


class SafetyPlanCode(models.Model):
    """A one-time code that moves a safety plan to another device. Only its hash is kept."""

    plan = models.ForeignKey(SafetyPlan, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for safety plan {self.plan_id}"
