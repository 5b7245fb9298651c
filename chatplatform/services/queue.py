"""1:1 support: the queue, matching with an available mentor, transfer and ending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from chatplatform import duties, pipeline, roles
from chatplatform.actors import Actor, actor_group, participant_actor
from chatplatform.errors import ServiceError
from chatplatform.events import publish_on_commit
from chatplatform.models import (
    MentorProfile,
    Participant,
    QueueTicket,
    Room,
    RoomMembership,
    User,
)
from chatplatform.notices import notice
from chatplatform.services.access import SUPERVISING_ROLES, RoomAccess
from chatplatform.services.messages import do_post_notice, room_group
from chatplatform.signals import chat_ended, chat_matched, mentor_presence

QUEUE_GROUP = "queue.waiting"
STAFF_GROUP = "staff.console"
# A participant whose connection dropped gets their place back if they return within this time.
ABANDONED_GRACE = timedelta(minutes=30)
ESTIMATE_WINDOW = timedelta(hours=2)
ESTIMATE_MIN_SAMPLES = 3
MENTORING_ROLES = (roles.MENTOR, roles.SUPERVISOR, roles.ADMIN)


@dataclass(frozen=True)
class QueueStatus:
    state: str  # "none", "waiting", "matched"
    position: int | None = None
    waiting: int = 0
    mentors_available: int = 0
    estimate_seconds: int | None = None
    room: int | None = None

    def frame(self) -> dict[str, Any]:
        return {"type": "queue.status", **self.__dict__}


def notify_queue_changed() -> None:
    publish_on_commit(QUEUE_GROUP, {"type": "queue.changed"})
    publish_on_commit(STAFF_GROUP, {"type": "staff.changed"})


def active_direct_room(participant: Participant) -> Room | None:
    return (
        Room.objects.filter(
            kind=Room.Kind.DIRECT,
            closed_at__isnull=True,
            memberships__participant=participant,
            memberships__left_at__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )


def check_may_queue(participant: Participant) -> None:
    """Raise ServiceError when the participant may not ask for a 1:1 chat (e.g. a ban)."""
    pipeline.run_entry_checks(participant_actor(participant), None)


def do_request_chat(participant: Participant) -> QueueTicket | Room:
    """Join the queue, or return the open chat or waiting ticket the participant already has."""
    check_may_queue(participant)
    room = active_direct_room(participant)
    if room is not None:
        return room
    with transaction.atomic():
        ticket = _restorable_ticket(participant)
        if ticket is None:
            ticket = QueueTicket.objects.create(participant=participant)
        notify_queue_changed()
    return ticket


def _restorable_ticket(participant: Participant) -> QueueTicket | None:
    now = timezone.now()
    ticket = (
        QueueTicket.objects.select_for_update()
        .filter(
            participant=participant,
            status__in=[QueueTicket.Status.WAITING, QueueTicket.Status.ABANDONED],
        )
        .order_by("-created_at")
        .first()
    )
    if ticket is None:
        return None
    if ticket.status == QueueTicket.Status.ABANDONED:
        if ticket.closed_at is None or now - ticket.closed_at > ABANDONED_GRACE:
            return None
        ticket.status = QueueTicket.Status.WAITING
        ticket.closed_at = None
    ticket.last_seen_at = now
    ticket.save(update_fields=["status", "closed_at", "last_seen_at"])
    return ticket


def do_touch_ticket(participant: Participant) -> None:
    """The participant is still here (their queue page is open)."""
    QueueTicket.objects.filter(participant=participant, status=QueueTicket.Status.WAITING).update(
        last_seen_at=timezone.now()
    )


def do_leave_queue(participant: Participant) -> None:
    with transaction.atomic():
        updated = QueueTicket.objects.filter(
            participant=participant, status=QueueTicket.Status.WAITING
        ).update(status=QueueTicket.Status.CANCELLED, closed_at=timezone.now())
        if updated:
            notify_queue_changed()


def do_sweep_idle_tickets() -> int:
    """Mark tickets whose queue page went silent as abandoned (restorable for a grace period)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.QUEUE_TICKET_IDLE_SECONDS)
    with transaction.atomic():
        count = QueueTicket.objects.filter(
            status=QueueTicket.Status.WAITING, last_seen_at__lt=cutoff
        ).update(status=QueueTicket.Status.ABANDONED, closed_at=now)
        if count:
            notify_queue_changed()
    return count


def waiting_tickets() -> Any:
    return QueueTicket.objects.filter(status=QueueTicket.Status.WAITING).order_by(
        "-priority", "created_at", "id"
    )


def _online_cutoff() -> Any:
    return timezone.now() - timedelta(seconds=settings.MENTOR_ONLINE_SECONDS)


def mentor_loads() -> list[dict[str, Any]]:
    """Available, online mentors with their open 1:1 chat counts."""
    profiles = (
        MentorProfile.objects.filter(
            status=MentorProfile.Status.AVAILABLE,
            last_seen_at__gte=_online_cutoff(),
            user__is_active=True,
            user__groups__name__in=MENTORING_ROLES,
        )
        .select_related("user")
        .distinct()
    )
    counts = dict(
        RoomMembership.objects.filter(
            user__in=[p.user for p in profiles],
            left_at__isnull=True,
            room__kind=Room.Kind.DIRECT,
            room__closed_at__isnull=True,
        )
        .values_list("user")
        .annotate(n=Count("id"))
    )
    return [
        {
            "id": p.user_id,
            "name": str(p.user),
            "active_chats": counts.get(p.user_id, 0),
            "max_chats": p.max_chats,
        }
        for p in profiles
    ]


def available_mentor_count() -> int:
    return sum(1 for m in mentor_loads() if m["active_chats"] < m["max_chats"])


def estimate_wait_seconds(position: int) -> int | None:
    """Position times the recent time between matches; None when there is too little to go on."""
    since = timezone.now() - ESTIMATE_WINDOW
    matched = QueueTicket.objects.filter(matched_at__gte=since).count()
    if matched < ESTIMATE_MIN_SAMPLES:
        return None
    return int(position * ESTIMATE_WINDOW.total_seconds() / matched)


def queue_status(participant: Participant) -> QueueStatus:
    room = active_direct_room(participant)
    if room is not None:
        return QueueStatus(state="matched", room=room.pk)
    ticket_ids = list(waiting_tickets().values_list("participant_id", flat=True))
    mentors = available_mentor_count()
    if participant.pk not in ticket_ids:
        return QueueStatus(state="none", waiting=len(ticket_ids), mentors_available=mentors)
    position = ticket_ids.index(participant.pk) + 1
    return QueueStatus(
        state="waiting",
        position=position,
        waiting=len(ticket_ids),
        mentors_available=mentors,
        estimate_seconds=estimate_wait_seconds(position),
    )


def _active_chat_count(user_id: int) -> int:
    return RoomMembership.objects.filter(
        user_id=user_id,
        left_at__isnull=True,
        room__kind=Room.Kind.DIRECT,
        room__closed_at__isnull=True,
    ).count()


def _profile(user: User) -> MentorProfile:
    profile, _ = MentorProfile.objects.get_or_create(
        user=user, defaults={"max_chats": settings.MENTOR_DEFAULT_MAX_CHATS}
    )
    return profile


def check_mentor(actor: Actor) -> User:
    if not actor.is_staff or actor.role not in MENTORING_ROLES:
        raise ServiceError("forbidden", _("Only mentors and supervisors answer 1:1 chats."))
    return User.objects.get(pk=actor.id)


def do_set_availability(actor: Actor, status: str, max_chats: int | None = None) -> MentorProfile:
    user = check_mentor(actor)
    if status == MentorProfile.Status.AVAILABLE:
        duties.check_duty(user, duties.AVAILABLE)
    profile = _profile(user)
    profile.status = status
    if max_chats is not None:
        profile.max_chats = max_chats
    profile.last_seen_at = timezone.now()
    with transaction.atomic():
        profile.save(update_fields=["status", "max_chats", "last_seen_at"])
        mentor_presence.send(
            sender=MentorProfile, user_id=user.pk, status=status, at=profile.last_seen_at
        )
        notify_queue_changed()
    return profile


def do_mentor_heartbeat(actor: Actor) -> None:
    now = timezone.now()
    MentorProfile.objects.filter(user_id=actor.id).update(last_seen_at=now)
    mentor_presence.send(sender=MentorProfile, user_id=actor.id, status=None, at=now)


def do_accept_ticket(actor: Actor, ticket_id: int) -> Room:
    """A mentor takes the waiting participant: a private room opens for the two of them."""
    user = check_mentor(actor)
    duties.check_duty(user, duties.ACCEPT)
    profile = _profile(user)
    with transaction.atomic():
        ticket = (
            QueueTicket.objects.select_for_update()
            .select_related("participant")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None or ticket.status != QueueTicket.Status.WAITING:
            raise ServiceError("gone", _("Someone else has already taken this chat."))
        if _active_chat_count(user.pk) >= profile.max_chats:
            raise ServiceError(
                "at_capacity",
                _("You already have %(n)d open chats, your maximum.") % {"n": profile.max_chats},
            )
        room = Room.objects.create(kind=Room.Kind.DIRECT, title=_("1:1 chat"))
        RoomMembership.objects.create(
            room=room, participant=ticket.participant, role=RoomMembership.Role.PARTICIPANT
        )
        RoomMembership.objects.create(room=room, user=user, role=RoomMembership.Role.MENTOR)
        now = timezone.now()
        ticket.status = QueueTicket.Status.MATCHED
        ticket.matched_at = now
        ticket.closed_at = now
        ticket.room = room
        ticket.mentor = user
        ticket.save(update_fields=["status", "matched_at", "closed_at", "room", "mentor"])
        do_post_notice(
            room,
            notice(
                gettext_noop("%(name)s, a peer mentor, has joined the chat."), name=actor.handle
            ),
        )
        chat_matched.send(
            sender=Room, room=room, participant=ticket.participant, mentor=user, ticket=ticket
        )
        publish_on_commit(
            actor_group(f"p{ticket.participant_id}"), {"type": "queue.matched", "room": room.pk}
        )
        notify_queue_changed()
    return room


def do_end_chat(access: RoomAccess) -> Room:
    """Either side ends a 1:1 chat. The history stays readable; nobody can post any more."""
    if access.kind != Room.Kind.DIRECT:
        raise ServiceError("invalid", _("Only 1:1 chats can be ended."))
    if access.actor.is_staff and not access.can_moderate:
        raise ServiceError("forbidden", _("You are not part of this chat."))
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=access.room_id)
        if room.closed_at is not None:
            return room
        room.closed_at = timezone.now()
        room.closed_by_role = access.actor.role
        room.save(update_fields=["closed_at", "closed_by_role"])
        do_post_notice(room, notice(gettext_noop("The chat has ended.")))
        chat_ended.send(sender=Room, room=room, ended_by=access.actor)
        publish_on_commit(
            room_group(room.pk),
            {
                "type": "chat.frame",
                "frame": {"type": "chat.ended", "room": room.pk, "by": access.actor.role},
            },
        )
        notify_queue_changed()
    return room


def do_transfer_chat(access: RoomAccess, to_user_id: int) -> User:
    """Hand a 1:1 chat to another available mentor; the participant keeps the whole history."""
    if access.kind != Room.Kind.DIRECT or not access.actor.is_staff or not access.can_moderate:
        raise ServiceError(
            "forbidden", _("Only the chat's mentor or a supervisor can transfer it.")
        )
    if not access.is_open:
        raise ServiceError("room_closed", _("This chat has ended."))
    target = User.objects.filter(pk=to_user_id, is_active=True).first()
    if target is None or roles.role_of(target) not in MENTORING_ROLES:
        raise ServiceError("invalid", _("That person can't take chats."))
    if (
        Room.objects.filter(pk=access.room_id, supervisors_only=True).exists()
        and roles.role_of(target) not in SUPERVISING_ROLES
    ):
        raise ServiceError("forbidden", _("Only a supervisor can take this chat."))
    if target.pk == access.actor.id:
        raise ServiceError("invalid", _("You already have this chat."))
    duties.check_duty(target, duties.RECEIVE_TRANSFER)
    load = next((m for m in mentor_loads() if m["id"] == target.pk), None)
    if load is None:
        raise ServiceError(
            "unavailable", _("%(name)s is not available right now.") % {"name": target}
        )
    if load["active_chats"] >= load["max_chats"]:
        raise ServiceError("at_capacity", _("%(name)s has no free chat slot.") % {"name": target})
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=access.room_id)
        now = timezone.now()
        previous = list(
            RoomMembership.objects.filter(
                room=room, role=RoomMembership.Role.MENTOR, left_at__isnull=True
            ).values_list("user_id", flat=True)
        )
        RoomMembership.objects.filter(
            room=room, role=RoomMembership.Role.MENTOR, left_at__isnull=True
        ).update(left_at=now)
        RoomMembership.objects.create(room=room, user=target, role=RoomMembership.Role.MENTOR)
        do_post_notice(
            room,
            notice(
                gettext_noop(
                    "%(name)s, a peer mentor, is taking over this chat "
                    "and can see the conversation so far."
                ),
                name=str(target),
            ),
        )
        for user_id in previous:
            publish_on_commit(actor_group(f"s{user_id}"), {"type": "room.revoked", "room": room.pk})
        publish_on_commit(actor_group(f"s{target.pk}"), {"type": "chat.assigned", "room": room.pk})
        notify_queue_changed()
    return target


def staff_snapshot(actor: Actor) -> dict[str, Any]:
    """What the mentor console shows: my status, the queue, my chats, who can take a transfer."""
    user = check_mentor(actor)
    profile = _profile(user)
    now = timezone.now()
    queue = [
        {
            "ticket": t.pk,
            "handle": t.participant.handle,
            "waited_seconds": int((now - t.created_at).total_seconds()),
            "priority": t.priority,
        }
        for t in waiting_tickets().select_related("participant")[:50]
    ]
    memberships = (
        RoomMembership.objects.filter(user=user, left_at__isnull=True, room__closed_at__isnull=True)
        .select_related("room")
        .order_by("room__kind", "-joined_at")
    )
    direct_rooms = [m.room for m in memberships if m.room.kind == Room.Kind.DIRECT]
    partners = dict(
        RoomMembership.objects.filter(room__in=direct_rooms, participant__isnull=False).values_list(
            "room_id", "participant__handle"
        )
    )
    chats = [
        {
            "room": r.pk,
            "title": partners.get(r.pk, r.title),
            "opened_at": r.created_at.isoformat(),
            "last_id": r.last_seq,
        }
        for r in direct_rooms
    ]
    group_rooms = [
        {"room": m.room.pk, "title": m.room.title}
        for m in memberships
        if m.room.kind == Room.Kind.GROUP
    ]
    # Why a new chat would be refused right now (training, a cool-down…), so the
    # console can say so before the mentor tries.
    refusal = duties.refusal(user, duties.ACCEPT, now)
    return {
        "type": "staff.snapshot",
        "me": {
            "status": profile.status,
            "max_chats": profile.max_chats,
            "active_chats": len(direct_rooms),
            "refusal": (
                {"code": refusal.code, "detail": refusal.detail, **refusal.extra}
                if refusal is not None
                else None
            ),
        },
        "queue": queue,
        "chats": chats,
        "rooms": group_rooms,
        "mentors": [m for m in mentor_loads() if m["id"] != user.pk],
    }
