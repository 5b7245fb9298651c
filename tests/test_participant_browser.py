"""The participant's path in a real browser: quick exit, the first screen on a phone,
the end of a chat, and group rooms. One Chromium and one Daphne node for the module.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.accessibility import check_page
from tests.servers import Node, SeededDatabases, free_port, server_env
from tests.test_browser import TIMEOUT_MS, launch_chromium

pytestmark = pytest.mark.integration

PHONE = {"width": 375, "height": 667}
DEMO_PASSWORD = "demo-password-123"


@pytest.fixture(scope="module")
def node(seeded_databases: SeededDatabases):
    directory = Path(tempfile.mkdtemp(prefix="test-participant-"))
    env = server_env(
        {
            "VAR_DIR": str(directory),
            "DATABASE_URL": f"sqlite:///{directory}/db.sqlite3",
            "QUICK_EXIT_URL": "about:blank",
        }
    )
    seeded_databases.fill(env)
    server = Node(env=env, port=free_port(), log_path=directory / "daphne.log")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch_chromium(playwright)
        yield instance
        instance.close()


@pytest.fixture
def phone(browser):
    """A fresh participant on a 375 by 667 phone (their own cookies and history)."""

    def open_page(language: str = "en"):
        context = browser.new_context(
            viewport=PHONE, locale=language, extra_http_headers={"Accept-Language": language}
        )
        opened.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    opened: list = []
    yield open_page
    for context in opened:
        context.close()


def pages_behind(page) -> list[str]:
    """Every address the Back button leads to from here, most recent first."""
    addresses = []
    while page.go_back(wait_until="commit") is not None:
        addresses.append(page.url)
    # Chromium may not report a navigation back to the tab's first blank page.
    if page.url not in addresses:
        addresses.append(page.url)
    return addresses


class TestQuickExit:
    def test_after_browsing_by_links_no_page_of_the_site_is_left_behind(self, node, phone):
        from playwright.sync_api import expect

        page = phone()
        page.goto(node.base_url + "/")
        page.get_by_role("link", name="Crisis help").click()
        expect(page).to_have_url(re.compile(r"/help/$"))
        check_page(page, "help")
        page.get_by_role("link", name="Privacy").first.click()
        expect(page).to_have_url(re.compile(r"/privacy/$"))
        page.get_by_role("link", name="Leave quickly").click()
        expect(page).to_have_url("about:blank")
        behind = pages_behind(page)
        assert not [url for url in behind if url.startswith(node.base_url)], behind

    def test_from_the_queue_after_the_forms_no_page_is_left_behind(self, node, phone):
        from playwright.sync_api import expect

        page = phone()
        page.goto(node.base_url + "/")
        page.get_by_role("button", name="Talk to a peer mentor").click()
        expect(page).to_have_url(re.compile(r"/evaluation/survey/consent/"))
        # Until its scripts have run, a page's forms post the ordinary way (a new entry).
        page.wait_for_load_state()
        page.get_by_role("button", name="Skip and talk now").click()
        expect(page).to_have_url(re.compile(r"/queue/$"))
        page.wait_for_load_state()  # the page's scripts listen for the keys
        check_page(page, "queue")
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        expect(page).to_have_url("about:blank")
        behind = pages_behind(page)
        assert not [url for url in behind if url.startswith(node.base_url)], behind

    def test_one_escape_alone_does_not_leave(self, node, phone):
        page = phone()
        page.goto(node.base_url + "/help/")
        page.keyboard.press("Escape")
        page.wait_for_timeout(1000)
        page.keyboard.press("Escape")
        assert page.url.endswith("/help/")

    def test_the_privacy_page_explains_history_and_private_windows(self, node, phone):
        from playwright.sync_api import expect

        page = phone()
        page.goto(node.base_url + "/privacy/")
        heading = page.get_by_role("heading", name="Leaving quickly, and your browser's history")
        expect(heading).to_be_visible()
        expect(page.get_by_text("private (incognito) window")).to_be_visible()
        check_page(page, "privacy")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_main_action_and_the_crisis_lines_are_on_a_phones_first_screen(node, phone, language):
    page = phone(language)
    page.goto(node.base_url + "/")
    names = {
        "en": ("Talk to a peer mentor", "Crisis help"),
        "es": ("Hablar con una persona mentora", "Ayuda en crisis"),
    }[language]
    action = page.get_by_role("button", name=names[0]).bounding_box()
    crisis = page.get_by_role("link", name=names[1]).bounding_box()
    for box in (action, crisis):
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    check_page(page, f"landing-{language}")


def sign_in_mentor(browser, node):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(node.base_url + "/accounts/login/")
    page.get_by_label("Email").fill("mentor@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#conn-status")).to_have_text("Connected")
    page.get_by_label("Available").check()
    page.get_by_role("button", name="Save").click()
    return context, page


def test_when_the_chat_ends_the_status_says_so_and_nothing_covers_the_notice(browser, node, phone):
    from playwright.sync_api import expect

    mentor_context, mentor = sign_in_mentor(browser, node)
    page = phone()
    page.goto(node.base_url + "/")
    page.get_by_role("button", name="Give me a new name").click()
    handle = page.locator("#you-heading + p strong").inner_text()
    page.get_by_role("button", name="Talk to a peer mentor").click()
    page.get_by_role("button", name="Skip and talk now").click()
    expect(page).to_have_url(re.compile(r"/queue/$"))
    # Other tests' participants may still be waiting: accept this one.
    mentor.locator("li", has_text=handle).get_by_role("button", name="Accept").click()
    expect(page).to_have_url(re.compile(r"/chat/\d+/$"))
    expect(page.locator("#conn-status")).to_have_text("Connected")
    for number in range(6):  # enough to scroll on a phone, within the burst allowance
        page.get_by_label("Your message").fill(f"message {number}")
        page.keyboard.press("Enter")
    expect(page.locator("#messages li.pending")).to_have_count(0)

    mentor.on("dialog", lambda dialog: dialog.accept())
    mentor.get_by_role("button", name="End chat").click()
    expect(page.locator("#conn-status")).to_have_text("This chat has ended.")
    notice = page.locator("#notice")
    expect(notice).to_be_visible()
    expect(notice).to_be_in_viewport()
    expect(page.locator("#composer")).to_be_hidden()
    box = notice.bounding_box()
    centre = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('#notice') !== null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert centre, "something covers the chat-ended notice"
    check_page(page, "chat-ended-participant")
    check_page(mentor, "chat-ended-mentor")
    mentor_context.close()


def test_a_group_room_welcomes_counts_and_can_be_left(node, phone):
    from playwright.sync_api import expect

    first = phone()
    first.goto(node.base_url + "/")
    first.get_by_role("link", name="General support").click()
    expect(first.get_by_role("heading", name="Welcome to General support")).to_be_visible()
    expect(first.locator("#conn-status")).to_have_text("Connected")
    first_count = int(re.search(r"\d+", first.locator("#room-people").inner_text()).group())

    second = phone()
    second.goto(node.base_url + "/")
    second.get_by_role("link", name="General support").click()
    expect(second.locator("#room-people")).to_contain_text(f"{first_count + 1} people")
    expect(second.get_by_text("How we keep this room safe")).to_be_visible()
    check_page(second, "group-room")

    second.get_by_role("button", name="Leave room").click()
    expect(second).to_have_url(node.base_url + "/")
    first.reload()
    expect(first.locator("#room-people")).to_contain_text(f"{first_count} people")
