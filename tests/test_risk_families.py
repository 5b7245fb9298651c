"""Families of crisis phrasings, in sentences of our own, as regression tests.

The blind evaluation set (``escalation/risk_eval/blind.jsonl``) showed which
families of phrasing the rules missed. For each family the rules were widened,
and these sentences, written fresh for the family (none is a blind-set message),
check that the family, not one sentence, is caught. Three batches were each run
once before the rules were changed for them: 51 of 77, 34 of 60 and 27 of 53 risk
sentences were caught, and 9 of 59, 4 of 40 and 5 of 30 near misses alarmed. The
rules were then widened for the families the misses belonged to; a few misses are
left out below and listed in docs/risk-detection.md.

The everyday sentences next to each family are the near misses that a broad
pattern for it must leave alone.
"""

from __future__ import annotations

import pytest

from escalation.risk import rule_detector

# These are the rules' own cases; the model on top is tested in test_risk_context.py.
assess = rule_detector().assess

RISK = {"high", "imminent"}


def cases(*rows: str) -> list:
    return [pytest.param(row, id=row) for row in rows]


@pytest.mark.parametrize(
    "text",
    cases(
        "honestly i just want to not exist for a while. like permanently",
        "i keep wishing i could just vanish and nobody would have to deal with me",
        "everyone would be fine if i wasnt here",
        "i want to disappear and never come back",
        "i dont see myself being here next year tbh",
        "what if i just didnt wake up. would anyone care",
        "i dont want to wake up tomorrow",
        "i want to be dead so badly",
        "my family would honestly be better off with me gone",
        "i feel like i dont belong on this earth anymore",
        "sometimes i wonder what it would feel like to just stop existing",
        "no one would even come to my funeral",
        "quiero desaparecer y no volver nunca",
        "ojalá no despertarme mañana",
        "creo que lo mejor es quitarme de en medio",
        "a veces pienso que sería más fácil desaparecer",
        "nadie me echaría de menos",
        "soy una carga para todos, mejor que desaparezca",
        "siento que sobro en este mundo",
        "quiero que todo acabe de una vez",
    ),
)
def test_not_being_here_not_existing_or_disappearing_is_risk(text: str) -> None:
    assert assess(text).level in RISK


@pytest.mark.parametrize(
    "text",
    cases(
        "pretty sure im going to end things this weekend",
        "im done. tonight im ending it",
        "i think tonight might be it for me",
        "i have a plan and i have the stuff. i just need the guts",
        "i've been planning how to do it for weeks",
        "ya no quiero seguir, esta noche lo termino todo",
        "tengo un plan para matarme el viernes",
    ),
)
def test_ending_it_and_stated_plans_are_risk(text: str) -> None:
    assert assess(text).level in RISK


@pytest.mark.parametrize(
    "text",
    cases(
        "ive been thinking about ctb a lot",
        "lowkey wanna unalive",
        "i wanna kms fr",
        "shd again last night, not proud of it",
    ),
)
def test_slang_is_risk(text: str) -> None:
    assert assess(text).level in RISK


@pytest.mark.parametrize(
    "text",
    cases(
        "i keep googling how long it takes to bleed out",
        "i looked up which painkillers are the most dangerous",
        "i searched how high a bridge has to be",
        "how many sleeping pills would it take to not wake up",
        "estuve buscando cuántas pastillas son mortales",
        "he estado mirando cómo hacer un nudo",
    ),
)
def test_researching_methods_is_risk(text: str) -> None:
    assert assess(text).level in RISK


@pytest.mark.parametrize(
    "text",
    cases(
        "ive been collecting my mums sleeping pills in a sock",
        "ive got a stash of pills hidden under my bed",
        "my brother keeps a shotgun in his room and i know where the shells are",
        "i bought extra paracetamol from two different shops today so nobody would notice",
        "tengo guardadas las pastillas de mi abuela",
        "tengo el cuchillo preparado",
    ),
)
def test_gathering_means_is_risk(text: str) -> None:
    assert assess(text).level in RISK


@pytest.mark.parametrize(
    "text",
    cases(
        "im sitting on the roof of my building with my legs over the edge",
        "im at the cliffs. its windy. i just wanted someone to know",
        "standing on the platform edge, train in 3 min",
        "im in the bath with a razor",
        "im in my car with the engine on in the garage",
        "im holding the knife against my wrist right now",
        "estoy en la azotea de mi edificio",
        "tengo la navaja en la mano ahora mismo",
    ),
)
def test_being_at_the_place_or_holding_the_means_is_imminent(text: str) -> None:
    assert assess(text).level == "imminent"


@pytest.mark.parametrize(
    "text",
    cases(
        "i took 40 ibuprofen about an hour ago and i feel sick",
        "i overdosed like an hour ago and nobody knows",
        "i took everything in the medicine cabinet",
        "i drank bleach",
        "i just took my whole prescription",
        "me tomé un bote entero de pastillas hace una hora",
        "me he tomado la caja entera de ibuprofeno",
    ),
)
def test_an_overdose_just_taken_is_imminent(text: str) -> None:
    assert assess(text).level == "imminent"


@pytest.mark.parametrize(
    "text",
    cases(
        "i jumped in front of a car earlier but it stopped in time",
        "i tried to hang myself last night but the rope broke",
        "ayer intenté ahorcarme",
        "i'm at the beach and i'm going to walk into the sea",
    ),
)
def test_recent_attempts_and_acts_are_risk(text: str) -> None:
    assert assess(text).level in RISK


@pytest.mark.parametrize(
    "text",
    cases(
        "ive written goodbye notes to everyone i love",
        "this is my last message to anyone. thank you for trying",
        "gave away my xbox and my dog to my mate, i wont need them",
        "posted my goodbye on insta and turned my phone off",
        "left my bank details and passwords for my sister",
        "i wrote a letter to my mum explaining everything, its in my drawer",
        "sorry for everything. please look after my cat",
        "i love you all. remember me",
        "i wont be a problem for anyone after tonight",
        "this is my goodbye. thank you for listening to me all these months",
        "escribí cartas de despedida para mi familia",
        "regalé mi gato a mi vecina, ya no lo voy a necesitar",
        "perdonadme por todo, cuidad de mi perro",
        "esta es mi despedida",
    ),
)
def test_goodbyes_and_putting_things_in_order_are_risk(text: str) -> None:
    assert assess(text).level in RISK


@pytest.mark.parametrize(
    "text",
    cases(
        "i relapsed and cut again",
        "i've started cutting again after two years clean",
        "the only thing that helps is burning my skin",
        "i need to see blood to feel calm",
        "i havent eaten in 5 days on purpose, i dont deserve food",
        "i scratched my arms with a razor blade until they bled",
        "me doy golpes contra la pared hasta que me sangra la frente",
        "he vuelto a hacerme cortes en los brazos",
    ),
)
def test_self_harm_and_relapse_are_risk(text: str) -> None:
    assert assess(text).level in RISK


@pytest.mark.parametrize(
    "text",
    cases(
        "my girlfriend sent me a goodbye text and now her phone is off",
        "my roommate took a bunch of pills and wont wake up",
    ),
)
def test_a_friends_attempt_in_progress_is_imminent_and_third_party(text: str) -> None:
    found = assess(text)
    assert (found.level, found.third_party) == ("imminent", True)


@pytest.mark.parametrize(
    "text",
    cases(
        "my mate said hes going to jump off the bridge tonight",
        "my best friend posted a goodbye message on snapchat and isnt answering",
        "i think my brother is cutting, he has scars on his arms",
        "my friend keeps saying she wishes she wasnt alive",
        "my flatmate said he doesnt see the point in living",
        "my sister tried to overdose last night and is in hospital",
        "i think my girlfriend is starving herself on purpose",
        "mi amiga dice que se quiere tirar del puente esta noche",
        "mi prima tiene cortes en los brazos y los esconde",
        "mi hermana se está cortando otra vez",
    ),
)
def test_concern_for_someone_else_is_risk_and_third_party(text: str) -> None:
    found = assess(text)
    assert found.level in RISK
    assert found.third_party


@pytest.mark.parametrize(
    "text",
    cases(
        "my stepdad comes in my room at night and touches me",
        "my mum's new partner keeps touching me when shes at work",
        "my uncle makes me keep secrets about what he does to me",
        "my husband took my passport and wont let me leave",
        "my partner says if i ever leave him he will kill me",
        "i sleep with a knife under my pillow because of my dad",
        "he said he knows where i live and hes going to come for me",
        "mi padrastro entra en mi cuarto por la noche",
        "mi novio me tiene encerrada y me quitó el móvil",
        "me encierran en casa y no me dejan salir",
    ),
)
def test_abuse_described_indirectly_is_risk(text: str) -> None:
    assert assess(text).level in RISK


@pytest.mark.parametrize(
    "text",
    cases(
        "i keep thinking about hurting the kid next door",
        "i want to stab my teacher",
        "im going to make my ex pay for what she did, i know where she lives",
        "quiero matar a mi padrastro",
    ),
)
def test_threats_to_others_are_risk(text: str) -> None:
    assert assess(text).level in RISK


@pytest.mark.parametrize(
    "text",
    cases(
        # not existing / disappearing
        "i want to disappear from social media for a bit",
        "quiero desaparecer de instagram un tiempo",
        "ojalá no tener que despertarme temprano mañana",
        "me voy a dormir y no despierto hasta el lunes",
        "i'm so tired i could sleep forever",
        "siento que sobro en este grupo de clase",
        "quiero que acabe el cuatrimestre ya",
        # ending it, deciding, planning
        "im going to end it with my boyfriend tomorrow",
        "voy a cortar con mi novia mañana",
        "i decided to switch my course",
        "ya lo he decidido, me apunto al gimnasio",
        "i've chosen a date for my driving test",
        "tengo todo listo para el viaje",
        # laughter makes a lone wish to die hyperbole
        "this meeting makes me want to die lol",
        "me quiero morir jajaja qué vergüenza",
        # places, pills, knives
        "im at the station waiting for my train",
        "im on the bridge walking home",
        "estoy en el puente de camino a casa",
        "i took 2 ibuprofen for cramps",
        "hoy me tomé algo con mis amigas",
        "tengo el cuchillo para cortar el pan",
        "he estado mirando cómo hacer un nudo de corbata",
        # goodbyes and notes
        "goodbye everyone, see you tomorrow!",
        "saying goodbye to my friends before the holidays",
        "this is my last message before i log off, night all",
        "im writing a note for my flatmate about the bins",
        "i wrote a letter to my mum for her birthday",
        "i gave away my old books to the library",
        "esta es mi despedida del instituto, qué pena",
        "mi amigo se despidió de todos antes de mudarse",
        # self-harm look-alikes
        "im cutting my own hair again lol",
        "i hit my head on the cupboard lol",
        # academic
        "we had a talk at school about suicide warning signs",
        "my thesis is about suicide in young men",
        "hice un trabajo sobre el suicidio en adolescentes",
        # idioms
        "quiero matar el tiempo",
        "my dad is going to kill me when he sees the car",
    ),
)
def test_near_misses_raise_no_alarm(text: str) -> None:
    assert assess(text).level not in RISK


@pytest.mark.parametrize("text", ["i want to die lol", "me quiero morir jajaja"])
def test_a_wish_to_die_said_laughing_pages_nobody_but_is_not_ignored(text):
    assessment = assess(text)
    assert assessment.level == "low"
    assert assessment.reasons == ("ideation",)


# Blind v13's idiom false alarms by the rules alone, read by family (none of these is a
# v13 message): a threat to a named annoyance laughed off straight after, and a break-up
# told by the one left ("me cortó", which the text reads as "me corto").
@pytest.mark.parametrize(
    "text",
    cases(
        "if my sister borrows my charger one more time I'll kill her haha",
        "my flatmate left the dishes again, I'm gonna kill him lmao",
        "if the printer jams again I will kill them lol",
        "como mi hermano se vuelva a comer mi yogur lo mato jaja",
        "si mi prima vuelve a spoilearme la serie la mato jajaja",
        "anoche me cortó mi novia por whatsapp y hoy no tengo ganas de nada",
        "mi pareja me cortó ayer, estoy triste pero bien",
        "el pololo me cortó por audio, qué cobarde",
    ),
)
def test_an_idiom_threat_laughed_off_and_a_break_up_raise_no_alarm(text: str) -> None:
    assert assess(text).level == "none"


@pytest.mark.parametrize(
    "text",
    cases(
        # laughter after a time, a means or a place is not the idiom
        "I'll kill him tonight lol",
        "I'll kill him tonight, I have the knife ready lol",
        "im going to kill them all at school tomorrow lol",
        "I'll kill him",
        "como mi hermano se vuelva a comer mi yogur lo mato",
        # cutting oneself stays self-harm
        "me corté el brazo anoche",
        "me corto los brazos cuando mi novio me grita",
    ),
)
def test_the_same_words_without_the_idiom_are_still_risk(text: str) -> None:
    assert assess(text).level in RISK


# Found while reading blind v14: the Spanish rules read the method with its clitic before
# the verb ("me voy a ahorcar", "me voy a cortar las venas") as nothing, though "ahorcarme"
# and "me voy a matar" were read. Sentences of our own.
@pytest.mark.parametrize(
    ("text", "level", "who"),
    [
        ("ya no aguanto, me voy a ahorcar", "high", "self"),
        ("me voy a ahorcar en el garaje esta noche", "imminent", "self"),
        ("estoy harta de todo, me voy a cortar las venas", "high", "self"),
        ("voy a cortarme las venas cuando se duerman", "imminent", "self"),
        ("mi vecino gritó que se va a ahorcar, qué hago", "high", "other"),
        ("nunca me voy a ahorcar, no te preocupes por eso", "none", "self"),
    ],
)
def test_a_method_with_the_clitic_before_the_verb_is_read(text: str, level: str, who: str) -> None:
    found = assess(text)
    assert (found.level, found.who) == (level, who)


# Blind v14's "me tomé todos los antipsicóticos de mi hermano": an overdose told by the drug's
# class or name, masculine "todos los", read like "todas las pastillas". Sentences of our own.
@pytest.mark.parametrize(
    "text",
    cases(
        "me acabo de tomar todos los ansiolíticos que me quedaban",
        "me tomé todos mis antidepresivos hace un rato",
        "me tomé veinte lorazepam hace diez minutos",
    ),
)
def test_an_overdose_told_by_the_drugs_class_is_imminent(text: str) -> None:
    assert assess(text).level == "imminent"


@pytest.mark.parametrize(
    "text",
    cases(
        "me tomé la quetiapina como me dijo la psiquiatra",
        "el psiquiatra me subió la dosis de los antipsicóticos y tengo sueño",
        "me tomé todos los cafés de la máquina del trabajo",
    ),
)
def test_a_drug_named_in_everyday_use_raises_no_alarm(text: str) -> None:
    assert assess(text).level not in RISK
