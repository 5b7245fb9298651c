"""Families read after the blind v22 run (new phrasings, never v22's text).

The hold-back: an act told as done with a body effect now, then "I changed my mind" / "me
arrepentí", is an attempt under way where the writer now wants help (imminent), not a
retraction. A negation followed by "but" and a wish does not negate the wish. A long stop
told with a negation and then broken ("hadn't cut myself in years … did it again") is a
relapse now. And the rules' own false alarms on v22's shapes: someone taking the writer's
phone, a professional's patients, a scolding idiom (also across two languages), an accident
nobody was hurt in, military training, a threat or a jump told as a joke and taken back
or made harmless in the same breath."""

from __future__ import annotations

import pytest

from escalation.risk import default_detector, rule_detector
from tests.risk_family_checks import (
    Case,
    assert_no_alert,
    assert_pages_with_the_model_at_zero,
    assert_rules_raise_no_alert,
    assert_rules_read_own_imminent,
    case_id,
)

# An act told as done, a body effect now, and a change of mind: imminent.
CHANGED_MIND_DURING_AN_ACT: list[Case] = [
    ("en", "took a razor to my arm in the shed, so much blood, i changed my mind, help"),
    ("en", "jumped off the garage roof, i cant get up, i changed my mind"),
    ("es", "me corté el brazo en el baño, hay mucha sangre y me arrepentí, ayúdenme"),
    ("es", "me tomé todo el blíster y ya no quiero morirme, no puedo levantarme del piso"),
]

# A negation, "but", and a wish: the wish stands.
NEGATION_THEN_BUT_A_WISH: list[Case] = [
    ("en", "i dont want to die exactly, but if the plane went down id feel relief"),
    ("es", "no es que quiera morirme, pero si me atropellara un camión sentiría alivio"),
]

# A long stop told with a negation, then broken: a relapse now.
RELAPSE_AFTER_A_NEGATED_STOP: list[Case] = [
    ("en", "i hadnt cut myself in four years and tonight after the phone call i did it again"),
    ("es", "hacía dos años que no me lastimaba y anoche, después de la pelea, lo volví a hacer"),
]

# Look-alikes: no alert from the rules.
HARMLESS: list[Case] = [
    ("en", "gave blood, so much blood in that bag, changed my mind about going again"),
    ("en", "i was going to skip leg day but changed my mind, now i cant get up off the sofa lol"),
    ("en", "i hadnt cut my own hair in years and yesterday i did it again, big mistake"),
    ("en", "my brother just took my charger again and now my phone is dead, so annoying"),
    ("en", "im a counsellor and three clients last month disclosed self harm, just needed to vent"),
    ("en", "my old coach would kill me if he saw the state of my trainers"),
    ("es", "mi papá literalmente va a matarme si ve la factura del celular, me gasté todo"),
    ("es", "en el taller se nos rompió un frasco de pintura y nadie se lastimó, solo manchas"),
    ("es", "en la mili nos enseñaron a limpiar el fusil en diez minutos, qué tiempos"),
    ("es", "a mi cuñada un día la estrangulo jajaja es broma, pero qué pesada"),
    ("es", "otra reunión a las 8 y me tiro por la ventana jeje, vivo en un primer piso"),
    ("es", "hacía tres años que no me cortaba el pelo sola y ayer volví a hacerlo"),
]

# The same frames with what the masks must never hide.
STILL_RISK: list[Case] = [
    ("es", "a mi suegra la ahorco jajaja es broma, no, en serio, tengo la cuerda, esta noche"),
    ("en", "just took my pills, all of them, goodbye"),
]


@pytest.mark.parametrize("case", CHANGED_MIND_DURING_AN_ACT, ids=case_id)
def test_a_change_of_mind_during_an_act_with_a_body_effect_is_imminent(case: Case) -> None:
    assert_rules_read_own_imminent(*case)
    assert_pages_with_the_model_at_zero(*case)
    assert default_detector().assess(case[1], case[0]).level == "imminent"


@pytest.mark.parametrize("case", NEGATION_THEN_BUT_A_WISH, ids=case_id)
def test_a_negation_followed_by_but_and_a_wish_does_not_negate_the_wish(case: Case) -> None:
    language, text = case
    found = rule_detector().assess(text, language)
    assert (found.level, found.who) == ("high", "self")
    assert "ideation" in found.reasons


@pytest.mark.parametrize("case", RELAPSE_AFTER_A_NEGATED_STOP, ids=case_id)
def test_a_negated_stop_then_broken_is_a_relapse_read_high_not_a_negation(case: Case) -> None:
    language, text = case
    found = rule_detector().assess(text, language)
    # self_harm, not intent: with "tonight" an intent would over-read a relapse as imminent.
    assert (found.level, found.who) == ("high", "self")
    assert "self_harm" in found.reasons
    assert "intent" not in found.reasons


@pytest.mark.parametrize("case", HARMLESS, ids=case_id)
def test_v22_look_alikes_raise_no_alert_from_the_rules(case: Case) -> None:
    assert_rules_raise_no_alert(*case)


def test_someone_taking_the_writers_phone_after_a_negation_is_no_alert_at_all() -> None:
    assert_no_alert(
        "en", "im not going to do anything stupid, my dad just took my phone for a week lol"
    )


@pytest.mark.parametrize("case", STILL_RISK, ids=case_id)
def test_the_v22_masks_never_hide_a_joke_taken_back_or_a_dose_taken(case: Case) -> None:
    language, text = case
    found = rule_detector().assess(text, language)
    assert found.level == "imminent"
    assert found.who == "self"


# Silent imminent: water at a set time, a height with "last one" or a countdown, a gun at a
# place with "that's when", a jump done and lying hurt, an abuser dragging the writer to a
# balcony or a window.
SILENT_IMMINENT: list[Case] = [
    (
        "en",
        "the reservoir is behind the estate, ill wade in before dawn, the kids are with their dad",
    ),
    ("en", "up the pylon behind the depot haha, nice view from here, last one"),
    ("en", "parked at the quarry with my shotgun, first light is at 5, thats when"),
    ("en", "sat on the edge of the car park roof, nobody knows, counting down now"),
    ("en", "jumped off the multi storey and landed on a van roof, cant feel my legs"),
    ("en", "shes got me by the hair and shes dragging me to the window, please"),
    ("es", "me tiré del puente peatonal y no siento las piernas, estoy en la banqueta"),
    ("es", "mi novio me está arrastrando del pelo hacia el balcón, no puedo escribir más"),
]

SILENT_LOOK_ALIKES: list[Case] = [
    ("en", "the loch is freezing but ill walk in at dawn with the wild swimming club, wetsuit on"),
    ("en", "climbing the crane at work tomorrow for the inspection, last one of the season"),
    ("en", "up on the roof with the neighbours counting down to midnight, happy new year"),
    ("en", "jumped off the pier into the sea, cant feel my legs its so cold lol"),
    ("en", "my sister keeps dragging me to the window to look at the snow"),
    ("es", "salté de la azotea a la piscina en la fiesta y me duele todo jaja"),
    ("es", "mi perro me arrastra hasta la ventana cada vez que pasa el cartero"),
]


@pytest.mark.parametrize("case", SILENT_IMMINENT, ids=case_id)
def test_silent_imminent_shapes_are_read_imminent_and_page_with_the_model_at_zero(
    case: Case,
) -> None:
    assert_rules_read_own_imminent(*case)
    assert_pages_with_the_model_at_zero(*case)


@pytest.mark.parametrize("case", SILENT_LOOK_ALIKES, ids=case_id)
def test_silent_imminent_look_alikes_raise_no_alert_from_the_rules(case: Case) -> None:
    assert_rules_raise_no_alert(*case)


def test_a_rifle_at_the_range_for_the_club_is_not_imminent_for_the_rules() -> None:
    text = "took dads rifle to the range at 6, thats when the club opens, shot some clays"
    assert rule_detector().assess(text, "en").level != "imminent"


# Missed highs: self-harm begun again, the dead asked to come and fetch the writer, a wish
# that the bus or the plane crash with the writer inside, self-punishment when wrong.
MISSED_HIGHS: list[Case] = [
    ("en", "ive been cuttin again since the move, its the only way i switch off"),
    ("en", "i talk to his grave every sunday, come and take me, i say, i would go with him"),
    (
        "es",
        "fue una semana normal, clases, la mudanza de mi prima, a veces quisiera que el avión"
        " se estrellara conmigo dentro y ya, bueno, el viernes hay asado",
    ),
]

# Self-punishment when wrong: a plain intent that pages with the model at zero.
SELF_PUNISHMENT: list[Case] = [
    ("en", "i pinch and hit my thighs when i get something wrong at work, hard enough to bruise"),
    ("es", "me muerdo y me golpeo los brazos cuando hago algo mal en el trabajo"),
]

MISSED_HIGH_LOOK_ALIKES: list[Case] = [
    ("en", "told mums photo to come and fetch me from the station at 6 as a joke, miss her"),
    ("en", "i hit my head when i get up too fast from the sofa, low blood pressure"),
    ("es", "quisiera que el bus se apurara conmigo adentro, voy tarde a clase"),
]


@pytest.mark.parametrize("case", MISSED_HIGHS, ids=case_id)
def test_v22_missed_high_shapes_are_read_high_by_the_rules(case: Case) -> None:
    language, text = case
    found = rule_detector().assess(text, language)
    assert (found.level, found.who) == ("high", "self")


@pytest.mark.parametrize("case", SELF_PUNISHMENT, ids=case_id)
def test_self_punishment_when_wrong_is_an_intent_that_pages_with_the_model_at_zero(
    case: Case,
) -> None:
    language, text = case
    assert "intent" in rule_detector().assess(text, language).reasons
    assert_pages_with_the_model_at_zero(language, text)


@pytest.mark.parametrize("case", MISSED_HIGH_LOOK_ALIKES, ids=case_id)
def test_v22_missed_high_look_alikes_raise_no_alert_from_the_rules(case: Case) -> None:
    assert_rules_raise_no_alert(*case)


def test_cutting_costs_again_is_never_an_intent() -> None:
    found = rule_detector().assess("been cutting costs again since the rent went up", "en")
    assert "intent" not in found.reasons
