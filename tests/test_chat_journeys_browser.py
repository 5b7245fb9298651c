"""The participant's journeys in a real browser, in English and in Spanish, with axe at 375
and 1280 px on every page and state (screenshots of each under var/screenshots/).

- A participant takes part in the survey, waits, chats, is moderated, is transferred to
  another mentor, sees the chat end, answers the after-chat survey, downloads and
  deletes their data, and leaves quickly.
- The same path with the keyboard alone: Tab (a visible focus, on the screen), Enter,
  typing, and Esc twice to leave.
- The language switch in the middle of a chat: the page, the history's notices and
  the ones sent after all turn Spanish.
- A group room: the welcome and house rules, the rules a mentor pins and the participant
  accepts, reporting and blocking another participant, leaving the room.
- Another participant skips the survey and asks for urgent help in the chat; a
  supervisor signs in (the first time, two steps; later, a code), acknowledges the
  alert, whispers to the mentor, joins the chat and resolves it.
- Urgent help asked for from the start page: a page answered directly, not a redirect,
  and still no page of the site left behind after leaving quickly.

One Chromium and one Daphne node for the module; the mentors and the supervisor are
the demo staff. The tests run in order and share that node's state (the supervisor's
authenticator, the mentors' cool-downs).
"""

from __future__ import annotations

import json

import pytest

from tests.accessibility import check_page
from tests.journeys import (
    DESKTOP,
    LANGUAGES,
    Words,
    arrive,
    at,
    browser,  # noqa: F401 (fixture)
    enter_code,
    leave_quickly_and_find_nothing_behind,
    node_fixture,
    open_page,  # noqa: F401 (fixture)
    pages_behind,
    set_up_two_steps,
    sign_in,
    sign_in_mentor,
)

pytestmark = pytest.mark.integration

node = node_fixture("test-chat-journeys-", QUICK_EXIT_URL="about:blank")
# The supervisor's authenticator secret, once set up (by the first journey that signs in).
SUPERVISOR: dict[str, str] = {}


def new_name(page, words: Words) -> str:
    """Ask for a new random name on the landing page; the name shown."""
    page.get_by_role("button", name=words("Give me a new name")).click()
    return page.locator("#you-heading + p strong").inner_text()


def accept(mentor, handle: str, words: Words) -> None:
    """The mentor accepts this participant (others may be waiting too)."""
    from playwright.sync_api import expect

    waiting = mentor.locator("#queue-list li", has_text=handle)
    expect(waiting).to_be_visible()
    waiting.get_by_role("button", name=words.js("Accept")).click()
    expect(mentor).to_have_url(at(r"/chat/\d+/"))
    expect(mentor.locator("#conn-status")).to_have_text(words.js("Connected"))


def send(page, text: str) -> None:
    from playwright.sync_api import expect

    page.locator("#body").fill(text)
    page.keyboard.press("Enter")
    expect(page.locator("#messages li.pending")).to_have_count(0)


def act_on(mentor, text: str, action: str, words: Words, **fields: str) -> None:
    """Open the actions menu of the message containing ``text``, pick ``action``, confirm."""
    from playwright.sync_api import expect

    message = mentor.locator("#messages li", has_text=text)
    # The menu offers what fits the message now (hidden or not, sender muted or not): it
    # is rebuilt when that changes, so wait until it offers this action.
    offered = message.get_by_role("button", name=words.js(action), exact=True, include_hidden=True)
    expect(offered).to_be_attached()
    message.locator("summary").click()
    message.get_by_role("button", name=words.js(action), exact=True).click()
    dialog = mentor.locator("#mod-dialog")
    expect(dialog).to_be_visible()
    for label, value in fields.items():
        dialog.get_by_label(words(label)).fill(value)
    return dialog


def confirm(mentor, dialog, words: Words) -> None:
    from playwright.sync_api import expect

    dialog.get_by_role("button", name=words("Confirm")).click()
    expect(dialog).to_be_hidden()


@pytest.mark.parametrize("language", LANGUAGES)
def test_survey_chat_moderation_transfer_end_after_survey_and_privacy(
    node,
    open_page,  # noqa: F811
    language,
):
    from playwright.sync_api import expect

    words = Words(language)
    shot = f"journey-{language}"
    mentor = open_page(language, DESKTOP)
    sign_in_mentor(mentor, node, "mentor@example.org", words)
    check_page(mentor, f"{shot}-mentor-console")
    other_mentor = open_page(language, DESKTOP)
    sign_in_mentor(other_mentor, node, "mentor2@example.org", words)

    # Landing, consent (yes), the short survey, the queue.
    page = open_page(language)
    page.goto(node.base_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    check_page(page, f"{shot}-landing")
    handle = new_name(page, words)
    page.get_by_role("button", name=words("Talk to a peer mentor")).click()
    expect(page).to_have_url(at(r"/evaluation/survey/consent/"))
    check_page(page, f"{shot}-consent-before-chat")
    page.get_by_role("button", name=words("Yes, I'll take part")).click()
    expect(page).to_have_url(at(r"/evaluation/survey/before/"))
    check_page(page, f"{shot}-survey-before-chat")
    for question in page.locator("form.survey fieldset").all()[:2]:
        question.locator("input[type=radio]").first.check()
    # Sending the short page goes straight on to the queue.
    page.get_by_role("button", name=words("Send and talk now")).click()
    expect(page).to_have_url(at(r"/queue/"))
    expect(page.locator("#queue-status")).to_contain_text(
        words.js_pattern("You are number %(position)s in the queue.")
    )
    check_page(page, f"{shot}-queue")

    # The mentor accepts; both chat.
    expect(mentor.locator("#queue-list li", has_text=handle)).to_be_visible()
    check_page(mentor, f"{shot}-mentor-console-waiting")
    accept(mentor, handle, words)
    expect(page).to_have_url(at(r"/chat/\d+/"))
    room_path = page.url.removeprefix(node.base_url)
    assert mentor.url.endswith(room_path)
    expect(page.locator("#conn-status")).to_have_text(words.js("Connected"))
    send(page, "exams are getting to me and I'm a horrible person")
    send(mentor, "Thanks for telling me. What's weighing on you most?")
    expect(page.locator("#messages")).to_contain_text("What's weighing on you most?")
    check_page(page, f"{shot}-chat-participant")
    check_page(mentor, f"{shot}-chat-mentor")

    # Moderation: hide and show again, a private warning, mute and unmute.
    reason = "Reason (a note for the room's staff, kept with its messages)"
    dialog = act_on(mentor, "horrible person", "Hide", words, **{reason: "self-criticism"})
    check_page(mentor, f"{shot}-moderation-dialog")
    confirm(mentor, dialog, words)
    expect(page.locator("#messages")).to_contain_text(words.js("Message hidden by a moderator"))
    expect(page.locator("#messages")).not_to_contain_text("horrible person")
    check_page(page, f"{shot}-chat-message-hidden")
    confirm(mentor, act_on(mentor, "horrible person", "Show again", words), words)
    expect(page.locator("#messages")).to_contain_text("horrible person")
    dialog = act_on(
        mentor,
        "horrible person",
        "Warn",
        words,
        **{"Private message to this participant": "Please be kind to yourself here too."},
    )
    confirm(mentor, dialog, words)
    expect(page.locator("#messages")).to_contain_text("Please be kind to yourself here too.")
    dialog = act_on(mentor, "horrible person", "Mute", words, **{"For how many minutes": "5"})
    confirm(mentor, dialog, words)
    expect(page.locator("#notice")).to_contain_text(
        words.js("A moderator muted you in this room for %(minutes)s min.", minutes=5)
    )
    check_page(page, f"{shot}-chat-muted")
    confirm(mentor, act_on(mentor, "horrible person", "Unmute", words), words)
    expect(page.locator("#notice")).to_have_text(words.js("You can post in this room again."))
    send(page, "ok, thank you")

    # Transfer to the other mentor, who ends the chat.
    alex = mentor.locator("#transfer-to option", has_text="Alex").get_attribute("value")
    mentor.locator("#transfer-to").select_option(alex)
    mentor.get_by_role("button", name=words("Transfer"), exact=True).click()
    transferred = words.js("Chat transferred to %(name)s.", name="Alex")
    expect(mentor.locator("#conn-status")).to_have_text(transferred)
    expect(other_mentor.locator("#notice")).to_have_text(
        words.js("A chat was transferred to you. It is in “My chats”.")
    )
    check_page(other_mentor, f"{shot}-mentor-console-transferred")
    other_mentor.locator(f"#chat-list a[href='{room_path}']").click()
    expect(other_mentor.locator("#conn-status")).to_have_text(words.js("Connected"))
    expect(other_mentor.locator("#messages")).to_contain_text("ok, thank you")
    # Meanwhile the server closed the first mentor's socket: the page still says why.
    expect(mentor.locator("#notice")).to_have_text(transferred)
    expect(mentor.locator("#conn-status")).to_have_text(transferred)
    check_page(mentor, f"{shot}-chat-transferred")
    other_mentor.on("dialog", lambda dialog: dialog.accept())
    other_mentor.get_by_role("button", name=words("End chat")).click()
    expect(page.locator("#conn-status")).to_have_text(words.js("This chat has ended."))
    expect(page.locator("#notice")).to_be_in_viewport()
    expect(page.locator("#composer")).to_be_hidden()
    check_page(page, f"{shot}-chat-ended-participant")
    # The chat's mentor is asked to rate it against the checklist and to look after themselves.
    rate = words.js("Rate this chat against the checklist")
    expect(other_mentor.get_by_role("link", name=rate)).to_be_visible()
    expect(
        other_mentor.get_by_role("link", name=words.js("Check in or ask for a debrief"))
    ).to_be_visible()
    check_page(other_mentor, f"{shot}-chat-ended-mentor")

    # The chat-ended page, the after-chat survey.
    page.get_by_role("link", name=words.js("Continue")).click()
    expect(page).to_have_url(at(r"/chat/\d+/ended/"))
    check_page(page, f"{shot}-chat-ended-page")
    page.get_by_role("link", name=words("Answer the questions")).click()
    expect(page).to_have_url(at(r"/evaluation/survey/after/\d+/"))
    check_page(page, f"{shot}-survey-after-chat")
    page.locator("form.survey fieldset input[type=radio]").first.check()
    page.get_by_role("button", name=words("Send my answers")).click()
    thanks = words("Your answers help us make this service better.")
    expect(page.get_by_text(thanks)).to_be_visible()
    check_page(page, f"{shot}-survey-after-thanks")

    # Privacy: download, then delete.
    page.get_by_role("link", name=words("Privacy")).first.click()
    expect(page).to_have_url(at(r"/privacy/"))
    check_page(page, f"{shot}-privacy")
    with page.expect_download() as download:
        page.get_by_role("link", name=words("Download my messages (JSON)")).click()
    exported = json.loads(download.value.path().read_text())
    assert "ok, thank you" in json.dumps(exported, ensure_ascii=False)
    page.get_by_role("button", name=words("Delete my data")).click()
    # The box must be ticked first: the browser says so, nothing is deleted.
    expect(page).to_have_url(at(r"/privacy/"))
    page.get_by_label(words("I understand that this cannot be undone")).check()
    page.get_by_role("button", name=words("Delete my data")).click()
    expect(page.get_by_role("heading", name=words("Your data was deleted"))).to_be_visible()
    check_page(page, f"{shot}-data-deleted")
    leave_quickly_and_find_nothing_behind(page, node, words)

    # The transcript is gone for the mentor too.
    other_mentor.goto(node.base_url + room_path)
    expect(other_mentor.locator("#messages")).to_contain_text(
        words.js("This message has expired and was deleted.")
    )
    expect(other_mentor.locator("#messages")).not_to_contain_text("ok, thank you")


# A chat with urgent help is followed by a cool-down for its mentor (no new chats offered
# for a while), so each language's urgent-help journey has its own mentor.
URGENT_HELP_MENTOR = {"en": "mentor@example.org", "es": "mentor2@example.org"}


def tab_to(page, target, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus; each stop on the way shows where the focus
    is (an outline) and is on the screen."""
    from playwright.sync_api import expect

    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        expect(focused).to_have_count(1)
        visible_focus = focused.evaluate(
            "(element) => getComputedStyle(element).outlineStyle !== 'none'"
            " && parseFloat(getComputedStyle(element).outlineWidth) >= 2"
        )
        assert visible_focus, f"no visible focus on {focused.evaluate('(e) => e.outerHTML')}"
        expect(focused).to_be_in_viewport()
        if target.evaluate("(element) => element === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with Tab in {limit} presses")


@pytest.mark.parametrize("language", LANGUAGES)
def test_keyboard_only_from_the_landing_page_to_the_end_of_a_chat_and_out(
    node,
    open_page,  # noqa: F811
    language,
):
    """The participant's journey with the keyboard alone: Tab, Enter, typing, Esc twice."""
    from playwright.sync_api import expect

    words = Words(language)
    mentor = open_page(language, DESKTOP)
    sign_in_mentor(mentor, node, "mentor@example.org", words)

    page = open_page(language)
    page.goto(node.base_url + "/")
    new_name_button = page.get_by_role("button", name=words("Give me a new name"))
    tab_to(page, new_name_button)
    page.keyboard.press("Enter")
    expect(page.locator("#you-heading + p strong")).not_to_have_text("")
    page.wait_for_load_state()
    handle = page.locator("#you-heading + p strong").inner_text()
    tab_to(page, page.get_by_role("button", name=words("Talk to a peer mentor")))
    page.keyboard.press("Enter")
    expect(page).to_have_url(at(r"/evaluation/survey/consent/"))
    page.wait_for_load_state()
    tab_to(page, page.get_by_role("button", name=words("Skip and talk now")))
    page.keyboard.press("Enter")
    expect(page).to_have_url(at(r"/queue/"))
    accept(mentor, handle, words)
    expect(page).to_have_url(at(r"/chat/\d+/"))
    expect(page.locator("#conn-status")).to_have_text(words.js("Connected"))

    composer = page.get_by_label(words("Your message"))
    tab_to(page, composer)
    page.keyboard.type("typed without a mouse")
    page.keyboard.press("Enter")
    expect(page.locator("#messages li.pending")).to_have_count(0)
    expect(mentor.locator("#messages")).to_contain_text("typed without a mouse")
    # Shift+Enter is a new line, not a send.
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    expect(composer).to_have_value("first line\nsecond line")
    page.keyboard.press("Enter")
    expect(mentor.locator("#messages")).to_contain_text("second line")

    mentor.on("dialog", lambda dialog: dialog.accept())
    mentor.get_by_role("button", name=words("End chat")).click()
    expect(page.locator("#conn-status")).to_have_text(words.js("This chat has ended."))
    tab_to(page, page.get_by_role("link", name=words.js("Continue")))
    page.keyboard.press("Enter")
    expect(page).to_have_url(at(r"/chat/\d+/ended/"))
    page.wait_for_load_state()  # the page's scripts listen for the keys
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page).to_have_url("about:blank")
    behind = pages_behind(page)
    assert not [url for url in behind if url.startswith(node.base_url)], behind


def test_switching_language_in_a_chat_turns_the_whole_chat_to_spanish(
    node,
    open_page,  # noqa: F811
):
    """The switch mid-chat: the page, the socket's notices and the history all follow."""
    from playwright.sync_api import expect

    english, spanish = Words("en"), Words("es")
    mentor = open_page("en", DESKTOP)
    sign_in_mentor(mentor, node, "mentor@example.org", english)
    page = open_page("en")
    page.goto(node.base_url + "/")
    handle = new_name(page, english)
    page.get_by_role("button", name=english("Talk to a peer mentor")).click()
    arrive(page, r"/evaluation/survey/consent/")
    page.get_by_role("button", name=english("Skip and talk now")).click()
    accept(mentor, handle, english)
    expect(page).to_have_url(at(r"/chat/\d+/"))
    room_path = page.url.removeprefix(node.base_url)
    joined = "%(name)s, a peer mentor, has joined the chat."
    expect(page.locator("#messages")).to_contain_text(english(joined, name="Sam"))
    # A marker the risk model reads as harmless: this risk model reads "before the
    # switch" as imminent (a known false alarm on short messages), which would open an
    # escalation and put this mentor in a cool-down for the journeys that follow.
    marker = "written before switching to Spanish"
    send(page, marker)

    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(at(room_path))
    expect(page.locator("#conn-status")).to_have_text(spanish.js("Connected"))
    expect(page.locator("#messages")).to_contain_text(spanish(joined, name="Sam"))
    expect(page.locator("#messages")).not_to_contain_text(english(joined, name="Sam"))
    expect(page.locator("#messages")).to_contain_text(marker)
    # Notices sent from now on come in Spanish too, though the mentor reads English.
    mentor.on("dialog", lambda dialog: dialog.accept())
    mentor.get_by_role("button", name=english("End chat")).click()
    expect(page.locator("#conn-status")).to_have_text(spanish.js("This chat has ended."))
    expect(page.locator("#messages")).to_contain_text(spanish("The chat has ended."))
    expect(mentor.locator("#messages")).to_contain_text(english("The chat has ended."))
    check_page(page, "journey-switch-es-chat-ended")
    leave_quickly_and_find_nothing_behind(page, node, spanish)


def open_actions(page, text: str, action: str, words: Words):
    """A participant opens the actions of the message containing ``text`` and picks one."""
    from playwright.sync_api import expect

    message = page.locator("#messages li", has_text=text)
    message.locator("summary").click()
    message.get_by_role("button", name=words.js(action), exact=True).click()
    dialog = page.locator("#mod-dialog")
    expect(dialog).to_be_visible()
    return dialog


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_group_room_welcome_rules_report_block_and_leave(
    node,
    open_page,  # noqa: F811
    language,
):
    from playwright.sync_api import expect

    words = Words(language)
    shot = f"journey-{language}-group"
    room = "Exam stress"  # the demo room's title: data, in the language it was written in
    # The room keeps its history across the languages' runs: each run's messages are its own.
    mine, theirs, later = (f"{text} ({language})" for text in ("hello", "hi there", "still here"))

    first = open_page(language)
    first.goto(node.base_url + "/")
    first.get_by_role("link", name=room).click()
    expect(first).to_have_url(at(r"/chat/\d+/"))
    room_path = first.url.removeprefix(node.base_url)
    expect(
        first.get_by_role("heading", name=words("Welcome to %(title)s", title=room))
    ).to_be_visible()
    expect(first.locator("#conn-status")).to_have_text(words.js("Connected"))
    first.get_by_text(words("How we keep this room safe")).click()
    expect(
        first.get_by_text(words("Be kind. Everyone here is going through something."))
    ).to_be_visible()
    check_page(first, f"{shot}-welcome")

    # A mentor pins the room's rules; a participant accepts them before posting.
    mentor = open_page(language, DESKTOP)
    sign_in(mentor, node, "mentor@example.org")
    expect(mentor).to_have_url(at(r"/staff/"))
    mentor.goto(node.base_url + room_path)
    expect(mentor.locator("#conn-status")).to_have_text(words.js("Connected"))
    mentor.get_by_text(words("Room moderation")).click()
    rules = f"Be gentle ({language})."
    mentor.get_by_label(words("Room rules (participants accept them before posting)")).fill(rules)
    mentor.get_by_role("button", name=words("Pin these rules")).click()
    expect(mentor.locator("#room-state")).to_contain_text(words.js("Rules are pinned."))
    check_page(mentor, f"{shot}-mentor-room-tools")

    expect(first.locator("#room-rules")).to_be_visible()
    expect(first.locator("#room-rules-text")).to_have_text(rules)
    check_page(first, f"{shot}-rules")
    first.get_by_role("button", name=words("I accept these rules")).click()
    expect(first.locator("#notice")).to_have_text(words.js("Thank you. You can post now."))
    send(first, mine)

    second = open_page(language)
    second.goto(node.base_url + room_path)
    second.get_by_role("button", name=words("I accept these rules")).click()
    expect(second.locator("#notice")).to_have_text(words.js("Thank you. You can post now."))
    send(second, theirs)
    expect(first.locator("#messages")).to_contain_text(theirs)

    # Report, then block, the other participant's message.
    dialog = open_actions(first, theirs, "Report", words)
    dialog.get_by_label(words("What is wrong with this message?")).select_option("spam")
    check_page(first, f"{shot}-report-dialog")
    confirm(first, dialog, words)
    expect(first.locator("#notice")).to_have_text(
        words.js("Thank you for reporting. A mentor will look at it.")
    )
    expect(mentor.locator("#mod-alerts")).to_contain_text(words.js("Reported"))
    confirm(first, open_actions(first, theirs, "Block", words), words)
    expect(first.locator("#notice")).to_have_text(
        words.js("You won't see this person's messages any more.")
    )
    expect(first.locator("#messages li", has_text=theirs)).to_be_hidden()
    check_page(first, f"{shot}-blocked")
    # The server no longer sends that person's messages: the mentor's, sent after, arrive.
    send(second, later)
    expect(mentor.locator("#messages")).to_contain_text(later)
    send(mentor, f"Welcome, everyone ({language}).")
    expect(first.locator("#messages")).to_contain_text(f"Welcome, everyone ({language}).")
    expect(first.locator("#messages li", has_text=later)).to_have_count(0)

    # Leaving the room: back to the start page, and nothing of the site left behind.
    first.get_by_role("button", name=words("Leave room")).click()
    expect(first).to_have_url(at(r"/"))
    expect(first.locator("html")).to_have_attribute("lang", language)
    leave_quickly_and_find_nothing_behind(first, node, words)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mentor_removes_one_participant_from_a_group_room_and_bans_another(
    node,
    open_page,  # noqa: F811
    language,
):
    from playwright.sync_api import expect

    words = Words(language)
    shot = f"journey-{language}-group-sanctions"
    room = "General support"  # a demo room no other journey of this module posts in
    reason = "Reason (a note for the room's staff, kept with its messages)"
    removed_text, banned_text, staying_text = (
        f"{text} ({language})" for text in ("off topic", "abuse", "still talking")
    )

    removed = open_page(language)
    removed.goto(node.base_url + "/")
    removed.get_by_role("link", name=room).click()
    expect(removed).to_have_url(at(r"/chat/\d+/"))
    room_path = removed.url.removeprefix(node.base_url)
    banned, staying = open_page(language), open_page(language)
    for page in (removed, banned, staying):
        if page is not removed:
            page.goto(node.base_url + room_path)
        expect(page.locator("#conn-status")).to_have_text(words.js("Connected"))
    mentor = open_page(language, DESKTOP)
    sign_in(mentor, node, "mentor@example.org")
    expect(mentor).to_have_url(at(r"/staff/"))
    mentor.goto(node.base_url + room_path)
    expect(mentor.locator("#conn-status")).to_have_text(words.js("Connected"))
    send(removed, removed_text)
    send(banned, banned_text)
    expect(mentor.locator("#messages")).to_contain_text(banned_text)

    # Remove: out of this room, now and when they come back to it.
    dialog = act_on(mentor, removed_text, "Remove", words, **{reason: "off topic"})
    check_page(mentor, f"{shot}-remove-dialog")
    confirm(mentor, dialog, words)
    expect(removed.locator("#notice")).to_have_text(
        words.js("You can't open this room. Go back to the start page to begin again.")
    )
    expect(removed.get_by_label(words("Your message"))).to_be_disabled()
    check_page(removed, f"{shot}-removed")
    removed.reload()
    expect(removed.get_by_role("heading", name=words("You can't open this page"))).to_be_visible()
    check_page(removed, f"{shot}-removed-came-back")

    # Ban: a reason is needed; every socket closes, and no new chat can be asked for.
    dialog = act_on(
        mentor,
        banned_text,
        "Ban",
        words,
        **{"For how many days (leave empty to ban for good)": "7"},
    )
    dialog.get_by_role("button", name=words("Confirm")).click()
    expect(dialog).to_be_visible()  # the reason is required: the browser says so
    dialog.get_by_label(words(reason)).fill("abuse of others")
    check_page(mentor, f"{shot}-ban-dialog")
    confirm(mentor, dialog, words)
    expect(banned.locator("#notice")).to_have_text(
        words("You can't use this service at the moment.")
    )
    expect(banned.get_by_label(words("Your message"))).to_be_disabled()
    check_page(banned, f"{shot}-banned")
    banned.get_by_role("link", name=words("Peer support chat")).first.click()
    arrive(banned, r"/")
    banned.get_by_role("button", name=words("Talk to a peer mentor")).click()
    expect(banned.get_by_text(words("You can't use this service at the moment."))).to_be_visible()
    check_page(banned, f"{shot}-banned-asks-for-a-chat")

    # The others carry on: the staying participant still posts, and reads the mentor.
    send(staying, staying_text)
    expect(mentor.locator("#messages")).to_contain_text(staying_text)
    send(mentor, f"Thanks for staying ({language}).")
    expect(staying.locator("#messages")).to_contain_text(f"Thanks for staying ({language}).")
    leave_quickly_and_find_nothing_behind(banned, node, words)


def sign_in_supervisor(page, node, words: Words, shot: str) -> None:
    """Two steps: set up the authenticator the first time, a code later; then the console."""
    from playwright.sync_api import expect

    sign_in(page, node, "supervisor@example.org", next_path="/supervisor/")
    if "secret" not in SUPERVISOR:
        SUPERVISOR["secret"] = set_up_two_steps(page, f"{shot}-supervisor")
    else:
        enter_code(page, SUPERVISOR["secret"], f"{shot}-supervisor")
    expect(page).to_have_url(at(r"/supervisor/"))
    expect(page.locator("#conn-status")).to_have_text(words.js("Connected"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_urgent_help_in_a_chat_reaches_a_supervisor_who_whispers_joins_and_resolves(
    node,
    open_page,  # noqa: F811
    language,
):
    from playwright.sync_api import expect

    words = Words(language)
    shot = f"journey-{language}"
    supervisor = open_page(language, DESKTOP)
    sign_in_supervisor(supervisor, node, words, shot)
    check_page(supervisor, f"{shot}-supervisor-console")
    mentor = open_page(language, DESKTOP)
    sign_in_mentor(mentor, node, URGENT_HELP_MENTOR[language], words)

    # Consent, the other answer: skip and talk now.
    page = open_page(language)
    page.goto(node.base_url + "/")
    handle = new_name(page, words)
    page.get_by_role("button", name=words("Talk to a peer mentor")).click()
    arrive(page, r"/evaluation/survey/consent/")
    page.get_by_role("button", name=words("Skip and talk now")).click()
    expect(page).to_have_url(at(r"/queue/"))
    accept(mentor, handle, words)
    expect(page).to_have_url(at(r"/chat/\d+/"))
    expect(page.locator("#conn-status")).to_have_text(words.js("Connected"))
    send(page, "I don't feel safe tonight")

    # Urgent help: the crisis panel for the participant, an alert for the supervisor.
    page.get_by_role("button", name=words("I need urgent help now")).click()
    panel = page.locator("#crisis-support")
    expect(panel).to_be_visible()
    expect(panel.locator("a[href^='tel:']").first).to_be_visible()
    check_page(page, f"{shot}-chat-urgent-help")
    # Another country's lines, one tap away: the chat stays, the panel shows that country.
    country = panel.locator(".region-quick button").first
    code = country.get_attribute("value")
    country.click()
    expect(panel.locator(".crisis-region")).to_have_attribute("data-region", code)
    expect(panel).to_be_visible()
    expect(page).to_have_url(at(r"/chat/\d+/"))
    expect(panel.locator(f"ul[data-region='{code}'] a[href^='tel:']").first).to_be_visible()
    expect(page.locator("#conn-status")).to_have_text(words.js("Connected"))
    check_page(page, f"{shot}-chat-urgent-help-another-country")
    card = supervisor.locator("#escalation-list li.escalation", has_text=handle)
    expect(card).to_have_count(1)
    expect(card.locator(".escalation-state")).to_have_text(words.js("Not acknowledged yet."))
    check_page(supervisor, f"{shot}-supervisor-alert")
    expect(mentor.locator("#escalation-status")).not_to_have_text(words("No escalation open."))
    check_page(mentor, f"{shot}-mentor-escalation")

    card.get_by_role("button", name=words("Acknowledge")).click()
    expect(card.locator(".escalation-state")).to_have_text(
        words.js("Acknowledged by %(name)s.", name="Jordan")
    )
    card.get_by_label(words("Whisper to the mentor (staff only)")).fill("Ask if they are alone.")
    card.get_by_role("button", name=words("Send whisper")).click()
    expect(mentor.locator("#messages")).to_contain_text("Ask if they are alone.")
    expect(mentor.locator("#messages li", has_text="Ask if they are alone.")).to_contain_text(
        words.js("Staff only")
    )
    check_page(supervisor, f"{shot}-supervisor-acknowledged")
    check_page(mentor, f"{shot}-mentor-whisper")

    with supervisor.expect_popup() as popup:
        card.get_by_role("button", name=words("Join the chat")).click()
    joined = popup.value
    expect(joined).to_have_url(at(r"/chat/\d+/"))
    expect(joined.locator("#conn-status")).to_have_text(words.js("Connected"))
    joined_notice = words("%(name)s, a supervisor, has joined the chat.", name="Jordan")
    expect(page.locator("#messages")).to_contain_text(joined_notice)
    expect(page.locator("#messages")).not_to_contain_text("Ask if they are alone.")
    check_page(joined, f"{shot}-supervisor-in-chat")
    send(joined, "Hi, I'm here with you both.")
    expect(page.locator("#messages")).to_contain_text("Hi, I'm here with you both.")

    card.get_by_label(words("Outcome")).select_option("de_escalated")
    card.get_by_role("button", name=words("Resolve")).click()
    expect(card).to_have_count(0)
    expect(mentor.locator("#escalation-status")).to_contain_text(words("De-escalated"))
    check_page(supervisor, f"{shot}-supervisor-resolved")

    # The mentor ends the chat. Nobody in the urgent-help flow is offered a survey.
    mentor.on("dialog", lambda dialog: dialog.accept())
    mentor.get_by_role("button", name=words("End chat")).click()
    expect(page.locator("#conn-status")).to_have_text(words.js("This chat has ended."))
    page.get_by_role("link", name=words.js("Continue")).click()
    expect(page).to_have_url(at(r"/chat/\d+/ended/"))
    expect(page.get_by_role("link", name=words("Answer the questions"))).to_have_count(0)
    leave_quickly_and_find_nothing_behind(page, node, words)


@pytest.mark.parametrize("language", LANGUAGES)
def test_urgent_help_from_the_landing_page_leaves_no_page_behind(
    node,
    open_page,  # noqa: F811
    language,
):
    """The urgent-help page answers a form directly; it still takes no entry in the history."""
    from playwright.sync_api import expect

    words = Words(language)
    page = open_page(language)
    page.goto(node.base_url + "/")
    page.get_by_role("button", name=words("I need urgent help now")).click()
    expect(page.locator("#queue-status")).not_to_have_text(words("Connecting…"))
    expect(page.locator(".crisis-support a[href^='tel:']").first).to_be_visible()
    check_page(page, f"journey-{language}-urgent-help-page")
    # Another country from the list: the page comes back with its lines, still one entry.
    support = page.locator(".crisis-support")
    choice = support.get_by_label(words("Another country"))
    code = choice.locator("option:not([selected])").first.get_attribute("value")
    choice.select_option(code)
    support.get_by_role("button", name=words("Show its lines")).click()
    expect(support.locator(".crisis-region")).to_have_attribute("data-region", code)
    expect(support.locator(f"ul[data-region='{code}'] a[href^='tel:']").first).to_be_visible()
    leave_quickly_and_find_nothing_behind(page, node, words)
