"""Staff journeys in a real browser, in English and Spanish, with axe on every page.

Sign-in as each role (two-step set-up the first time for the roles that need it, the
code screen later), the role's own pages, and sign-out. One Chromium and one Daphne
node for the module.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.accessibility import check_page
from tests.servers import Node, free_port, manage, server_env, totp_code
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

pytestmark = pytest.mark.integration

DEMO_PASSWORD = "demo-password-123"
DESKTOP = {"width": 1280, "height": 900}
# Each demo login of seed_demo, once per language (a role sets up its app only once).
LOGINS = {
    ("supervisor", "en"): "supervisor@example.org",
    ("evaluator", "es"): "evaluator@example.org",
    ("admin", "en"): "admin@example.org",
}


@pytest.fixture(scope="module")
def node():
    directory = Path(tempfile.mkdtemp(prefix="test-staff-journeys-"))
    env = server_env(
        {"VAR_DIR": str(directory), "DATABASE_URL": f"sqlite:///{directory}/db.sqlite3"}
    )
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--quiet-logins")
    server = Node(env=env, port=free_port(), log_path=directory / "daphne.log")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@pytest.fixture
def desk(browser):
    opened: list = []

    def open_page(language: str):
        context = browser.new_context(
            viewport=DESKTOP, locale=language, extra_http_headers={"Accept-Language": language}
        )
        opened.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    yield open_page
    for context in opened:
        context.close()


def sign_in(page, node, email: str, next_path: str = "") -> None:
    suffix = f"?next={next_path}" if next_path else ""
    page.goto(node.base_url + "/accounts/login/" + suffix)
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit].primary").click()


def set_up_two_steps(page, name: str) -> str:
    """The first sign-in of a role that needs two steps: scan (type) the key, enter a code."""
    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    check_page(page, f"{name}-totp-setup")
    assert page.locator("input[name=password]").count() == 0, "the password was asked again"
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("#id_code").fill(totp_code(secret))
    page.locator("main button[type=submit].primary").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    check_page(page, f"{name}-recovery-codes")
    page.locator("main a.button.primary").click()
    return secret


@pytest.mark.parametrize("language", ["en", "es"])
def test_mentor_signs_in_opens_the_console_and_the_moderation_queue(node, desk, language):
    from playwright.sync_api import expect

    page = desk(language)
    page.goto(node.base_url + "/accounts/login/")
    check_page(page, f"login-{language}")
    sign_in(page, node, "mentor@example.org" if language == "en" else "mentor2@example.org")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    connected = {"en": "Connected", "es": "Conectado"}[language]
    expect(page.locator("#conn-status")).to_have_text(connected)
    check_page(page, f"mentor-console-{language}")
    page.locator("nav a[href='/staff/moderation/']").click()
    check_page(page, f"moderation-queue-{language}")
    page.locator("nav form button").click()  # sign out
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_supervisor_first_sign_in_then_a_later_one_lands_on_the_console(node, desk, browser):
    from playwright.sync_api import expect

    page = desk("en")
    sign_in(page, node, LOGINS[("supervisor", "en")], next_path="/supervisor/")
    secret = set_up_two_steps(page, "supervisor")
    expect(page).to_have_url(re.compile(r"/supervisor/$"))
    check_page(page, "supervisor-console-en")

    # Later, paged: two screens from the console.
    later = desk("es")
    sign_in(later, node, LOGINS[("supervisor", "en")], next_path="/supervisor/")
    expect(later).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    check_page(later, "supervisor-code-es")
    later.locator("#id_code").fill(totp_code(secret, steps_ahead=1))
    later.locator("main button[type=submit].primary").click()
    expect(later).to_have_url(re.compile(r"/supervisor/$"))
    expect(later.locator("html")).to_have_attribute("lang", "es")
    check_page(later, "supervisor-console-es")


def test_evaluator_signs_in_and_reaches_the_dashboard_and_export(node, desk):
    from playwright.sync_api import expect

    page = desk("es")
    sign_in(page, node, LOGINS[("evaluator", "es")])
    set_up_two_steps(page, "evaluator")
    page.goto(node.base_url + "/evaluation/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    check_page(page, "evaluation-dashboard-es")
    with page.expect_download() as download:
        page.locator("a[href*='/evaluation/export/']").first.click()
    assert download.value.suggested_filename
    # The header offers the evaluator nothing it cannot open.
    hrefs = page.locator("nav[aria-label] a").evaluate_all("links => links.map(a => a.pathname)")
    assert "/staff/" not in hrefs


def test_admin_signs_in_and_reaches_the_django_admin(node, desk):
    from playwright.sync_api import expect

    page = desk("en")
    sign_in(page, node, LOGINS[("admin", "en")], next_path="/admin/")
    set_up_two_steps(page, "admin")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_be_visible()
