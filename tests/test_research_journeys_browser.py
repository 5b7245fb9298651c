"""The research surveys from the participant's side, in a real browser, in English and in
Spanish, with axe at 375 and 1280 px on every page and state (screenshots under
var/screenshots/).

A participant agrees to take part, answers the short page before a chat and leaves the
queue; weeks later they come back, are offered the follow-up and answer it; then they
withdraw (every answer deleted), and, asked again, say "No thanks". They leave quickly
and no page of the site is left behind.

One Chromium and one Daphne node for the module. "Weeks later" is the database's first
answers moved back past the follow-up interval (EVALUATION_FOLLOWUP_DAYS).
"""

from __future__ import annotations

import pytest

from tests.accessibility import check_page
from tests.journeys import (
    LANGUAGES,
    Words,
    arrive,
    browser,  # noqa: F401 (fixture)
    leave_quickly_and_find_nothing_behind,
    node_fixture,
    open_page,  # noqa: F401 (fixture)
)
from tests.servers import Node, manage

pytestmark = pytest.mark.integration

node = node_fixture("test-research-journeys-", QUICK_EXIT_URL="about:blank")


def in_the_database(node: Node, expression: str) -> str:
    """The value of a Python expression evaluated in the node's database (``manage shell``)."""
    code = (
        f"from evaluation.models import SurveyIdentity, SurveyResponse\nprint('=>', {expression})"
    )
    output = manage(node.env, "shell", "-c", code).stdout
    return next(line for line in reversed(output.splitlines()) if line.startswith("=> "))[3:]


DECLINED = "SurveyIdentity.objects.filter(consent='declined').count()"


def answers_stored(node: Node) -> int:
    return int(in_the_database(node, "SurveyResponse.objects.count()"))


def weeks_go_by(node: Node) -> None:
    """Every answer given so far moves back past the follow-up interval."""
    manage(
        node.env,
        "shell",
        "-c",
        "from datetime import timedelta\n"
        "from django.conf import settings\n"
        "from django.utils import timezone\n"
        "from evaluation.models import SurveyResponse\n"
        "days = timedelta(days=settings.EVALUATION_FOLLOWUP_DAYS + 1)\n"
        "SurveyResponse.objects.update(answered_on=timezone.localdate() - days)\n",
    )


def answer_some(page, how_many: int) -> None:
    for question in page.locator("form.survey fieldset").all()[:how_many]:
        question.locator("input[type=radio]").first.check()


@pytest.mark.parametrize("language", LANGUAGES)
def test_taking_part_the_follow_up_withdrawing_and_saying_no_thanks(
    node,
    open_page,  # noqa: F811
    language,
):
    from playwright.sync_api import expect

    words = Words(language)
    shot = f"research-{language}"
    before = answers_stored(node)
    declined = int(in_the_database(node, DECLINED))

    # Taking part: consent, the short page before a chat, then out of the queue again.
    page = open_page(language)
    page.goto(node.base_url + "/")
    page.get_by_role("button", name=words("Talk to a peer mentor")).click()
    arrive(page, r"/evaluation/survey/consent/")
    page.get_by_role("button", name=words("Yes, I'll take part")).click()
    arrive(page, r"/evaluation/survey/before/")
    answer_some(page, 2)
    page.get_by_role("button", name=words("Send and talk now")).click()
    arrive(page, r"/queue/")
    first_answers = answers_stored(node) - before
    assert first_answers >= 1
    page.get_by_role("button", name=words("Leave the queue")).click()
    arrive(page, r"/")

    # Weeks later, back on the start page: the follow-up is offered.
    weeks_go_by(node)
    page.reload()  # not a new entry in the tab's history
    offer = page.locator("section", has=page.get_by_role("heading", name=words("Welcome back")))
    expect(offer).to_be_visible()
    check_page(page, f"{shot}-follow-up-offer")
    offer.get_by_role("link", name=words("Answer the questions")).click()
    arrive(page, r"/evaluation/survey/follow-up/")
    check_page(page, f"{shot}-follow-up")
    answer_some(page, 3)
    page.get_by_role("button", name=words("Send my answers")).click()
    expect(page.get_by_role("heading", name=words("Thank you"))).to_be_visible()
    check_page(page, f"{shot}-follow-up-thanks")
    assert answers_stored(node) > before + first_answers
    page.get_by_role("link", name=words("Back to the start")).click()
    arrive(page, r"/")
    expect(page.get_by_role("heading", name=words("Welcome back"))).to_have_count(0)

    # Withdrawing deletes every answer this participant gave.
    page.get_by_role("link", name=words("Research surveys: your choices")).click()
    arrive(page, r"/evaluation/survey/")
    expect(page.get_by_text(words("You are taking part. Thank you."))).to_be_visible()
    check_page(page, f"{shot}-choices-taking-part")
    page.get_by_role("button", name=words("Withdraw and delete my answers")).click()
    withdrawn = words(
        "You have withdrawn. Your answers have been deleted and will not be part of any "
        "analysis from now on. We won't ask you again."
    )
    expect(page.get_by_text(withdrawn)).to_be_visible()
    check_page(page, f"{shot}-withdrawn")
    assert answers_stored(node) == before
    page.get_by_role("link", name=words("Back to the start")).click()
    arrive(page, r"/")

    # Reading about taking part again, and saying no this time.
    page.get_by_role("link", name=words("Research surveys: your choices")).click()
    arrive(page, r"/evaluation/survey/")
    expect(
        page.get_by_text(words("You are not taking part in the research surveys."))
    ).to_be_visible()
    check_page(page, f"{shot}-choices-not-taking-part")
    page.get_by_role("link", name=words("Read about taking part")).click()
    arrive(page, r"/evaluation/survey/consent/")
    check_page(page, f"{shot}-consent")
    page.get_by_role("button", name=words("No thanks")).click()
    arrive(page, r"/")
    expect(page.get_by_role("heading", name=words("Welcome back"))).to_have_count(0)
    after = int(in_the_database(node, DECLINED))
    assert after == declined + 1
    assert answers_stored(node) == before
    leave_quickly_and_find_nothing_behind(page, node, words)
