"""The moderation queue page, the audit log page and the verify_audit command."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.test import Client

from chatplatform import roles
from chatplatform.models import AuditEntry, Message
from moderation.models import ReviewItem
from tests.moderation_helpers import audit_note, run_frame


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def flagged(scene, access_for):
    """The scene's room with one flagged message in the queue."""
    scene.send(access_for(scene.bystander, scene.room), "before it")
    result = scene.send(access_for(scene.target, scene.room), "don't be a retard")
    return ReviewItem.objects.get(message__seq=result.id)


class TestQueuePage:
    def test_an_assigned_mentor_sees_the_item_with_context_and_counts(self, scene, flagged):
        response = client_for(scene.mentor).get("/staff/moderation/")
        assert response.status_code == 200
        page = response.content.decode()
        assert "don&#x27;t be a retard" in page and "before it" in page
        assert "slurs" in page
        assert "1 open item" in page

    def test_a_mentor_from_another_room_sees_nothing_of_it(self, flagged, make_staff):
        response = client_for(make_staff(roles.MENTOR)).get("/staff/moderation/")
        assert response.status_code == 200
        assert "retard" not in response.content.decode()

    def test_evaluators_are_refused(self, flagged, make_staff):
        assert client_for(make_staff(roles.EVALUATOR)).get("/staff/moderation/").status_code == 403

    def test_participants_must_sign_in(self, flagged):
        response = Client().get("/staff/moderation/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_resolving_with_an_action_and_a_note(self, scene, flagged):
        response = client_for(scene.mentor).post(
            f"/staff/moderation/items/{flagged.pk}/resolve/",
            {"resolution": "hide", "note": "slur aimed at someone"},
        )
        assert response.status_code == 302
        flagged.refresh_from_db()
        assert (flagged.resolution, flagged.note) == ("hide", "")
        assert Message.objects.get(pk=flagged.message_id).hidden_at is not None
        entry = AuditEntry.objects.get(action="resolve")
        assert entry.reason == "" and audit_note(entry).endswith("slur aimed at someone")

    def test_a_mentor_from_another_room_cannot_resolve(self, flagged, make_staff):
        response = client_for(make_staff(roles.MENTOR)).post(
            f"/staff/moderation/items/{flagged.pk}/resolve/", {"resolution": "dismiss"}
        )
        assert response.status_code == 403
        flagged.refresh_from_db()
        assert flagged.is_open

    def test_a_supervisor_can_resolve_any_room(self, flagged, make_staff):
        client_for(make_staff(roles.SUPERVISOR)).post(
            f"/staff/moderation/items/{flagged.pk}/resolve/", {"resolution": "dismiss"}
        )
        flagged.refresh_from_db()
        assert flagged.resolution == "dismiss"


class TestAuditLogPage:
    @pytest.fixture
    def history(self, scene, access_for, make_group_room, make_staff):
        access = access_for(scene.mentor, scene.room)
        run_frame(
            access,
            {
                "type": "mod.hide",
                "message": scene.target_message,
                "reason": "hidden-for-the-filter-test",
            },
        )
        run_frame(access, {"type": "mod.lock", "locked": True})
        return scene

    @pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.ADMIN])
    def test_supervisors_and_admins_read_it(self, history, make_staff, role):
        response = client_for(make_staff(role)).get("/staff/moderation/audit/")
        assert response.status_code == 200
        page = response.content.decode()
        assert "hide" in page and "lock" in page and "Loud Crow 4" in page
        # The moderator's words are content: the page points at the note, never shows it.
        assert "hidden-for-the-filter-test" not in page
        note = AuditEntry.objects.get(action="hide").data["note"]
        assert f"note in message {note}" in page

    @pytest.mark.parametrize("role", [roles.MENTOR, roles.EVALUATOR])
    def test_mentors_and_evaluators_may_not(self, history, make_staff, role):
        assert client_for(make_staff(role)).get("/staff/moderation/audit/").status_code == 403

    def test_filters_by_room_actor_and_date(self, history, make_staff, make_group_room):
        client = client_for(make_staff(roles.SUPERVISOR))
        other = make_group_room("Exam stress")
        assert (
            "Loud Crow 4"
            not in client.get(f"/staff/moderation/audit/?room={other.pk}").content.decode()
        )
        by_room = client.get(f"/staff/moderation/audit/?room={history.room.pk}").content.decode()
        assert "Loud Crow 4" in by_room
        by_actor = client.get("/staff/moderation/audit/?actor=automod").content.decode()
        assert "Loud Crow 4" not in by_actor
        mine = client.get(f"/staff/moderation/audit/?actor=staff:{history.mentor.pk}")
        assert "Loud Crow 4" in mine.content.decode()
        past = client.get("/staff/moderation/audit/?until=2000-01-01").content.decode()
        assert "Loud Crow 4" not in past


class TestVerifyAudit:
    def test_an_intact_log_verifies(self, scene, access_for, capsys):
        run_frame(
            access_for(scene.mentor, scene.room),
            {"type": "mod.hide", "message": scene.target_message, "reason": "unkind"},
        )
        call_command("verify_audit")
        assert "intact" in capsys.readouterr().out

    def test_a_row_edited_in_the_database_is_named_and_the_command_fails(self, scene, access_for):
        access = access_for(scene.mentor, scene.room)
        run_frame(access, {"type": "mod.hide", "message": scene.target_message, "reason": "a"})
        run_frame(access, {"type": "mod.mute", "message": scene.target_message, "minutes": 5})
        run_frame(access, {"type": "mod.lock", "locked": True})
        edited = AuditEntry.objects.get(action="mute")
        AuditEntry.objects.filter(pk=edited.pk).update(reason="nothing to see")
        with pytest.raises(CommandError, match=f"broken at entry {edited.seq}: was changed"):
            call_command("verify_audit")
        with pytest.raises(SystemExit) as exit_:
            execute_from_command_line(["manage.py", "verify_audit"])
        assert exit_.value.code != 0

    def test_a_deleted_row_is_named(self, scene, access_for):
        access = access_for(scene.mentor, scene.room)
        run_frame(access, {"type": "mod.hide", "message": scene.target_message, "reason": "a"})
        run_frame(access, {"type": "mod.lock", "locked": True})
        first = AuditEntry.objects.order_by("seq").first()
        first.delete()
        with pytest.raises(
            CommandError, match=f"broken at entry {first.seq}: entry {first.seq} is missing"
        ):
            call_command("verify_audit")
