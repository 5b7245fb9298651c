"""Crisis help in a real browser, with everything else the site now does around it: pages
in the browser's language, sockets in the page's language, and "Leave quickly" that
posts forms in the background and replaces pages (one history entry per visit).

- ``/help/`` shows the lines of the browser's country: Spain (112, 024, never 911 or 988)
  for ``es-ES``, Mexico for ``es-MX``, in Spanish; the United Kingdom for ``en-GB``.
- Urgent help from the landing page: one case however often the page is reloaded,
  gone back to and forward again, or the button pressed again; the button and "Leave
  quickly" differ in colour and are apart at 375 px; leaving quickly from the urgent-help
  page leaves no page of the site in the history.
- In a 1:1 chat: a participant whose browser says only "en" writes in Spanish about
  ending their life and is asked for their country, in Spanish, with the lines of Spain
  and Mexico; urgent help in the chat folds into that case; mentor and participant make
  a safety plan together, and a second browser brings it over with the one-time code.

axe-core at 375 and 1280 px on every crisis page, in English and in Spanish. One
Chromium and one Daphne node for the module; cases are counted in the node's database.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.accessibility import check_page
from tests.journeys import (
    DESKTOP,
    PHONE,
    Words,
    at,
    browser,  # noqa: F401 (fixture)
    leave_quickly_and_find_nothing_behind,
    node_fixture,
    open_page,  # noqa: F401 (fixture)
    sign_in_mentor,
)
from tests.test_browser import TIMEOUT_MS
from tests.test_escalation_browser import gap_between

pytestmark = pytest.mark.integration

node = node_fixture("test-crisis-journeys-", QUICK_EXIT_URL="about:blank")

SPANISH_RISK = "Ya no quiero seguir viviendo, esta noche me voy a matar"


@pytest.fixture
def open_browser(browser: Any) -> Iterator[Callable[..., Any]]:  # noqa: F811
    """``open_browser(accept_language, viewport=PHONE)``: a page in a fresh context whose
    browser sends exactly this ``Accept-Language`` header; closed after the test."""
    opened: list[Any] = []

    def open_(accept_language: str, viewport: dict[str, int] = PHONE) -> Any:
        context = browser.new_context(
            viewport=viewport,
            locale=accept_language.split(",")[0],
            extra_http_headers={"Accept-Language": accept_language},
        )
        opened.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    yield open_
    for context in opened:
        context.close()


def cases(node) -> int:
    """Escalations in the node's database, read directly (the node keeps running)."""
    path = node.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT COUNT(*) FROM escalation_escalation").fetchone()[0]


def assert_apart_and_distinct(page, urgent, words: Words) -> None:
    """The urgent-help button and "Leave quickly", on a 375 px screen: never adjacent
    (48 px or more apart), never the same colour, and only one of them has the lifebuoy."""
    from playwright.sync_api import expect

    leave = page.get_by_role("link", name=words("Leave quickly"))
    expect(urgent).to_be_visible()
    expect(leave).to_be_visible()
    assert page.viewport_size["width"] == 375
    assert gap_between(urgent.bounding_box(), leave.bounding_box()) >= 48
    colours = [
        element.evaluate("e => getComputedStyle(e).backgroundColor") for element in (urgent, leave)
    ]
    assert colours[0] != colours[1], colours
    assert urgent.locator("svg").count() == 1
    assert leave.locator("svg").count() == 0


@pytest.mark.parametrize(
    ("accept_language", "language", "country", "shown", "never"),
    [
        ("es-ES,es;q=0.9", "es", "Spain", ["112", "024"], ["911", "988"]),
        ("es-MX,es;q=0.9", "es", "Mexico", ["911", "800 911 2000"], ["112", "024", "988"]),
        ("en-GB,en;q=0.9", "en", "United Kingdom", ["999", "116 123"], ["911", "988", "112"]),
    ],
)
def test_the_help_page_shows_the_lines_of_the_browsers_country_in_its_language(
    node, open_browser, accept_language, language, country, shown, never
):
    from playwright.sync_api import expect

    words = Words(language)
    page = open_browser(accept_language)
    page.goto(node.base_url + "/help/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_text(words("Help right now"))
    region = page.locator("main .crisis-region")
    expect(region).to_have_attribute("data-how", "locale")
    expect(region.locator(".crisis-region-statement")).to_contain_text(words(country))
    said = page.locator("main").inner_text()
    dialled = " ".join(
        link.get_attribute("href") for link in page.locator("main a[href^='tel:']").all()
    )
    for number in shown:
        assert number in said, number
    for number in never:
        assert number not in said, number
        assert f"tel:{number}" not in dialled, number
    check_page(page, f"crisis-help-{accept_language.split(',')[0]}")


@pytest.mark.parametrize(
    ("accept_language", "language"), [("en-GB,en;q=0.9", "en"), ("es-ES,es;q=0.9", "es")]
)
def test_urgent_help_from_the_landing_page_is_one_case_and_leaves_nothing_behind(
    node, open_browser, accept_language, language
):
    from playwright.sync_api import expect

    words = Words(language)
    before = cases(node)
    page = open_browser(accept_language)
    page.goto(node.base_url + "/")
    urgent = page.get_by_role("button", name=words("I need urgent help now"))
    assert_apart_and_distinct(page, urgent, words)

    urgent.click()
    expect(page).to_have_url(at(r"/help/urgent/"))
    heading = page.get_by_role("heading", name=words("We're getting someone for you now"))
    expect(heading).to_be_visible()
    expect(page.locator(".crisis-support a[href^='tel:']").first).to_be_visible()
    expect(page.locator("#queue-status")).not_to_have_text(words("Connecting…"))
    assert cases(node) == before + 1
    check_page(page, f"crisis-urgent-help-{language}")

    # Reload: the same page, the same case.
    assert page.reload().status == 200
    expect(heading).to_be_visible()
    assert cases(node) == before + 1
    # Back leaves the site (the visit is one entry); Forward shows the same page again.
    page.go_back()
    assert not page.url.startswith(node.base_url + "/help/urgent/")
    page.go_forward()
    expect(heading).to_be_visible()
    # A second press, from the landing page (by the site's own link: typing an address
    # adds a history entry no page can take back), shows the same case.
    page.get_by_role("link", name=words("Peer support chat")).click()
    expect(page).to_have_url(at(r"/"))
    page.get_by_role("button", name=words("I need urgent help now")).click()
    expect(heading).to_be_visible()
    assert cases(node) == before + 1

    leave_quickly_and_find_nothing_behind(page, node, words)
    assert cases(node) == before + 1


def test_in_a_chat_a_spanish_writer_is_asked_their_country_and_takes_their_safety_plan_along(
    node,
    open_page,  # noqa: F811
    open_browser,
):
    from playwright.sync_api import expect

    english, spanish = Words("en"), Words("es")
    mentor = open_page("en", DESKTOP)
    sign_in_mentor(mentor, node, "mentor@example.org", english)

    # A browser that says only "en": no country to go on.
    page = open_browser("en")
    page.goto(node.base_url + "/")
    page.get_by_role("button", name=english("Give me a new name")).click()
    handle = page.locator("#you-heading + p strong").inner_text()
    page.get_by_role("button", name=english("Talk to a peer mentor")).click()
    page.get_by_role("button", name=english("Skip and talk now")).click()
    expect(page).to_have_url(at(r"/queue/"))
    # Earlier journeys' participants who asked for urgent help wait at the front.
    mentor.locator("#queue-list li", has_text=handle).get_by_role(
        "button", name=english.js("Accept")
    ).click()
    expect(mentor).to_have_url(at(r"/chat/\d+/"))
    expect(page).to_have_url(at(r"/chat/\d+/"))
    expect(page.locator("#conn-status")).to_have_text(english.js("Connected"))
    urgent = page.locator("#urgent-help button")
    assert_apart_and_distinct(page, urgent, english)
    before = cases(node)

    page.locator("#body").fill(SPANISH_RISK)
    page.keyboard.press("Enter")
    panel = page.locator("#crisis-support")
    expect(panel).to_be_visible()
    # Asked, in Spanish, with Spain's and Mexico's lines meanwhile.
    expect(panel).to_contain_text("Si estás en peligro ahora mismo")
    for name in ("Spain", "Mexico"):
        expect(panel).to_contain_text(spanish(name))
    for number in ("112", "024", "911", "800 911 2000"):
        expect(panel).to_contain_text(number)
    expect(panel).not_to_contain_text("988")
    assert cases(node) == before + 1
    # The mentor reads out the same countries' lines.
    expect(mentor.locator(".participant-lines")).to_contain_text("024")
    expect(mentor.locator(".participant-lines")).to_contain_text("800 911 2000")
    check_page(page, "crisis-chat-asked-in-spanish")

    # Urgent help in the chat folds into the same case, however often, reload or not.
    urgent.click()
    expect(panel).to_have_attribute("data-kind", "urgent_help")
    assert cases(node) == before + 1
    page.reload()
    expect(page.locator("#conn-status")).to_have_text(english.js("Connected"))
    page.locator("#urgent-help button").click()
    expect(panel).to_be_visible()
    assert cases(node) == before + 1

    # The safety plan, made together.
    mentor_plan = mentor.locator("#safety-plan-panel")
    mentor_plan.locator("summary").click()
    mentor_plan.locator("textarea[name='coping']").fill("Caminar junto al mar con música")
    mentor_plan.get_by_role("button", name=english("Save the plan")).click()
    plan = page.locator("#safety-plan-panel")
    plan.locator("summary").click()
    expect(plan.locator("textarea[name='coping']")).to_have_value("Caminar junto al mar con música")
    # Prefilled with the lines they are shown now (Spain's and Mexico's), not those of
    # the page load (the default country's).
    expect(plan.locator("textarea[name='professionals']")).to_have_value(
        re.compile(r"112.*024.*911.*800 911 2000", re.S)
    )
    plan.locator("textarea[name='warning_signs']").fill("No duermo y me encierro en casa")
    plan.get_by_role("button", name=english("Save the plan")).click()
    expect(mentor_plan.locator("textarea[name='warning_signs']")).to_have_value(
        "No duermo y me encierro en casa"
    )

    # Their pages ask too, as the chat's panels did.
    page.goto(node.base_url + "/help/")
    expect(page.locator("main .crisis-region")).to_have_attribute("data-how", "ask")
    expect(page.locator("main")).to_contain_text("800 911 2000")
    expect(page.locator("main")).not_to_contain_text("988")

    # Their own page, and a one-time code for another device.
    page.goto(node.base_url + "/me/safety-plan/")
    expect(page.locator("textarea[name='coping']")).to_have_value("Caminar junto al mar con música")
    check_page(page, "crisis-safety-plan-en")
    page.get_by_role("button", name=english("Get a one-time code")).click()
    code = page.locator(".plan-code strong")
    expect(code).to_have_text(re.compile(r"^[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){2}$"))
    check_page(page, "crisis-safety-plan-code-en")

    other = open_browser("es-ES,es;q=0.9")
    other.goto(node.base_url + "/me/safety-plan/retrieve/")
    expect(other.locator("html")).to_have_attribute("lang", "es")
    check_page(other, "crisis-safety-plan-retrieve-es")
    other.get_by_label(spanish("One-time code")).fill(code.inner_text())
    other.get_by_role("button", name=spanish("Bring it here")).click()
    expect(other).to_have_url(at(r"/me/safety-plan/"))
    expect(other.locator("textarea[name='coping']")).to_have_value(
        "Caminar junto al mar con música"
    )
    expect(other.locator("textarea[name='warning_signs']")).to_have_value(
        "No duermo y me encierro en casa"
    )
    check_page(other, "crisis-safety-plan-es")
