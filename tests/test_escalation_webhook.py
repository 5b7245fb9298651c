"""The on-call team's pager (PagerDuty Events API v2 or a JSON webhook), on a controllable clock,
against a real local HTTP server; and the dead man's switch."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client

from chatplatform import roles
from chatplatform.actors import staff_actor
from escalation import console_watch, handling, opening, paging, webhook
from escalation.models import Escalation, NoConsoleAlarm, OutboundAlert
from tests.webhook_receiver import webhook_receiver  # noqa: F401 (a fixture)

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
T1 = timedelta(seconds=60)
T2 = timedelta(seconds=180)
REPEAT = timedelta(seconds=300)
HANDLE = "Quiet Heron 17"


@pytest.fixture(autouse=True)
def pager(settings, webhook_receiver):  # noqa: F811
    settings.ESCALATION_T1_SECONDS = 60
    settings.ESCALATION_T2_SECONDS = 180
    settings.ESCALATION_POLICY_REPEATS = 0
    settings.ESCALATION_REPEAT_SECONDS = 300
    settings.ESCALATION_CONSOLE_URL = "https://chat.example.org/supervisor/"
    settings.PAGER_WEBHOOK_URL = webhook_receiver.url
    settings.PAGER_ROUTING_KEY = "R0UT1NGKEY"
    # The dead man's switch has its own tests below; here it stays quiet.
    settings.ESCALATION_NO_CONSOLE_SECONDS = 10**6
    return webhook_receiver


@pytest.fixture
def supervisor(make_staff):
    return make_staff(roles.SUPERVISOR)


@pytest.fixture
def open_case(make_participant, make_group_room, supervisor):
    def open_at(level: str = "imminent", at: datetime = T0) -> Escalation:
        return opening.do_open_escalation(
            source=Escalation.Source.AUTOMATIC,
            level=level,
            reasons=["means"],
            room_id=make_group_room().pk,
            participant=make_participant(handle=HANDLE),
            now=at,
        ).escalation

    return open_at


def run_at(*offsets: timedelta) -> None:
    for offset in offsets:
        paging.run_once(T0 + offset)


def triggers(pager) -> list[dict]:
    return [e for e in pager.events if e["event_action"] == "trigger"]


def test_a_new_case_triggers_the_pager_with_its_id_as_dedup_key(open_case, pager):
    escalation = open_case()
    run_at(timedelta(0))
    (event,) = pager.events
    assert event["routing_key"] == "R0UT1NGKEY"
    assert event["event_action"] == "trigger"
    assert event["dedup_key"] == f"escalation-{escalation.pk}"
    payload = event["payload"]
    assert payload["severity"] == "critical"
    assert payload["summary"].startswith(f"Imminent risk: escalation {escalation.pk} has waited")
    assert payload["source"] == "chat.example.org"
    assert payload["custom_details"]["step"] == 0
    assert payload["custom_details"]["level"] == "imminent"
    assert OutboundAlert.objects.get().sent_at == T0


def test_high_risk_is_an_error_not_critical(open_case, pager):
    open_case(level="high")
    run_at(timedelta(0))
    assert pager.events[0]["payload"]["severity"] == "error"


def test_every_re_page_triggers_once_per_step_and_never_twice(open_case, pager):
    escalation = open_case()
    run_at(timedelta(0), timedelta(0), T1, T1, T2, T2 + REPEAT, T2 + REPEAT, T2 + 2 * REPEAT)
    steps = [e["payload"]["custom_details"]["step"] for e in triggers(pager)]
    assert steps == [0, 1, 2, 3, 4]
    assert {e["dedup_key"] for e in pager.events} == {f"escalation-{escalation.pk}"}
    assert OutboundAlert.objects.filter(sent_at__isnull=False).count() == 5


def test_no_payload_holds_text_anybody_typed(open_case, pager, supervisor):
    escalation = open_case()
    run_at(timedelta(0), T1)
    actor = staff_actor(supervisor)
    handling.do_acknowledge(actor, escalation.pk, now=T0 + T1)
    handling.do_resolve(actor, escalation.pk, "de_escalated", now=T0 + T2)
    run_at(T2)
    sent = json.dumps(pager.events)
    assert HANDLE not in sent and "Quiet" not in sent
    assert escalation.room.title not in sent
    assert "means" not in sent  # not even the detector's signal names


def test_acknowledging_tells_the_pager_and_cancels_triggers_not_yet_sent(
    open_case, pager, supervisor
):
    escalation = open_case()
    run_at(timedelta(0))
    paging.do_advance_due(T0 + T1)  # step 1's trigger is written, not yet sent
    handling.do_acknowledge(staff_actor(supervisor), escalation.pk, now=T0 + T1)
    run_at(T1, T2, T2 + REPEAT)
    assert pager.actions() == [
        ("trigger", f"escalation-{escalation.pk}"),
        ("acknowledge", f"escalation-{escalation.pk}"),
    ]
    cancelled = OutboundAlert.objects.get(key=f"escalation:{escalation.pk}:trigger:1")
    assert cancelled.cancelled_at == T0 + T1 and cancelled.sent_at is None


def test_resolving_sends_resolve_with_the_same_dedup_key(open_case, pager, supervisor):
    escalation = open_case()
    run_at(timedelta(0))
    actor = staff_actor(supervisor)
    handling.do_acknowledge(actor, escalation.pk, now=T0 + T1)
    handling.do_resolve(actor, escalation.pk, "referred", now=T0 + T2)
    run_at(T2)
    dedup = f"escalation-{escalation.pk}"
    assert pager.actions() == [("trigger", dedup), ("acknowledge", dedup), ("resolve", dedup)]
    assert pager.events[-1] == {
        "routing_key": "R0UT1NGKEY",
        "event_action": "resolve",
        "dedup_key": dedup,
    }


def test_a_failing_webhook_is_retried_with_backoff(open_case, pager):
    open_case()
    pager.answer_next(500, 503)
    run_at(timedelta(0))
    alert = OutboundAlert.objects.get()
    assert (alert.attempts, alert.last_status, alert.sent_at) == (1, 500, None)
    assert alert.next_attempt_at == T0 + timedelta(seconds=4)
    run_at(timedelta(seconds=3))  # not due yet: nothing is tried
    assert OutboundAlert.objects.get().attempts == 1
    run_at(timedelta(seconds=4))
    alert.refresh_from_db()
    assert (alert.attempts, alert.last_status) == (2, 503)
    assert alert.next_attempt_at == T0 + timedelta(seconds=4 + 8)
    run_at(timedelta(seconds=12))
    alert.refresh_from_db()
    assert (alert.attempts, alert.last_status, alert.sent_at) == (
        3,
        202,
        T0 + timedelta(seconds=12),
    )
    assert len(pager.events) == 1


def test_a_refused_event_is_not_retried(open_case, pager):
    open_case()
    pager.answer_next(400)
    run_at(timedelta(0), timedelta(minutes=10))
    alert = OutboundAlert.objects.get(action="trigger", key__endswith=":0")
    assert (alert.attempts, alert.failed_at) == (1, T0)
    assert pager.events == [] or all(
        e["payload"]["custom_details"]["step"] != 0 for e in pager.events
    )


def test_an_unreachable_pager_is_retried_and_then_given_up(open_case, settings):
    # A port held by a socket that does not listen: every connection is refused.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))
        settings.PAGER_WEBHOOK_URL = f"http://127.0.0.1:{closed.getsockname()[1]}/v2/enqueue"
        escalation = open_case()
        Escalation.objects.filter(pk=escalation.pk).update(next_page_at=None)  # only step 0
        moment = T0
        for _ in range(webhook.MAX_ATTEMPTS):
            webhook.do_deliver_alerts(moment)
            moment = OutboundAlert.objects.get().next_attempt_at
    alert = OutboundAlert.objects.get()
    assert alert.attempts == webhook.MAX_ATTEMPTS
    assert alert.failed_at is not None and alert.sent_at is None


def test_acknowledge_and_resolve_never_overtake_a_trigger_in_flight(open_case, pager, supervisor):
    escalation = open_case()
    # Another worker is sending step 0's trigger (its lease runs until T0 + 30 s).
    OutboundAlert.objects.update(claim="other", claimed_until=T0 + timedelta(seconds=30))
    actor = staff_actor(supervisor)
    handling.do_acknowledge(actor, escalation.pk, now=T0 + timedelta(seconds=1))
    handling.do_resolve(actor, escalation.pk, "false_alarm", now=T0 + timedelta(seconds=2))
    webhook.do_deliver_alerts(T0 + timedelta(seconds=2))
    assert pager.events == []  # the trigger is in flight elsewhere: nothing after it goes
    webhook.do_deliver_alerts(T0 + timedelta(seconds=30))  # that worker died; its lease ends
    dedup = f"escalation-{escalation.pk}"
    assert pager.actions() == [("trigger", dedup), ("acknowledge", dedup), ("resolve", dedup)]


def test_a_case_closed_before_any_trigger_went_out_sends_nothing(open_case, pager, supervisor):
    escalation = open_case()
    pager.answer_next(500)
    run_at(timedelta(0))  # the trigger failed and waits for its retry
    actor = staff_actor(supervisor)
    handling.do_acknowledge(actor, escalation.pk, now=T0 + timedelta(seconds=1))
    handling.do_resolve(actor, escalation.pk, "false_alarm", now=T0 + timedelta(seconds=2))
    run_at(timedelta(seconds=4), timedelta(minutes=10))
    assert pager.events == []
    trigger = OutboundAlert.objects.get(action="trigger")
    assert trigger.cancelled_at == T0 + timedelta(seconds=1)
    assert not OutboundAlert.objects.exclude(action="trigger").exists()


def test_an_alert_claimed_by_a_worker_that_died_goes_out_after_its_lease(open_case, pager):
    open_case()
    OutboundAlert.objects.update(claim="dead", claimed_until=T0 + timedelta(seconds=30))
    assert webhook.do_deliver_alerts(T0 + timedelta(seconds=10)) == 0
    assert webhook.do_deliver_alerts(T0 + timedelta(seconds=30)) == 1
    assert len(pager.events) == 1


def test_without_a_webhook_url_nothing_is_written(open_case, settings, pager, supervisor):
    settings.PAGER_WEBHOOK_URL = ""
    escalation = open_case()
    run_at(timedelta(0), T1)
    handling.do_acknowledge(staff_actor(supervisor), escalation.pk, now=T0 + T1)
    assert not OutboundAlert.objects.exists()
    assert pager.events == []


class TestDeadMansSwitch:
    @pytest.fixture(autouse=True)
    def threshold(self, settings):
        settings.ESCALATION_NO_CONSOLE_SECONDS = 120

    def test_open_cases_and_no_console_page_the_pager_and_email_everyone_once(
        self, open_case, pager, make_staff, supervisor
    ):
        admin = make_staff(roles.ADMIN)
        mentor = make_staff(roles.MENTOR)
        console_watch.do_console_seen("console-1", supervisor.pk, now=T0 - timedelta(minutes=5))
        console_watch.do_console_closed("console-1")
        escalation = open_case()
        run_at(timedelta(0), timedelta(seconds=119))
        assert not NoConsoleAlarm.objects.exists()
        run_at(timedelta(seconds=120), timedelta(seconds=121), timedelta(seconds=122))
        alarm = NoConsoleAlarm.objects.get()
        assert alarm.is_active and alarm.open_escalations == 1
        (event,) = [e for e in pager.events if e["dedup_key"].startswith("no-supervisor")]
        assert event["payload"]["severity"] == "critical"
        assert event["payload"]["custom_details"]["open_escalations"] == 1
        recipients = sorted(m.to[0] for m in mail.outbox if "nobody is watching" in m.subject)
        assert recipients == sorted([supervisor.email, admin.email])
        assert mentor.email not in recipients
        assert HANDLE not in json.dumps(pager.events) + "".join(m.body for m in mail.outbox)
        assert escalation.state == Escalation.State.OPEN

    def test_a_connected_console_keeps_the_switch_quiet(self, open_case, pager, supervisor):
        open_case()
        for offset in range(0, 600, 10):
            console_watch.do_console_seen(
                "console-1", supervisor.pk, now=T0 + timedelta(seconds=offset)
            )
            paging.run_once(T0 + timedelta(seconds=offset))
        assert not NoConsoleAlarm.objects.exists()
        assert not [e for e in pager.events if e["dedup_key"].startswith("no-supervisor")]

    def test_a_console_that_stopped_being_seen_raises_it_after_the_threshold(
        self, open_case, pager, supervisor
    ):
        console_watch.do_console_seen("console-1", supervisor.pk, now=T0)
        open_case()
        run_at(timedelta(seconds=119))
        assert not NoConsoleAlarm.objects.exists()
        run_at(timedelta(seconds=120))
        assert NoConsoleAlarm.objects.get().console_last_seen_at == T0

    def test_the_alarm_clears_when_a_console_connects_and_the_pager_is_resolved(
        self, open_case, pager, supervisor
    ):
        open_case()
        run_at(timedelta(seconds=120))
        alarm = NoConsoleAlarm.objects.get()
        console_watch.do_console_seen("console-2", supervisor.pk, now=T0 + timedelta(seconds=130))
        run_at(timedelta(seconds=131))
        alarm.refresh_from_db()
        assert not alarm.is_active and alarm.cleared_at == T0 + timedelta(seconds=131)
        dedup = f"no-supervisor-console-{alarm.pk}"
        assert [a for a, d in pager.actions() if d == dedup] == ["trigger", "resolve"]

    def test_nothing_waiting_means_no_alarm(self, pager, db):
        run_at(timedelta(0), timedelta(hours=1))
        assert not NoConsoleAlarm.objects.exists()

    def test_admins_see_a_banner_and_mentors_do_not(self, open_case, make_staff):
        open_case()
        run_at(timedelta(seconds=120))
        admin, mentor = make_staff(roles.ADMIN), make_staff(roles.MENTOR)
        pages = {}
        for user in (admin, mentor):
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            pages[user.pk] = client.get("/staff/").content.decode()
        assert "no supervisor console has been connected" in pages[admin.pk]
        assert "staff-alerts" not in pages[mentor.pk]

    def test_the_django_admin_shows_admins_the_banner_too(self, open_case, make_staff):
        admin, supervisor = make_staff(roles.ADMIN), make_staff(roles.SUPERVISOR)
        client = Client()
        client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
        before = client.get("/admin/")
        assert before.status_code == 200
        assert "no supervisor console has been connected" not in before.content.decode()
        open_case()
        run_at(timedelta(seconds=120))
        for path in ("/admin/", "/admin/escalation/escalation/"):
            page = client.get(path).content.decode()
            assert "no supervisor console has been connected" in page, path
            assert 'href="/supervisor/"' in page, path
            # Django's own admin page still, with its header.
            assert 'id="site-name"' in page, path
        # A supervisor is not let into the admin, and is not shown the admins' banner there.
        other = Client()
        other.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
        refused = other.get("/admin/")
        assert refused.status_code == 302
        assert "no supervisor console has been connected" not in refused.content.decode()
