"""Rules are data: admins edit them in the Django admin, or load them from a YAML file."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from chatplatform import audit, roles
from chatplatform.actors import staff_actor
from chatplatform.errors import ServiceError
from chatplatform.models import AuditEntry
from chatplatform.services import messages as message_service
from moderation.models import Rule, Sanction
from moderation.services.actions import do_lift_ban
from tests.moderation_helpers import run_frame


def admin_client(make_staff):
    admin = make_staff(roles.ADMIN)
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    return client, admin


def rule_form(**overrides):
    form = {
        "name": "no-spoilers",
        "description": "",
        "room": "",
        "match": "terms",
        "patterns": "the ending",
        "allow": "",
        "action": "block",
        "exempt_staff": "on",
        "notice": "No spoilers, please.",
        "is_active": "on",
        "position": "10",
    }
    form.update(overrides)
    return form


def test_an_admin_adds_a_rule_that_applies_at_once_and_is_audited(
    make_staff, make_participant, make_group_room, access_for
):
    client, admin = admin_client(make_staff)
    response = client.post("/admin/moderation/rule/add/", rule_form())
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="rule_add")
    assert (entry.actor, entry.reason) == (audit.staff_label(admin.pk), "no-spoilers")
    room = make_group_room()
    with pytest.raises(ServiceError) as error:
        message_service.do_send_message(
            access_for(make_participant(), room), str(uuid.uuid4()), "the ending!"
        )
    assert error.value.code == "blocked"


def test_an_invalid_regular_expression_is_refused_in_the_admin(make_staff):
    client, _ = admin_client(make_staff)
    response = client.post(
        "/admin/moderation/rule/add/", rule_form(match="regex", patterns="(unclosed")
    )
    assert response.status_code == 200
    assert "invalid regular expression" in response.content.decode()
    assert not Rule.objects.filter(name="no-spoilers").exists()


def test_rules_load_from_a_yaml_file(tmp_path, make_group_room):
    room = make_group_room()
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - name: exam-answers\n"
        f"    room: {room.slug}\n"
        "    match: terms\n"
        "    patterns: [answer key]\n"
        "    action: hold\n"
        "  - name: slurs\n"
        "    match: terms\n"
        "    patterns: [only-this]\n"
        "    action: flag\n"
    )
    call_command("load_moderation_rules", str(path))
    assert Rule.objects.get(name="exam-answers").room == room
    assert Rule.objects.get(name="slurs").patterns == "only-this"
    assert Rule.objects.filter(name="contact-details").exists()  # rules not in the file stay
    assert AuditEntry.objects.filter(action="load_rules", actor=audit.SYSTEM).exists()


def test_a_bad_rule_file_names_the_rule_and_changes_nothing(tmp_path, db):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {name: broken, match: regex, patterns: ['('], action: flag}\n")
    with pytest.raises(CommandError, match="'broken'"):
        call_command("load_moderation_rules", str(path))
    assert not Rule.objects.filter(name="broken").exists()


def test_lifting_a_ban_lets_the_participant_back_and_is_audited(scene, access_for, make_staff):
    run_frame(
        access_for(scene.mentor, scene.room),
        {"type": "mod.ban", "message": scene.target_message, "reason": "threats"},
    )
    supervisor = make_staff(roles.SUPERVISOR)
    do_lift_ban(staff_actor(supervisor), Sanction.objects.get(kind="ban"))
    access_for(scene.target, scene.room)
    entry = AuditEntry.objects.get(action="unban")
    assert (entry.actor, entry.target) == (audit.staff_label(supervisor.pk), "Loud Crow 4")
