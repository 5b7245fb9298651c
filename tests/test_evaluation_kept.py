"""What a process keeps between reports (evaluation.kept, evaluation.outcomes): after every
kind of change, the report built with what was kept is byte for byte the report built from
nothing, and exactly the parts that read the changed data are built again."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from chatplatform.models import Participant, Room, RoomMembership, User
from escalation.models import Escalation
from evaluation import kept, metrics, outcomes, programme, registry, report, surveys
from evaluation.models import ChatRecord, ParticipantVisit, SurveyResponse
from evaluation.scoring import answer_rows
from evaluation.synthetic import seed

K = 1
PROCESS = ("metrics", "programme_chats")


@pytest.fixture
def cohort(db):
    seed(120, seed=5, days=90, messages=False)
    outcomes.forget_kept()
    kept.forget()
    return json.loads(released())


def released(today=None) -> str:
    payload = report.build(today or timezone.localdate(), k=K, epsilon=None)
    return json.dumps(payload, sort_keys=True)


def rebuilt_by(act, today=None) -> tuple[set[str], dict]:
    """Run ``act``, then build with what was kept: which kept parts were built again, and
    the report, after checking it against a report built from nothing."""
    act()
    before = dict(kept.BUILT)
    with_kept = released(today)
    built = {name for name in PROCESS if kept.BUILT.get(name, 0) > before.get(name, 0)}
    outcomes.forget_kept()
    kept.forget()
    assert with_kept == released(today)
    return built, json.loads(with_kept)


def rows(payload: dict, table: str) -> list[dict]:
    return payload["tables"][table]["rows"]


def process_tables(payload: dict) -> dict:
    names = [spec.name for spec in (*metrics.SPECS, *programme.SPECS)]
    return {name: payload["tables"][name] for name in names}


def test_a_second_report_with_nothing_changed_builds_nothing_again(cohort):
    built, reused = dict(kept.BUILT), dict(kept.REUSED)
    assert json.loads(released()) == cohort
    assert dict(kept.BUILT) == built
    assert {name: kept.REUSED[name] - reused.get(name, 0) for name in PROCESS} == {
        name: 1 for name in PROCESS
    }


def test_a_new_survey_response_builds_no_process_table_again(cohort, make_participant):
    identity = surveys.do_record_consent(make_participant(), agree=True)
    instrument = registry.instruments()["distress"]
    # A new person is a new participant of the process tables: built once for them here.
    cohort = json.loads(released())

    def answer():
        SurveyResponse.objects.create(
            identity=identity,
            instrument_version=registry.record_version(instrument),
            wave="pre",
            chat_number=1,
            language="en",
            answers=answer_rows(instrument, {i.id: 3 for i in instrument.items}),
        )

    built, after = rebuilt_by(answer)
    assert built == set()
    assert rows(after, "survey_change") != rows(cohort, "survey_change")
    assert process_tables(after) == process_tables(cohort)


def test_a_chat_that_ends_builds_the_process_metrics_again(cohort):
    record = ChatRecord.objects.filter(ended_at__isnull=True).order_by("pk").first()
    if record is None:
        record = ChatRecord.objects.order_by("-pk").first()
        ChatRecord.objects.filter(pk=record.pk).update(ended_at=None)
        outcomes.forget_kept()
        kept.forget()
        cohort = json.loads(released())
    month = timezone.localtime(record.started_at).strftime("%Y-%m")

    def end():
        ChatRecord.objects.filter(pk=record.pk).update(
            ended_at=record.started_at + timedelta(minutes=20), messages=record.messages + 4
        )

    built, after = rebuilt_by(end)
    assert built == {"metrics"}
    ended = {r["month"]: r["chats_ended"] for r in rows(after, "chats_monthly")}
    before = {r["month"]: r["chats_ended"] for r in rows(cohort, "chats_monthly")}
    assert ended[month] != before[month]


def test_an_escalation_acknowledged_or_raised_builds_the_process_metrics_again(cohort):
    escalation = (
        Escalation.objects.filter(room__kind=Room.Kind.DIRECT, acknowledged_at__isnull=True)
        .order_by("pk")
        .first()
    ) or Escalation.objects.filter(room__kind=Room.Kind.DIRECT).order_by("pk").first()
    was_acknowledged = escalation.acknowledged_at is not None

    def acknowledge():
        Escalation.objects.filter(pk=escalation.pk).update(
            acknowledged_at=None
            if was_acknowledged
            else escalation.created_at + timedelta(minutes=3)
        )

    built, after = rebuilt_by(acknowledge)
    assert built == {"metrics"}
    assert rows(after, "escalations") != rows(cohort, "escalations")

    # Raised to another level: the counts by level move, the total does not.
    level = next(v for v in Escalation.Level.values if v != escalation.level)
    built, raised = rebuilt_by(
        lambda: Escalation.objects.filter(pk=escalation.pk).update(level=level)
    )
    assert built == {"metrics"}
    assert rows(raised, "escalations") != rows(after, "escalations")


def test_a_new_one_to_one_chat_builds_both_room_tables_again(cohort, make_direct_chat):
    built, after = rebuilt_by(make_direct_chat)
    # The chat's memberships are read by the topics table and the programme's counts.
    assert built == {"metrics", "programme_chats"}
    month = timezone.localdate().strftime("%Y-%m")
    topics = {(r["topic"], r["month"]): r["participants"] for r in rows(after, "topics_monthly")}
    earlier = {(r["topic"], r["month"]): r["participants"] for r in rows(cohort, "topics_monthly")}
    assert topics[("one_to_one", month)] != earlier[("one_to_one", month)]


def test_a_membership_that_loses_its_person_builds_both_room_tables_again(cohort):
    membership = (
        RoomMembership.objects.filter(room__kind=Room.Kind.DIRECT, role="mentor")
        .exclude(user=None)
        .order_by("-pk")
        .first()
    )
    built, _ = rebuilt_by(
        lambda: RoomMembership.objects.filter(pk=membership.pk).update(role="participant")
    )
    assert built == {"metrics", "programme_chats"}


def test_a_group_room_renamed_builds_the_topics_again(cohort):
    room = Room.objects.filter(kind=Room.Kind.GROUP).order_by("pk").first()
    built, after = rebuilt_by(lambda: Room.objects.filter(pk=room.pk).update(slug="renamed-topic"))
    assert built == {"metrics", "programme_chats"}
    topics = {r["topic"] for r in rows(after, "topics_monthly")}
    assert "renamed-topic" in topics and room.slug not in topics


def test_a_deleted_mentor_builds_the_caseload_again(cohort):
    mentor_id = ChatRecord.objects.exclude(mentor=None).first().mentor_id
    built, after = rebuilt_by(User.objects.get(pk=mentor_id).delete)
    assert "metrics" in built
    assert not ChatRecord.objects.filter(mentor_id=mentor_id).exists()
    assert rows(after, "mentor_caseload") != rows(cohort, "mentor_caseload")


def test_deleted_visits_and_people_build_the_process_metrics_again(cohort):
    person = Participant.objects.filter(pk__in=ParticipantVisit.objects.values("participant_id"))
    person = person.order_by("-pk").first()
    visits = ParticipantVisit.objects.filter(participant=person).count()
    assert visits
    built, after = rebuilt_by(lambda: ParticipantVisit.objects.filter(participant=person).delete())
    assert built == {"metrics"}
    assert rows(after, "reach_weekly") != rows(cohort, "reach_weekly")


def test_a_withdrawal_builds_everything_again(cohort):
    identity = (
        SurveyResponse.objects.filter(
            identity__consent="given", identity__linked_to=None, identity__participant__isnull=False
        )
        .order_by("pk")
        .first()
        .identity
    )
    built, after = rebuilt_by(lambda: surveys.do_withdraw(identity.participant))
    # The data version moved inside the withdrawal: nothing kept before is used again.
    assert built == set(PROCESS)
    assert not SurveyResponse.objects.filter(identity=identity).exists()
    assert rows(after, "survey_reach") != rows(cohort, "survey_reach")


def test_another_day_builds_everything_again(cohort):
    tomorrow = timezone.localdate() + timedelta(days=1)
    built, _ = rebuilt_by(lambda: None, today=tomorrow)
    # The programme's chat counts depend on the months only.
    same_month = tomorrow.month == timezone.localdate().month
    assert built == ({"metrics"} if same_month else set(PROCESS))
