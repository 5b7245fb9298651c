"""Crisis escalation in real browsers: the participant's panel, the mentor's status, the console."""

from __future__ import annotations

import re

import pytest

from tests.servers import LiveClient, manage
from tests.test_browser import CHROMIUM_ARGS, SCREENSHOTS, TIMEOUT_MS, browser  # noqa: F401

pytestmark = pytest.mark.integration


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("demo-password-123")
    page.get_by_role("button", name="Sign in").click()


def signed_in_context(browser, node, email: str, **options):  # noqa: F811
    """A browser context with the session of a full sign-in (two factors included).

    The sign-in itself, authenticator set-up and all, is the HTTP client's; the
    browser starts from its cookies.
    """
    client = LiveClient(node)
    client.login(email, "demo-password-123")
    context = browser.new_context(**options)
    context.add_cookies(
        [{"name": c.name, "value": c.value, "url": node.base_url} for c in client.jar]
    )
    return context


def test_risk_message_shows_help_to_the_participant_and_reaches_the_supervisor_console(
    browser,  # noqa: F811
    start_nodes,
):
    from playwright.sync_api import expect

    (node,) = start_nodes(env={"QUICK_EXIT_URL": "about:blank"})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide = {"viewport": {"width": 1280, "height": 900}}
    supervisor_context = signed_in_context(browser, node, "supervisor@example.org", **wide)
    mentor_context = browser.new_context(**wide)
    participant_context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True
    )
    supervisor, mentor = supervisor_context.new_page(), mentor_context.new_page()
    participant = participant_context.new_page()
    for page in (supervisor, mentor, participant):
        page.set_default_timeout(TIMEOUT_MS)

    supervisor.goto(node.base_url + "/supervisor/")
    expect(supervisor.locator("#conn-status")).to_have_text("Connected")
    expect(supervisor.locator("#escalations-empty")).to_be_visible()
    supervisor.get_by_role("button", name="Turn on alert sound and notifications").click()

    sign_in(mentor, node.base_url, "mentor@example.org")
    expect(mentor.locator("#conn-status")).to_have_text("Connected")
    mentor.get_by_label("Available").check()
    mentor.get_by_role("button", name="Save").click()
    participant.goto(node.base_url + "/")
    expect(participant.get_by_role("button", name="I need urgent help now")).to_be_visible()
    participant.get_by_role("button", name="Talk to a peer mentor").click()
    participant.get_by_role("button", name="Skip and talk now").click()
    expect(participant).to_have_url(re.compile(r"/queue/$"))
    mentor.get_by_role("button", name="Accept").click()
    expect(participant).to_have_url(re.compile(r"/chat/\d+/$"))
    expect(participant.locator("#conn-status")).to_have_text("Connected")
    expect(mentor.locator("#escalation-status")).to_have_text("No escalation open.")

    participant.get_by_label("Your message").fill("I have the pills in front of me right now")
    participant.keyboard.press("Enter")
    panel = participant.locator("#crisis-support")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name="Your safety matters to us")).to_be_visible()
    # An automatic guess offers the emergency number first, and asks: it never orders.
    expect(panel.get_by_role("link", name="Call 911 (emergency)")).to_be_visible()
    expect(panel.locator("p").nth(1)).to_have_text(
        "If you are in danger right now, you can call 911."
    )
    expect(panel).to_contain_text("Are you safe right now?")
    expect(panel).to_contain_text("988")
    participant.screenshot(path=str(SCREENSHOTS / "crisis-panel-375.png"), full_page=True)
    assert participant.evaluate("() => document.documentElement.scrollWidth") <= 375

    expect(mentor.locator("#escalation-status")).to_contain_text("imminent risk")
    card = supervisor.locator("#escalation-list li.escalation")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Imminent")
    expect(card).to_contain_text("Not acknowledged yet.")
    card.get_by_role("button", name="Acknowledge").click()
    expect(card).to_contain_text("Acknowledged by Jordan.")
    expect(mentor.locator("#escalation-status")).to_contain_text("Jordan (supervisor)")

    card.get_by_label("Why are you reading the transcript? (recorded)").fill("assessing risk")
    card.get_by_role("button", name="Read recent messages").click()
    expect(card.locator(".transcript")).to_contain_text("pills in front of me")
    card.get_by_label("Whisper to the mentor (staff only)").fill("Ask whether they are alone.")
    card.get_by_role("button", name="Send whisper").click()
    expect(mentor.locator("#messages")).to_contain_text("Ask whether they are alone.")

    with supervisor.expect_popup() as popup:
        card.get_by_role("button", name="Join the chat").click()
    expect(popup.value).to_have_url(re.compile(r"/chat/\d+/$"))
    expect(participant.locator("#messages")).to_contain_text("a supervisor, has joined the chat")
    expect(participant.locator("#messages")).not_to_contain_text("Ask whether they are alone.")

    card.get_by_label("Outcome").select_option("emergency_services")
    card.get_by_role("button", name="Resolve").click()
    expect(supervisor.locator("#notice")).to_contain_text("Confirm that emergency services")
    card.get_by_label("I confirm that emergency services made contact").check()
    card.get_by_label("When they made contact").fill("2026-01-01T10:30")
    supervisor.screenshot(path=str(SCREENSHOTS / "supervisor-1280.png"), full_page=True)
    card.get_by_role("button", name="Resolve").click()
    expect(supervisor.locator("#escalations-empty")).to_be_visible()
    expect(mentor.locator("#escalation-status")).to_contain_text("Emergency services contacted")
    for context in (supervisor_context, mentor_context, participant_context):
        context.close()


def count_escalations(node) -> int:
    output = manage(
        node.env,
        "shell",
        "-c",
        "from escalation.models import Escalation; print(Escalation.objects.count())",
    ).stdout
    return int(output.strip().splitlines()[-1])


def gap_between(first: dict, second: dict) -> float:
    """The distance between two boxes (0 when they touch or overlap)."""
    horizontal = max(
        0,
        max(first["x"], second["x"])
        - min(first["x"] + first["width"], second["x"] + second["width"]),
    )
    vertical = max(
        0,
        max(first["y"], second["y"])
        - min(first["y"] + first["height"], second["y"] + second["height"]),
    )
    return (horizontal**2 + vertical**2) ** 0.5  # fmt: skip


def test_urgent_help_survives_reload_back_and_a_second_press_and_stands_apart_from_leave_quickly(
    browser,  # noqa: F811
    start_nodes,
):
    from playwright.sync_api import expect

    (node,) = start_nodes(env={"QUICK_EXIT_URL": "about:blank"})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, locale="en-GB"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    page.goto(node.base_url + "/")
    urgent = page.get_by_role("button", name="I need urgent help now")
    leave = page.locator("#quick-exit")
    expect(urgent).to_be_visible()
    # Never adjacent on a phone, and never the same colour.
    assert gap_between(urgent.bounding_box(), leave.bounding_box()) >= 48
    colours = [
        element.evaluate("e => getComputedStyle(e).backgroundColor") for element in (urgent, leave)
    ]
    assert colours[0] != colours[1]
    assert urgent.locator("svg.icon").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "urgent-help-button-375.png"), full_page=True)

    page.wait_for_load_state()  # the page's scripts post its forms in the background
    urgent.click()
    expect(page).to_have_url(re.compile(r"/help/urgent/$"))
    heading = page.get_by_role("heading", name="We're getting someone for you now")
    expect(heading).to_be_visible()
    expect(page.get_by_role("link", name="Call 999 (emergency)")).to_be_visible()
    expect(page.locator("#queue-status")).to_contain_text("queue")
    page.screenshot(path=str(SCREENSHOTS / "urgent-help-page-375.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375

    response = page.reload()
    assert response.status == 200
    expect(heading).to_be_visible()
    # A participant's visit takes one entry in the tab's history (quick exit): Back leaves
    # the site instead of returning to the start page, and Forward is a GET of the case.
    page.go_back()
    expect(page).to_have_url("about:blank")
    page.go_forward()
    expect(heading).to_be_visible()
    # A tab restored later is a fresh GET of the same address.
    restored = context.new_page()
    restored.goto(node.base_url + "/help/urgent/")
    expect(
        restored.get_by_role("heading", name="We're getting someone for you now")
    ).to_be_visible()
    # A second press, from another page, shows the same case.
    page.goto(node.base_url + "/")
    page.get_by_role("button", name="I need urgent help now").click()
    expect(heading).to_be_visible()
    assert count_escalations(node) == 1
    context.close()


def test_mentor_runs_the_screener_and_they_make_a_safety_plan_together(
    browser,  # noqa: F811
    start_nodes,
):
    from playwright.sync_api import expect

    (node,) = start_nodes(env={"QUICK_EXIT_URL": "about:blank"})
    mentor_context = browser.new_context(viewport={"width": 1280, "height": 900})
    participant_context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, locale="es-ES"
    )
    mentor, participant = mentor_context.new_page(), participant_context.new_page()
    for page in (mentor, participant):
        page.set_default_timeout(TIMEOUT_MS)
    sign_in(mentor, node.base_url, "mentor@example.org")
    expect(mentor.locator("#conn-status")).to_have_text("Connected")
    mentor.get_by_label("Available").check()
    mentor.get_by_role("button", name="Save").click()
    participant.goto(node.base_url + "/")
    participant.locator("form[action='/chat/request/'] button").click()
    participant.locator("form.skip-first button").click()
    mentor.get_by_role("button", name="Accept").click()
    expect(participant).to_have_url(re.compile(r"/chat/\d+/$"))
    expect(mentor).to_have_url(re.compile(r"/chat/\d+/$"))

    # Staff see the participant's lines: their browser says Spain.
    expect(mentor.locator(".participant-lines")).to_contain_text("024")

    screener = mentor.locator("#screener-panel")
    screener.locator("summary").click()
    follow_up = screener.locator("fieldset[data-question='method']")
    expect(follow_up).to_be_hidden()
    for code, answer in (("wish_dead", "yes"), ("suicidal_thoughts", "yes")):
        screener.locator(f"input[name='{code}'][value='{answer}']").check()
    expect(follow_up).to_be_visible()
    for code, answer in (("method", "no"), ("intent", "no"), ("plan", "yes"), ("behaviour", "no")):
        screener.locator(f"input[name='{code}'][value='{answer}']").check()
    screener.get_by_role("button", name="Record the answers").click()
    expect(mentor.locator("#screener-result")).to_contain_text("Imminent risk")
    expect(participant.locator("#crisis-support")).to_have_attribute("data-kind", "mentor")
    expect(participant.locator("#crisis-support")).to_contain_text("112")

    mentor_plan = mentor.locator("#safety-plan-panel")
    mentor_plan.locator("summary").click()
    mentor_plan.locator("textarea[name='coping']").fill("Walk by the sea with headphones on")
    mentor_plan.get_by_role("button", name="Save the plan").click()
    participant_plan = participant.locator("#safety-plan-panel")
    participant_plan.locator("summary").click()
    expect(participant_plan.locator("textarea[name='coping']")).to_have_value(
        "Walk by the sea with headphones on"
    )
    expect(participant_plan.locator("textarea[name='professionals']")).to_have_value(
        re.compile(r"Emergency \(Spain\): 112.*Call 024", re.S)
    )
    participant.goto(node.base_url + "/me/safety-plan/")
    expect(participant.locator("textarea[name='coping']")).to_have_value(
        "Walk by the sea with headphones on"
    )
    participant.screenshot(path=str(SCREENSHOTS / "safety-plan-375.png"), full_page=True)
    for context in (mentor_context, participant_context):
        context.close()
