"""Moderation data: rules, room state set by moderators, sanctions, reports and the review queue.

Nothing here holds message text: reports, review items and sanctions point at
messages and participants; the audit trail lives in chatplatform.AuditEntry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation import rules


class Rule(models.Model):
    """An automatic moderation rule, kept as data (see moderation/data/default_rules.yaml)."""

    class Match(models.TextChoices):
        TERMS = rules.TERMS, _("Terms or phrases")
        REGEX = rules.REGEX, _("Regular expressions")
        LINKS = rules.LINKS, _("Links")
        CONTACT = rules.CONTACT, _("Contact details")

    class Action(models.TextChoices):
        BLOCK = rules.BLOCK, _("Block: refuse the message")
        MASK = rules.MASK, _("Mask: replace the match with [removed]")
        HOLD = rules.HOLD, _("Hold: deliver only after a mentor approves")
        FLAG = rules.FLAG, _("Flag: deliver and alert a mentor")

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    room = models.ForeignKey(
        "chatplatform.Room",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Leave empty for a rule that applies in every room."),
    )
    match = models.CharField(_("match"), max_length=10, choices=Match.choices)
    patterns = models.TextField(
        _("patterns"),
        blank=True,
        help_text=_(
            "One per line: terms or phrases (a trailing * matches longer words), regular "
            "expressions, domains (links; empty matches every link) or contact kinds "
            "phone/email/handle (empty means all three)."
        ),
    )
    allow = models.TextField(
        _("allow-list"),
        blank=True,
        help_text=_("One per line: matches exempt from this rule (terms, domains, numbers)."),
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    exempt_staff = models.BooleanField(_("staff are exempt"), default=True)
    notice = models.CharField(
        _("notice to the sender"),
        max_length=300,
        blank=True,
        help_text=_("Shown to the sender on block, mask and hold. Empty: a standard sentence."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("moderation rule")
        verbose_name_plural = _("moderation rules")

    def __str__(self) -> str:
        return self.name

    def spec(self, extra_allow: tuple[str, ...] = ()) -> rules.RuleSpec:
        return rules.RuleSpec(
            id=self.pk,
            name=self.name,
            match=self.match,
            action=self.action,
            patterns=tuple(line.strip() for line in self.patterns.splitlines() if line.strip()),
            allow=tuple(line.strip() for line in self.allow.splitlines() if line.strip())
            + extra_allow,
            room_id=self.room_id,
            exempt_staff=self.exempt_staff,
            notice=self.notice,
        )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        try:
            rules.compile_rule(self.spec())
        except rules.RuleError as error:
            raise ValidationError(str(error)) from None


class RoomState(models.Model):
    """What moderators have set for a room: slow mode, lock, the pinned rules."""

    room = models.OneToOneField(
        "chatplatform.Room", on_delete=models.CASCADE, related_name="moderation_state"
    )
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    locked = models.BooleanField(default=False)
    rules_message = models.ForeignKey(
        "chatplatform.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The latest end of any mute ever set in this room. Every message is checked
    # against mutes; in a room where none can be in force the lookup is skipped.
    mutes_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"moderation state of room {self.room_id}"


class RulesAcceptance(models.Model):
    """A participant accepted a room's pinned rules (that version of them)."""

    room = models.ForeignKey("chatplatform.Room", on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        "chatplatform.Participant", on_delete=models.CASCADE, related_name="+"
    )
    rules_message = models.ForeignKey(
        "chatplatform.Message", on_delete=models.CASCADE, related_name="+"
    )
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "rules_message"], name="rules_accepted_once"
            )
        ]

    def __str__(self) -> str:
        return f"rules accepted in room {self.room_id}"


class Sanction(models.Model):
    """A mute (one room) or a ban (the whole platform) of an anonymous participant."""

    class Kind(models.TextChoices):
        MUTE = "mute", _("Mute in a room")
        BAN = "ban", _("Ban from the platform")

    kind = models.CharField(max_length=4, choices=Kind.choices)
    participant = models.ForeignKey(
        "chatplatform.Participant", on_delete=models.CASCADE, related_name="sanctions"
    )
    room = models.ForeignKey(
        "chatplatform.Room", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # None means for good (bans only).
    ends_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="ban") | (Q(room__isnull=False) & Q(ends_at__isnull=False)),
                name="mute_has_room_and_end",
            )
        ]
        indexes = [models.Index(fields=["participant", "kind", "lifted_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @classmethod
    def in_force(
        cls, kind: str, participant_id: int, room_id: int | None = None
    ) -> Sanction | None:
        now = timezone.now()
        queryset = cls.objects.filter(kind=kind, participant_id=participant_id, lifted_at=None)
        if room_id is not None:
            queryset = queryset.filter(room_id=room_id)
        return (
            queryset.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .order_by(models.F("ends_at").desc(nulls_first=True))
            .first()
        )


class Report(models.Model):
    """A participant reported a message. One report per message per participant."""

    class Category(models.TextChoices):
        HARASSMENT = "harassment", _("Harassment")
        SELF_HARM = "self_harm", _("Self-harm content")
        PERSONAL_INFO = "personal_info", _("Sharing personal information")
        SPAM = "spam", _("Spam")
        OTHER = "other", _("Other")

    message = models.ForeignKey(
        "chatplatform.Message", on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        "chatplatform.Participant", on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="one_report_per_reporter")
        ]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.category})"


class ReviewItem(models.Model):
    """One entry in the mentors' moderation queue: a reported, flagged or held message."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Reported by participants")
        FLAG = "flag", _("Flagged by a rule")
        HELD = "held", _("Held for review")

    class Resolution(models.TextChoices):
        DISMISS = "dismiss", _("No action needed")
        HIDE = "hide", _("Hide the message")
        UNHIDE = "unhide", _("Show the message again")
        APPROVE = "approve", _("Approve and deliver")
        REJECT = "reject", _("Reject: never deliver")
        MUTE = "mute", _("Mute the sender in this room")
        REMOVE = "remove", _("Remove the sender from this room")
        BAN = "ban", _("Ban the sender from the platform")

    room = models.ForeignKey(
        "chatplatform.Room", on_delete=models.CASCADE, related_name="review_items"
    )
    message = models.ForeignKey(
        "chatplatform.Message", on_delete=models.CASCADE, related_name="review_items"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Rule names or report categories: never message text.
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=8, choices=Resolution.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_item_per_message_and_kind",
            )
        ]
        indexes = [models.Index(fields=["room", "resolved_at"])]

    def __str__(self) -> str:
        return f"review item {self.pk} ({self.kind})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
