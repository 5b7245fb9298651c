"""Moderation in real browsers: a mentor's actions menu and room tools, a participant at 375 px."""

from __future__ import annotations

import re

import pytest

from tests.test_browser import SCREENSHOTS, TIMEOUT_MS, browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.integration


def test_mentor_hides_and_mutes_and_pins_rules_from_the_room_page(browser, start_nodes):  # noqa: F811
    from playwright.sync_api import expect

    (node,) = start_nodes(env={"QUICK_EXIT_URL": "about:blank"})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    mentor_context = browser.new_context(viewport={"width": 1280, "height": 900})
    participant_context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True
    )
    mentor, participant = mentor_context.new_page(), participant_context.new_page()
    for page in (mentor, participant):
        page.set_default_timeout(TIMEOUT_MS)

    mentor.goto(node.base_url + "/accounts/login/")
    mentor.get_by_label("Email").fill("mentor@example.org")
    mentor.get_by_label("Password").fill("demo-password-123")
    mentor.get_by_role("button", name="Sign in").click()
    expect(mentor).to_have_url(re.compile(r"/staff/$"))
    mentor.goto(node.base_url + "/chat/1/")
    participant.goto(node.base_url + "/chat/1/")
    for page in (mentor, participant):
        expect(page.locator("#conn-status")).to_have_text("Connected")

    participant.get_by_label("Your message").fill("this is a horrible thing to say")
    participant.keyboard.press("Enter")
    message = mentor.locator("#messages li", has_text="horrible thing")
    expect(message).to_be_visible()

    # The actions menu works from the keyboard: a native <details> and a modal <dialog>.
    message.locator("summary").focus()
    mentor.keyboard.press("Enter")
    message.get_by_role("button", name="Hide").click()
    mentor.get_by_label("Reason (a note for the room's staff, kept with its messages)").fill(
        "unkind"
    )
    mentor.get_by_role("button", name="Confirm").click()
    expect(participant.locator("#messages")).to_contain_text("Message hidden by a moderator")
    expect(participant.locator("#messages")).not_to_contain_text("horrible thing")
    expect(message).to_contain_text("Hidden from participants: see the moderator's note")
    expect(mentor.locator("#messages")).to_contain_text("Moderator's note (hide, message")

    message.locator("summary").click()
    message.get_by_role("button", name="Mute", exact=True).click()
    mentor.get_by_label("For how many minutes").fill("10")
    mentor.get_by_role("button", name="Confirm").click()
    expect(participant.locator("#notice")).to_contain_text("muted you")
    participant.get_by_label("Your message").fill("but why")
    participant.keyboard.press("Enter")
    expect(participant.locator("#notice")).to_contain_text("You can post again in 10 min")

    mentor.get_by_text("Room moderation").click()
    mentor.get_by_label("Room rules (participants accept them before posting)").fill(
        "Be kind. No contact details."
    )
    mentor.get_by_role("button", name="Pin these rules").click()

    second = participant_context.new_page()
    second.set_default_timeout(TIMEOUT_MS)
    participant_context.clear_cookies()
    second.goto(node.base_url + "/chat/1/")
    expect(second.locator("#room-rules")).to_contain_text("Be kind. No contact details.")
    second.get_by_role("button", name="I accept these rules").click()
    expect(second.locator("#room-rules")).to_be_hidden()
    second.get_by_label("Your message").fill("hello everyone")
    second.keyboard.press("Enter")
    expect(mentor.locator("#messages")).to_contain_text("hello everyone")

    second.screenshot(path=str(SCREENSHOTS / "moderation-participant-375.png"), full_page=True)
    mentor.screenshot(path=str(SCREENSHOTS / "moderation-mentor-1280.png"), full_page=True)
    assert second.evaluate("() => document.documentElement.scrollWidth") <= 375

    mentor.set_viewport_size({"width": 375, "height": 740})
    mentor.goto(node.base_url + "/staff/moderation/")
    expect(mentor.get_by_role("heading", name="Moderation queue")).to_be_visible()
    assert mentor.evaluate("() => document.documentElement.scrollWidth") <= 375
    mentor.screenshot(path=str(SCREENSHOTS / "moderation-queue-375.png"), full_page=True)
    mentor_context.close()
    participant_context.close()
