"""Staff sign-in: the project's own pages for every allauth step staff can reach, the
password asked once, and ``next`` kept from the first screen to the console.
"""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from chatplatform import roles
from tests.conftest import STAFF_PASSWORD, TEST_TOTP_SECRET
from tests.servers import totp_code
from tests.test_language import english_fragments, english_on, html_lang

pytestmark = pytest.mark.django_db


def looks_like_the_site(page: str, language: str) -> None:
    """The site's layout: lang, landmarks, one h1, the language switch, no sign-up link."""
    assert html_lang(page) == language
    assert '<main id="main"' in page
    assert 'class="site-header"' in page
    assert len(re.findall(r"<h1[ >]", page)) == 1
    assert 'name="language"' in page
    assert not re.search(r"href=\"[^\"]*signup", page)


def password_sign_in(client: Client, email: str, next_url: str = "") -> str:
    """Submit the sign-in form; returns where it sends the person."""
    data = {"login": email, "password": STAFF_PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post("/accounts/login/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return response.url


class TestEveryPageIsTheProjects:
    @pytest.mark.parametrize("language", ["en", "es"])
    def test_pages_before_sign_in(self, db, language):
        client = Client(headers={"accept-language": language})
        fragments = english_fragments()
        for path in (
            "/accounts/login/",
            "/accounts/password/reset/",
            "/accounts/password/reset/done/",
            "/accounts/password/reset/key/1-set-password/",
            "/accounts/signup/",
        ):
            page = client.get(path, follow=True).content.decode()
            looks_like_the_site(page, language)
            if language == "es":
                assert not english_on(page, fragments), path

    def test_login_is_the_projects_page_without_a_sign_up_link(self, client, db):
        page = client.get("/accounts/login/").content.decode()
        assert "Staff sign in" in page
        assert "Sign up" not in page and "Sign Up" not in page
        assert 'autocomplete="current-password"' in page
        assert "Forgot your password?" in page

    @pytest.mark.parametrize("language", ["en", "es"])
    def test_pages_while_setting_up_two_factors(self, make_staff, language):
        user = make_staff(roles.SUPERVISOR)
        client = Client(headers={"accept-language": language})
        password_sign_in(client, user.email)
        activate = client.get("/accounts/2fa/totp/activate/").content.decode()
        looks_like_the_site(activate, language)
        assert 'src="data:image/svg+xml;base64,' in activate
        reauthenticate = client.get("/accounts/reauthenticate/").content.decode()
        looks_like_the_site(reauthenticate, language)
        if language == "es":
            fragments = english_fragments()
            assert not english_on(activate, fragments)
            assert not english_on(reauthenticate, fragments)

    @pytest.mark.parametrize("language", ["en", "es"])
    def test_pages_after_sign_in(self, make_staff, language):
        user = make_staff(roles.SUPERVISOR)
        client = Client(headers={"accept-language": language})
        client.force_login(user)
        client.post("/accounts/reauthenticate/", {"password": STAFF_PASSWORD})
        client.post("/accounts/2fa/recovery-codes/generate/")
        fragments = english_fragments()
        for path in (
            "/accounts/logout/",
            "/accounts/2fa/",
            "/accounts/2fa/recovery-codes/",
            "/accounts/2fa/recovery-codes/generate/",
            "/accounts/2fa/reauthenticate/",
        ):
            response = client.get(path)
            assert response.status_code == 200, path
            page = response.content.decode()
            looks_like_the_site(page, language)
            if language == "es":
                assert not english_on(page, fragments), path

    def test_the_two_factor_pages_take_no_other_method(self, make_staff):
        user = make_staff(roles.SUPERVISOR)
        client = Client()
        client.force_login(user)
        client.post("/accounts/reauthenticate/", {"password": STAFF_PASSWORD})
        before = list(Authenticator.objects.filter(user=user).values_list("pk", "data"))
        for path in ("/accounts/2fa/recovery-codes/generate/", "/accounts/2fa/recovery-codes/"):
            for method in (client.put, client.patch, client.delete, client.options):
                assert method(path).status_code == 405, (path, method)
        assert list(Authenticator.objects.filter(user=user).values_list("pk", "data")) == before

    def test_code_page_of_a_later_sign_in(self, make_staff):
        user = make_staff(roles.SUPERVISOR)
        Client().force_login(user)  # gives the user their authenticator
        client = Client(headers={"accept-language": "es"})
        assert password_sign_in(client, user.email) == "/accounts/2fa/authenticate/"
        page = client.get("/accounts/2fa/authenticate/").content.decode()
        looks_like_the_site(page, "es")
        assert "Escribe tu código" in page
        assert not english_on(page, english_fragments())

    def test_password_reset_sends_its_email_in_the_readers_language(self, make_staff):
        user = make_staff(roles.MENTOR)
        client = Client(headers={"accept-language": "es"})
        response = client.post("/accounts/password/reset/", {"email": user.email})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [user.email]
        assert "contraseña" in mail.outbox[0].body.lower()


class TestFirstSignInOfAPagedSupervisor:
    """The email says /supervisor/: password, app set-up, recovery codes, console."""

    # allauth records the new authenticator after commit, inside the request.
    @pytest.mark.django_db(transaction=True)
    def test_the_password_is_asked_once_and_next_survives_to_the_console(self, make_staff):
        user = make_staff(roles.SUPERVISOR)
        client = Client()
        first = password_sign_in(client, user.email, next_url="/supervisor/")
        assert first == "/supervisor/"
        to_setup = client.get(first)
        assert to_setup.status_code == 302
        assert to_setup.url == "/accounts/2fa/totp/activate/?next=%2Fsupervisor%2F"
        # No second password prompt: the set-up page itself, not reauthentication.
        setup = client.get(to_setup.url)
        assert setup.status_code == 200
        page = setup.content.decode()
        assert 'name="password"' not in page
        assert 'action="/accounts/2fa/totp/activate/?next=%2Fsupervisor%2F"' in page
        secret = client.session["mfa.totp.secret"]
        done = client.post(to_setup.url, {"code": totp_code(secret)})
        assert done.status_code == 302
        assert done.url == "/accounts/2fa/recovery-codes/?next=%2Fsupervisor%2F"
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        codes = client.get(done.url).content.decode()
        assert re.search(r'<a class="button primary" href="/supervisor/">Continue</a>', codes)
        assert client.get("/supervisor/").status_code == 200

    @pytest.mark.django_db(transaction=True)
    def test_a_next_that_leaves_the_site_is_dropped(self, make_staff):
        user = make_staff(roles.SUPERVISOR)
        client = Client()
        password_sign_in(client, user.email)
        client.get("/accounts/2fa/totp/activate/")
        secret = client.session["mfa.totp.secret"]
        done = client.post(
            "/accounts/2fa/totp/activate/?next=https%3A%2F%2Fevil.example%2F",
            {"code": totp_code(secret)},
        )
        assert done.url == "/accounts/2fa/recovery-codes/"
        codes = client.get(done.url).content.decode()
        assert "evil.example" not in codes
        assert '<a class="button primary" href="/staff/">Continue</a>' in codes

    def test_an_old_password_sign_in_asks_for_the_password_again(self, make_staff, settings):
        """The exemption covers a sign-in moments ago, not a session left open."""
        settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
        user = make_staff(roles.SUPERVISOR)
        client = Client()
        password_sign_in(client, user.email)
        response = client.get("/accounts/2fa/totp/activate/")
        assert response.status_code == 302
        assert response.url.startswith("/accounts/reauthenticate/")

    def test_a_role_that_may_not_open_the_console_is_refused_after_sign_in(self, make_staff):
        evaluator = make_staff(roles.EVALUATOR)
        Client().force_login(evaluator)
        client = Client()
        assert password_sign_in(client, evaluator.email, "/supervisor/") == (
            "/accounts/2fa/authenticate/"
        )
        done = client.post("/accounts/2fa/authenticate/", {"code": totp_code(TEST_TOTP_SECRET)})
        assert done.url == "/supervisor/"
        assert client.get("/supervisor/").status_code == 403

    def test_an_evaluator_without_next_lands_on_the_evaluation_dashboard(self, make_staff):
        evaluator = make_staff(roles.EVALUATOR)
        Client().force_login(evaluator)
        client = Client()
        assert password_sign_in(client, evaluator.email) == "/accounts/2fa/authenticate/"
        done = client.post("/accounts/2fa/authenticate/", {"code": totp_code(TEST_TOTP_SECRET)})
        assert done.url == "/evaluation/"
        assert client.get(done.url).status_code == 200
        # The first sign-in's last step, the recovery codes, leads there too.
        from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

        RecoveryCodes.activate(evaluator)
        codes = client.get("/accounts/2fa/recovery-codes/").content.decode()
        assert 'class="button primary" href="/evaluation/"' in codes
        # A mentor still lands on the console.
        mentor = make_staff(roles.MENTOR)
        mentor_client = Client()
        assert password_sign_in(mentor_client, mentor.email) == "/staff/"


class TestLaterSignIn:
    def test_a_paged_supervisor_is_two_screens_from_the_console(self, make_staff):
        user = make_staff(roles.SUPERVISOR)
        Client().force_login(user)
        client = Client()
        # Screen 1: email and password.
        assert password_sign_in(client, user.email, "/supervisor/") == (
            "/accounts/2fa/authenticate/"
        )
        # Screen 2: the code.
        done = client.post("/accounts/2fa/authenticate/", {"code": totp_code(TEST_TOTP_SECRET)})
        assert done.status_code == 302 and done.url == "/supervisor/"
        assert client.get("/supervisor/").status_code == 200
