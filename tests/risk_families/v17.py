"""Blind v17's misses, answered by the rules (new phrasings, never v17's text).

Silent imminent families: a height at work with no method word, the writer alone and
staying (a turbine, a scaffold, a crane, "just wanted to tell someone"); the job left and
things given away, then walking to the water's edge now; the last shift and "ya no vuelvo
mañana"; the emoji of a means with a time or a goodbye (risk_text.MEANS_EMOJI, see
tests/test_risk_means_emoji.py); harm to another now with a weapon in hand ("I'm going
in"); a deep cut at work bleeding hard with nobody there. Each is read as the writer's own
imminent risk and pages whatever the model says. False alarms of the rules: a professional
telling of a customer's attempt to buy a lot of a medicine and the pack limit; conditional
hyperbole with laughter straight after; "el patrón / el kine / mi jefe me quiere matar";
an accidental cut already stitched ("ya me la cosieron", "tranquilos"); a risk said then
explained away in the same message; and a partner's or sibling's wish to be dead told
"I'm fine but I'm scared" is theirs, not the writer's. Without the laughter, with "but"
after the explanation, or with a threat told in earnest, the risk is still read
(docs/risk-detection.md, "Blind v17's misses, read")."""

from __future__ import annotations

RISKY = [
    (
        "en",
        "up the turbine tower by myself, the rest of the crew have driven off and "
        "I'm not coming back down",
    ),
    ("en", "on the scaffold at the top lift, everyone's clocked off, just wanted to tell someone"),
    ("es", "estoy arriba de la grúa, ya se fue todo el mundo, no pienso bajar"),
    (
        "es",
        "sigo en el andamio del último piso, en la obra ya no queda nadie, solo quería que "
        "alguien lo supiera",
    ),
    ("es", "estoy en lo alto del aerogenerador, la cuadrilla se fue, no voy a bajar"),
    (
        "en",
        "cleared my locker, gave my good boots to the apprentice, walking out to the end of "
        "the jetty now",
    ),
    ("es", "último turno hecho, vacié la taquilla y dejé las llaves, ya no vuelvo mañana"),
    ("en", "handed my keys back 🔑 said bye to the lads 👋 🪢 tonight"),
    ("en", "counted out every 💊 I've got, tonight's the one"),
    ("en", "the 🔫 is in my locker, doing it after my shift"),
    ("en", "final delivery done 📦 van keys on the dash 🌉 tonight"),
    ("en", "handover done, left the ward keys with the sister, 💊 saved up, bye"),
    ("es", "ya tengo la 🪢 en el taller, esta noche"),
    ("es", "último turno hecho, ya no vuelvo mañana 🪢"),
    ("en", "the foreman who sacked me is in the site cabin, I've got the axe and I'm going in"),
    ("en", "he's in the back office and I've got the crowbar, I'm going in now"),
    ("en", "the landlord's in his van outside, I've got the meat cleaver and I'm going in now"),
    ("es", "el encargado está en la oficina, tengo el machete y voy a entrar ya"),
    (
        "en",
        "sliced my forearm open on the bandsaw and it won't stop gushing, nobody else in the "
        "workshop",
    ),
    ("en", "split my thumb open on the slicer, it's pumping everywhere and everyone's gone home"),
    ("es", "me abrí el brazo con la radial y sale a chorros, no hay nadie en el taller"),
]

# Harmless look-alikes: neither the rules nor the shipped detector alert (the accidental
# cuts are literal uses, which hold the model back).
HARMLESS = [
    ("es", "atamos la lancha con la 🪢 al muelle, mañana salimos a pescar"),
    (
        "en",
        "at the chemist a woman tried to buy six packs of paracetamol, had to tell her the "
        "limit is two",
    ),
    (
        "en",
        "some bloke came in wanting five boxes of ibuprofen and I had to explain the pack limit",
    ),
    ("en", "if the boss changes my rota one more time I'm jumping off the roof lmao"),
    ("es", "mi jefe me quiere matar, tres turnos seguidos esta semana"),
    ("es", "el entrenador me mató hoy, no me puedo ni levantar"),
    ("es", "me corté el dedo podando el rosal pero ya me lo cosieron en urgencias"),
    ("es", "me rajé el pie con la hoz segando el pasto, ya me lo curaron en la posta, tranquila"),
    (
        "es",
        "me corté la pierna con el machete chapeando el potrero pero ya me la cosieron, tranquilos",
    ),
    (
        "en",
        "told my wife I'd jump off the roof when I saw the bill, it was just a figure of speech, "
        "I'm fine and would never do anything",
    ),
    (
        "es",
        "dije que me iba a tirar por la ventana cuando vi la nota del examen, era un decir, "
        "estoy bien",
    ),
]

# Harmless look-alikes the rules do not read as risk (what the model makes of them is its
# own: blind v17's false alarms of this kind were mostly the model's, and data moves it).
RULES_HARMLESS = [
    ("en", "up the turbine doing the annual service, crew's gone for lunch, back down at 2"),
    ("en", "on the scaffold all day, everyone's gone home, I'll finish the pointing tomorrow"),
    ("es", "estoy en el andamio pintando la fachada, ya se fueron todos a comer"),
    ("es", "subí a la grúa a revisar el cable, ya se fueron todos, bajo en un rato"),
    ("es", "estoy arriba del aerogenerador, la cuadrilla se fue a comer, bajo en un rato"),
    ("en", "last day at the depot, heading to the pier now for drinks with the team"),
    (
        "es",
        "último turno en esta empresa, vacié la taquilla, ya no vuelvo mañana porque me cambio "
        "de trabajo",
    ),
    ("en", "picked up nan's 💊 from the chemist on my lunch break"),
    ("en", "new 🔪 set for the kitchen, chopping onions like a pro tonight"),
    ("es", "me tomo mi 💊 de la presión esta noche como siempre"),
    ("en", "got the axe and I'm going in to split the last of the logs"),
    ("en", "got the axe and I'm going in to clear the brambles by the shed"),
    ("es", "tengo el machete y voy a entrar a cortar la maleza del fondo"),
    (
        "en",
        "split my thumb open on the slicer, it's pumping but the first aider's here and it's "
        "stopped",
    ),
    ("es", "si mi jefe me cambia el turno otra vez me tiro por la ventana jajaja"),
    (
        "en",
        "if one more passenger asks me to go via the chippy I'm going to drive off the bridge lol",
    ),
    ("es", "la fisio me mató con los ejercicios, jaja"),
    ("es", "el capataz me quiere matar, doce horas cargando sacos"),
    ("es", "cortando leña me hice un tajo en la pierna, ya me pusieron puntos, todo bien"),
    (
        "es",
        "le dije a mi hermano que me iba a tirar del puente cuando perdió mi equipo, era broma, "
        "estoy bien y no me haría daño",
    ),
]

# Someone else's wish to be dead, told with the writer's own worry: theirs, not the writer's
# (who, by the rules and by the shipped detector, whatever the level).
OTHERS_WHO = [
    (
        "en",
        "my wife waits tables and says shed rather be dead than do another christmas shift and "
        "shes stopped eating i feel ok but im scared",
    ),
    (
        "en",
        "my brother keeps saying he'd rather be dead than go back to that job, I'm fine myself "
        "but I'm scared for him",
    ),
    (
        "es",
        "mi prima limpia casas y dice que ya no puede más y que le gustaría desaparecer para "
        "siempre, yo estoy bien pero ella me preocupa",
    ),
    (
        "es",
        "mi hermano trabaja en el campo y dice que ya no aguanta y que le gustaría dormirse y no "
        "despertar yo estoy bien pero él me asusta",
    ),
]

# Still read as the writer's risk by the rules: the masks above must not hide these.
STILL_RISK = [
    ("en", "if the boss changes my rota one more time I'm jumping off the roof, I mean it"),
    ("en", "I'm going to drive off the bridge tonight"),
    ("es", "me corté las muñecas con la navaja otra vez, ya me la cosieron"),
    ("es", "mi jefe me quiere matar, en serio, me amenazó con una pistola"),
    ("es", "le dije que me quiero matar, era broma, pero la verdad a veces lo pienso"),
    (
        "en",
        "told my sister I'd kill myself if I failed, was joking, but honestly some days I think "
        "about it",
    ),
    ("es", "quiero que le digas a mi madre que me quiero morir"),
    ("es", "mi jefa dice que me quiere ver mañana y yo me quiero morir"),
]
