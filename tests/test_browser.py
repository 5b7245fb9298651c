"""End to end in a real browser: Debian's Chromium driven by Playwright, against real Daphne.

A participant and a mentor, in two browser contexts, get matched and chat.
Screenshots of the chat at 375 px and 1280 px wide are saved under var/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from tests.servers import REPO_ROOT, manage

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
TIMEOUT_MS = 15000


def launch_chromium(playwright):
    """Debian's Chromium, headless, for a module's tests.

    Assertions (``expect``) wait up to TIMEOUT_MS, as page actions do, not Playwright's
    5 s: on a busy machine, or beside another test process, a live update can take
    longer, and a wait that succeeds ends as soon as it does.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module; each test opens its own contexts (cookies, storage)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch_chromium(playwright)
        yield instance
        instance.close()


def test_participant_and_mentor_are_matched_and_chat_in_real_browsers(browser, start_nodes):
    from playwright.sync_api import expect

    (node,) = start_nodes(env={"QUICK_EXIT_URL": "about:blank"})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    mentor_context = browser.new_context(viewport={"width": 1280, "height": 900})
    participant_context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True
    )
    mentor = mentor_context.new_page()
    participant = participant_context.new_page()
    for page in (mentor, participant):
        page.set_default_timeout(TIMEOUT_MS)

    mentor.goto(node.base_url + "/accounts/login/")
    mentor.get_by_label("Email").fill("mentor@example.org")
    mentor.get_by_label("Password").fill("demo-password-123")
    mentor.get_by_role("button", name="Sign in").click()
    expect(mentor).to_have_url(re.compile(r"/staff/$"))
    expect(mentor.locator("#conn-status")).to_have_text("Connected")
    mentor.get_by_label("Available").check()
    mentor.get_by_role("button", name="Save").click()
    expect(mentor.locator("#me-summary")).to_contain_text("0 of 3 chats open")

    participant.goto(node.base_url + "/")
    expect(participant.get_by_text("not an emergency or medical service")).to_be_visible()
    participant.get_by_role("button", name="Talk to a peer mentor").click()
    # The optional research survey comes first, with its skip button first.
    participant.get_by_role("button", name="Skip and talk now").click()
    expect(participant).to_have_url(re.compile(r"/queue/$"))
    expect(participant.locator("#queue-status")).to_contain_text("number 1 in the queue")

    mentor.get_by_role("button", name="Accept").click()
    expect(mentor).to_have_url(re.compile(r"/chat/\d+/$"))
    expect(participant).to_have_url(re.compile(r"/chat/\d+/$"))
    assert participant.url == mentor.url

    expect(participant.locator("#conn-status")).to_have_text("Connected")
    expect(mentor.locator("#conn-status")).to_have_text("Connected")
    participant.get_by_label("Your message").fill("Hi, exams are getting to me.")
    participant.keyboard.press("Enter")
    expect(mentor.locator("#messages")).to_contain_text("Hi, exams are getting to me.")
    mentor.get_by_label("Your message").fill(
        "Thanks for reaching out. What's weighing on you most?"
    )
    mentor.get_by_role("button", name="Send").click()
    expect(participant.locator("#messages")).to_contain_text("What's weighing on you most?")
    expect(participant.locator("#messages li.pending")).to_have_count(0)

    # A dropped connection loses nothing: what is typed offline is sent on reconnect.
    participant_context.set_offline(True)
    participant.evaluate("() => window.dispatchEvent(new Event('offline'))")
    participant_context.set_offline(False)
    participant.get_by_label("Your message").fill("Sorry, my signal dropped.")
    participant.keyboard.press("Enter")
    expect(mentor.locator("#messages")).to_contain_text("Sorry, my signal dropped.")

    participant.screenshot(path=str(SCREENSHOTS / "chat-375.png"), full_page=True)
    participant.set_viewport_size({"width": 1280, "height": 900})
    participant.screenshot(path=str(SCREENSHOTS / "chat-1280.png"), full_page=True)
    mentor.screenshot(path=str(SCREENSHOTS / "mentor-1280.png"), full_page=True)

    overflow = participant.evaluate("() => document.documentElement.scrollWidth")
    participant.set_viewport_size({"width": 375, "height": 740})
    assert participant.evaluate("() => document.documentElement.scrollWidth") <= 375, overflow

    participant.get_by_role("link", name="Leave quickly").click()
    expect(participant).to_have_url("about:blank")
    mentor_context.close()
    participant_context.close()


def open_general_support_with_one_message(browser, node):
    """A participant on a phone-sized page in General support, after their first message."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(node.base_url + "/")
    page.get_by_role("link", name="General support").click()
    expect(page.locator("#conn-status")).to_have_text("Connected")
    page.get_by_label("Your message").fill("first message")
    page.keyboard.press("Enter")
    expect(page.locator("#messages li[data-id]")).to_have_count(1)
    return context, page


def test_chat_page_reconnects_and_resumes_after_the_server_restarts(browser, start_nodes):
    from playwright.sync_api import expect

    (node,) = start_nodes()
    context, page = open_general_support_with_one_message(browser, node)

    node.stop()
    expect(page.locator("#conn-status")).to_contain_text("Connection lost")
    page.get_by_label("Your message").fill("written while the server was down")
    page.keyboard.press("Enter")
    expect(page.locator("#messages li.pending")).to_have_count(1)
    node.start()
    expect(page.locator("#conn-status")).to_have_text("Connected", timeout=30000)
    expect(page.locator("#messages li[data-id]")).to_have_count(2)
    expect(page.locator("#messages li.pending")).to_have_count(0)
    context.close()


def test_a_message_shows_once_in_the_tab_that_sent_it_and_in_the_other_tab(browser, start_nodes):
    """The sending tab's copy comes inside its ack (``?own=ack``); the other tab's as a frame."""
    from playwright.sync_api import expect

    (node,) = start_nodes()
    context, page = open_general_support_with_one_message(browser, node)
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: frames.append(data)))
    page.reload()
    expect(page.locator("#conn-status")).to_have_text("Connected")
    other = context.new_page()
    other.set_default_timeout(TIMEOUT_MS)
    other.goto(page.url)
    expect(other.locator("#conn-status")).to_have_text("Connected")
    expect(other.locator("#messages li[data-id]")).to_have_count(1)
    page.get_by_label("Your message").fill("from the first tab")
    page.keyboard.press("Enter")
    for tab in (page, other):
        expect(tab.locator("#messages li[data-id]")).to_have_count(2)
        expect(tab.locator("#messages li.pending")).to_have_count(0)
        expect(tab.locator("#messages")).to_contain_text("from the first tab")
    # The sending tab had it in one frame, the ack; no separate "message" frame.
    mine = [frame for frame in frames if "from the first tab" in str(frame)]
    assert len(mine) == 1 and '"type":"message.ack"' in str(mine[0])
    context.close()


# Runs in its own process, so its broadcast goes to that process's in-memory
# channel layer and never reaches the node's sockets: a lost live event.
POST_UNHEARD_NOTICE = """
from chatplatform.models import Room
from chatplatform.services.messages import do_post_notice
do_post_notice(Room.objects.get(slug="general-support"), "A notice whose live event was lost")
"""


def test_chat_page_catches_up_when_a_live_message_never_arrived(browser, start_nodes):
    from playwright.sync_api import expect

    (node,) = start_nodes()
    context, page = open_general_support_with_one_message(browser, node)

    manage(node.env, "shell", "-c", POST_UNHEARD_NOTICE)
    page.wait_for_timeout(500)
    expect(page.locator("#messages")).not_to_contain_text("whose live event was lost")

    page.get_by_label("Your message").fill("second message")
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("A notice whose live event was lost")
    ids = page.locator("#messages li[data-id]").evaluate_all(
        "items => items.map(item => Number(item.dataset.id))"
    )
    assert ids == sorted(ids) and len(ids) == 3
    context.close()


# The page's socket, with the server's first answers to a message replaced by outage
# errors: what a participant sees while Redis or the database restarts.
def route_with_outage_answers(page, answers: list[str]) -> list[str]:
    """Answer the first ``len(answers)`` message.send frames with those error codes
    instead of passing them on; everything else goes through. Returns the client ids
    of every message.send the page sent, in order."""
    import json

    sent: list[str] = []

    def handler(ws):
        server = ws.connect_to_server()

        def from_page(message):
            frame = json.loads(message)
            if frame.get("type") == "message.send":
                sent.append(frame["client_id"])
                if len(sent) <= len(answers):
                    code = answers[len(sent) - 1]
                    reply = {
                        "type": "error",
                        "code": code,
                        "detail": code,
                        "ref": frame["client_id"],
                    }
                    ws.send(json.dumps({**reply, "retry_after": 0.2}))
                    return
            server.send(message)

        ws.on_message(from_page)

    page.route_web_socket(re.compile(r".*/ws/rooms/.*"), handler)
    return sent


@pytest.mark.parametrize(
    ("answers", "stored"),
    [
        # Two outage answers, then the service is back: the same message is stored once.
        (["temporarily_unavailable", "not_sent"], True),
        # It keeps failing: after five resends the page gives up and says so.
        (["not_sent"] * 20, False),
    ],
)
def test_chat_page_resends_a_message_through_an_outage(browser, start_nodes, answers, stored):
    from playwright.sync_api import expect

    (node,) = start_nodes()
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    sent = route_with_outage_answers(page, answers)
    page.goto(node.base_url + "/")
    page.get_by_role("link", name="General support").click()
    expect(page.locator("#conn-status")).to_have_text("Connected")
    page.get_by_label("Your message").fill("said during an outage")
    page.keyboard.press("Enter")
    # A resume right after connecting may flush the outbox once more: the count of
    # sends can be one higher, never a second client id.
    if stored:
        expect(page.locator("#messages li[data-id]")).to_have_count(1)
        expect(page.locator("#messages li.failed")).to_have_count(0)
        assert len(sent) >= 3 and len(set(sent)) == 1
    else:
        expect(page.locator("#messages li.failed")).to_contain_text("not sent")
        given_up_after = len(sent)
        page.wait_for_timeout(1500)  # Five resends at 0.2 s would be over by now.
        assert len(sent) == given_up_after and 6 <= given_up_after <= 7
        assert len(set(sent)) == 1
        expect(page.locator("#messages li[data-id]")).to_have_count(0)
    context.close()
