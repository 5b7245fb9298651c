"""Staff journeys in a real browser, in English and Spanish, with axe on every page.

Sign-in as each role (two-step set-up the first time for the roles that need it, the
code screen later), the role's own pages, and sign-out. One Chromium and one Daphne
node for the module.
"""

from __future__ import annotations

import re

import pytest

from tests.accessibility import check_page
from tests.journeys import (
    DESKTOP,
    browser,  # noqa: F401 (fixture)
    node_fixture,
    open_page,  # noqa: F401 (fixture)
    set_up_two_steps,
    sign_in,
)
from tests.servers import totp_code

pytestmark = pytest.mark.integration

# Each demo login of seed_demo, once per language (a role sets up its app only once).
LOGINS = {
    ("supervisor", "en"): "supervisor@example.org",
    ("evaluator", "es"): "evaluator@example.org",
    ("admin", "en"): "admin@example.org",
}

node = node_fixture("test-staff-journeys-")


@pytest.fixture
def desk(open_page):  # noqa: F811
    """``desk(language)``: a desktop-sized page in a fresh context."""
    return lambda language: open_page(language, DESKTOP)


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


def test_supervisor_first_sign_in_then_a_later_one_lands_on_the_console(node, desk):
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
