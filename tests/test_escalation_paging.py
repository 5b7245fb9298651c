"""The paging policy on a controllable clock: who is paged when, and each page only once."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from chatplatform import roles
from chatplatform.actors import staff_actor
from escalation import handling, opening, paging, publishing
from escalation.models import Escalation, OnCallOverride, Page

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
T1 = timedelta(seconds=60)
T2 = timedelta(seconds=180)
REPEAT = timedelta(seconds=300)


@pytest.fixture(autouse=True)
def policy_settings(settings):
    settings.ESCALATION_T1_SECONDS = 60
    settings.ESCALATION_T2_SECONDS = 180
    settings.ESCALATION_POLICY_REPEATS = 0
    settings.ESCALATION_REPEAT_SECONDS = 300
    # No console is open in these tests; the dead man's switch has its own.
    settings.ESCALATION_NO_CONSOLE_SECONDS = 10**6
    settings.ESCALATION_CONSOLE_URL = "https://chat.example.org/supervisor/"


@pytest.fixture
def team(make_staff):
    """Three supervisors: one primary on call, one backup, one off duty."""
    primary = make_staff(roles.SUPERVISOR, name="Primary")
    backup = make_staff(roles.SUPERVISOR, name="Backup")
    off_duty = make_staff(roles.SUPERVISOR, name="Off duty")
    OnCallOverride.objects.create(user=primary, tier="primary", starts_at=T0 - timedelta(hours=1))
    OnCallOverride.objects.create(user=backup, tier="backup", starts_at=T0 - timedelta(hours=1))
    return primary, backup, off_duty


@pytest.fixture
def open_escalation(
    make_participant, make_group_room, sent_events, django_capture_on_commit_callbacks
):
    """Open an imminent escalation at T0; its first pages are published as it commits."""

    def open_at_t0() -> Escalation:
        with django_capture_on_commit_callbacks(execute=True):
            return opening.do_open_escalation(
                source=Escalation.Source.AUTOMATIC,
                level=Escalation.Level.IMMINENT,
                reasons=["means"],
                room_id=make_group_room().pk,
                participant=make_participant(handle="Quiet Heron 17"),
                now=T0,
            ).escalation

    return open_at_t0


@pytest.fixture
def escalation(team, open_escalation):
    return open_escalation()


def pages_to(user, sent_events) -> list[dict]:
    return [e for g, e in sent_events if g == publishing.pager_group(user.pk)]


def run_at(*offsets: timedelta) -> None:
    for offset in offsets:
        paging.run_once(T0 + offset)


def test_opening_pages_only_the_primary_at_once(team, escalation, sent_events):
    primary, backup, off_duty = team
    (page,) = pages_to(primary, sent_events)
    assert page["type"] == "escalation.page"
    assert page["escalation"]["level"] == "imminent"
    assert not page["repeat"]
    assert pages_to(backup, sent_events) == pages_to(off_duty, sent_events) == []
    escalation.refresh_from_db()
    assert escalation.first_alerted_at == T0
    assert escalation.next_page_at == T0 + T1


def test_nothing_more_happens_before_t1(team, escalation, sent_events):
    before = len(sent_events)
    run_at(timedelta(0), T1 - timedelta(seconds=1))
    assert len(sent_events) == before


def test_unacknowledged_alert_repeats_and_pages_the_backup_after_t1(team, escalation, sent_events):
    primary, backup, off_duty = team
    run_at(timedelta(0), T1)
    assert [p["repeat"] for p in pages_to(primary, sent_events)] == [False, True]
    (backup_page,) = pages_to(backup, sent_events)
    assert backup_page["step"] == 1
    assert pages_to(off_duty, sent_events) == []
    assert mail.outbox == []


def test_after_t2_every_supervisor_is_paged_and_emailed(team, escalation, sent_events):
    off_duty = team[2]
    run_at(timedelta(0), T1, T2)
    assert len(pages_to(off_duty, sent_events)) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in team)
    email = mail.outbox[0]
    assert "Imminent" in email.subject
    assert "https://chat.example.org/supervisor/" in email.body
    assert "Quiet Heron" not in email.subject + email.body
    escalation.refresh_from_db()
    assert escalation.next_page_at == T0 + T2 + REPEAT


def test_acknowledging_stops_the_policy(team, escalation, sent_events):
    primary, backup, _ = team
    run_at(timedelta(0))
    handling.do_acknowledge(staff_actor(primary), escalation.pk, now=T0 + timedelta(seconds=20))
    run_at(T1, T2)
    assert len(pages_to(primary, sent_events)) == 1
    assert pages_to(backup, sent_events) == []
    assert mail.outbox == []


def test_pages_written_before_an_acknowledgement_are_never_sent(team, escalation, sent_events):
    primary, _, _ = team
    paging.do_advance_due(T0 + T1)
    handling.do_acknowledge(staff_actor(primary), escalation.pk, now=T0 + T1)
    assert paging.do_deliver_pages(T0 + T1) == 0
    assert {page.cancelled_at for page in Page.objects.filter(step=1)} == {T0 + T1}


def test_policy_loops_back_to_the_primary(team, escalation, sent_events, settings):
    settings.ESCALATION_POLICY_REPEATS = 1
    primary, _, _ = team
    run_at(timedelta(0), T1, T2)
    escalation.refresh_from_db()
    assert escalation.next_page_at == T0 + T2 + T1
    run_at(T2 + T1 - timedelta(seconds=1))
    assert len(pages_to(primary, sent_events)) == 3
    run_at(T2 + T1)
    assert len(pages_to(primary, sent_events)) == 4
    run_at(T2 + T1 + T1, T2 + T1 + T2)
    escalation.refresh_from_db()
    assert escalation.policy_step == 6
    assert escalation.next_page_at == T0 + (T2 + T1) + T2 + REPEAT


def test_an_unacknowledged_escalation_keeps_paging_everyone_past_every_repeat(
    team, escalation, sent_events, make_staff
):
    admin = make_staff(roles.ADMIN)
    off_duty = team[2]
    hours = [T2 + n * REPEAT for n in range(0, 40)]  # more than three hours, on a fake clock
    run_at(timedelta(0), T1, *hours)
    # Step 2 at T2 and then one round every REPEAT: each to everyone, console and email.
    assert [p["step"] for p in pages_to(off_duty, sent_events)] == list(range(2, 42))
    assert len(pages_to(admin, sent_events)) == 40
    assert len(mail.outbox) == 40 * 4
    assert Page.objects.filter(recipient=admin, sent_at__isnull=False).count() == 80
    escalation.refresh_from_db()
    assert escalation.state == Escalation.State.OPEN
    assert escalation.next_page_at == T0 + T2 + 40 * REPEAT


def test_paging_stops_only_when_someone_acknowledges(team, escalation, sent_events):
    primary, _, _ = team
    run_at(timedelta(0), T1, T2, T2 + REPEAT, T2 + 2 * REPEAT)
    handling.do_acknowledge(staff_actor(primary), escalation.pk, now=T0 + T2 + 2 * REPEAT)
    before = len(sent_events)
    run_at(T2 + 3 * REPEAT, T2 + 50 * REPEAT)
    assert len([e for _, e in sent_events[before:] if e["type"] == "escalation.page"]) == 0
    escalation.refresh_from_db()
    assert escalation.next_page_at is None


def test_a_worker_that_fell_behind_pages_once_reaching_everyone_it_missed(
    team, escalation, sent_events
):
    primary, backup, off_duty = team
    late = T2 + REPEAT + timedelta(minutes=1)
    run_at(late, late, late, late)
    # Steps 1, 2 and 3 were all due: one round, numbered 3, to primary, backup and everyone.
    assert [p["step"] for p in pages_to(primary, sent_events)] == [0, 3]
    assert [p["step"] for p in pages_to(backup, sent_events)] == [3]
    assert [p["step"] for p in pages_to(off_duty, sent_events)] == [3]
    assert len(mail.outbox) == 3
    escalation.refresh_from_db()
    assert escalation.next_page_at == T0 + T2 + 2 * REPEAT


def test_running_again_never_sends_a_page_twice(team, escalation, sent_events):
    primary, _, _ = team
    run_at(timedelta(0), timedelta(0), timedelta(seconds=1))
    assert len(pages_to(primary, sent_events)) == 1
    assert Page.objects.filter(sent_at__isnull=False).count() == 1


def test_nobody_on_call_means_every_supervisor_and_admin_is_paged_first(
    make_staff, open_escalation, sent_events
):
    supervisors = [make_staff(roles.SUPERVISOR) for _ in range(2)]
    admin = make_staff(roles.ADMIN)
    mentor = make_staff(roles.MENTOR)
    open_escalation()
    assert all(len(pages_to(s, sent_events)) == 1 for s in supervisors)
    assert len(pages_to(admin, sent_events)) == 1
    assert pages_to(mentor, sent_events) == []


def test_an_ended_shift_is_not_paged(team, open_escalation, sent_events):
    primary, _, off_duty = team
    OnCallOverride.objects.filter(user=primary).update(ends_at=T0 - timedelta(minutes=1))
    open_escalation()
    assert len(pages_to(off_duty, sent_events)) == 1


def test_mentors_and_deactivated_staff_on_the_schedule_are_never_paged(
    make_staff, team, open_escalation, sent_events
):
    primary, _, off_duty = team
    mentor = make_staff(roles.MENTOR)
    OnCallOverride.objects.create(user=mentor, tier="primary", starts_at=T0 - timedelta(hours=1))
    primary.is_active = False
    primary.save()
    open_escalation()
    assert pages_to(mentor, sent_events) == []
    assert pages_to(primary, sent_events) == []
    assert len(pages_to(off_duty, sent_events)) == 1


def test_failing_email_is_retried_then_given_up_without_blocking_console_pages(
    team, escalation, sent_events, monkeypatch
):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(paging, "send_mail", refuse)
    run_at(timedelta(0), T1, T2)
    emails = Page.objects.filter(channel=Page.Channel.EMAIL)
    assert emails.count() == 3 and not emails.filter(sent_at__isnull=False).exists()
    assert Page.objects.filter(channel=Page.Channel.CONSOLE, sent_at__isnull=True).count() == 0
    for _ in range(paging.MAX_ATTEMPTS):
        run_at(T2)
    assert all(page.failed_at is not None for page in emails)
    assert all(page.attempts == paging.MAX_ATTEMPTS for page in emails)


def test_console_reads_the_pages_sent_to_its_supervisor_since_a_moment(team, escalation):
    primary, backup, _ = team
    run_at(T1)
    read = paging.console_pages_sent_since(primary.pk, T0, set())
    assert [(p["step"], p["repeat"]) for p in read] == [(0, False), (1, True)]
    assert read[1]["escalation"]["id"] == escalation.pk
    assert [p["step"] for p in paging.console_pages_sent_since(backup.pk, T0, set())] == [1]
    assert paging.console_pages_sent_since(primary.pk, T0 + T1 + timedelta(seconds=1), set()) == []


def test_console_does_not_read_again_a_page_it_has_shown(team, escalation):
    primary, _, _ = team
    run_at(T1)
    shown = {(escalation.pk, 0)}
    assert [p["step"] for p in paging.console_pages_sent_since(primary.pk, T0, shown)] == [1]


def test_console_reads_no_pages_of_an_acknowledged_escalation(team, escalation):
    primary, _, _ = team
    run_at(T1)
    handling.do_acknowledge(staff_actor(primary), escalation.pk, now=T1 + T0)
    assert paging.console_pages_sent_since(primary.pk, T0, set()) == []
