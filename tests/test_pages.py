"""Participant pages, staff login, the room list API and the Django admin."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from chatplatform import roles
from chatplatform.models import CrisisResource, Participant, QueueTicket
from chatplatform.services.participants import SESSION_KEY
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def crisis_lines(db):
    CrisisResource.objects.all().delete()
    return CrisisResource.objects.create(
        region="US", region_name="United States", service="988 Suicide & Crisis Lifeline",
        phone="988", text_number="988", open_24_7=True, cost="free", emergency_number="911",
        source="test", last_checked="2026-11-01",
    )  # fmt: skip


def test_first_visit_gets_a_session_cookie_but_no_identity_yet(client, crisis_lines):
    response = client.get("/")
    assert response.status_code == 200
    assert "sessionid" in response.cookies
    assert Participant.objects.count() == 0


def test_every_participant_page_shows_crisis_lines_and_says_this_is_not_an_emergency_service(
    client, crisis_lines, make_group_room
):
    room = make_group_room()
    for path in ("/", "/help/", f"/chat/{room.pk}/"):
        page = client.get(path).content.decode()
        assert "988" in page, path
        assert "not an emergency" in page, path
        assert "Leave quickly" in page, path


def test_rooms_api_lists_open_group_rooms(client, make_group_room, make_direct_chat):
    room = make_group_room("Exam stress")
    make_direct_chat()
    data = client.get("/api/rooms/").json()
    assert data == {
        "rooms": [{"id": room.pk, "slug": room.slug, "title": "Exam stress", "kind": "group"}]
    }


def test_asking_for_a_peer_creates_the_identity_and_joins_the_queue(client, crisis_lines):
    client.get("/")
    # The optional research survey is skipped (see test_evaluation_survey_flow).
    response = client.post("/chat/request/", {"survey": "skip"})
    assert response.status_code == 302 and response.url == "/queue/"
    participant = Participant.objects.get()
    assert client.session[SESSION_KEY] == participant.pk
    assert QueueTicket.objects.filter(participant=participant, status="waiting").exists()
    assert client.get("/queue/").status_code == 200


def test_participant_keeps_their_identity_and_can_ask_for_a_new_handle(client, crisis_lines):
    client.post("/chat/request/")
    participant = Participant.objects.get()
    old_handle = participant.handle
    client.post("/me/handle/")
    participant.refresh_from_db()
    assert participant.handle != old_handle
    assert Participant.objects.count() == 1


def test_signed_in_staff_get_no_anonymous_identity_from_the_handle_form(client, make_staff):
    client.force_login(make_staff(roles.MENTOR))
    response = client.post("/me/handle/")
    assert response.status_code == 302 and response.url == reverse("staff-console")
    assert not Participant.objects.exists()
    assert SESSION_KEY not in client.session


def test_participant_with_an_open_chat_is_sent_back_to_it(client, make_direct_chat, crisis_lines):
    room, participant, _ = make_direct_chat()
    session = client.session
    session[SESSION_KEY] = participant.pk
    session.save()
    response = client.post("/chat/request/")
    assert response.url == f"/chat/{room.pk}/"


def test_someone_elses_chat_page_is_forbidden(client, make_direct_chat, crisis_lines):
    room, _, _ = make_direct_chat()
    assert client.get(f"/chat/{room.pk}/").status_code == 403


def test_identity_stores_nothing_about_the_browser(client, crisis_lines):
    client.post(
        "/chat/request/", HTTP_USER_AGENT="Very Unique Browser 1.0", REMOTE_ADDR="203.0.113.9"
    )
    participant = Participant.objects.values().get()
    assert "203.0.113.9" not in str(participant) and "Unique Browser" not in str(participant)


def test_crisis_region_can_be_switched(client, crisis_lines):
    CrisisResource.objects.create(
        region="ES", region_name="España", service="Línea 024", phone="024", open_24_7=True,
        emergency_number="112", source="test", last_checked="2026-11-01",
    )  # fmt: skip
    client.post("/help/region/", {"region": "ES"})
    assert "Línea 024" in client.get("/").content.decode()


class TestStaffLogin:
    def test_login_page_takes_login_and_password(self, client):
        page = client.get("/accounts/login/").content.decode()
        assert 'name="login"' in page and 'name="password"' in page

    def test_staff_sign_in_with_email(self, client, make_staff):
        mentor = make_staff(roles.MENTOR, email="sam@example.org")
        response = client.post(
            "/accounts/login/", {"login": "sam@example.org", "password": STAFF_PASSWORD}
        )
        assert response.status_code == 302
        assert client.get("/staff/").status_code == 200
        assert int(client.session["_auth_user_id"]) == mentor.pk

    def test_there_is_no_public_sign_up(self, client, db):
        response = client.post(
            "/accounts/signup/", {"email": "new@example.org", "password1": "x-very-long-pass-1"}
        )
        from chatplatform.models import User

        assert not User.objects.filter(email="new@example.org").exists()
        assert response.status_code in (200, 302, 403)

    @pytest.mark.parametrize("role", [roles.MENTOR, roles.SUPERVISOR, roles.ADMIN])
    def test_mentoring_roles_open_the_console(self, make_staff, role):
        client = Client()
        client.force_login(make_staff(role))
        assert client.get("/staff/").status_code == 200

    def test_evaluator_is_refused_the_mentor_console(self, make_staff):
        client = Client()
        client.force_login(make_staff(roles.EVALUATOR))
        assert client.get("/staff/").status_code == 403

    def test_participant_is_sent_to_sign_in_for_the_console(self, client):
        response = client.get("/staff/")
        assert response.status_code == 302 and "/accounts/login/" in response.url

    def test_only_admins_reach_the_django_admin(self, make_staff):
        admin_client, mentor_client = Client(), Client()
        admin_client.force_login(make_staff(roles.ADMIN))
        mentor_client.force_login(make_staff(roles.MENTOR))
        assert admin_client.get(reverse("admin:index")).status_code == 200
        assert mentor_client.get(reverse("admin:index")).status_code == 302


class TestAddStaff:
    def test_creates_a_staff_member_with_a_generated_password(self, db, capsys):
        call_command("add_staff", "new.mentor@example.org", "--role", "mentor")
        out = capsys.readouterr().out
        assert "Created new.mentor@example.org as mentor" in out
        password = out.split("Generated password: ")[1].strip()
        assert Client().login(email="new.mentor@example.org", password=password)

    def test_updates_the_role_of_an_existing_member(self, make_staff, capsys):
        from chatplatform.models import User

        user = make_staff(roles.MENTOR, email="jo@example.org")
        call_command("add_staff", "jo@example.org", "--role", "supervisor")
        assert "Updated" in capsys.readouterr().out
        assert roles.role_of(User.objects.get(pk=user.pk)) == roles.SUPERVISOR

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["not-an-email", "--role", "mentor"], "not a valid email"),
            (["a@example.org", "--role", "mentor", "--password", "123"], "password rejected"),
        ],
    )
    def test_bad_arguments_are_clear_errors(self, db, args, message):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match=message):
            call_command("add_staff", *args)

    def test_unknown_role_is_refused(self, db):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="invalid choice"):
            call_command("add_staff", "a@example.org", "--role", "wizard")

    def test_seed_demo_is_idempotent(self, db):
        from chatplatform.models import Room, User

        call_command("seed_demo", "--quiet-logins")
        counts = (Room.objects.count(), User.objects.count())
        call_command("seed_demo", "--quiet-logins")
        assert (Room.objects.count(), User.objects.count()) == counts
        assert set(Room.objects.values_list("title", flat=True)) >= {
            "General support",
            "Exam stress",
        }
