"""A synthetic cohort for demos, tests and benchmarks: visits, chats, messages, escalations
and surveys with a known effect.

Messages carry metadata only (``body_ciphertext`` is empty, ``body_length`` realistic):
the report never reads content, so none is made. Rows are written with one
``executemany`` per table and explicit ids, so 50,000 participants seed in well
under a minute on SQLite.

The designed effects (``EFFECTS``) are shifts of each person's latent score between
waves; answers are the latent score plus item noise, rounded and clipped to the scale,
so the measured mean change is close to (slightly smaller than) the designed one.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from chatplatform import roles
from chatplatform.handles import generate_handle
from chatplatform.models import (
    Message,
    Participant,
    QueueTicket,
    Room,
    RoomMembership,
    User,
)
from chatplatform.services.rooms import do_create_group_room
from escalation.models import Escalation
from evaluation import registry
from evaluation.context_processors import DEMO_KEY
from evaluation.instruments import Instrument
from evaluation.models import (
    ChatRecord,
    ParticipantVisit,
    Referral,
    SurveyIdentity,
    SurveyResponse,
    SyntheticCohort,
)
from evaluation.scoring import answer_rows

TOPICS = (
    ("general-support", "General support"),
    ("exam-stress", "Exam stress"),
    ("loneliness", "Feeling lonely"),
    ("family-and-friends", "Family and friends"),
)
MENTOR_EMAIL = "synthetic-mentor-{n}@example.invalid"

# Designed mean shift of the latent score from baseline (pre) to post and follow-up,
# per (instrument, subscale). Item noise, rounding and clipping shrink them a little.
EFFECTS: dict[tuple[str, str], tuple[float, float]] = {
    ("stigma", "self_stigma_help_seeking"): (0.0, -0.35),
    ("help_seeking", "informal"): (0.0, 0.15),
    ("help_seeking", "professional"): (0.0, 0.40),
    ("help_seeking", "helpline"): (0.0, 0.25),
    ("distress", "distress"): (-1.80, 0.0),
}
BASELINES: dict[tuple[str, str], tuple[float, float]] = {
    ("stigma", "self_stigma_help_seeking"): (2.9, 0.7),
    ("help_seeking", "informal"): (4.6, 1.3),
    ("help_seeking", "professional"): (3.7, 1.3),
    ("help_seeking", "helpline"): (3.0, 1.3),
    ("distress", "distress"): (6.3, 1.9),
    ("experience", "experience"): (4.1, 0.6),
}
# Chance of "yes" to each help_actions item at follow-up (what people actually did).
ACTIONS = {
    "contacted_doctor": 0.18,
    "contacted_therapist": 0.15,
    "contacted_helpline": 0.10,
    "contacted_education_work": 0.12,
    "talked_friends_family": 0.55,
    "booked_appointment": 0.15,
    "attended_appointment": 0.12,
}
# Share of chats in which the mentor records a referral, by kind; and the chance a
# person who was referred says they followed it.
REFERRAL_SHARE = 0.15
REFERRAL_KINDS = {"doctor": 30, "therapy": 35, "helpline": 15, "education_work": 15, "other": 5}
FOLLOWED = 0.45
ITEM_NOISE = 0.6
ITEM_SKIP = 0.03


@dataclass
class Rows:
    """Rows to write for one model, with ids handed out up front."""

    model: type[models.Model]
    columns: Sequence[str]
    next_id: int
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def add(self, *values: Any) -> int:
        row_id = self.next_id
        self.next_id += 1
        self.rows.append((row_id, *values))
        return row_id


def _rows(model: type[models.Model], *columns: str) -> Rows:
    start = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    return Rows(model, columns, start)


def _converter(model_field: models.Field) -> Any:
    vendor_is_sqlite = connection.vendor == "sqlite"
    if isinstance(model_field, models.DateTimeField):
        if vendor_is_sqlite:
            # Every generated time is already UTC: dropping the zone is SQLite's storage form.
            return lambda v: None if v is None else str(v.replace(tzinfo=None))
        return lambda v: v
    if isinstance(model_field, models.UUIDField):
        return (lambda v: v.hex) if vendor_is_sqlite else (lambda v: v)
    if isinstance(model_field, models.DateField) and vendor_is_sqlite:
        return lambda v: None if v is None else v.isoformat()
    if isinstance(model_field, models.JSONField):
        return lambda v: model_field.get_db_prep_save(v, connection)
    return None


def _write(batch: Rows) -> None:
    """INSERT the rows; columns not given get their field default."""
    if not batch.rows:
        return
    meta = batch.model._meta
    given = ["id", *batch.columns]
    fields = [meta.get_field(name) for name in given]
    rest = [f for f in meta.concrete_fields if f.attname not in given and f.name not in given]
    converters = [_converter(f) for f in fields]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
    names = [f.column for f in fields] + [f.column for f in rest]
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    placeholders = ", ".join(["%s"] * len(names))
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({quoted}) VALUES ({placeholders})"  # noqa: S608 (names come from model metadata)
    )
    with connection.cursor() as cursor:
        for start in range(0, len(batch.rows), 20000):
            chunk = [
                tuple(
                    value if convert is None else convert(value)
                    for value, convert in zip(row, converters, strict=True)
                )
                + defaults
                for row in batch.rows[start : start + 20000]
            ]
            cursor.executemany(sql, chunk)


def _reset_sequences(model_list: Iterable[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _mentors(count: int) -> list[User]:
    mentors = []
    for n in range(1, count + 1):
        email = MENTOR_EMAIL.format(n=n)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None, display_name=f"Mentor {n}")
            roles.assign_role(user, roles.MENTOR)
        mentors.append(user)
    return mentors


def _lognormal(rng: random.Random, median: float, spread: float) -> float:
    return median * math.exp(rng.gauss(0, spread))


class Cohort:
    """Generates one cohort. ``today`` anchors every date; ``days`` is how far back it goes."""

    def __init__(
        self, participants: int, seed: int, days: int, today: date, messages: bool = True
    ) -> None:
        self.count = participants
        # Without message rows (which nothing in the report reads: chat records hold the
        # counts) a large cohort seeds several times faster.
        self.with_messages = messages
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
        self.days = days
        self.today = today
        self.instruments = registry.instruments()
        self.versions = {i.id: registry.record_version(i).pk for i in self.instruments.values()}

    def moment(self, day: date) -> datetime:
        """A random time of the day (people use the service from morning to late night)."""
        seconds = self.rng.randint(8 * 3600, 23 * 3600)
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=seconds)

    def message(self, messages: Rows, *values: Any) -> None:
        """A message row (its values are drawn either way, so a seed makes one cohort)."""
        if self.with_messages:
            messages.add(*values)

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def run(self) -> dict[str, int]:
        rng = self.rng
        mentors = _mentors(max(5, min(150, self.count // 350)))
        topics = [do_create_group_room(slug, title) for slug, title in TOPICS]
        people = _rows(Participant, "handle", "created_at", "last_seen_on")
        visits = _rows(ParticipantVisit, "participant_id", "day")
        rooms = _rows(
            Room, "kind", "title", "created_at", "closed_at", "closed_by_role", "last_seq"
        )
        members = _rows(RoomMembership, "room_id", "participant_id", "user_id", "role", "joined_at")
        tickets = _rows(
            QueueTicket,
            "participant_id",
            "status",
            "created_at",
            "last_seen_at",
            "matched_at",
            "closed_at",
            "room_id",
            "mentor_id",
        )
        messages = _rows(
            Message,
            "room_id",
            "seq",
            "uid",
            "sender_participant_id",
            "sender_user_id",
            "sender_role",
            "sender_handle",
            "kind",
            "body_length",
            "status",
            "created_at",
            "delivered_at",
        )
        escalations = _rows(
            Escalation,
            "room_id",
            "participant_id",
            "source",
            "level",
            "state",
            "created_at",
            "first_alerted_at",
            "acknowledged_at",
            "acknowledged_by_id",
            "resolved_at",
            "resolved_by_id",
            "outcome",
        )
        records = _rows(
            ChatRecord,
            "room_id",
            "mentor_id",
            "requested_at",
            "started_at",
            "ended_at",
            "messages",
            "first_reply_seconds",
        )
        referrals = _rows(Referral, "room_id", "kind", "recorded_on", "recorded_by_id")
        identities = _rows(
            SurveyIdentity, "participant_id", "survey_key", "consent", "consent_changed_on"
        )
        responses = _rows(
            SurveyResponse,
            "identity_id",
            "instrument_version_id",
            "wave",
            "chat_number",
            "language",
            "answered_on",
            "answers",
        )
        for _ in range(self.count):
            first = self.today - timedelta(days=rng.randint(1, self.days))
            days = self.visit_days(first)
            handle = generate_handle()
            person = people.add(handle, self.moment(first), days[-1])
            for day in days:
                visits.add(person, day)
            chat_days = [days[0]] + [d for d in days[1:] if rng.random() < 0.45]
            chat_days = [d for d in chat_days if d < self.today]
            chats: list[tuple[date, datetime, datetime | None, str | None]] = []
            for day in chat_days:
                mentor = rng.choice(mentors)
                chats.append(
                    self.chat(
                        person,
                        handle,
                        mentor,
                        day,
                        rooms,
                        members,
                        tickets,
                        messages,
                        escalations,
                        records,
                        referrals,
                    )
                )
            for day in days:
                if rng.random() < 0.25:
                    topic = rng.choice(topics)
                    members.add(
                        topic.pk, person, None, RoomMembership.Role.PARTICIPANT, self.moment(day)
                    )
            if chats and rng.random() < 0.6:
                self.surveys(person, days, chats, identities, responses)
        with transaction.atomic():
            SyntheticCohort.objects.create(participants=self.count, seed=self.seed)
            batches = (
                people,
                visits,
                rooms,
                members,
                tickets,
                messages,
                escalations,
                records,
                referrals,
                identities,
                responses,
            )
            for batch in batches:
                _write(batch)
            _reset_sequences(batch.model for batch in batches)
        cache.delete(DEMO_KEY)
        return {
            "participants": len(people.rows),
            "chats": len(tickets.rows),
            "messages": len(messages.rows),
            "escalations": len(escalations.rows),
            "survey_identities": len(identities.rows),
            "survey_responses": len(responses.rows),
        }

    def visit_days(self, first: date) -> list[date]:
        days = [first]
        while self.rng.random() < 0.42:
            days.append(days[-1] + timedelta(days=max(1, int(_lognormal(self.rng, 12, 0.9)))))
        return [d for d in days if d <= self.today]

    def chat(
        self,
        person: int,
        handle: str,
        mentor: User,
        day: date,
        rooms: Rows,
        members: Rows,
        tickets: Rows,
        messages: Rows,
        escalations: Rows,
        records: Rows,
        referrals: Rows,
    ) -> tuple[date, datetime, datetime | None, str | None]:
        rng = self.rng
        started = self.moment(day)
        requested = started - timedelta(seconds=_lognormal(rng, 80, 1.0))
        ended = started + timedelta(minutes=_lognormal(rng, 24, 0.6))
        still_open = day == self.today - timedelta(days=1) and rng.random() < 0.3
        count = 4 + int(rng.expovariate(1 / 14))
        room = rooms.add(
            Room.Kind.DIRECT,
            "1:1 chat",
            started,
            None if still_open else ended,
            "" if still_open else rng.choice((roles.PARTICIPANT, roles.MENTOR)),
            count + 1,
        )
        members.add(room, person, None, RoomMembership.Role.PARTICIPANT, started)
        members.add(room, None, mentor.pk, RoomMembership.Role.MENTOR, started)
        tickets.add(
            person,
            QueueTicket.Status.MATCHED,
            requested,
            started,
            started,
            started,
            room,
            mentor.pk,
        )
        self.message(
            messages,
            room,
            1,
            self.uid(),
            None,
            None,
            "system",
            "",
            Message.Kind.SYSTEM,
            40,
            Message.Status.DELIVERED,
            started,
            started,
        )
        moment = started
        step = (ended - started) / (count + 1)
        first_reply: float | None = None
        for seq in range(2, count + 2):
            moment += (
                step * rng.uniform(0.3, 1.7)
                if seq > 2
                else timedelta(seconds=_lognormal(rng, 40, 0.7))
            )
            by_mentor = seq % 2 == 1
            if by_mentor and first_reply is None:
                first_reply = (moment - started).total_seconds()
            self.message(
                messages,
                room,
                seq,
                self.uid(),
                None if by_mentor else person,
                mentor.pk if by_mentor else None,
                roles.MENTOR if by_mentor else roles.PARTICIPANT,
                mentor.display_name if by_mentor else handle,
                Message.Kind.CHAT,
                int(_lognormal(rng, 70, 0.8)) + 1,
                Message.Status.DELIVERED,
                moment,
                moment,
            )
        if rng.random() < 0.04:
            level = rng.choices(Escalation.Level.values, weights=(55, 35, 10))[0]
            raised = started + (ended - started) * rng.random()
            acknowledged = raised + timedelta(
                minutes=_lognormal(rng, 1.5 if level == "imminent" else 4, 0.7)
            )
            resolved = acknowledged + timedelta(minutes=_lognormal(rng, 35, 0.8))
            escalations.add(
                room,
                person,
                rng.choices(Escalation.Source.values, weights=(60, 30, 10))[0],
                level,
                Escalation.State.RESOLVED,
                raised,
                raised + timedelta(seconds=3),
                acknowledged,
                mentor.pk,
                resolved,
                mentor.pk,
                rng.choice(Escalation.Outcome.values),
            )
        records.add(
            room,
            mentor.pk,
            requested,
            started,
            None if still_open else ended,
            0 if still_open else count,
            None if still_open else first_reply,
        )
        referral = None
        if not still_open and rng.random() < REFERRAL_SHARE:
            referral = rng.choices(list(REFERRAL_KINDS), weights=list(REFERRAL_KINDS.values()))[0]
            referrals.add(room, referral, day, mentor.pk)
        return day, started, None if still_open else ended, referral

    def answers(self, instrument: Instrument, latent: dict[str, float]) -> list[Any]:
        """Item answers: the subscale's latent score plus noise, rounded, clipped, some skipped."""
        owner: dict[str, str] = {}
        for subscale in instrument.subscales:
            for item_id in subscale.items:
                owner.setdefault(item_id, subscale.id)
        values: dict[str, Any] = {}
        for item in instrument.items:
            if self.rng.random() < ITEM_SKIP:
                continue
            scale = item.scale
            if not scale.is_scored or owner.get(item.id) not in latent:
                values[item.id] = self.rng.choice(scale.values())
                continue
            raw = round(latent[owner[item.id]] + self.rng.gauss(0, ITEM_NOISE))
            if item.reverse:
                raw = scale.minimum + scale.maximum - raw
            values[item.id] = min(scale.maximum, max(scale.minimum, raw))
        return answer_rows(instrument, values)

    def surveys(
        self,
        person: int,
        days: list[date],
        chats: list[tuple[date, datetime, datetime | None, str | None]],
        identities: Rows,
        responses: Rows,
    ) -> None:
        rng = self.rng
        language = "es" if rng.random() < 0.2 else "en"
        first_day = chats[0][0]
        identity = identities.add(person, uuid.uuid4().hex, SurveyIdentity.Consent.GIVEN, first_day)
        latent = {key: rng.gauss(mean, sd) for key, (mean, sd) in BASELINES.items()}

        def shifted(instrument: str, wave_index: int) -> dict[str, float]:
            return {
                sub: latent[(instrument, sub)]
                + (
                    EFFECTS.get((instrument, sub), (0.0, 0.0))[wave_index - 1]
                    if wave_index
                    else 0.0
                )
                for (name, sub) in latent
                if name == instrument
            }

        def respond(
            instrument_id: str, wave: str, chat_number: int, day: date, wave_index: int
        ) -> None:
            instrument = self.instruments[instrument_id]
            responses.add(
                identity,
                self.versions[instrument_id],
                wave,
                chat_number,
                language,
                day,
                self.answers(instrument, shifted(instrument_id, wave_index)),
            )

        # Higher self-stigma makes finishing the later surveys a little less likely.
        stay = 0.72 - 0.12 * (latent[("stigma", "self_stigma_help_seeking")] - 2.9)
        background = False
        for number, (day, _started, ended, _referral) in enumerate(chats, start=1):
            if number == 1:
                for instrument_id in ("stigma", "help_seeking"):
                    if rng.random() < 0.95:
                        respond(instrument_id, "pre", 1, day, 0)
            if rng.random() < 0.85:
                respond("distress", "pre", number, day, 0)
            if ended is not None and rng.random() < stay:
                respond("distress", "post", number, day, 1)
                respond("experience", "post", number, day, 1)
                if not background and rng.random() < 0.9:
                    respond("demographics", "post", 0, day, 1)
                    background = True
        later = [d for d in days if (d - first_day).days >= 14]
        if later and rng.random() < 0.6 * stay / 0.72:
            for instrument_id in ("stigma", "help_seeking"):
                respond(instrument_id, "followup", 0, later[0], 2)
            referred = {referral for *_, referral in chats if referral}
            actions = self.instruments["help_actions"]
            given: dict[str, Any] = {}
            for item in actions.items:
                if item.shown_if is not None:
                    if item.shown_if.partition(":")[2] not in referred:
                        continue
                    chance = FOLLOWED
                else:
                    chance = ACTIONS[item.id]
                if rng.random() < ITEM_SKIP:
                    continue
                given[item.id] = "dont_know" if rng.random() < 0.05 else int(rng.random() < chance)
            responses.add(
                identity,
                self.versions["help_actions"],
                "followup",
                0,
                language,
                later[0],
                answer_rows(actions, given),
            )
            if not background and rng.random() < 0.9:
                respond("demographics", "followup", 0, later[0], 2)


def seed(
    participants: int,
    *,
    seed: int = 1,
    days: int = 330,
    today: date | None = None,
    messages: bool = True,
) -> dict[str, int]:
    """Create a synthetic cohort of ``participants`` people. Returns how many rows of each kind."""
    return Cohort(participants, seed, days, today or timezone.localdate(), messages).run()
