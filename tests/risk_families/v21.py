"""Blind v21's misses, answered by the rules after its run (new phrasings, never v21's
text; v21's figures stay as measured, the next blind set will judge these).

Imminent, silent before: all of a prescription, a pump or the ampoules taken or injected at
once with a body effect now; a plan with a place and a trigger (a message sent before going
into the water, "cuando pase el bus me tiro"); someone holding the writer at knife-point or
locking them in without their oxygen (the writer's own risk, not someone else's); harm to
another under way (crushed pills about to be given to a parent who suffers, a parent at the
top of the stairs who feels they will drop the baby: ``harm_to_others`` with a time). High:
flashes of a pillow over a child's or a parent's face. Never a dose question, an accidental
double dose, a nurse's dose, pills crushed to help swallowing or a baby carried down with
care.

The cases. Checked with every round's in tests/test_risk_family_rounds.py (``RISKY``,
``OWN_ALERT``, ``HARMLESS``, ``RULES_HARMLESS``, ``STILL_RISK``); the lists in ``OWN_CHECKS``
have checks of their own in tests/test_risk_v21_families.py."""

from __future__ import annotations

# Checked in tests/test_risk_v21_families.py: harm to another under way (imminent, paging,
# harm_to_others with a time), harm to another high, a relapse told now (a plain intent).
OWN_CHECKS = ("HARM_NOW", "HARM_HIGH", "RELAPSE")

RISKY = [
    # All of a prescription, a pump, the ampoules at once, a body effect now.
    (
        "en",
        "pushed every dose left in the morphine driver at once, feel all warm and floaty, "
        "nobody's come round",
    ),
    ("en", "took all my adderall and the zopiclone together lol chest pounding, gonna go lie down"),
    (
        "en",
        "swallowed every pill in my prescription at once, my heart's racing and I feel so sleepy",
    ),
    ("es", "me inyecté toda la insulina de los bolígrafos de una, ya me tiemblan las manos"),
    (
        "es",
        "me puse todos los parches de fentanilo juntos, se siente tibio todo y tengo mucho sueño",
    ),
    ("es", "me tragué todas las ampollas del tratamiento de una vez, ya siento la boca dormida"),
    # Someone holds the writer at knife-point, or locked them in without their oxygen.
    ("es", "mi nieto borracho me tiene arrinconada en el baño con una navaja, escribo bajito"),
    (
        "en",
        "my son has me cornered in the bedroom with a knife, I'm typing with the phone "
        "under the duvet",
    ),
    (
        "es",
        "mi yerno me dejó encerrada en el cuarto sin el inhalador, me falta el aire y se llevó la "
        "llave",
    ),
    ("en", "my husband locked me in the bedroom without my oxygen, I can't catch my breath"),
    # A place and a trigger.
    (
        "en",
        "sat on the rocks at the end of the breakwater, the tide's coming in. just messaging "
        "before I go in",
    ),
    (
        "es",
        "me echaron de la guardia, estoy en la parada frente a la clínica y en cuanto venga el 152 "
        "me tiro delante",
    ),
]

RISKY += [
    # Two medicines run together with no "and", a body effect now.
    ("en", "took all my lithium + sleeping pills lol chest racing gonna lie down"),
]

# Harm to another under way: harm_to_others with a time, imminent.
HARM_NOW = [
    (
        "en",
        "dad's tablets are ground up in his porridge, I can't watch him suffer any more, I'm "
        "about to take it up to him",
    ),
    (
        "en",
        "I'm standing at the top of the stairs with the baby and I think I'm going to drop him, "
        "I can't stop shaking",
    ),
    (
        "es",
        "tengo los remedios de mi abuela molidos en su caldo, no soporto verla sufrir, ya se lo "
        "voy a dar",
    ),
    (
        "es",
        "estoy arriba de la escalera con el bebé y siento que lo voy a soltar, no paro de llorar",
    ),
]

OWN_ALERT = [
    ("en", "woke up in resus. they should have just let me die."),
    ("en", "honestly the paramedics should have let me go. I never asked to be brought back"),
    ("en", "been thinking about just ending it, I'm so tired"),
    ("en", "the fall broke my ankle. next time I'll find somewhere higher"),
    ("en", "next time I'll take more of the pills, this lot only made me sick"),
    (
        "en",
        "got another month of sertraline from the chemist, added it to the rest in the tin under "
        "my bed",
    ),
    ("es", "no pienso volver a la diálisis, antes me mato"),
    ("es", "salgo del hospital el viernes y en cuanto llegue a casa lo vuelvo a intentar"),
    ("es", "los nervios me tienen rascándome los brazos hasta sangrar, ya ni duermo"),
    (
        "es",
        "mañana me dan el alta y vuelvo con mi pareja, que fue el que me mandó a urgencias con la "
        "nariz rota",
    ),
]

# A relapse of self-harm told plainly, now: a plain intent, so it pages even with the model at
# zero (the model's floor keeps a rules' high that is not an intent at low).
RELAPSE = [
    ("en", "self harmed again last night, first time in two years, I don't even know why"),
    ("en", "burned myself again tonight, first time in 18 months and I hate myself"),
    ("en", "first time in over a year and I cut, I'd been doing so well"),
    ("es", "me volví a cortar anoche, la primera vez en dos años, no sé qué me pasa"),
    ("es", "la primera vez en un año que me corté, y fue anoche"),
]

HARM_HIGH = [
    (
        "en",
        "I keep getting flashes of holding a pillow over her face when she won't stop "
        "crying at night",
    ),
    (
        "es",
        "me vienen imágenes de ponerle la almohada en la cara a mi padre cuando grita "
        "toda la noche",
    ),
]

# Neither the rules nor the whole detector alert.
HARMLESS = [
    ("en", "I accidentally took my evening tablets twice, 40mg instead of 20. Is that dangerous?"),
    ("en", "took my morning pills twice by mistake, should I skip tonight's dose?"),
    ("es", "sin querer me tomé la pastilla de la tiroides dos veces hoy, ¿es peligroso?"),
    (
        "es",
        "la enfermera me puso toda la medicación de una vez por el suero y me dio sueño, normal "
        "dice",
    ),
    (
        "en",
        "I crush mum's tablets into her yoghurt so she can swallow them, is that ok with her "
        "pharmacist?",
    ),
    (
        "en",
        "fluffed the pillow under her head and gave her the tea with her tablets crushed in, she "
        "slept well",
    ),
    ("es", "le muelo las pastillas a mi abuela en el puré porque no las puede tragar, ¿está bien?"),
    ("en", "carried the baby down the stairs slowly, I'm so tired I worried I'd trip"),
    (
        "en",
        "by mistake I had my blood pressure pills twice today, 200mg not 100. should i call the "
        "gp?",
    ),
    ("en", "took my lamotrigine twice by accident this morning, should I skip the next one?"),
    ("es", "por error me tomé la sertralina dos veces, 100 mg en vez de 50, ¿es peligroso?"),
    ("en", "my boss should have let me go home early, it was dead quiet"),
    ("en", "thinking about just ending it with him, the relationship is dead"),
    ("en", "next time I'll pick a higher shelf for the biscuits so the kids can't reach"),
    ("en", "next time I'll take more snacks on the hike"),
    ("es", "antes muerta que sencilla jaja"),
    ("es", "en cuanto salga del trabajo lo vuelvo a intentar con el examen de manejo"),
    ("en", "cut my hair again today, first time in a year I've had a fringe"),
    ("en", "first time in 3 years I cut the grass myself, my back hurts"),
    ("en", "went to the gym again today, first time in a year!"),
    ("es", "me corté el pelo otra vez, la primera vez en un año con flequillo"),
    ("es", "la doctora fue la que me mandó al hospital con la pierna hinchada para estudios"),
]

# The rules raise no alert (the model may: its false alarms are data's to answer).
RULES_HARMLESS = [
    ("en", "I didn't ask to be saved a seat but thanks lol"),
    ("en", "got another box of teabags, added it to the rest in the cupboard"),
    ("en", "relapsed on the cigs tonight, first time in 8 months, gutted"),
    ("es", "me rasqué la picadura del mosquito y me sangró un poco"),
]

# The accidental-dose mask does not hide real risk: all of them, a wish to die after it.
STILL_RISK = [
    (
        "en",
        "accidentally took my meds twice, honestly part of me wishes I'd taken the whole box, I "
        "want to die",
    ),
]
