"""Deployment hardening: Django's deploy checks, a strict CSP, cookie flags."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys

import pytest
from django.test import Client

from chatplatform import roles
from tests.servers import REPO_ROOT, TEST_SECRETS

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)


def production_env(**extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PSEUDONYM_KEY": secrets.token_urlsafe(40),
        "ENCRYPTION_KEYS": TEST_SECRETS["ENCRYPTION_KEYS"],
        "ALLOWED_HOSTS": "chat.example.org",
        "VAR_DIR": "/tmp/deploy-check-var",
        "DJANGO_SETTINGS_MODULE": "chatplatform.settings",
        **extra,
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_deploy_checks_pass_with_real_secrets_and_debug_off():
    result = run(production_env(), "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_checks_fail_when_cookies_are_not_secure():
    result = run(
        production_env(SECURE_COOKIES="false"),
        "manage.py", "check", "--deploy", "--fail-level", "WARNING",
    )  # fmt: skip
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stderr


def test_behind_tls_proxy_trusts_only_the_named_header():
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    result = run(
        production_env(PROXY_SSL_HEADER="X-Forwarded-Proto"),
        "-c", f"import django; django.setup(); {code}",
    )  # fmt: skip
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", result.stderr


def inline_scripts(html: str) -> list[str]:
    """Script elements that would execute without a src: a strict CSP blocks them."""
    return [
        body
        for attributes, body in SCRIPT_TAG.findall(html)
        if "src=" not in attributes and "application/json" not in attributes and body.strip()
    ]


@pytest.mark.parametrize("path", ["/", "/help/", "/privacy/", "/accounts/login/"])
def test_participant_pages_have_a_strict_csp_and_no_inline_scripts(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert inline_scripts(response.content.decode()) == []
    assert 'onclick="' not in response.content.decode()


def test_staff_pages_have_no_inline_scripts(make_staff, make_group_room):
    room = make_group_room()
    client = Client()
    client.force_login(make_staff(roles.ADMIN))
    for path in ("/staff/", f"/chat/{room.pk}/", "/accounts/2fa/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert inline_scripts(response.content.decode()) == [], path


def test_session_and_csrf_cookies_are_httponly_and_samesite(client, db, settings):
    response = client.post("/chat/request/")
    session_cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session_cookie["httponly"] and session_cookie["samesite"] == "Lax"
    page = client.get("/accounts/login/")
    csrf_cookie = page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf_cookie["httponly"] and csrf_cookie["samesite"] == "Lax"
