"""Process tables kept between reports, each under a fingerprint of the data it read.

A site adds survey responses far more often than anything else changes, and the process
metrics (chat records, visits, room joins, escalations) and the programme's chat counts
do not depend on survey answers. So each of these is kept by the process and used again
while its fingerprint is unchanged; anything that changes the data they read changes the
fingerprint, and the next report builds them again.

A fingerprint is one aggregate query per table read: how many rows, the highest id,
and, for every column a report reads that can change after the row is written, a sum,
a count of set values or a maximum. What each part detects:

- a row added or deleted (an erasure's cascade included): the count and the highest id
  (ids are never reused: SQLite ``AUTOINCREMENT``, PostgreSQL sequences);
- a chat that ends (its end, message count and first reply: ``ChatRecord`` is completed
  once), a mentor removed (``SET NULL``), an escalation raised to a higher level,
  acknowledged or resolved, a membership's person removed, a room renamed or its kind
  changed: the counts and sums of those columns;
- ``evaluation.state``'s data version (withdrawals, links, declined consent, erasures) and
  the database's series: a restored database never matches.

Not detected: a timestamp already set being rewritten in place to another value that
leaves the column's count and maximum as they were. Nothing in the code does that (chat
start, request, join and visit times are written once; ends, acknowledgements and
resolutions go from empty to set); an edit made by hand in the database is not seen
until the day changes, the data version moves or the process restarts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import router
from django.db.models import Count, Max, Q, QuerySet, Sum

from chatplatform.models import Participant, Room, RoomMembership
from escalation.models import Escalation
from evaluation import changes, state
from evaluation.models import ChatRecord, ParticipantVisit

T = TypeVar("T")

# name -> (key, value)
_KEPT: dict[str, tuple[tuple[Any, ...], Any]] = {}
# Fingerprints read once per report build (evaluation.report), shared by its providers.
_ONE_BUILD: ContextVar[dict[str, Any] | None] = ContextVar("evaluation_kept_build", default=None)
# How often each kept value was built and used again (read by the tests and benchmark).
BUILT: dict[str, int] = {}
REUSED: dict[str, int] = {}


def _summary(queryset: QuerySet[Any], **extra: Any) -> tuple[Any, ...]:
    totals = queryset.order_by().aggregate(n=Count("pk"), top=Max("pk"), **extra)
    return tuple(totals[name] for name in ("n", "top", *extra))


def chats_fingerprint() -> tuple[Any, ...]:
    """What the process metrics read from chat records, visits, people and escalations."""
    counted = changes.counted((ChatRecord, ParticipantVisit, Participant, Escalation))
    if counted is not None:
        return ("counted", *counted)
    return (
        _summary(
            ChatRecord.objects.all(),
            ended=Count("ended_at"),
            last_end=Max("ended_at"),
            last_start=Max("started_at"),
            messages=Sum("messages"),
            replies=Count("first_reply_seconds"),
            reply_total=Sum("first_reply_seconds"),
            mentors=Count("mentor_id"),
            mentor_total=Sum("mentor_id"),
        ),
        _summary(ParticipantVisit.objects.all(), last=Max("day")),
        _summary(Participant.objects.all(), last=Max("created_at")),
        _summary(
            Escalation.objects.all(),
            acknowledged=Count("acknowledged_at"),
            last_acknowledged=Max("acknowledged_at"),
            resolved=Count("resolved_at"),
            last_resolved=Max("resolved_at"),
            rooms=Sum("room_id"),
            **{
                f"level_{level}": Count("pk", filter=Q(level=level))
                for level in Escalation.Level.values
            },
        ),
    )


@contextmanager
def one_build() -> Iterator[None]:
    """Within one report build, each fingerprint is read once and shared by the providers.

    Safe because every key is read before the data it stands for: a row written after a
    fingerprint was read makes the next build's fingerprint differ, so the value built
    with it is built again then.
    """
    token = _ONE_BUILD.set({})
    try:
        yield
    finally:
        _ONE_BUILD.reset(token)


def _once(name: str, read: Callable[[], tuple[Any, ...]]) -> tuple[Any, ...]:
    memo = _ONE_BUILD.get()
    if memo is None:
        return read()
    if name not in memo:
        memo[name] = read()
    return memo[name]


def rooms_fingerprint() -> tuple[Any, ...]:
    """What the room-join tables (topics by month, the programme's chats) read."""
    return _once("rooms", _rooms_fingerprint)


def _rooms_fingerprint() -> tuple[Any, ...]:
    counted = changes.counted((RoomMembership, Room))
    if counted is not None:
        return ("counted", *counted)
    return (
        _summary(
            RoomMembership.objects.all(),
            last_join=Max("joined_at"),
            participants=Count("participant_id"),
            participant_total=Sum("participant_id"),
            users=Count("user_id"),
            user_total=Sum("user_id"),
            rooms=Sum("room_id"),
            **{
                f"role_{role}": Count("pk", filter=Q(role=role))
                for role in RoomMembership.Role.values
            },
        ),
        _summary(
            Room.objects.all(),
            last_created=Max("created_at"),
            **{f"kind_{kind}": Count("pk", filter=Q(kind=kind)) for kind in Room.Kind.values},
        ),
        # Group rooms are few; their slugs name the topics.
        tuple(Room.objects.filter(kind=Room.Kind.GROUP).order_by("pk").values_list("pk", "slug")),
    )


def reuse(name: str, key: tuple[Any, ...], build: Callable[[], T]) -> T:
    """The value kept under ``name`` if it was built under this key, else a new one.

    The key always includes the database, its series and data version. A kept value is
    shared by every later report: callers treat it as read-only.
    """
    full = (router.db_for_read(ChatRecord), state.data_version(), *key)
    kept = _KEPT.get(name)
    if kept is not None and kept[0] == full:
        REUSED[name] = REUSED.get(name, 0) + 1
        return kept[1]
    value = build()
    _KEPT[name] = (full, value)
    BUILT[name] = BUILT.get(name, 0) + 1
    return value


def forget() -> None:
    """Drop everything kept (the next report builds every part again)."""
    _KEPT.clear()
