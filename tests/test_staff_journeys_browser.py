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
    Words,
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

# The pages each role works in besides its console (path, screenshot name).
SUPERVISOR_PAGES = [
    ("/supervisor/oncall/", "oncall-rota"),
    ("/supervisor/risk-marks/", "risk-marks"),
    ("/staff/", "mentor-console"),
    ("/staff/moderation/", "moderation-queue"),
    ("/staff/moderation/audit/", "audit-log"),
    ("/staff/programme/", "programme"),
    ("/staff/training/", "training"),
    ("/staff/me/", "my-programme"),
]
ADMIN_PAGES = [
    ("/admin/", "index"),
    ("/admin/chatplatform/crisisresource/", "crisis-lines"),
    ("/admin/escalation/escalation/", "escalations"),
]
EVALUATOR_PAGES = [
    ("/evaluation/", "dashboard"),
    ("/evaluation/studies/", "studies"),
    ("/evaluation/tokens/", "tokens"),
]


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

    # The other pages a supervisor works in, in Spanish.
    for path, name in SUPERVISOR_PAGES:
        response = later.goto(node.base_url + path)
        assert response is not None and response.status == 200, (path, response)
        expect(later.locator("html")).to_have_attribute("lang", "es")
        check_page(later, f"supervisor-{name}-es")


def test_evaluator_signs_in_and_reaches_the_dashboard_and_export(node, desk):
    from playwright.sync_api import expect

    page = desk("es")
    sign_in(page, node, LOGINS[("evaluator", "es")])
    set_up_two_steps(page, "evaluator")
    # Every evaluator page in Spanish, then, after the language switch, in English.
    for language, switch in (("es", "English"), ("en", None)):
        for path, name in EVALUATOR_PAGES:
            response = page.goto(node.base_url + path)
            assert response is not None and response.status == 200, (path, response)
            expect(page.locator("html")).to_have_attribute("lang", language)
            check_page(page, f"evaluation-{name}-{language}")
        if switch:
            page.get_by_role("button", name=switch).click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
    # The dashboard reads in English: its headings are the catalogue's, not Spanish.
    page.goto(node.base_url + "/evaluation/")
    expect(page.get_by_role("heading", level=1)).to_have_text(Words("en")("Evaluation"))
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
    check_page(page, "admin-index-en")
    # In Spanish (chosen on a page of the site): Django's admin and the project's models.
    page.goto(node.base_url + "/privacy/")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    for path, name in ADMIN_PAGES:
        response = page.goto(node.base_url + path)
        assert response is not None and response.status == 200, (path, response)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        check_page(page, f"admin-{name}-es")
