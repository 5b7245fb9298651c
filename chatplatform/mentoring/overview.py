"""The supervisor's page: each mentor's training, hours, crisis exposure, debriefs and
wellbeing signals, on one page. Reads metadata only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chatplatform.mentoring import (
    certification,
    checkins,
    fidelity,
    fidelity_rules,
    shifts,
    wellbeing_signals,
)
from chatplatform.mentoring.models import Debrief, OnlineShift, SupervisionSession
from chatplatform.mentoring.supervision import SupervisorScope, last_supervision
from chatplatform.models import Room, RoomMembership, User

SIGNAL_WINDOW = timedelta(days=14)
CRISIS_WINDOW = timedelta(days=7)
SIGNAL_LABELS = {
    wellbeing_signals.LONG_SHIFT: _("Long shifts"),
    wellbeing_signals.MANY_CRISIS_CHATS: _("Many crisis chats this week"),
    wellbeing_signals.LATE_NIGHTS: _("Late-night streak"),
    wellbeing_signals.NO_SUPERVISION: _("No supervision lately"),
    wellbeing_signals.CHECKIN: _("A check-in suggests a conversation"),
}


@dataclass
class MentorRow:
    mentor: User
    certificate: certification.Certificate
    supervisor: User | None
    hours_this_month: float = 0.0
    chats_this_month: int = 0
    crisis_chats_30_days: int = 0
    open_debriefs: int = 0
    overdue_debriefs: int = 0
    last_supervision: date | None = None
    signals: list[str] = field(default_factory=list)

    @property
    def signal_labels(self) -> list[str]:
        return [str(SIGNAL_LABELS[s]) for s in self.signals]


def month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date().replace(day=1), time.min))


def overlap_hours(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> float:
    seconds = sum(
        max(0.0, (min(stop, end) - max(begin, start)).total_seconds()) for begin, stop in spans
    )
    return seconds / 3600


def _spans(since: datetime, mentor_ids: list[int]) -> dict[int, list[tuple[datetime, datetime]]]:
    spans: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    rows = OnlineShift.objects.filter(user_id__in=mentor_ids).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=since)
    )
    for shift in rows:
        spans[shift.user_id].append((shift.started_at, shifts.shift_end(shift)))
    return spans


def mentor_rows(scope: SupervisorScope, now: datetime) -> list[MentorRow]:
    mentors = list(scope.mentors().select_related("mentorship__supervisor"))
    ids = [m.pk for m in mentors]
    checkin_flags = checkins.flagged_mentors(ids, timezone.localdate(now))
    this_month = month_start(now)
    spans = _spans(min(this_month, now - SIGNAL_WINDOW), ids)
    chats = dict(
        RoomMembership.objects.filter(
            user_id__in=ids,
            role=RoomMembership.Role.MENTOR,
            room__kind=Room.Kind.DIRECT,
            joined_at__gte=this_month,
        )
        .values_list("user_id")
        .annotate(n=Count("room", distinct=True))
    )
    debriefs = Debrief.objects.filter(mentor_id__in=ids)
    crisis_30 = dict(
        debriefs.filter(created_at__gte=now - timedelta(days=30))
        .values_list("mentor_id")
        .annotate(n=Count("id"))
    )
    crisis_week = dict(
        debriefs.filter(created_at__gte=now - CRISIS_WINDOW)
        .values_list("mentor_id")
        .annotate(n=Count("id"))
    )
    open_debriefs = debriefs.filter(completed_at__isnull=True)
    open_count = dict(open_debriefs.values_list("mentor_id").annotate(n=Count("id")))
    overdue = dict(
        open_debriefs.filter(due_at__lt=now).values_list("mentor_id").annotate(n=Count("id"))
    )
    supervised = last_supervision(ids)
    zone = timezone.get_current_timezone()
    rows = []
    for mentor in mentors:
        mentorship = getattr(mentor, "mentorship", None)
        recent = [(b, e) for b, e in spans[mentor.pk] if e >= now - SIGNAL_WINDOW]
        rows.append(
            MentorRow(
                mentor=mentor,
                certificate=certification.certificate(mentor, now),
                supervisor=mentorship.supervisor if mentorship else None,
                hours_this_month=round(overlap_hours(spans[mentor.pk], this_month, now), 1),
                chats_this_month=chats.get(mentor.pk, 0),
                crisis_chats_30_days=crisis_30.get(mentor.pk, 0),
                open_debriefs=open_count.get(mentor.pk, 0),
                overdue_debriefs=overdue.get(mentor.pk, 0),
                last_supervision=supervised.get(mentor.pk),
                signals=wellbeing_signals.signals(
                    shifts=recent,
                    crisis_chats=crisis_week.get(mentor.pk, 0),
                    last_supervision=supervised.get(mentor.pk),
                    today=timezone.localdate(now),
                    zone=zone,
                    shift_limit=timedelta(minutes=settings.MENTOR_SHIFT_MAX_MINUTES),
                    crisis_limit=settings.MENTOR_SHIFT_MAX_CRISIS_CHATS,
                    supervision_weeks=settings.MENTOR_SUPERVISION_WEEKS,
                    checkin_flag=mentor.pk in checkin_flags,
                ),
            )
        )
    return rows


def open_debriefs(scope: SupervisorScope, now: datetime) -> list[dict[str, Any]]:
    """Debriefs not held yet, overdue first."""
    debriefs = (
        Debrief.objects.filter(mentor__in=scope.mentors(), completed_at__isnull=True)
        .select_related("mentor")
        .order_by("due_at")
    )
    return [{"debrief": d, "overdue": d.due_at < now} for d in debriefs]


def recent_sessions(scope: SupervisorScope, limit: int = 20) -> list[SupervisionSession]:
    sessions = SupervisionSession.objects.prefetch_related("mentors").order_by("-held_on", "-pk")
    if not scope.sees_everyone:
        sessions = sessions.filter(supervisor=scope.user)
    return list(sessions[:limit])


def agreement() -> list[dict[str, Any]]:
    """Per element of the current checklist: chats rated by both, and Cohen's kappa."""
    current = fidelity.checklist()
    pairs = fidelity.paired_answers(current.version)
    return [
        {
            "element": element.id,
            "pairs": len(pairs.get(element.id, [])),
            "kappa": fidelity_rules.kappa(pairs.get(element.id, [])),
        }
        for element in current.elements
    ]


SHADOWING = "shadowing"


def chats_to_shadow(scope: SupervisorScope) -> list[dict[str, Any]]:
    """Open 1:1 chats among a new mentor's first MENTOR_SHADOWED_CHATS, and whether a
    supervisor has observed each (an audited read with the reason "shadowing")."""
    limit = settings.MENTOR_SHADOWED_CHATS
    if not limit:
        return []
    from chatplatform.models import AuditEntry

    mentored = RoomMembership.objects.filter(
        role=RoomMembership.Role.MENTOR, room__kind=Room.Kind.DIRECT, user__in=scope.mentors()
    )
    result = []
    for membership in mentored.filter(
        left_at__isnull=True, room__closed_at__isnull=True
    ).select_related("user"):
        earlier = (
            mentored.filter(user=membership.user, joined_at__lt=membership.joined_at)
            .values("room")
            .distinct()
            .count()
        )
        if earlier >= limit or not certification.is_programme_mentor(membership.user):
            continue
        observed = AuditEntry.objects.filter(
            action="transcript.read", room_id=membership.room_id, reason=SHADOWING
        ).exists()
        result.append(
            {
                "room_id": membership.room_id,
                "mentor": membership.user,
                "number": earlier + 1,
                "observed": observed,
            }
        )
    return result
