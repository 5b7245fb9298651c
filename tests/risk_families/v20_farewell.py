"""Blind v20's one imminent miss, answered at the mask: the cases (the farewell mask's own
checks are in tests/test_risk_v20_farewell.py; HARMLESS is checked with every round's in
tests/test_risk_family_rounds.py)."""

from __future__ import annotations

# A last day, a last shift or things handed in, then a height or a place and a time.
PLANS_AFTER_A_LAST_DAY = [
    (
        "en",
        "haha last day of uni, said bye to the lecturers, the roof of the library is where "
        "I'll be at 8 tonight",
    ),
    (
        "en",
        "last day at my job today, wrote the goodbye card to my team and the bridge over the "
        "bypass is waiting for me at midnight",
    ),
    (
        "en",
        "last day of school, cleared my desk, the edge of the quarry at 7 tomorrow morning and "
        "that's it",
    ),
    (
        "en",
        "last shift done, handed in my keys, top deck of the car park by the station at 6",
    ),
    (
        "es",
        "último día de trabajo, entregué la credencial y la azotea del edificio me espera a las 10",
    ),
    (
        "es",
        "jaja último día en la oficina, ya dejé todo y a las 9 subo a la terraza del último piso",
    ),
]

# The job change, the school's end, the move: a new start or a do after the farewell.
NEW_STARTS = [
    ("en", "last day at work today, drinks at the pub after the last shift, new job on Monday"),
    (
        "en",
        "signed the leaving card for my colleagues, cake in the break room and I start the new "
        "job in March",
    ),
    ("en", "last day of school!! summer holidays start now"),
    ("es", "último día de clases, fiesta con la clase y en septiembre empiezo en la nueva escuela"),
    ("es", "tarjeta de despedida para mi jefa firmada, el lunes arranco en otra empresa"),
    ("es", "último día en el trabajo, mañana me mudo a Valencia"),
]

# A farewell alone: the rules read nothing, and the model here reads nothing either.
PLAIN_FAREWELLS = [
    ("en", "signed the leaving card for my boss"),
    ("es", "último día de trabajo, qué raro se siente"),
]

# Neither the rules nor the shipped detector alert.
HARMLESS = NEW_STARTS + PLAIN_FAREWELLS

# Read by tests/test_risk_v20_farewell.py only.
OWN_CHECKS = ("PLANS_AFTER_A_LAST_DAY", "NEW_STARTS", "PLAIN_FAREWELLS")
