"""Data of the chat core: staff users, anonymous participants, rooms, messages, the queue.

Message bodies are never stored in the clear: ``Message.body_ciphertext`` holds
AES-GCM ciphertext under the room's data key (see chatplatform.crypto).
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("Staff users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff member. Participants never have a User: they are anonymous."""

    email = models.EmailField(_("email"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=40,
        help_text=_("The first name or chosen name participants see in chats."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the Django admin"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self) -> str:
        return self.display_name or self.email


class Participant(models.Model):
    """An anonymous person, tied to one browser session. No IP, user agent or email is kept."""

    handle = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    # Day granularity is enough for return-rate metrics and reveals less.
    last_seen_on = models.DateField(default=timezone.localdate)
    # The crisis region the participant chose ("" until they choose one).
    crisis_region = models.CharField(max_length=8, blank=True)
    # What their browser said, kept so that crisis panels sent over websockets pick the
    # same lines and words as their pages: the region of their languages ("" if none)
    # and their interface language. Coarse on purpose; nothing else about the browser.
    locale_region = models.CharField(max_length=8, blank=True)
    language = models.CharField(max_length=8, blank=True)
    # The language their last message flagged by the risk detector was written in ("" if
    # none or unclear): a Spanish writer with no region to go on is asked their country.
    written_language = models.CharField(max_length=8, blank=True)
    # Set by "Delete my data": the identity is forgotten, its content shredded.
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.handle


class Room(models.Model):
    class Kind(models.TextChoices):
        GROUP = "group", _("Group room")
        DIRECT = "direct", _("1:1 chat")
        # A trainee mentor with a scripted participant (the mentor programme): never a
        # real chat, so every metric and export that counts 1:1 chats leaves it out.
        PRACTICE = "practice", _("Practice chat")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    slug = models.SlugField(max_length=60, unique=True, null=True, blank=True)
    title = models.CharField(max_length=120)
    description = models.CharField(max_length=400, blank=True)
    is_listed = models.BooleanField(
        default=True, help_text=_("Group rooms only: shown to participants in the room list.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_role = models.CharField(max_length=12, blank=True)
    # A 1:1 crisis chat a supervisor opened for a banned participant who asked for
    # urgent help: only supervisors take part, and the ban does not keep them out of it.
    supervisors_only = models.BooleanField(default=False)
    # The protocol's message id: a per-room counter taken under a row lock, so ids
    # are gap-free and commit in the order they are handed out.
    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        permissions = [
            ("answer_chats", "Can answer 1:1 chats and host group rooms"),
            ("moderate_any_room", "Can moderate every room"),
            ("supervise", "Can handle crisis escalations"),
            ("view_metrics", "Can read de-identified metrics"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="direct") | Q(slug__isnull=False), name="group_room_has_slug"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RoomMembership(models.Model):
    """Who is in a room, in what capacity. A membership ends (left_at) but is never deleted."""

    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        MENTOR = "mentor", _("Mentor")
        SUPERVISOR = "supervisor", _("Supervisor")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(participant__isnull=False) & Q(user__isnull=True))
                | (Q(participant__isnull=True) & Q(user__isnull=False)),
                name="membership_has_one_member",
            ),
        ]
        indexes = [
            models.Index(fields=["room", "left_at"]),
            models.Index(fields=["user", "left_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.role} in room {self.room_id}"


class RoomKey(models.Model):
    """A room's data key, wrapped under a key-encryption key from ENCRYPTION_KEYS."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="keys")
    version = models.PositiveIntegerField()
    kek_id = models.CharField(max_length=32)
    wrapped_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "version"], name="room_key_version_unique")
        ]

    def __str__(self) -> str:
        return f"room {self.room_id} key v{self.version}"


class Message(models.Model):
    class Kind(models.TextChoices):
        CHAT = "chat", _("Chat message")
        SYSTEM = "system", _("System notice")
        WHISPER = "whisper", _("Staff-only note")
        WARNING = "warning", _("Private warning")

    class Audience(models.TextChoices):
        ROOM = "room", _("Everyone in the room")
        STAFF = "staff", _("Staff only")
        PRIVATE = "private", _("One participant")

    class Status(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        HELD = "held", _("Held for review")
        REJECTED = "rejected", _("Rejected after review")

    # No index of its own: the unique (room, seq) index below serves every lookup by
    # room (its leading column), and one index fewer is one B-tree fewer per INSERT.
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client_id = models.UUIDField(null=True, blank=True)
    # Indexed by the unique (sender, room, client_id) constraint, which leads with it.
    sender_participant = models.ForeignKey(
        Participant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        db_index=False,
    )
    # Indexed only where set (Meta.indexes): a participant's message, most of the
    # table, then writes no entry for the staff sender or the recipient it lacks.
    sender_user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        db_index=False,
    )
    sender_role = models.CharField(max_length=12)
    sender_handle = models.CharField(max_length=40)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CHAT)
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.ROOM)
    recipient_participant = models.ForeignKey(
        Participant,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    body_ciphertext = models.BinaryField(null=True)
    key_version = models.PositiveIntegerField(null=True)
    body_length = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DELIVERED)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=200, blank=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Unconditional, so that it is also the index of every lookup by room (a
            # held message's NULL seq never collides: NULLs are distinct in it).
            models.UniqueConstraint(fields=["room", "seq"], name="message_seq_unique"),
            # Unconditional (a NULL sender or client_id never collides) and led by the
            # sender, so that it is also the index of every lookup by participant.
            models.UniqueConstraint(
                fields=["sender_participant", "room", "client_id"],
                name="participant_client_id_unique",
            ),
            models.UniqueConstraint(
                fields=["room", "sender_user", "client_id"],
                name="staff_client_id_unique",
                condition=Q(sender_user__isnull=False, client_id__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(
                fields=["sender_user"],
                name="message_sender_user_idx",
                condition=Q(sender_user__isnull=False),
            ),
            models.Index(
                fields=["recipient_participant"],
                name="message_recipient_idx",
                condition=Q(recipient_participant__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.seq} in room {self.room_id}"


class Block(models.Model):
    """A participant no longer receives another participant's messages."""

    blocker = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique"),
        ]

    def __str__(self) -> str:
        return f"block {self.pk}"


class MentorProfile(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        AWAY = "away", _("Away")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="mentor_profile")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AWAY)
    max_chats = models.PositiveSmallIntegerField(default=3)
    # Refreshed by the open mentor console; an available mentor whose console
    # went silent is not counted as available.
    last_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.status})"


class QueueTicket(models.Model):
    """A participant's request for a 1:1 chat, from waiting to matched (or given up)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        MATCHED = "matched", _("Matched")
        CANCELLED = "cancelled", _("Cancelled")
        ABANDONED = "abandoned", _("Abandoned")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="tickets")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    # Higher runs first: escalation raises it so that a person at risk is seen first.
    priority = models.SmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    matched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL)
    mentor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        indexes = [models.Index(fields=["status", "priority", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(status="waiting"),
                name="one_waiting_ticket_per_participant",
            )
        ]

    def __str__(self) -> str:
        return f"ticket {self.pk} ({self.status})"


class CrisisResource(models.Model):
    """A crisis line shown to participants. Seeded from checked facts; admins confirm their own.

    Claims are structured, not free text, so that the page words them in the
    reader's language and never claims more than was checked: a line is shown
    as free, open 24/7 or off the phone bill only when that box is ticked.
    """

    class Cost(models.TextChoices):
        UNKNOWN = "", _("Not established (nothing is said about cost)")
        FREE = "free", _("Free")
        FREE_FROM_MOBILES = "free_from_mobiles", _("Free from mobile phones")

    region = models.CharField(max_length=8, help_text=_("Region code, e.g. US, GB, ES."))
    region_name = models.CharField(
        max_length=80, help_text=_("Shown where the site has no translated name for the region.")
    )
    service = models.CharField(max_length=120)
    phone = models.CharField(
        max_length=30, blank=True, help_text=_("The number to call, as people write it.")
    )
    text_number = models.CharField(
        max_length=30,
        blank=True,
        help_text=_("Only for services that really answer text messages."),
    )
    text_keyword = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    url = models.URLField(blank=True)
    web_chat = models.BooleanField(
        default=False, help_text=_("The website offers a chat with the service.")
    )
    call_languages = models.CharField(
        max_length=40,
        blank=True,
        help_text=_("Language codes calls can be taken in, comma-separated (e.g. en,fr)."),
    )
    open_24_7 = models.BooleanField(default=False, help_text=_("Checked: open 24 hours, 7 days."))
    cost = models.CharField(max_length=20, choices=Cost.choices, blank=True, default="")
    not_on_phone_bill = models.BooleanField(default=False)
    confidential = models.BooleanField(default=False)
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Shown as written, in every language. Leave empty unless checked."),
    )
    emergency_number = models.CharField(max_length=20)
    source = models.CharField(max_length=300)
    last_checked = models.DateField()
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["region", "position", "id"]

    def __str__(self) -> str:
        return f"{self.region}: {self.service}"

    @property
    def is_text_capable(self) -> bool:
        return bool(self.text_number)


class AuditEntry(models.Model):
    """One line of the append-only audit log (see chatplatform.audit)."""

    seq = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(max_length=40)
    action = models.CharField(max_length=40)
    target = models.CharField(max_length=80, blank=True)
    room_id = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["room_id", "created_at"]), models.Index(fields=["actor"])]

    def __str__(self) -> str:
        return f"audit {self.seq}: {self.action}"


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers never fork the chain."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head at {self.last_seq}"
