"""Urgent help past the abuse defences, in real browsers: what a person on a phone at
night sees when a ban or their network's limit stands in the way, and what the
supervisor on duty sees.

- A banned participant presses urgent help (es-ES on a phone, en-GB on a desktop): the
  page shows their country's lines, from the seeded resources, and waits live on its own
  socket; a supervisor in another browser takes the case over; the page announces it and
  moves into the chat, where they exchange a message.
- Without scripts, the same page reaches the chat by its "Check whether the chat is
  ready" link.
- A supervisor resolves a banned person's case without a chat (es-ES on a phone): their
  waiting page says so in its live region and in place, with Spain's lines again (the
  emergency number first) and the button to ask again.
- Past today's limit of cases, a banned person's press opens nothing: an honest 429 page
  with the lines, and a live alert on the open supervisor console (announced, readable at
  375 px). A press while the console's connection is down shows, with its new count, when
  the console reconnects by itself (its socket is relayed through the test to drop it).
- A participant who is not banned presses urgent help and waits at the front of the queue
  (es-ES on a phone); a supervisor closes the case before a mentor picks them up: the
  page says so live, with Spain's lines, their place and the button to ask again, and a
  reload shows the same, not the start view. Asked again and closed while the page's
  connection is down, the page learns it when the connection comes back.
- Past the network's urgent-help bound: the same honest 429 page, in Spanish.

axe-core at 375 and 1280 px on every page variant. One Chromium and one Daphne node for
the module; its limits are set low so that a few presses cross them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.accessibility import check_page
from tests.journeys import (
    DESKTOP,
    PHONE,
    Words,
    at,
    browser,  # noqa: F401 (fixture)
    node_fixture,
    open_page,  # noqa: F401 (fixture)
)
from tests.servers import LiveClient, manage
from tests.test_browser import TIMEOUT_MS
from tests.test_escalation_browser import signed_in_context

pytestmark = pytest.mark.integration

node = node_fixture(
    "test-urgent-help-",
    QUICK_EXIT_URL="about:blank",
    # Each banned identity opens one case a day; the journeys' own identities fit in
    # the network's hour, and no urgent press may add one past it.
    URGENT_HELP_BANNED_CASES_PER_DAY="1",
    NEW_IDENTITIES_PER_HOUR="5",
    URGENT_HELP_IDENTITIES_PER_HOUR="0",
)

SEED = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "chatplatform/data/crisis_resources.yaml").read_text(
        "utf-8"
    )
)


def numbers_of(region: str) -> set[str]:
    """A country's crisis and emergency numbers, as seeded from the checked list."""
    rows = [row for row in SEED if row["region"] == region]
    return {row[key] for row in rows for key in ("phone", "emergency_number") if row.get(key)}


def assert_lines_of(page: Any, region: str) -> None:
    """The page shows this country's numbers, the emergency one first, and no other's."""
    from playwright.sync_api import expect

    (emergency,) = {row["emergency_number"] for row in SEED if row["region"] == region}
    expect(page.locator("main a.emergency").first).to_have_attribute("href", f"tel:{emergency}")
    said = page.locator("main").inner_text()
    for number in numbers_of(region):
        assert number in said, number
    others = set().union(*(numbers_of(row["region"]) for row in SEED)) - numbers_of(region)
    dialled = {link.get_attribute("href") for link in page.locator("main a[href^='tel:']").all()}
    assert not {f"tel:{number}" for number in others} & dialled, dialled


def new_banned_participant(page: Any, node, words: Words) -> str:
    """A participant with a name, banned by a moderator for an earlier breach: their handle."""
    page.goto(node.base_url + "/")
    page.get_by_role("button", name=words("Give me a new name")).click()
    handle = page.locator("#you-heading + p strong").inner_text()
    manage(
        node.env,
        "shell",
        "-c",
        "from chatplatform.models import Participant; from moderation.models import Sanction; "
        f"who = Participant.objects.get(handle={handle!r}); "
        "Sanction.objects.create(kind='ban', participant=who, reason='an earlier breach')",
    )
    return handle


def record_announcements(page: Any, selector: str) -> list[str]:
    """Every text the live region at ``selector`` is given from now on, kept across the
    page's own navigation (the page may move on right after saying it)."""
    heard: list[str] = []
    page.expose_function("heardAnnouncement", lambda text: heard.append(text))
    listen_again(page, selector)
    return heard


def listen_again(page: Any, selector: str) -> None:
    """After the page loaded anew: its live region's texts go on to the same record."""
    page.evaluate(
        """(selector) => {
            const region = document.querySelector(selector);
            new MutationObserver(() => window.heardAnnouncement(region.textContent)).observe(
                region, { childList: true, characterData: true, subtree: true });
        }""",
        selector,
    )


def resolve_on_console(console: Any, handle: str, name: str, stays_queued: bool) -> None:
    """The supervisor on duty (``name``) acknowledges this person's case, then resolves it
    without a chat; its card leaves the console. Before resolving, the card says whether
    the person keeps their place in the queue (an ordinary participant does; a banned
    one is in no queue)."""
    from playwright.sync_api import expect

    english = Words("en")
    card = console.locator("#escalation-list li.escalation", has_text=handle)
    card.get_by_role("button", name=english("Acknowledge")).click()
    expect(card).to_contain_text(english.js("Acknowledged by %(name)s.", name=name))
    note = card.locator(".resolve-note")
    if stays_queued:
        expect(note).to_be_visible()
        expect(note).to_have_text(
            english(
                "Resolving closes this case only. If they are still waiting, they keep their "
                "place in the queue for a peer mentor, and their page tells them the request "
                "was closed and shows the emergency number."
            )
        )
        check_page(console, "supervisor-console-resolve-note-stays-queued")
    else:
        expect(note).to_be_hidden()
    card.get_by_label(english("Outcome")).select_option("de_escalated")
    card.get_by_role("button", name=english("Resolve")).click()
    expect(card).to_have_count(0)


def closed_in_spain(words: Words) -> str:
    """What a page says of a request closed without a chat, for a reader in Spain."""
    return (
        words("A supervisor closed your request for urgent help without opening a chat.")
        + " "
        + words(
            "If you are in immediate danger, or you have hurt yourself, call %(number)s now.",
            number="112",
        )
    )


class RelayedSocket:
    """The console's socket, relayed through the test: dropped as a network would drop it,
    and its reconnection held back until the test lets it reach the server."""

    def __init__(self, page: Any, path: str = "/ws/supervisor/") -> None:
        self.page = page
        self.held = False
        self.routes: list[list[Any]] = []  # [the page's side, the server's side or None]
        page.route_web_socket(re.compile(re.escape(path)), self._route)

    def _route(self, route: Any) -> None:
        self.routes.append([route, None if self.held else route.connect_to_server()])

    def drop_and_hold(self) -> None:
        self.held = True
        # The console's own status line notes the drop, however briefly it shows.
        self.page.evaluate(
            """() => {
                const status = document.getElementById("conn-status");
                new MutationObserver(() => {
                    if (status.dataset.state !== "open") status.dataset.dropped = "yes";
                }).observe(status, { attributes: true, attributeFilter: ["data-state"] });
            }"""
        )
        page_side, server_side = self.routes[-1]
        server_side.close()
        page_side.close(code=1001)  # going away: not a refusal, so the page tries again
        # Lost, then open again: the new socket reached the relay, which holds it.
        self.page.wait_for_function(
            """() => {
                const status = document.getElementById("conn-status");
                return status.dataset.dropped === "yes" && status.dataset.state === "open";
            }"""
        )

    def release(self) -> None:
        assert len(self.routes) == 2 and self.routes[-1][1] is None, self.routes
        self.held = False
        self.routes[-1][1] = self.routes[-1][0].connect_to_server()


def open_console(
    browser,  # noqa: F811
    node,
    viewport: dict[str, int],
    relayed: bool = False,
    email: str = "supervisor@example.org",
) -> Any:
    from playwright.sync_api import expect

    context = signed_in_context(browser, node, email, viewport=viewport)
    console = context.new_page()
    console.set_default_timeout(TIMEOUT_MS)
    if relayed:
        console.relay = RelayedSocket(console)
    console.goto(node.base_url + "/supervisor/")
    expect(console.locator("#conn-status")).to_have_text(Words("en").js("Connected"))
    return console


@pytest.mark.parametrize(
    ("language", "region", "viewport"), [("es-ES", "ES", PHONE), ("en-GB", "GB", DESKTOP)]
)
def test_a_banned_participant_waits_live_and_moves_into_the_supervisors_chat(
    node,
    browser,  # noqa: F811
    open_page,  # noqa: F811
    language,
    region,
    viewport,
):
    from playwright.sync_api import expect

    words, english = Words(language.split("-")[0]), Words("en")
    console = open_console(browser, node, DESKTOP)
    page = open_page(language, viewport)
    handle = new_banned_participant(page, node, words)

    page.get_by_role("button", name=words("I need urgent help now")).click()
    page.wait_for_url(at(r"/help/urgent/"))
    expect(
        page.get_by_role("heading", name=words("We're getting someone for you now"))
    ).to_be_visible()
    expect(page.locator(".crisis-support")).to_contain_text(
        words(
            "A supervisor has been alerted and will open a private chat with you as soon as "
            "they can. You can't use the peer chat at the moment, but this chat is with a "
            "supervisor only."
        )
    )
    expect(page.locator(".crisis-support")).to_contain_text(
        words(
            "Please keep this page open: it takes you to the chat when it is ready. "
            "You can also reload it to check."
        )
    )
    assert_lines_of(page, region)
    status = page.locator("#supervisor-wait-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text(
        words.js(
            "Connected. No supervisor has opened the chat yet; this page will move to it "
            "when one does."
        )
    )
    expect(page.locator("#queue-status")).to_have_count(0)  # the ban keeps them off the queue
    check_page(page, f"urgent-help-banned-waiting-{language}")
    heard = record_announcements(page, "#supervisor-wait-status")

    card = console.locator("#escalation-list li.escalation", has_text=handle)
    expect(card).to_contain_text(
        english.js("banned participant (%(kind)s): supervisors only", kind="ban")
    )
    with console.expect_popup() as popup:
        card.get_by_role("button", name=english("Take over the chat")).click()
    chat = popup.value
    chat.set_default_timeout(TIMEOUT_MS)
    expect(chat).to_have_url(at(r"/chat/\d+/"))

    # The page moves by itself, having said so in its live region.
    expect(page).to_have_url(chat.url)
    assert words.js("A supervisor has joined. Opening your chat…") in heard, heard
    expect(page.locator("#conn-status")).to_have_text(words.js("Connected"))
    expect(chat.locator("#conn-status")).to_have_text(english.js("Connected"))
    page.locator("#body").fill("Sigo aquí" if language == "es-ES" else "I'm still here")
    page.keyboard.press("Enter")
    expect(chat.locator("#messages")).to_contain_text(
        "Sigo aquí" if language == "es-ES" else "I'm still here"
    )
    chat.locator("#body").fill("Thank you for telling us. I'm here with you now.")
    chat.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("I'm here with you now.")
    expect(page.locator("#messages li.pending")).to_have_count(0)
    check_page(page, f"urgent-help-banned-chat-{language}")
    expect(card).to_contain_text(english.js("Acknowledged by %(name)s.", name="Jordan"))
    console.context.close()


def test_a_case_closed_without_a_chat_tells_the_page_then_past_todays_limit_an_honest_429(
    node,
    browser,  # noqa: F811
    open_page,  # noqa: F811
):
    from playwright.sync_api import expect

    words, english = Words("es"), Words("en")
    console = open_console(browser, node, PHONE, relayed=True)
    page = open_page("es-ES", PHONE)
    handle = new_banned_participant(page, node, words)
    page.get_by_role("button", name=words("I need urgent help now")).click()
    page.wait_for_url(at(r"/help/urgent/"))
    status = page.locator("#supervisor-wait-status")
    expect(status).to_have_text(
        words.js(
            "Connected. No supervisor has opened the chat yet; this page will move to it "
            "when one does."
        )
    )
    heard = record_announcements(page, "#supervisor-wait-status")
    # The supervisor closes today's case without a chat.
    resolve_on_console(console, handle, "Jordan", stays_queued=False)
    alerts = console.locator("#unreached-list li")
    expect(console.locator("#unreached")).to_be_hidden()

    # The waiting page is told, in place: said in its live region, shown on the page with
    # Spain's lines again, the emergency number first, and the button to ask again.
    closed = closed_in_spain(words)
    expect(status).to_have_text(closed)
    expect(status).to_have_attribute("aria-live", "polite")
    expect(
        page.get_by_role("heading", name=words("Your request was closed without a chat"))
    ).to_be_visible()
    expect(page.locator(".crisis-support")).to_contain_text(
        words(
            'If you need help again, you can press "I need urgent help now" on this page. '
            "The supervisors on duty will see that you asked."
        )
    )
    assert_lines_of(page, "ES")
    assert heard == [closed], heard  # said once, and nothing said over it
    expect(page.locator("#supervisor-wait").get_by_role("link")).to_have_count(0)
    for private in ("an earlier breach", "Jordan", "supervisor@example.org"):
        assert private not in page.locator("main").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    check_page(page, "urgent-help-banned-closed-without-chat-es-ES")

    # Pressed again the same day from that page, past the limit of one case: nothing
    # opens, they are told so, with the emergency number first and the lines; the console
    # hears it at once.
    page.locator("#supervisor-wait").get_by_role(
        "button", name=words("I need urgent help now")
    ).click()
    heading = page.get_by_role("heading", name=words("Please reach one of these lines now"))
    expect(heading).to_be_visible()
    expect(page.locator(".crisis-support")).to_contain_text(
        words(
            "You have asked for urgent help several times today. The supervisors on duty can "
            "see that you asked again, but a new chat can't be opened now."
        )
    )
    assert_lines_of(page, "ES")
    check_page(page, "urgent-help-banned-past-the-limit-es-ES")

    alert_text = (
        "%(handle)s, a banned participant, pressed urgent help %(count)s time after today's "
        "limit of new cases. No new case was opened.",
        "%(handle)s, a banned participant, pressed urgent help %(count)s times after today's "
        "limit of new cases. No new case was opened.",
    )
    said = english.js_count(*alert_text, 1, handle=handle)
    expect(alerts).to_have_count(1)
    expect(alerts.first).to_have_text(said)
    # Announced: said in the console's assertive live region as it arrives.
    expect(console.locator("#unreached-news")).to_have_attribute("aria-live", "assertive")
    expect(console.locator("#unreached-news")).to_have_text(said)
    # Readable on a phone: no sideways scrolling, the whole alert within the screen.
    assert console.evaluate("() => document.documentElement.scrollWidth") <= 375
    box = alerts.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    check_page(console, "supervisor-console-unreached-alert")

    # The console's connection drops; a second press comes while it is away. When the
    # console gets through again, it reads the alert's new count from the server.
    console.relay.drop_and_hold()
    page.goto(node.base_url + "/help/urgent/")
    page.locator("#supervisor-wait").get_by_role(
        "button", name=words("I need urgent help now")
    ).click()
    expect(heading).to_be_visible()
    expect(alerts.first).to_have_text(said)  # nothing reached the console meanwhile
    console.relay.release()
    expect(alerts).to_have_count(1)
    expect(alerts.first).to_have_text(english.js_count(*alert_text, 2, handle=handle))
    expect(console.locator("#conn-status")).to_have_text(english.js("Connected"))
    console.context.close()


def test_without_scripts_the_banned_participants_page_reaches_the_chat_by_its_link(
    node,
    browser,  # noqa: F811
):
    from playwright.sync_api import expect

    words = Words("en")
    console = open_console(browser, node, DESKTOP)
    context = browser.new_context(
        viewport=PHONE,
        locale="en-GB",
        java_script_enabled=False,
        extra_http_headers={"Accept-Language": "en-GB"},
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    handle = new_banned_participant(page, node, words)
    page.get_by_role("button", name=words("I need urgent help now")).click()
    expect(page).to_have_url(at(r"/help/urgent/"))
    # What the live region says before any socket: true without one.
    expect(page.locator("#supervisor-wait-status")).to_have_text(
        words("No supervisor has opened the chat yet.")
    )
    card = console.locator("#escalation-list li.escalation", has_text=handle)
    with console.expect_popup() as popup:
        card.get_by_role("button", name=words("Take over the chat")).click()
    chat = popup.value
    expect(chat).to_have_url(at(r"/chat/\d+/"))
    page.get_by_role("link", name=words("Check whether the chat is ready")).click()
    page.get_by_role("link", name=words("Back to my chat")).click()
    # The chat itself needs scripts (its messages come over its socket), as every chat does.
    expect(page).to_have_url(chat.url)
    context.close()
    console.context.close()


def test_an_ordinary_request_closed_in_the_queue_keeps_the_page_true_in_spanish(
    node,
    browser,  # noqa: F811
    open_page,  # noqa: F811
):
    """Not banned: the press puts them at the front of the queue. A supervisor closes the
    case before any mentor picks them up: the page says so live, keeps their place and
    the lines, and a reload shows the same, never the start view."""
    from playwright.sync_api import expect

    words = Words("es")
    # An admin on duty (admins supervise too): the supervisor's one-time codes for this
    # half-minute went to the journeys above.
    console = open_console(browser, node, DESKTOP, email="admin@example.org")
    page = open_page("es-ES", PHONE)
    page.goto(node.base_url + "/")
    page.get_by_role("button", name=words("Give me a new name")).click()
    handle = page.locator("#you-heading + p strong").inner_text()
    page.get_by_role("button", name=words("I need urgent help now")).click()
    page.wait_for_url(at(r"/help/urgent/"))
    expect(
        page.get_by_role("heading", name=words("We're getting someone for you now"))
    ).to_be_visible()
    status = page.locator("#queue-status")
    place = words.js("You are number %(position)s in the queue.", position="1")
    expect(status).to_contain_text(place)
    heard = record_announcements(page, "#queue-status")

    resolve_on_console(console, handle, "Morgan", stays_queued=True)

    # Said in the queue card's live region, and shown in place: the closing, the emergency
    # number first, Spain's lines, their place and the button to ask again.
    place_now = words("You are number %(position)s in the queue.", position="1")
    closing = f"{closed_in_spain(words)} {place_now}"
    page.wait_for_function(
        "(said) => document.getElementById('queue-status').textContent === said", arg=closing
    )
    assert closing in heard, heard
    expect(status).to_have_attribute("aria-live", "polite")

    def shows_the_closed_request_and_the_place() -> None:
        expect(
            page.get_by_role("heading", name=words("Your request was closed without a chat"))
        ).to_be_visible()
        expect(page.locator("#queue")).to_contain_text(
            words(
                "You are still in the queue for a peer mentor. Keep this page open; we'll take "
                "you to the chat as soon as someone joins."
            )
        )
        expect(page.locator(".crisis-support")).to_contain_text(
            words(
                'If you need help again, you can press "I need urgent help now" on this page. '
                "The supervisors on duty will see that you asked."
            )
        )
        expect(
            page.locator("#queue").get_by_role("button", name=words("I need urgent help now"))
        ).to_be_visible()
        assert_lines_of(page, "ES")
        for private in ("Morgan", "admin@example.org"):
            assert private not in page.locator("main").inner_text()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375

    shows_the_closed_request_and_the_place()
    check_page(page, "urgent-help-closed-in-the-queue-es-ES")

    # A reload (or Back, or a restored tab): the same truth, never the start view.
    page.reload()
    expect(page.get_by_role("heading", name=words("Help right now"))).to_have_count(0)
    expect(status).to_contain_text(place)
    shows_the_closed_request_and_the_place()

    # They ask again (a new case, the same place); this time the page's connection is down
    # when the case is closed, so the frame never reaches it. Its socket, relayed through
    # the test, is dropped; the page tries again at once and is held (open, but silent).
    relay = RelayedSocket(page, "/ws/queue/")
    page.locator("#queue").get_by_role("button", name=words("I need urgent help now")).click()
    expect(
        page.get_by_role("heading", name=words("We're getting someone for you now"))
    ).to_be_visible()
    expect(status).to_contain_text(place)
    listen_again(page, "#queue-status")
    relay.held = True
    page_side, server_side = relay.routes[-1]
    # Held open again, the page reads itself once (still waiting: it changes nothing).
    with page.expect_request(lambda request: request.url.endswith("/help/urgent/")):
        server_side.close()
        page_side.close(code=1001)  # going away: not a refusal, so the page tries again
    resolve_on_console(console, handle, "Morgan", stays_queued=True)
    expect(
        page.get_by_role("heading", name=words("We're getting someone for you now"))
    ).to_be_visible()  # not told: its connection was down
    heard.clear()
    # The connection comes back: the page reads itself again and shows the closing.
    relay.held = False
    relay.routes[-1][0].close(code=1001)
    page.wait_for_function(
        "(said) => document.getElementById('queue-status').textContent.startsWith(said)",
        arg=closed_in_spain(words),
    )
    assert closing in heard, heard
    shows_the_closed_request_and_the_place()
    console.context.close()


def test_past_the_networks_urgent_bound_a_press_is_an_honest_429_in_spanish(
    node,
    open_page,  # noqa: F811
):
    """Last in the module: it uses up the node's new identities for the hour."""
    from playwright.sync_api import expect

    words = Words("es")
    # Everyone here comes from one address: use up its ordinary new identities.
    for _ in range(10):
        if LiveClient(node).post("/me/handle/").status == 429:
            break
    else:
        pytest.fail("the network's new-identity limit was never reached")
    page = open_page("es-ES", PHONE)
    page.goto(node.base_url + "/")
    page.get_by_role("button", name=words("I need urgent help now")).click()
    expect(
        page.get_by_role("heading", name=words("Please reach one of these lines now"))
    ).to_be_visible()
    expect(page.locator(".crisis-support")).to_contain_text(
        words(
            "Many people on your network have asked for help in the last hour. The supervisors "
            "on duty can see that you asked, but we can't open a chat for you from this "
            "network right now."
        )
    )
    assert_lines_of(page, "ES")
    check_page(page, "urgent-help-network-limit-es-ES")
