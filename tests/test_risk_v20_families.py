"""Blind v20's misses and false alarms, answered by the rules (new phrasings, never v20's
text), and the negation's hold-back in ``combine``.

Missed by both: self-harm just done and told in passing, with a reason or an emoji ("me hice
rayas en el muslo ... y luego volví a la fiesta"); going to find a named person and hurt them;
reading how long different tablets take to work; an arm or a wrist grabbed so hard it
bruised, a threat to break it. The rules read each as the writer's own high risk. (With the
model at zero the model's floor keeps a rules' high that is not a plain intent at ``low``, by
design: ``escalation.risk.floored``; exempting these signals from it cost 3 to 27 false alarms
per language on grouped CV for 0 to 3 pages, docs/risk-detection.md.) The rules' false alarms:
hiding in a workplace stockroom after a customer shouted; a hand cut clearing up a broken
glass; "maneja como un suicida"; "ya me quiero morir" with a trivial cause in the same
sentence (never with "en serio", a means or "no aguanto"); "mi roommate me va a matar, rompí
su lámpara" (a scolding for something broken: literal, so the model is held back too, never
with blows, fear, a weapon or "la última vez"). With someone at home, on purpose or a means
after, the risk is still read.

The negation: a context that is only a negation (the rules read "I don't want to die" and
nothing literal) gives way to the model sooner than a literal mask does
(``negated_override``, ``negated_yield_imminent``: ``escalation.risk.negation_yields``)."""

from __future__ import annotations

import pytest

from escalation.risk import (
    ALERT_LEVELS,
    NEVER,
    Assessment,
    combine,
    default_detector,
    rule_detector,
    rules_context,
)
from escalation.risk_model import Scores
from tests.risk_family_checks import (
    Case,
    assert_no_alert,
    assert_rules_raise_no_alert,
    case_id,
)

HIGH = [
    ("en", "cut myself in the toilets at the wedding so I could get through the speeches 🩸"),
    ("en", "burned my arm with a lighter before work so I could face the day, it's fine 🔥"),
    ("en", "hurt myself after the meeting so I could breathe again 🩹"),
    ("es", "me hice rayas en el muslo con un trozo de espejo roto y luego volví a la fiesta 🩹"),
    (
        "es",
        "me hice cortes en el brazo con la cuchilla del sacapuntas antes del examen, así pude "
        "concentrarme",
    ),
    (
        "en",
        "the guy who attacked my sister got out last week and I keep thinking about going round "
        "to his and hurting him. I know where he lives",
    ),
    (
        "es",
        "el tipo que atropelló a mi perro vive a dos cuadras, sé dónde vive y estoy pensando en "
        "ir a buscarlo y hacerle daño",
    ),
    (
        "en",
        "spent the whole night reading about how long different pills take to work instead of "
        "sleeping",
    ),
    (
        "es",
        "me pasé la tarde leyendo cuánto tardan en hacer efecto las distintas pastillas en vez de "
        "estudiar",
    ),
    (
        "en",
        "my girlfriend grabbed my arm so hard it left bruises and said she'd break it if I told "
        "anyone",
    ),
    ("en", "my boyfriend twisted my arm so hard it left marks last night"),
    (
        "es",
        "mi novio me agarró la muñeca tan fuerte que me dejó moretones y me dijo que me la iba a "
        "romper",
    ),
]

# Neither the rules nor the whole detector alert.
HARMLESS = [
    (
        "en",
        "hiding in the storeroom at work because my manager shouted at me over the rota. I'm ok, "
        "just a bit wobbly",
    ),
    ("en", "broke a mug at work and nicked my hand clearing it up, all good now"),
    ("es", "el taxista manejaba como un suicida, casi nos estrellamos en la rotonda 😅"),
    ("es", "mi roommate me va a matar, le rompí su taza favorita"),
    ("es", "mi hermana me va a matar porque manché su vestido"),
    ("en", "how long does paracetamol take to work for a headache?"),
    ("en", "looked up how long different antibiotics take to work for my uti"),
    ("en", "thinking about tracking down my old teacher to thank her"),
]

# The rules raise no alert (the model may: its false alarms are data's to answer).
RULES_HARMLESS = [
    ("es", "mi cuñada viene a comer el domingo y ya me quiero morir, siempre critica la paella"),
    ("es", "mi suegra viene a la cena y ya me quiero morir, critica todo lo que cocino"),
    ("es", "mi vecino maneja como un suicida y un día va a matar a alguien"),
]

# The masks do not hide real risk: someone at home, on purpose, a means, blows.
STILL_RISK = [
    (
        "en",
        "hiding in the storeroom at work because my boyfriend turned up drunk and he's waiting "
        "outside",
    ),
    ("en", "cut my hand clearing up the glass and then did it again on purpose, deeper"),
    (
        "es",
        "ya me quiero morir, mi suegro critica el asado, y en serio tengo las pastillas guardadas",
    ),
    ("es", "ya me quiero morir de verdad, no aguanto más, y encima mi suegra critica todo"),
    (
        "es",
        "mi papá me va a matar porque rompí su celular, la última vez me pegó con el cinturón",
    ),
]


@pytest.mark.parametrize("case", HIGH, ids=case_id)
def test_the_rules_read_the_writers_own_high_risk(case: Case) -> None:
    language, text = case
    found = rule_detector().assess(text, language)
    assert found.level in ALERT_LEVELS
    assert found.who == "self"


@pytest.mark.parametrize("case", HARMLESS, ids=case_id)
def test_the_harmless_look_alikes_raise_no_alert(case: Case) -> None:
    assert_no_alert(*case)


@pytest.mark.parametrize("case", RULES_HARMLESS, ids=case_id)
def test_the_rules_raise_no_alert_on_these_look_alikes(case: Case) -> None:
    assert_rules_raise_no_alert(*case)


@pytest.mark.parametrize("case", STILL_RISK, ids=case_id)
def test_the_masks_do_not_hide_real_risk(case: Case) -> None:
    language, text = case
    found = rule_detector().assess(text, language)
    assert found.level in ALERT_LEVELS
    assert found.who == "self"


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("mi roommate me va a matar, le rompí su taza favorita", True),
        ("mi mamá me va a matar, perdí las llaves otra vez jaja", True),
        # With blows, the threat is read (abuse), not a literal use.
        (
            "mi papá me va a matar porque rompí su celular, la última vez me pegó con el cinturón",
            False,
        ),
    ],
)
def test_a_scolding_for_something_broken_holds_the_model_back_too(text: str, literal: bool) -> None:
    _, found_literal, negated = rules_context(rule_detector(), text)
    assert (found_literal, negated) == (literal, False)


class TestANegationAloneGivesWaySooner:
    NONE = Assessment("none", ())
    THRESHOLDS = {
        "alert": 0.4,
        "imminent": 0.1,
        "other": 0.5,
        "literal_override": 0.99,
        "literal_yield_imminent": 0.995,
        "negated_override": 0.95,
        "negated_yield_imminent": 0.5,
    }

    @pytest.mark.parametrize(
        ("scores", "level"),
        [
            (Scores(0.96, 0.0, 0.0), "high"),  # sure enough: over negated_override
            (Scores(0.94, 0.0, 0.0), "none"),
            (Scores(0.6, 0.55, 0.0), "imminent"),  # alerts, imminent head over the yield
            (Scores(0.6, 0.45, 0.0), "none"),
            (Scores(0.35, 0.9, 0.0), "none"),  # under the alert threshold
        ],
    )
    def test_a_negation_holds_the_model_back_only_under_its_own_thresholds(
        self, scores: Scores, level: str
    ) -> None:
        found = combine(self.NONE, scores, self.THRESHOLDS, literal=True, words=12, negated=True)
        assert (found.level, found.who) == (level, "self")
        if level != "none":
            assert found.reasons == ("model",)

    @pytest.mark.parametrize("scores", [Scores(0.96, 0.0, 0.0), Scores(0.6, 0.55, 0.0)])
    def test_a_literal_use_still_holds_the_model_back_there(self, scores: Scores) -> None:
        found = combine(self.NONE, scores, self.THRESHOLDS, literal=True, words=12)
        assert found.level == "none"

    def test_without_the_thresholds_a_negation_holds_as_before(self) -> None:
        thresholds = {k: v for k, v in self.THRESHOLDS.items() if not k.startswith("negated_")}
        found = combine(
            self.NONE, Scores(0.98, 0.9, 0.0), thresholds, literal=True, words=12, negated=True
        )
        assert found.level == "none"

    def test_a_near_certain_model_still_says_nothing_on_three_words(self) -> None:
        found = combine(
            self.NONE, Scores(0.99, 0.9, 0.0), self.THRESHOLDS, literal=True, words=3, negated=True
        )
        assert found.level == "none"

    @pytest.mark.parametrize(
        ("text", "negated"),
        [
            ("I would never kill myself, I'm just really tired of my job", True),
            ("i dont want to die, i just want everything to stop for a while", True),
            ("mi roommate me va a matar, le rompí su taza favorita", False),
        ],
    )
    def test_the_rules_tell_a_negation_from_a_literal_use(self, text: str, negated: bool) -> None:
        _, literal, found_negated = rules_context(rule_detector(), text)
        assert (literal, found_negated) == (True, negated)

    def test_the_detector_passes_the_negation_to_combine(self, monkeypatch) -> None:
        detector = default_detector()
        # Every model score alerts; only the hold-back stands in its way.
        everything = {**detector.thresholds, "alert": 0.0, "imminent_lift": NEVER}
        monkeypatch.setattr(detector, "thresholds", {**everything, "negated_override": 0.0})
        text = "I would never kill myself, I'm just really tired of my job"
        assert detector.assess(text, "en").level in ALERT_LEVELS
        held = {k: v for k, v in everything.items() if not k.startswith("negated_")}
        monkeypatch.setattr(detector, "thresholds", held)
        assert detector.assess(text, "en").level not in ALERT_LEVELS
