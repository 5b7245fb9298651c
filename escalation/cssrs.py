"""The Columbia Protocol (C-SSRS) screener: its questions, its skip rules, its triage. No Django.

The six screener questions are asked by the mentor, in their own words, about
the past month (question 6 about ever, then the past three months). The
answers are yes or no; nothing anybody says is recorded.

Skip rules (as in the screener version of the C-SSRS):

* questions 1, 2 and 6 are always asked;
* 3, 4 and 5 only when 2 is yes;
* "within the past three months?" only when 6 is yes.

Triage, mapped onto the platform's levels (docs/escalation.md, "The screener"):

* ``imminent`` (the Columbia Protocol's high risk): intent (4), intent with a
  plan (5), or suicidal behaviour in the past three months (6 and recent);
* ``high`` (its moderate risk): thinking about how (3), or suicidal behaviour
  longer ago (6, not recent);
* ``low`` (its low risk): a wish to be dead (1) or thoughts of suicide (2) only;
* ``none``: no to every question asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


def gettext_noop(text: str) -> str:
    """Marks sentences for translation (makemessages finds this name); callers translate."""
    return text


WISH_DEAD = "wish_dead"
THOUGHTS = "suicidal_thoughts"
METHOD = "method"
INTENT = "intent"
PLAN = "plan"
BEHAVIOUR = "behaviour"
BEHAVIOUR_RECENT = "behaviour_recent"


@dataclass(frozen=True)
class Question:
    code: str
    number: str
    text: str
    asked_when: str | None = None  # asked only when this question was answered yes


QUESTIONS = (
    Question(
        WISH_DEAD,
        "1",
        gettext_noop(
            "In the past month, have you wished you were dead or wished you could go to sleep "
            "and not wake up?"
        ),
    ),
    Question(
        THOUGHTS,
        "2",
        gettext_noop("In the past month, have you actually had any thoughts of killing yourself?"),
    ),
    Question(
        METHOD,
        "3",
        gettext_noop("Have you been thinking about how you might do this?"),
        asked_when=THOUGHTS,
    ),
    Question(
        INTENT,
        "4",
        gettext_noop("Have you had these thoughts and had some intention of acting on them?"),
        asked_when=THOUGHTS,
    ),
    Question(
        PLAN,
        "5",
        gettext_noop(
            "Have you started to work out or worked out the details of how to kill yourself? "
            "Do you intend to carry out this plan?"
        ),
        asked_when=THOUGHTS,
    ),
    Question(
        BEHAVIOUR,
        "6",
        gettext_noop(
            "Have you ever done anything, started to do anything, or prepared to do anything "
            "to end your life?"
        ),
    ),
    Question(
        BEHAVIOUR_RECENT,
        "6b",
        gettext_noop("Was that within the past three months?"),
        asked_when=BEHAVIOUR,
    ),
)
CODES = tuple(question.code for question in QUESTIONS)
LEVELS = ("none", "low", "high", "imminent")


class Invalid(ValueError):
    """Answers that break the skip rules or leave a question out: a sentence for the mentor."""


@dataclass(frozen=True)
class Result:
    level: str
    answers: dict[str, bool]  # only the questions that were asked

    @property
    def yes_count(self) -> int:
        return sum(self.answers.values())


def asked(answers: Mapping[str, bool | None]) -> list[Question]:
    """The questions the skip rules call for, given the answers so far."""
    return [q for q in QUESTIONS if q.asked_when is None or answers.get(q.asked_when) is True]


def check(answers: Mapping[str, bool | None]) -> dict[str, bool]:
    """The answers of every question the skip rules call for, and no other; else Invalid."""
    unknown = set(answers) - set(CODES)
    if unknown:
        raise Invalid(gettext_noop("Unknown question."))
    called_for = asked(answers)
    missing = [q.number for q in called_for if not isinstance(answers.get(q.code), bool)]
    if missing:
        raise Invalid(gettext_noop("Answer every question that applies, yes or no."))
    skipped = {q.code for q in QUESTIONS} - {q.code for q in called_for}
    if any(answers.get(code) is not None for code in skipped):
        raise Invalid(
            gettext_noop("Questions 3 to 5 follow a yes to 2, and the last one a yes to 6.")
        )
    return {q.code: bool(answers[q.code]) for q in called_for}


def triage(answers: Mapping[str, bool | None]) -> Result:
    """The level the answers point to, by the rules in this module's docstring."""
    clean = check(answers)
    recent_behaviour = clean.get(BEHAVIOUR, False) and clean.get(BEHAVIOUR_RECENT, False)
    if clean.get(INTENT) or clean.get(PLAN) or recent_behaviour:
        level = "imminent"
    elif clean.get(METHOD) or clean.get(BEHAVIOUR):
        level = "high"
    elif clean.get(WISH_DEAD) or clean.get(THOUGHTS):
        level = "low"
    else:
        level = "none"
    return Result(level=level, answers=clean)
