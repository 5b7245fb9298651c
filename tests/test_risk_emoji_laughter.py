"""Laughter emoji (😂 🤣 😹 😆 💀) survive normalisation as one word, ``emojilaugh``, so the
model reads "me quiero tirar de un puente 😩😂" as said laughing, as it reads "jaja"
(blind v16: such messages were read as a wish to die once the emoji were dropped).
Training and scoring read the same text. The rules' laughter grammar does not read the
word: what the rules find in a message is what they found without the emoji, so laughter
never masks a plain intent with a method and a time (docs/risk-detection.md, "Blind v16's
misses, read")."""

from __future__ import annotations

import pytest

from escalation import risk_model, risk_train
from escalation.risk import rule_detector
from escalation.risk_text import LAUGHTER_WORD, normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("me quiero tirar por la ventana 🙃😂", "me quiero tirar por la ventana emojilaugh"),
        ("my brother ate my leftovers 💀💀💀", "my brother ate my leftovers emojilaugh"),
        ("lo mato🤣", "lo mato emojilaugh"),
        ("😹 el gato otra vez", "emojilaugh el gato otra vez"),
        ("so done 😆, anyway", "so done emojilaugh , anyway"),
    ],
)
def test_laughter_emoji_become_one_word(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize("text", ["🔪🩸 on the floor", "ya no puedo más 😭", "home 🏠"])
def test_other_emoji_are_still_dropped(text: str) -> None:
    assert LAUGHTER_WORD not in normalise(text)


def test_training_and_scoring_read_the_same_text() -> None:
    for text in ("me quiero tirar del puente 😩😂", "exam tomorrow 💀 full stop", "ok 🤣"):
        read = risk_model.model_text(normalise(text))
        assert risk_train.model_input(text) == read
        assert LAUGHTER_WORD in read.split()


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "tonight I'm taking all the pills I saved"),
        ("es", "esta noche me tomo todas las pastillas que guardé"),
        ("en", "I want to die"),
        ("es", "me quiero morir"),
        ("es", "me he cortado otra vez"),
    ],
)
def test_the_rules_read_a_message_with_laughter_emoji_as_without(language: str, text: str) -> None:
    rules = rule_detector()
    plain = rules.assess(text, language)
    assert plain.level != "none"
    for laughing in (f"{text} 😂😂", f"{text} 💀"):
        found = rules.assess(laughing, language)
        assert (found.level, found.who, found.reasons) == (plain.level, plain.who, plain.reasons)
