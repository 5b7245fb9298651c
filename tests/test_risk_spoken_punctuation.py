"""Spoken punctuation: voice-to-text messages that spell their punctuation out ("full
stop", "comma", "punto", "coma") are read by the model as the punctuation they stand for,
in training and scoring alike (blind v15: harmless dictated messages were called imminent
by the model, which had learned "full stop" and "punto" from dictated imminent lines).
Real words stay words: "a punto de", "en punto", "punto de vista", "my period", "en coma"."""

from __future__ import annotations

import pytest

from escalation import risk_model, risk_train
from escalation.risk import load_model
from escalation.risk_text import normalise, spoken_punctuation


def spoken(text: str) -> str:
    return spoken_punctuation(normalise(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("got the bread full stop see you at six full stop", "got the bread . se you at six ."),
        ("hi comma running late question mark", "hi , runing late ?"),
        ("new line thanks for dinner exclamation mark", ". thanks for diner !"),
        ("home now period", "home now ."),
        ("home now period. bye", "home now . . bye"),
        ("hola coma ya llegué punto nos vemos", "hola , ya legue . nos vemos"),
        ("compré pan punto y seguido mañana voy", "compre pan . manana voy"),
        ("vienes hoy signo de interrogación", "vienes hoy ?"),
        ("qué bien signo de exclamación", "que bien !"),
        ("uno punto y coma dos", "uno ; dos"),
    ],
)
def test_spoken_punctuation_becomes_punctuation(text: str, expected: str) -> None:
    assert spoken(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "estoy a punto de hacerlo",
        "quedamos a las ocho en punto",
        "desde mi punto de vista no",
        "el punto es que no puedo más",
        "just got my period",
        "cramps, my period started",
        "the trial period ends friday",
        "mi abuelo está en coma",
        "she has been in a coma since friday",
        "que coma algo antes de salir",
        "a question mark over the whole plan",
        "I'm going to stop",
    ],
)
def test_real_words_stay_words(text: str) -> None:
    assert spoken(text) == normalise(text)


def test_training_and_scoring_read_the_same_text() -> None:
    for text in ("ok full stop see you", "hola coma nos vemos punto", "a punto de saltar"):
        assert risk_train.model_input(text) == risk_model.model_text(normalise(text))
        assert risk_model.model_text(normalise(text)) == spoken(text)


def test_the_model_scores_dictated_and_typed_punctuation_alike() -> None:
    model = load_model()
    pairs = [
        ("bought the milk full stop home by six full stop", "bought the milk. home by six."),
        ("hola coma llego a las ocho punto", "hola, llego a las ocho."),
    ]
    for dictated, typed in pairs:
        assert model.scores(normalise(dictated)) == model.scores(normalise(typed))
