"""The emoji of a means (🪢 🔫 🔪 💊 🩸 🌉) survive normalisation, each as a word of its own
(``risk_text.MEANS_EMOJI``: "emojirope", …), the same in both languages: the model reads
the word, and the rules read it with a time or a goodbye ("… and I'm done 🪢", "🪢 esta
noche") as a plan. Training and scoring read the same text. Alone, or with cooking, the
chemist's, a boat or laughter, the rules read nothing in it (blind v17: goodbyes told in
emoji were read as nothing; docs/risk-detection.md, "Blind v17's misses, read")."""

from __future__ import annotations

import pytest

from escalation import risk_model, risk_train
from escalation.risk import ALERT_LEVELS, rule_detector
from escalation.risk_text import MEANS_EMOJI, normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ya tengo la 🪢", "ya tengo la emojirope"),
        ("🔫 in the car", "emojigun in the car"),
        ("🔪🔪", "emojiknife emojiknife"),
        ("every 💊 tonight", "every emojipils tonight"),
        ("🩸", "emojiblod"),
        ("el 🌉 a las 10", "el emojibridge a las 10"),
        ("done 🪢😂", "done emojirope emojilaugh"),
    ],
)
def test_means_emoji_become_words(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_every_means_emoji_has_its_own_word() -> None:
    words = {normalise(emoji) for emoji in MEANS_EMOJI}
    assert len(words) == len(MEANS_EMOJI) == 6
    assert all(word.startswith("emoji") and " " not in word for word in words)


@pytest.mark.parametrize("text", ["🕯️ 🌊 🍸", "ya no puedo más 😭", "home 🏠"])
def test_other_emoji_are_still_dropped(text: str) -> None:
    assert "emoji" not in normalise(text)


def test_training_and_scoring_read_the_same_text() -> None:
    for text in ("🪢 tonight", "todas las 💊 esta noche", "🔪🩸 otra vez"):
        read = risk_model.model_text(normalise(text))
        assert risk_train.model_input(text) == read
        assert any(word in read.split() for word in map(normalise, MEANS_EMOJI))


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "last set finishes at 11pm, after that I'm done 🪢"),
        ("en", "💊 all counted, tonight"),
        ("es", "🌉 esta noche, adiós"),
        ("es", "la 🪢 ya está en el garaje, esta noche"),
    ],
)
def test_with_a_time_or_a_goodbye_the_rules_read_a_plan(language: str, text: str) -> None:
    found = rule_detector().assess(text, language)
    assert (found.level, found.who) == ("imminent", "self")
    assert "plan" in found.reasons or "goodbye" in found.reasons


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "🔪"),
        ("en", "new 🔪 from the chef's shop, chopping everything tonight"),
        ("en", "shoot me now 🔫😂 the meeting is on hour three"),
        ("en", "grabbed mum's 💊 from the chemist, she takes them every night"),
        ("es", "🪢 nudos de escalada esta noche en el club"),
        ("es", "la película de esta noche 🔪🩸 da mucho miedo jaja"),
    ],
)
def test_alone_or_with_everyday_words_the_rules_read_nothing(language: str, text: str) -> None:
    assert rule_detector().assess(text, language).level not in ALERT_LEVELS
