"""The on-call schedule as data: edited by admins, set up from the command line, read by paging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from escalation.models import Escalation, OnCallOverride, Page
from escalation.opening import do_open_escalation

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_admin_puts_a_supervisor_on_call_in_the_django_admin(make_staff):
    admin = make_staff(roles.ADMIN)
    supervisor = make_staff(roles.SUPERVISOR)
    client = admin_client(admin)
    assert client.get("/admin/escalation/oncalloverride/add/").status_code == 200
    response = client.post(
        "/admin/escalation/oncalloverride/add/",
        {"user": supervisor.pk, "tier": "backup", "starts_at_0": "2026-11-28",
         "starts_at_1": "08:00:00", "ends_at_0": "2026-11-28", "ends_at_1": "20:00:00"},
    )  # fmt: skip
    assert response.status_code == 302
    assert OnCallOverride.objects.get().user == supervisor


def test_a_shift_that_ends_before_it_starts_is_refused(make_staff):
    client = admin_client(make_staff(roles.ADMIN))
    response = client.post(
        "/admin/escalation/oncalloverride/add/",
        {"user": make_staff(roles.SUPERVISOR).pk, "tier": "primary",
         "starts_at_0": "2026-11-28", "starts_at_1": "20:00:00",
         "ends_at_0": "2026-11-28", "ends_at_1": "08:00:00"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "must end after it starts" in response.content.decode()
    assert not OnCallOverride.objects.exists()


def test_only_supervisors_and_admins_can_be_put_on_call(make_staff):
    client = admin_client(make_staff(roles.ADMIN))
    mentor = make_staff(roles.MENTOR)
    response = client.post(
        "/admin/escalation/oncalloverride/add/",
        {"user": mentor.pk, "tier": "primary", "starts_at_0": "2026-11-28",
         "starts_at_1": "08:00:00"},
    )  # fmt: skip
    assert response.status_code == 200
    assert not OnCallOverride.objects.exists()


@pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.MENTOR, roles.EVALUATOR])
def test_only_admins_edit_the_schedule(role, make_staff):
    client = admin_client(make_staff(role))
    assert client.get("/admin/escalation/oncalloverride/add/").status_code == 302


def test_worker_once_sends_the_due_pages_and_exits(
    make_staff, make_group_room, sent_events, settings
):
    supervisor = make_staff(roles.SUPERVISOR)
    escalation = do_open_escalation(
        source=Escalation.Source.MENTOR, level="high", reasons=["other"],
        room_id=make_group_room().pk,
        now=timezone.now() - timedelta(seconds=settings.ESCALATION_T1_SECONDS + 1),
    ).escalation  # fmt: skip
    call_command("escalation_worker", "--once")
    repeat = Page.objects.get(escalation=escalation, step=1, recipient=supervisor)
    assert repeat.sent_at is not None
    assert [e["type"] for _, e in sent_events] == ["escalation.page"]
