"""The evaluation report's mentor programme tables: fidelity, supervision, cost and mentor
retention, published under the k rules; evaluators see aggregates only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from chatplatform import roles
from chatplatform.mentoring.models import (
    CostRate,
    Debrief,
    FidelityRating,
    OnlineShift,
    SupervisionSession,
)
from chatplatform.models import Room
from chatplatform.services import queue as queue_service
from evaluation import report
from tests.test_evaluation_boundaries import imported_names

pytestmark = pytest.mark.django_db

ANSWERS = {
    "welcomed": "yes",
    "listened": "yes",
    "asked_safety": "na",
    "resources": "no",
    "closed_warmly": "yes",
}


def built(k: int = 2) -> dict:
    today = timezone.localdate()
    return report.build(today, k=k, epsilon=None)["tables"]


def row_for(table: dict, **match) -> dict:
    return next(r for r in table["rows"] if all(r[key] == v for key, v in match.items()))


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def test_the_four_programme_tables_are_in_the_report():
    tables = built()
    for name in ("programme_fidelity", "programme_supervision", "programme_cost",
                 "mentor_retention"):  # fmt: skip
        assert name in tables
    assert "mentor_retention" in report.codebook.codebook()["tables"]


def test_fidelity_counts_and_kappa(make_direct_chat, access_for, make_staff):
    supervisor = make_staff(roles.SUPERVISOR)
    for n in range(3):
        room, participant, mentor = make_direct_chat()
        queue_service.do_end_chat(access_for(participant, room))
        FidelityRating.objects.create(
            room=room, mentor=mentor, rater=mentor, rater_role="self",
            checklist_version=1, answers=ANSWERS, sampled=True,
        )  # fmt: skip
        reviewed = {**ANSWERS, "resources": "yes"} if n == 0 else ANSWERS
        FidelityRating.objects.create(
            room=room, mentor=mentor, rater=supervisor, rater_role="supervisor",
            checklist_version=1, answers=reviewed,
        )  # fmt: skip
    table = built()["programme_fidelity"]
    resources = row_for(table, element="resources")
    assert (resources["chats_rated"], resources["applied"]) == (3, 3)
    # Nobody ticked it: a zero count is never published, nor the share built on it.
    assert resources["done"] is None and "done" in resources["suppressed"]
    assert resources["done_share"] is None
    welcomed = row_for(table, element="welcomed")
    assert (welcomed["done"], welcomed["done_share"]) == (3, 1.0)
    assert resources["reviewed"] == 3
    assert resources["kappa"] == 0.0  # self always "no", supervisor once "yes": no agreement
    safety = row_for(table, element="asked_safety")
    assert (safety["applied"], safety["done_share"]) == (None, None)


def test_small_counts_are_suppressed_under_k(make_direct_chat, access_for):
    room, participant, mentor = make_direct_chat()
    queue_service.do_end_chat(access_for(participant, room))
    FidelityRating.objects.create(
        room=room, mentor=mentor, rater=mentor, rater_role="self",
        checklist_version=1, answers=ANSWERS,
    )  # fmt: skip
    table = built(k=11)["programme_fidelity"]
    row = row_for(table, element="welcomed")
    assert row["chats_rated"] is None and "chats_rated" in row["suppressed"]
    assert row["done_share"] is None


def test_supervision_and_debriefs_by_month(make_staff, make_direct_chat):
    supervisor = make_staff(roles.SUPERVISOR)
    mentors = [make_staff(roles.MENTOR) for _ in range(2)]
    session = SupervisionSession.objects.create(
        supervisor=supervisor, held_on=timezone.localdate(), minutes=90, format="group",
        topics=["risk"],
    )  # fmt: skip
    session.mentors.set(mentors)
    room, _, mentor = make_direct_chat()
    now = timezone.now()
    Debrief.objects.create(
        mentor=mentor, room=room, level="imminent", created_at=now,
        due_at=now + timedelta(days=3), completed_at=now + timedelta(days=1),
    )  # fmt: skip
    row = row_for(built(k=1)["programme_supervision"], month=this_month())
    assert (row["sessions"], row["mentors_supervised"], row["supervision_hours"]) == (1, 2, 1.5)
    assert (row["debriefs_opened"], row["debriefs_on_time"], row["on_time_share"]) == (1, 1, 1.0)


def test_cost_per_chat_and_per_participant_from_known_hours(make_staff, make_direct_chat):
    now = timezone.now()
    start = now.replace(day=1, hour=1, minute=0, second=0, microsecond=0)
    mentor = make_staff(roles.MENTOR)
    OnlineShift.objects.create(
        user=mentor, started_at=start, last_seen_at=start + timedelta(hours=4),
        ended_at=start + timedelta(hours=4),
    )  # fmt: skip
    for _ in range(2):
        make_direct_chat(mentor=mentor)
    CostRate.objects.create(activity="online", hourly_cost=Decimal("15.00"), currency="EUR")
    row = row_for(built(k=1)["programme_cost"], month=this_month())
    assert (row["mentors_active"], row["hours_online"], row["chats"], row["participants"]) == (
        1, 4.0, 2, 2,
    )  # fmt: skip
    assert (row["cost"], row["cost_per_chat"], row["cost_per_participant"]) == (60.0, 30.0, 30.0)
    assert row["currency"] == "EUR"
    hidden = row_for(built(k=11)["programme_cost"], month=this_month())
    assert hidden["hours_online"] is None and hidden["cost_per_chat"] is None


def test_chats_count_in_the_month_they_started_to_the_microsecond(
    make_staff, make_direct_chat, access_for
):
    mentor = make_staff(roles.MENTOR)
    start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    before = start - timedelta(microseconds=1)
    room, participant, _ = make_direct_chat(mentor=mentor)
    Room.objects.filter(pk=room.pk).update(created_at=before)
    for _ in range(2):  # the same person twice this month: one participant, two chats
        queue_service.do_end_chat(access_for(participant, room))
        room, _, _ = make_direct_chat(participant=participant, mentor=mentor)
        Room.objects.filter(pk=room.pk).update(created_at=start)
    cost = built(k=1)["programme_cost"]
    earlier = row_for(cost, month=before.strftime("%Y-%m"))
    now = row_for(cost, month=this_month())
    assert (earlier["chats"], earlier["participants"], earlier["mentors_active"]) == (1, 1, 1)
    assert (now["chats"], now["participants"], now["mentors_active"]) == (2, 1, 1)


def test_retention_by_cohort_with_complementary_suppression(make_staff, make_direct_chat):
    active = make_staff(roles.MENTOR)
    make_staff(roles.MENTOR)  # started this month, never active
    make_direct_chat(mentor=active)
    table = built(k=1)["mentor_retention"]
    all_row = row_for(table, cohort="all", month=this_month())
    cohort_row = row_for(table, cohort=this_month(), month=this_month())
    assert (all_row["cohort_size"], all_row["active"], all_row["retained_share"]) == (2, 1, 0.5)
    assert (cohort_row["cohort_size"], cohort_row["active"]) == (2, 1)
    suppressed = row_for(built(k=11)["mentor_retention"], cohort="all", month=this_month())
    assert suppressed["active"] is None and suppressed["retained_share"] is None


def test_evaluators_see_the_tables_but_no_mentor_names(make_staff, make_direct_chat, client):
    mentor = make_staff(roles.MENTOR, name="Zebedee")
    make_direct_chat(mentor=mentor)
    client.force_login(make_staff(roles.EVALUATOR))
    response = client.get("/evaluation/export/?format=json")
    body = response.content.decode()
    assert response.status_code == 200
    assert "mentor_retention" in body and "Zebedee" not in body


def test_the_programme_tables_read_metadata_only():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    forbidden = ("chatplatform.crypto", "chatplatform.services")
    for path in (root / "chatplatform/mentoring/queries.py", root / "evaluation/programme.py"):
        names = imported_names(path)
        assert not any(n.startswith(forbidden) for n in names), path
