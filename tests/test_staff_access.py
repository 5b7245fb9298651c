"""Staff access control: two factors, session timeout, logout closing sockets, audited reads."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from asgiref.sync import sync_to_async
from django.test import Client

from chatplatform import roles
from chatplatform.models import AuditEntry
from chatplatform.services.participants import SESSION_KEY
from tests.conftest import STAFF_PASSWORD, staff_session
from tests.servers import totp_code

MFA_ROLES = [roles.SUPERVISOR, roles.EVALUATOR, roles.ADMIN]


def password_only(user) -> Client:
    """Signed in through allauth's login form, with no second factor (none is set up)."""
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    return client


class TestTwoFactorsAreRequired:
    @pytest.mark.parametrize("role", MFA_ROLES)
    def test_role_without_an_authenticator_is_sent_to_set_one_up(self, make_staff, role):
        client = password_only(make_staff(role))
        for page in ("/staff/", "/admin/", "/"):
            response = client.get(page)
            assert response.status_code == 302, page
            assert response.url.startswith("/accounts/2fa/totp/activate/"), page

    @pytest.mark.parametrize("role", MFA_ROLES)
    def test_role_with_an_authenticator_but_a_password_only_session_is_signed_out(
        self, make_staff, role
    ):
        user = make_staff(role)
        Client().force_login(user)  # gives the user an authenticator
        client = Client()
        assert client.login(email=user.email, password=STAFF_PASSWORD)  # password only
        response = client.get("/staff/")
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
        assert "_auth_user_id" not in client.session

    @pytest.mark.parametrize("role", MFA_ROLES)
    def test_api_and_form_posts_get_a_403_not_a_redirect(self, make_staff, role):
        client = password_only(make_staff(role))
        assert client.post("/me/handle/").status_code == 403
        assert client.get("/api/rooms/").status_code == 403

    def test_mentor_is_not_required_by_default(self, make_staff):
        assert password_only(make_staff(roles.MENTOR)).get("/staff/").status_code == 200

    def test_mentors_can_be_required_too(self, make_staff, settings):
        settings.MFA_REQUIRED_ROLES = [*MFA_ROLES, roles.MENTOR]
        response = password_only(make_staff(roles.MENTOR)).get("/staff/")
        assert response.url.startswith("/accounts/2fa/totp/activate/")

    def test_the_setup_and_sign_out_pages_stay_reachable(self, make_staff, settings):
        client = password_only(make_staff(roles.SUPERVISOR))
        # Right after signing in, the password just typed is enough (test_signin_pages).
        assert client.get("/accounts/2fa/totp/activate/").status_code == 200
        # Later, allauth asks for the password again before any two-factor change.
        settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
        response = client.get("/accounts/2fa/totp/activate/")
        assert response.url.startswith("/accounts/reauthenticate/")
        assert client.get(response.url).status_code == 200
        assert client.post("/accounts/logout/").status_code == 302

    # allauth announces the new authenticator after commit, inside the request.
    @pytest.mark.django_db(transaction=True)
    def test_setting_up_totp_gives_recovery_codes_and_opens_the_pages(self, make_staff):
        user = make_staff(roles.ADMIN)
        client = password_only(user)
        client.post("/accounts/reauthenticate/", {"password": STAFF_PASSWORD})
        assert client.get("/accounts/2fa/totp/activate/").status_code == 200
        secret = client.session["mfa.totp.secret"]
        response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
        assert response.status_code == 302
        assert Authenticator.objects.filter(user=user, type="recovery_codes").exists()
        assert client.get("/admin/").status_code == 200

    def test_sign_in_asks_for_the_code_once_totp_is_set_up(self, make_staff):
        from tests.conftest import TEST_TOTP_SECRET

        user = make_staff(roles.SUPERVISOR)
        Client().force_login(user)
        client = Client()
        response = client.post(
            "/accounts/login/", {"login": user.email, "password": STAFF_PASSWORD}
        )
        assert response.url == "/accounts/2fa/authenticate/"
        assert client.get("/staff/").status_code == 302  # not signed in yet
        client.post("/accounts/2fa/authenticate/", {"code": totp_code(TEST_TOTP_SECRET)})
        assert client.get("/staff/").status_code == 200

    def test_staff_cannot_switch_their_authenticator_off(self, make_staff):
        user = make_staff(roles.SUPERVISOR)
        client = Client()
        client.force_login(user)
        client.post("/accounts/2fa/totp/deactivate/")
        assert Authenticator.objects.filter(user=user, type="totp").exists()

    def test_admin_login_page_goes_through_allauth(self, client, db):
        response = client.get("/admin/login/?next=/admin/")
        assert response.status_code == 302 and response.url == "/accounts/login/?next=/admin/"


@pytest.mark.django_db(transaction=True)
class TestWebsocketsNeedTwoFactorsToo:
    @pytest.mark.parametrize("role", MFA_ROLES)
    async def test_password_only_staff_socket_is_refused(
        self, ws_connect, make_staff, make_group_room, role
    ):
        user = await sync_to_async(make_staff)(role)
        room = await sync_to_async(make_group_room)()
        key = await sync_to_async(staff_session)(user, mfa=False)
        connected, code, _ = await ws_connect(f"/ws/rooms/{room.pk}/", key)
        assert (connected, code) == (False, 4401)

    async def test_supervisor_with_two_factors_connects(
        self, ws_connect, session_for, make_staff, make_group_room
    ):
        user = await sync_to_async(make_staff)(roles.SUPERVISOR)
        room = await sync_to_async(make_group_room)()
        connected, _, _ = await ws_connect(
            f"/ws/rooms/{room.pk}/", await sync_to_async(session_for)(user)
        )
        assert connected


class TestSessions:
    def test_staff_sessions_expire_after_inactivity(self, make_staff, settings):
        client = Client()
        client.force_login(make_staff(roles.MENTOR))
        client.get("/staff/")
        assert client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_MINUTES * 60

    def test_participant_sessions_keep_their_persistent_cookie(self, client, db, settings):
        client.post("/chat/request/")
        assert client.session.get(SESSION_KEY) is not None
        assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
        assert settings.SESSION_COOKIE_AGE == 30 * 86400


@pytest.mark.django_db(transaction=True)
async def test_logout_closes_the_staff_members_open_websockets(ws_connect, make_staff):
    user = await sync_to_async(make_staff)(roles.MENTOR)
    client = Client()
    await sync_to_async(client.force_login)(user)
    key = client.cookies["sessionid"].value
    connected, _, socket = await ws_connect("/ws/staff/", key)
    assert connected
    await socket.receive_type("staff.snapshot")

    await sync_to_async(client.post)("/accounts/logout/")

    assert (await socket.receive_type("closed"))["reason"] == "signed_out"
    assert (await socket.communicator.receive_output(timeout=2))["code"] == 4401


class TestAuditedTranscriptReads:
    @pytest.mark.django_db(transaction=True)
    async def test_supervisor_opening_someone_elses_chat_is_audited_with_reason(
        self, ws_connect, session_for, make_staff, make_direct_chat
    ):
        room, _participant, mentor = await sync_to_async(make_direct_chat)()
        supervisor = await sync_to_async(make_staff)(roles.SUPERVISOR)
        key = await sync_to_async(session_for)(supervisor)
        connected, _, _ = await ws_connect(f"/ws/rooms/{room.pk}/?reason=escalation+42", key)
        assert connected
        entry = await sync_to_async(AuditEntry.objects.get)(action="transcript.read")
        assert (entry.actor, entry.room_id, entry.reason) == (
            f"staff:{supervisor.pk}",
            room.pk,
            "escalation 42",
        )
        # The chat's own mentor reading their chat is not a transcript read.
        connected, _, _ = await ws_connect(
            f"/ws/rooms/{room.pk}/", await sync_to_async(session_for)(mentor)
        )
        assert connected
        assert await sync_to_async(AuditEntry.objects.filter(action="transcript.read").count)() == 1

    def test_admin_reads_a_transcript_only_after_giving_a_reason(
        self, make_staff, make_direct_chat, access_for
    ):
        import uuid

        from chatplatform.services import messages as message_service

        room, participant, _mentor = make_direct_chat()
        message_service.do_send_message(
            access_for(participant, room), str(uuid.uuid4()), "confidential words"
        )
        admin_user = make_staff(roles.ADMIN)
        client = Client()
        client.force_login(admin_user)
        url = f"/admin/chatplatform/room/{room.pk}/transcript/"

        form = client.get(url)
        assert "confidential words" not in form.content.decode()
        assert not AuditEntry.objects.filter(action="transcript.read").exists()

        page = client.post(url, {"reason": "complaint review"})
        assert "confidential words" in page.content.decode()
        assert "no-store" in page["Cache-Control"]
        entry = AuditEntry.objects.get(action="transcript.read")
        assert (entry.actor, entry.room_id, entry.reason, entry.data) == (
            f"staff:{admin_user.pk}",
            room.pk,
            "complaint review",
            {"via": "admin"},
        )

    def test_the_transcript_view_takes_no_other_method(self, make_staff, make_direct_chat):
        room, _participant, _mentor = make_direct_chat()
        client = Client()
        client.force_login(make_staff(roles.ADMIN))
        url = f"/admin/chatplatform/room/{room.pk}/transcript/"
        for method in (client.put, client.patch, client.delete, client.options):
            assert method(url, "reason=complaint+review").status_code == 405
        assert client.head(url).status_code == 200
        assert not AuditEntry.objects.exists()

    def test_mentor_cannot_reach_the_transcript_view(self, make_staff, make_direct_chat):
        room, _participant, mentor = make_direct_chat()
        client = Client()
        client.force_login(mentor)
        response = client.get(f"/admin/chatplatform/room/{room.pk}/transcript/")
        assert response.status_code == 302 and response.url.startswith("/admin/login/")
        assert not AuditEntry.objects.exists()
