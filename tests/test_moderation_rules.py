"""The automatic rules as pure functions: what each shipped rule catches, and what it must not."""

from __future__ import annotations

import pytest

from moderation import rules
from moderation.rulefile import DEFAULT_RULES_FILE, parse_rules
from moderation.rules import MASK_TEXT, RuleError, RuleSet, RuleSpec

CRISIS_LINES = ("116123", "988", "0800 1111")


@pytest.fixture(scope="module")
def defaults() -> RuleSet:
    specs = []
    for item in parse_rules(DEFAULT_RULES_FILE.read_text()):
        spec = item.spec
        if spec.match == rules.CONTACT:
            spec = RuleSpec(**{**spec.__dict__, "allow": spec.allow + CRISIS_LINES})
        specs.append(spec)
    return RuleSet(specs, phone_regions=("US", "GB", "ES"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me on 07911 123456 tonight", f"call me on {MASK_TEXT} tonight"),
        ("my number is (415) 555-2671", f"my number is {MASK_TEXT}"),
        ("415-555-2671", MASK_TEXT),
        ("415.555.2671 any time", f"{MASK_TEXT} any time"),
        ("+44 20 7946 0958", MASK_TEXT),
        ("ring 020 7946 0958 ok", f"ring {MASK_TEXT} ok"),
        ("it's 612 345 678", f"it's {MASK_TEXT}"),
        ("+34 612345678", MASK_TEXT),
        ("0044 20 7946 0958", MASK_TEXT),
        ("1-415-555-2671", MASK_TEXT),
        ("email me jess.smith@gmail.com", f"email me {MASK_TEXT}"),
        ("jess at gmail dot com", MASK_TEXT),
        ("jess(at)gmail(dot)com", MASK_TEXT),
        ("follow @jess_smith", f"follow {MASK_TEXT}"),
        ("snap: jessy", f"snap: {MASK_TEXT}"),
        ("my insta is jess_99", f"my insta is {MASK_TEXT}"),
        ("discord - jess#1234", f"discord - {MASK_TEXT}"),
    ],
)
def test_contact_details_are_masked(defaults, text, expected):
    evaluation = defaults.evaluate(text)
    assert evaluation.body == expected
    assert evaluation.masked


@pytest.mark.parametrize(
    "text",
    [
        "I slept 4 hours",
        "I only slept 3 hours in 2 days",
        "my exam is on 12/03/2024",
        "the deadline was 2024-03-12",
        "it was 12.03.2024 I think",
        "it costs $1,250.00",
        "it cost me £45.99",
        "that's 1.250.000 euros",
        "see you at 10:30",
        "the bus at 7.45 was late",
        "since 1998",
        "born in 2004, so I'm 20",
        "I got 85% on my test",
        "room 101",
        "my student number is 1234",
        "@Quiet Heron 17 thanks, that helps",
        "I'm at home.",
        "my insta is down again",
        "snapchat is so stressful",
        "call the Samaritans on 116 123",
        "Childline is 0800 1111",
        "you can call or text 988",
        "this is so cool",
    ],
)
def test_ordinary_text_and_numbers_are_not_masked(defaults, text):
    evaluation = defaults.evaluate(text)
    assert evaluation.body == text
    assert evaluation.action is None, [hit.rule.name for hit in evaluation.hits]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("add me on discord", "off-platform-invitation"),
        ("DM me when you can", "off-platform-invitation"),
        ("let's meet after class", "off-platform-invitation"),
        ("we should meet up sometime", "off-platform-invitation"),
        ("we could meet in person?", "off-platform-invitation"),
        ("join discord.gg/abc123", "off-platform-links"),
        ("https://t.me/someone", "off-platform-links"),
        ("kys", "harassment"),
        ("just go kill yourself", "harassment"),
    ],
)
def test_invitations_off_platform_and_harassment_are_held(defaults, text, rule):
    evaluation = defaults.evaluate(text)
    assert evaluation.action == rules.HOLD
    assert rule in [hit.rule.name for hit in evaluation.hits]


@pytest.mark.parametrize(
    "text",
    [
        "I want to meet my friends this weekend",
        "I met up with my sister",
        "I'm addicted to my phone",
        "I keep texting my ex, is that bad?",
        "read www.nhs.uk/mental-health for more",
        "I want to kill myself",  # risk detection's business, not harassment
    ],
)
def test_ordinary_plans_and_links_are_not_held(defaults, text):
    assert defaults.evaluate(text).action is None


def test_slurs_are_flagged_and_delivered_unchanged(defaults):
    evaluation = defaults.evaluate("you're such a retard")
    assert evaluation.action == rules.FLAG
    assert evaluation.body == "you're such a retard"


def test_slur_list_matches_whole_words_only(defaults):
    assert defaults.evaluate("the spice rack in Scunthorpe").action is None


def test_a_held_message_with_a_number_is_masked_too(defaults):
    evaluation = defaults.evaluate("text me on 07911 123456")
    assert evaluation.action == rules.HOLD
    assert evaluation.body == f"text me on {MASK_TEXT}"


def test_staff_are_exempt_by_default(defaults):
    assert defaults.evaluate("call 020 7946 0958", is_staff=True).action is None


def test_a_rule_can_apply_to_staff_too():
    ruleset = RuleSet(
        [RuleSpec(name="t", match="terms", action="block", patterns=("x",), exempt_staff=False)]
    )
    assert ruleset.evaluate("x", is_staff=True).action == rules.BLOCK


def test_a_room_rule_applies_only_in_its_room():
    ruleset = RuleSet(
        [RuleSpec(name="exam", match="terms", action="flag", patterns=("answers",), room_id=7)]
    )
    assert ruleset.evaluate("the answers", room_id=7).action == rules.FLAG
    assert ruleset.evaluate("the answers", room_id=8).action is None


@pytest.mark.parametrize(
    ("spec", "text", "matched"),
    [
        (RuleSpec("t", "terms", "flag", patterns=("bad word",)), "a BAD   word here", True),
        (RuleSpec("t", "terms", "flag", patterns=("bad",)), "badminton", False),
        (RuleSpec("t", "terms", "flag", patterns=("bad*",)), "badminton", True),
        (
            RuleSpec("t", "terms", "flag", patterns=("bad*",), allow=("badminton",)),
            "badminton",
            False,
        ),
        (RuleSpec("t", "regex", "flag", patterns=(r"\bf+o+\b",)), "fooo", True),
        (RuleSpec("t", "regex", "flag", patterns=(r"\bf+o+\b",)), "food", False),
        (RuleSpec("t", "links", "flag"), "see example.com/page.", True),
        (RuleSpec("t", "links", "flag", allow=("nhs.uk",)), "see https://www.nhs.uk/x", False),
        (RuleSpec("t", "links", "flag", patterns=("discord.gg",)), "see example.com", False),
        (RuleSpec("t", "contact", "mask", patterns=("email",)), "call 020 7946 0958", False),
        (RuleSpec("t", "contact", "mask", patterns=("phone",)), "call 020 7946 0958", True),
        (RuleSpec("t", "contact", "mask", allow=("help@example.org",)), "help@example.org", False),
    ],
)
def test_each_kind_of_match(spec, text, matched):
    assert bool(RuleSet([spec], phone_regions=("GB",)).evaluate(text).hits) is matched


def test_a_masked_link_keeps_the_full_stop_after_it():
    ruleset = RuleSet([RuleSpec("t", "links", "mask")])
    assert ruleset.evaluate("go to example.com.").body == f"go to {MASK_TEXT}."


def test_the_strongest_action_wins_and_all_rules_are_reported():
    ruleset = RuleSet(
        [
            RuleSpec("flagged", "terms", "flag", patterns=("a",)),
            RuleSpec("blocked", "terms", "block", patterns=("b",)),
            RuleSpec("held", "terms", "hold", patterns=("c",)),
        ]
    )
    evaluation = ruleset.evaluate("a b c")
    assert evaluation.action == rules.BLOCK
    assert evaluation.deciding_rule.name == "blocked"
    assert [hit.rule.name for hit in evaluation.hits] == ["flagged", "blocked", "held"]


def test_overlapping_masks_become_one():
    ruleset = RuleSet(
        [
            RuleSpec("one", "regex", "mask", patterns=("abc",)),
            RuleSpec("two", "regex", "mask", patterns=("bcd",)),
        ]
    )
    assert ruleset.evaluate("xabcdx").body == f"x{MASK_TEXT}x"


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (RuleSpec("r", "regex", "flag", patterns=("(unclosed",)), "invalid regular expression"),
        (RuleSpec("r", "terms", "flag"), "needs at least one term"),
        (RuleSpec("r", "terms", "shout", patterns=("x",)), "action must be one of"),
        (RuleSpec("r", "vibes", "flag"), "match must be one of"),
        (RuleSpec("r", "contact", "mask", patterns=("fax",)), "unknown contact kinds"),
    ],
)
def test_a_broken_rule_is_refused_with_its_name(spec, problem):
    with pytest.raises(RuleError, match=problem) as error:
        rules.compile_rule(spec)
    assert "'r'" in str(error.value)


def test_the_rule_file_is_checked_when_read():
    with pytest.raises(RuleError, match="appears twice"):
        parse_rules(
            "rules:\n"
            "  - {name: a, match: terms, action: flag, patterns: [x]}\n"
            "  - {name: a, match: terms, action: flag, patterns: [y]}\n"
        )
    with pytest.raises(RuleError, match="unknown keys"):
        parse_rules("rules:\n  - {name: a, match: terms, action: flag, patterns: [x], when: now}\n")


def test_the_shipped_rules_cover_what_the_issue_asks_for():
    shipped = {item.spec.name: item.spec for item in parse_rules(DEFAULT_RULES_FILE.read_text())}
    assert shipped["contact-details"].action == rules.MASK
    assert shipped["off-platform-invitation"].action == rules.HOLD
    assert shipped["slurs"].action == rules.FLAG
    assert all(spec.exempt_staff for spec in shipped.values())
