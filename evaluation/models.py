"""Evaluation data: survey identities and responses, visit days, releases and API tokens.

Nothing here holds message content. Survey answers are linked to a participant only
through ``SurveyIdentity``: a random survey key held alongside the anonymous
participant, never derived from it, and unlinked when the participant erases their data.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_survey_key() -> str:
    return secrets.token_hex(16)


class SurveyIdentity(models.Model):
    """A research participant on one device. Consent and the self-generated code live here."""

    class Consent(models.TextChoices):
        UNDECIDED = "undecided", _("Not asked yet")
        GIVEN = "given", _("Consented")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrew")

    participant = models.OneToOneField(
        "chatplatform.Participant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_identity",
    )
    survey_key = models.CharField(max_length=32, unique=True, default=new_survey_key)
    consent = models.CharField(max_length=10, choices=Consent.choices, default=Consent.UNDECIDED)
    # Days only: finer times are never needed and never published.
    consent_changed_on = models.DateField(default=timezone.localdate)
    # The slow keyed hash of the whole self-generated code (evaluation.selfcode), or "".
    code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # Set when the participant, on this device, confirmed that their earlier answers (on
    # another device, the root identity) are theirs. Answers never move between
    # identities: the analysis counts a root and the identities linked to it as one person.
    linked_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    # The chat whose "before" survey was already offered (answered or skipped): never twice.
    pre_offered_chat = models.PositiveIntegerField(default=0)
    followup_dismissed = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "survey identities"

    def __str__(self) -> str:
        return f"survey identity {self.pk}"

    @property
    def root_id(self) -> int:
        """The identity that stands for this person in the analysis."""
        return self.linked_to_id or self.pk


class InstrumentVersion(models.Model):
    """A version of an instrument as answered. Its definition is kept for analysis."""

    instrument = models.CharField(max_length=60)
    version = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    definition = models.JSONField()
    validated = models.BooleanField(default=False)
    recorded_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "version"], name="instrument_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.version}"


class SurveyResponse(models.Model):
    """One instrument answered at one wave. ``chat_number`` pairs per-chat ratings."""

    class Wave(models.TextChoices):
        PRE = "pre", _("Before a chat")
        POST = "post", _("After a chat")
        FOLLOWUP = "followup", _("Follow-up")

    identity = models.ForeignKey(SurveyIdentity, on_delete=models.CASCADE, related_name="responses")
    instrument_version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT)
    wave = models.CharField(max_length=10, choices=Wave.choices)
    # The participant's nth 1:1 chat (1 for the first); 0 for follow-up and once-only items.
    chat_number = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=8)
    answered_on = models.DateField(default=timezone.localdate)
    # Answers in the version's item order (see evaluation.scoring.answer_rows); scores
    # are computed at analysis time from the stored definition.
    answers = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "instrument_version", "wave", "chat_number"],
                name="one_response_per_wave",
            )
        ]
        indexes = [models.Index(fields=["instrument_version", "wave"])]

    def __str__(self) -> str:
        return f"response {self.pk} ({self.wave})"


class ParticipantVisit(models.Model):
    """A day on which a participant used the service, for reach and return rates."""

    participant = models.ForeignKey(
        "chatplatform.Participant", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "day"], name="one_visit_per_day")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"visit on {self.day}"


class ChatRecord(models.Model):
    """Timings and counts of one 1:1 chat, kept when it is matched and when it ends.

    Metadata only (times, a message count, who took it); recorded once so the report
    reads one row per chat instead of aggregating every message each time.
    """

    room = models.OneToOneField("chatplatform.Room", on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    messages = models.PositiveIntegerField(default=0)
    first_reply_seconds = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"chat record {self.pk}"


class Release(models.Model):
    """A report that left the system: when, in what form, and what privacy budget it spent."""

    class Channel(models.TextChoices):
        DASHBOARD = "dashboard", _("Dashboard")
        EXPORT = "export", _("Export")
        API = "api", _("API")
        COMMAND = "command", _("Command line")
        ROWS = "rows", _("Row-level export")

    created_on = models.DateField(default=timezone.localdate)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    k = models.PositiveIntegerField()
    dp_epsilon = models.FloatField(null=True, blank=True)
    dp_epsilon_spent = models.FloatField(null=True, blank=True)
    # A differentially private release is stored and served again for the rest of the
    # day, so asking repeatedly cannot average the noise away.
    payload = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_on", "dp_epsilon"])]

    def __str__(self) -> str:
        return f"release {self.pk} on {self.created_on}"


class EvaluatorToken(models.Model):
    """A personal API token. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evaluation_tokens"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_on = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Referral(models.Model):
    """A kind of help a mentor suggested in a 1:1 chat. The kind only: no text, no names."""

    class Kind(models.TextChoices):
        DOCTOR = "doctor", _("A doctor")
        THERAPY = "therapy", _("A counsellor, psychologist or therapist")
        HELPLINE = "helpline", _("A helpline")
        EDUCATION_WORK = "education_work", _("Support at school, university or work")
        OTHER = "other", _("Another service")

    room = models.ForeignKey("chatplatform.Room", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recorded_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "kind"], name="one_referral_kind_per_chat")
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} ({self.kind})"


class Study(models.Model):
    """A randomised comparison: its definition, and once registered its frozen document."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REGISTERED = "registered", _("Registered (allocating)")
        CLOSED = "closed", _("Closed")

    slug = models.SlugField(max_length=50, unique=True)
    definition = models.JSONField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    # The pre-registration, frozen before the first allocation: never changed afterwards.
    document = models.TextField(blank=True)
    registration_hash = models.CharField(max_length=64, blank=True)
    registered_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.slug


class StudyBlock(models.Model):
    """The current permuted block of one stratum (kept on the server: concealment)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="blocks")
    stratum = models.CharField(max_length=20)
    sequence = models.JSONField(default=list)
    position = models.PositiveIntegerField(default=0)
    number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "stratum"], name="one_block_per_stratum")
        ]

    def __str__(self) -> str:
        return f"block {self.number} of {self.study_id}/{self.stratum}"


class Allocation(models.Model):
    """A consenting participant's arm in a study, given at consent."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="allocations")
    identity = models.ForeignKey(
        SurveyIdentity, on_delete=models.CASCADE, related_name="allocations"
    )
    arm = models.CharField(max_length=30)
    stratum = models.CharField(max_length=20)
    block = models.PositiveIntegerField()
    allocated_on = models.DateField(default=timezone.localdate)
    # First day the participant was shown their arm's intervention (CONSORT: received).
    exposed_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "identity"], name="one_allocation_per_study")
        ]

    def __str__(self) -> str:
        return f"allocation {self.pk} ({self.arm})"


class SyntheticCohort(models.Model):
    """A synthetic cohort was seeded (evaluation.synthetic): every page and release says
    the data are not real people."""

    created_on = models.DateField(default=timezone.localdate)
    participants = models.PositiveIntegerField()
    seed = models.IntegerField()

    def __str__(self) -> str:
        return f"synthetic cohort of {self.participants}"


class ReportState(models.Model):
    """The report's bookkeeping, one row: a counter of changes to data already stored,
    and how far the chat records have been checked for gaps.

    ``data_version`` grows whenever stored evaluation data change rather than grow
    (a withdrawal, a link, an erasure): anything the report keeps between builds is
    valid only for the version it was read at. ``tickets_checked_through``: every queue
    ticket up to this id was settled when the chat records were last checked.
    """

    # New with every new row (a database restored or rolled back starts another series).
    series = models.CharField(max_length=32, default=new_survey_key)
    data_version = models.PositiveBigIntegerField(default=0)
    tickets_checked_through = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"report state (data version {self.data_version})"


class ChangeCount(models.Model):
    """How many times the rows of one table changed, counted by triggers (SQLite only):
    the key of the report's kept parts (evaluation.changes)."""

    name = models.CharField(max_length=63, primary_key=True)
    changes = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.changes} changes"
