"""Failed sign-ins slow down the client that fails, never lock the account for everyone.

Anyone who knows a staff email could otherwise keep that person out (during an
escalation, a supervisor). Failures are counted per account *and* client (the
daily-rotating network key) and per client; past a few free attempts each new
one waits twice as long as the last, up to a cap. Another client is unaffected.
"""

from __future__ import annotations

import pytest
from django.test import Client

from chatplatform import roles, throttle
from tests.conftest import STAFF_PASSWORD, TEST_TOTP_SECRET
from tests.servers import totp_code

ATTACKER = "203.0.113.66"
STAFF_DESK = "198.51.100.10"


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = 1_700_000_000.0

    monkeypatch.setattr(throttle, "clock", lambda: Clock.now)
    return Clock


def sign_in(email: str, password: str, address: str) -> tuple[int, str]:
    response = Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"login": email, "password": password}
    )
    return response.status_code, response.content.decode()


def signed_in(status: int) -> bool:
    return status == 302


class TestPassword:
    def test_wrong_passwords_from_one_client_never_keep_the_right_one_out_from_another(
        self, make_staff, clock
    ):
        supervisor = make_staff(roles.SUPERVISOR)
        for _ in range(30):
            sign_in(supervisor.email, "wrong-password", ATTACKER)
            clock.now += 1
        status, _ = sign_in(supervisor.email, STAFF_PASSWORD, STAFF_DESK)
        assert signed_in(status)

    def test_the_failing_client_waits_longer_after_each_failure(self, make_staff, clock):
        mentor = make_staff(roles.MENTOR)
        subjects = throttle.login_subjects(mentor.email, throttle.network_key_of(ATTACKER))
        for _ in range(throttle.LOGIN_FREE_FAILURES):
            assert throttle.login_wait(subjects) == 0
            throttle.record_login_failure(subjects)
        waits = []
        for _ in range(4):
            waits.append(throttle.login_wait(subjects))
            clock.now += waits[-1]
            throttle.record_login_failure(subjects)
        assert waits == [2, 4, 8, 16]
        for _ in range(20):
            throttle.record_login_failure(subjects)
        assert throttle.login_wait(subjects) == throttle.LOGIN_DELAY_MAX_SECONDS

    def test_during_the_delay_even_the_right_password_is_not_checked_from_that_client(
        self, make_staff, clock
    ):
        mentor = make_staff(roles.MENTOR)
        for _ in range(throttle.LOGIN_FREE_FAILURES):
            assert not signed_in(sign_in(mentor.email, "wrong-password", ATTACKER)[0])
        status, page = sign_in(mentor.email, STAFF_PASSWORD, ATTACKER)
        assert not signed_in(status)
        assert "Too many failed sign-ins from this device" in page
        clock.now += 3
        assert signed_in(sign_in(mentor.email, STAFF_PASSWORD, ATTACKER)[0])

    def test_success_forgets_that_clients_failures_for_the_account(self, make_staff, clock):
        mentor = make_staff(roles.MENTOR)
        for _ in range(throttle.LOGIN_FREE_FAILURES - 1):
            sign_in(mentor.email, "wrong-password", STAFF_DESK)
        assert signed_in(sign_in(mentor.email, STAFF_PASSWORD, STAFF_DESK)[0])
        for _ in range(throttle.LOGIN_FREE_FAILURES - 1):
            sign_in(mentor.email, "wrong-password", STAFF_DESK)
        assert signed_in(sign_in(mentor.email, STAFF_PASSWORD, STAFF_DESK)[0])

    def test_one_client_guessing_many_accounts_is_slowed_down_too(self, make_staff, clock):
        people = [make_staff(roles.MENTOR) for _ in range(throttle.CLIENT_FREE_FAILURES // 2 + 1)]
        for person in people:
            for _ in range(2):
                sign_in(person.email, "wrong-password", ATTACKER)
        fresh = make_staff(roles.MENTOR)
        status, page = sign_in(fresh.email, STAFF_PASSWORD, ATTACKER)
        assert not signed_in(status) and "Too many failed sign-ins" in page
        assert signed_in(sign_in(fresh.email, STAFF_PASSWORD, STAFF_DESK)[0])

    def test_no_address_or_email_is_kept_in_the_cache(self, make_staff, clock):
        from django.core.cache import cache

        mentor = make_staff(roles.MENTOR)
        sign_in(mentor.email, "wrong-password", ATTACKER)
        keys = " ".join(cache._cache.keys())
        assert ATTACKER not in keys and mentor.email not in keys and "@" not in keys


class TestTwoFactor:
    def password_step(self, supervisor, address: str) -> Client:
        from allauth.mfa.totp.internal.auth import TOTP

        if not supervisor.authenticator_set.exists():
            TOTP.activate(supervisor, TEST_TOTP_SECRET)
        client = Client(REMOTE_ADDR=address)
        response = client.post(
            "/accounts/login/", {"login": supervisor.email, "password": STAFF_PASSWORD}
        )
        assert "/accounts/2fa/authenticate/" in response["Location"]
        return client

    def test_wrong_codes_from_one_client_never_keep_the_right_code_out_from_another(
        self, make_staff, clock
    ):
        supervisor = make_staff(roles.SUPERVISOR)
        attacker = self.password_step(supervisor, ATTACKER)
        for _ in range(20):
            attacker.post("/accounts/2fa/authenticate/", {"code": "000000"})
            clock.now += 1
        desk = self.password_step(supervisor, STAFF_DESK)
        response = desk.post("/accounts/2fa/authenticate/", {"code": totp_code(TEST_TOTP_SECRET)})
        assert response.status_code == 302
        assert "/accounts/2fa/authenticate/" not in response["Location"]

    def test_wrong_codes_slow_down_the_client_that_sends_them(self, make_staff, clock):
        supervisor = make_staff(roles.SUPERVISOR)
        attacker = self.password_step(supervisor, ATTACKER)
        for _ in range(throttle.LOGIN_FREE_FAILURES):
            attacker.post("/accounts/2fa/authenticate/", {"code": "000000"})
        response = attacker.post(
            "/accounts/2fa/authenticate/", {"code": totp_code(TEST_TOTP_SECRET)}
        )
        assert response.status_code == 200
        assert "Too many failed sign-ins from this device" in response.content.decode()
