"""Blind v20's families, answered by the rules (new phrasings, never v20's text): the cases.
Checked with every round's in tests/test_risk_family_rounds.py (``OWN_ALERT``: the rules read an
alert as the writer's own; ``HARMLESS``; ``RULES_HARMLESS``; ``STILL_RISK``); the scolding mask
and the negation's hold-back are checked in tests/test_risk_v20_families.py.

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
after, the risk is still read."""

from __future__ import annotations

OWN_ALERT = [
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
