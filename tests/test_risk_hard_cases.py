"""The hard cases that make keyword lists fail, in English and Spanish.

These sentences are not in the labelled set: they check that the rules
generalise beyond the messages used to write them. Messages are assessed
without a language, as participants do not declare one.
"""

from __future__ import annotations

import pytest

from escalation.risk import Assessment, rule_detector

# These are the rules' own cases; the model on top is tested in test_risk_context.py.
assess = rule_detector().assess


def level_of(text: str) -> str:
    return assess(text).level


def cases(*rows: str) -> list:
    return [pytest.param(row, id=row) for row in rows]


class TestNegationIsNotRisk:
    @pytest.mark.parametrize(
        "text",
        cases(
            "I'd never kill myself, I just feel stuck",
            "don't worry, I'm not suicidal at all",
            "I dont want to die, I want help with my anxiety",
            "no, I have never hurt myself",
            "I'm not going to overdose, I just couldn't sleep",
            "ending my life is not an option for me",
            "no me quiero matar, solo necesito hablar con alguien",
            "jamás me quitaría la vida",
            "no estoy pensando en suicidarme, tranquila",
            "nunca me he cortado",
        ),
    )
    def test_negated_risk_is_none(self, text: str) -> None:
        assert level_of(text) == "none"

    @pytest.mark.parametrize(
        "text",
        cases(
            "I can't stop thinking about killing myself",
            "I'm not okay, I want to die",
            "I don't care anymore I want to die",
            "no dejo de pensar en matarme",
            "no aguanto más y me quiero morir",
            "no sé qué hacer, quiero suicidarme",
        ),
    )
    def test_words_that_only_look_negative_keep_the_risk(self, text: str) -> None:
        assert level_of(text) == "high"


class TestIdiomsAreNotRisk:
    @pytest.mark.parametrize(
        "text",
        cases(
            "this essay is killing me",
            "I'm dying to go to that concert",
            "I want to die my hair green",
            "my legs are killing me after the run",
            "I almost died of embarrassment in class",
            "that burger was to die for",
            "I'd rather die than run a marathon",
            "ugh kill me now, another meeting",
            "I could murder a coffee",
            "I'm going to cut my fringe tonight",
            "me muero de ganas de verte",
            "esta clase me está matando",
            "me muero de sueño",
            "prefiero morirme antes que hablar en público",
            "mañana me corto el pelo muy corto",
            "me mato trabajando y no me pagan",
        ),
    )
    def test_idiom_is_none(self, text: str) -> None:
        assert level_of(text) == "none"


class TestObfuscationAndSlang:
    @pytest.mark.parametrize(
        "text",
        cases(
            "kms",
            "lowkey wanna kms",
            "i want to unalive myself",
            "thinking about k*lling myself",
            "su1c1de is all I think about",
            "I WANT TO DIE",
            "i want to dieeeeee",
            "i dont wanna be alive anymore",
            "im gonna end it all",
            "me quiero moriiir",
            "QUIERO MATARME",
            "kiero morirme",
            "m4tarme es lo único que pienso",
            "pienso en el s*icidio",
        ),
    )
    def test_disguised_ideation_is_high(self, text: str) -> None:
        assert level_of(text) == "high"


class TestThirdPartyConcern:
    @pytest.mark.parametrize(
        "text",
        cases(
            "my friend wants to end her life",
            "my roommate told me he wants to kill himself",
            "I think my sister is cutting herself again",
            "my boyfriend keeps saying he wants to die",
            "a guy in my class said he is suicidal",
            "mi amiga quiere suicidarse",
            "mi hermano dice que se quiere morir",
            "creo que mi novia se está haciendo daño",
        ),
    )
    def test_concern_for_someone_else_is_high_and_third_party(self, text: str) -> None:
        assert assess(text) == Assessment("high", assess(text).reasons, third_party=True)

    @pytest.mark.parametrize(
        "text",
        cases(
            "my friend is worried about me because I want to die",
            "my mum doesn't know I want to die",
            "mi amiga no sabe que me quiero morir",
        ),
    )
    def test_own_risk_mentioned_with_a_friend_is_not_third_party(self, text: str) -> None:
        assert assess(text).level == "high"
        assert not assess(text).third_party


class TestMeansAndTimeframeAreImminent:
    @pytest.mark.parametrize(
        "text",
        cases(
            "I have the pills in front of me right now",
            "I've got 50 paracetamol and I'm taking them tonight",
            "the rope is ready, I'm doing it tonight",
            "I just swallowed a whole box of sleeping pills",
            "I'm standing on the bridge right now",
            "tonight I'm going to kill myself",
            "this is my last message, goodbye everyone, I'm doing it tomorrow",
            "goodbye all, I won't be around after tonight",
            "tengo todas las pastillas aquí y me las voy a tomar esta noche",
            "me acabo de tomar 30 pastillas",
            "esta noche me voy a suicidar",
            "estoy en la azotea y me voy a tirar",
        ),
    )
    def test_means_or_intent_with_a_timeframe_is_imminent(self, text: str) -> None:
        assert level_of(text) == "imminent"

    def test_imminent_reasons_name_the_signals(self) -> None:
        assert set(assess("I have the pills in front of me right now").reasons) >= {
            "means",
            "timeframe",
        }

    @pytest.mark.parametrize(
        "text",
        cases(
            "I want to cut tonight",
            "suicidal thoughts are bad tonight",
            "tengo ganas de cortarme ahora mismo",
        ),
    )
    def test_urges_with_a_timeframe_stay_high(self, text: str) -> None:
        assert level_of(text) == "high"


class TestOtherSignals:
    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("I burn myself with cigarettes", "self_harm"),
            ("me hago cortes en las piernas", "self_harm"),
            ("I want to stab the people who bullied me", "harm_to_others"),
            ("quiero hacerle daño a mi compañero", "harm_to_others"),
            ("my stepmum hits me and I'm scared to go home", "abuse"),
            ("mi padrastro me pega cuando se emborracha", "abuse"),
        ],
    )
    def test_signal_is_high_with_its_reason(self, text: str, reason: str) -> None:
        found = assess(text)
        assert found.level == "high"
        assert reason in found.reasons

    @pytest.mark.parametrize(
        "text",
        cases(
            "I feel so hopeless lately",
            "ya nada tiene sentido",
            "I self harmed when I was at school but not anymore",
            "intenté suicidarme hace cinco años",
            "we lost my favourite older cousin to suicide in 2020",
            "perdimos a mi tío por suicidio el año pasado",
        ),
    )
    def test_hopelessness_and_history_are_low(self, text: str) -> None:
        assert level_of(text) == "low"


class TestEverydayTalkIsNone:
    @pytest.mark.parametrize(
        "text",
        cases(
            "",
            "   ",
            "hi, is anyone there?",
            "I'm stressed about my dissertation deadline tonight",
            "I took my pills this morning like the doctor said",
            "we're going to the bridge for a walk tomorrow",
            "the suicide prevention training was really useful",
            "my cat died last week and I miss her",
            "estoy agobiada con los exámenes de mañana",
            "hoy me tomé un ibuprofeno para la regla",
            "la charla sobre prevención del suicidio estuvo bien",
        ),
    )
    def test_everyday_message_is_none(self, text: str) -> None:
        assert level_of(text) == "none"


class TestWhatTheClauseSaysTheyAreDoingThere:
    """A bridge, a roof or a bleeding cut with the reason in the same clause: a lift, the
    washing, a parade, a kitchen knife. Found by the rules audit on training data."""

    @pytest.mark.parametrize(
        "text",
        cases(
            "I'm on the bridge by the station waiting for my mum to pick me up",
            "standing on the roof helping my uncle clear the leaves out",
            "im at the train tracks with my little brother watching the trains",
            "estoy en el puente esperando a mi hermana que sale de clase",
            "estoy en la azotea colgando la ropa antes de que llueva",
            "estoy en el borde de la piscina con los pies en el agua",
            "cut my finger opening a tin and it won't stop bleeding",
            "my nose won't stop bleeding after the match",
            "me corté el dedo pelando papas y no para de sangrar",
            "wrote a goodbye card for my team, last day at work tomorrow",
            "le hice una carta de despedida para mi jefa que se jubila",
            "got a water gun for the kids this weekend",
            "mañana vamos al campo de tiro con mi tío",
        ),
    )
    def test_is_not_an_alert(self, text: str) -> None:
        assert level_of(text) not in ("high", "imminent")

    @pytest.mark.parametrize(
        "text",
        cases(
            "I'm standing on the bridge waiting for the courage",
            "im on the roof and i want to jump",
            "estoy en el puente esperando a que se haga de noche para saltar",
            "I cut my wrist and it won't stop bleeding",
        ),
    )
    def test_the_same_places_without_a_reason_stay_imminent(self, text: str) -> None:
        assert level_of(text) == "imminent"

    @pytest.mark.parametrize(
        "text",
        cases("mi prima me escribió que está en la azotea y que se va a tirar"),
    )
    def test_someone_else_on_a_roof_is_not_the_writers_act(self, text: str) -> None:
        found = assess(text)
        assert found.who == "other" or found.level not in ("high", "imminent")

    @pytest.mark.parametrize(
        "text",
        cases("lo quiero matar, se comió mi sándwich", "quería matar al protagonista"),
    )
    def test_wanting_to_kill_him_is_not_the_writers_wish_to_die(self, text: str) -> None:
        assert "ideation" not in assess(text).reasons


class TestParaphrases:
    """A second batch of new sentences; 16 of 30 risk ones were missed before the rules
    were generalised for them, so they now guard against regressions."""

    @pytest.mark.parametrize(
        "text",
        cases(
            "i just want everything to stop",
            "i'm thinking of jumping off the multi-storey car park",
            "what's the most painless way to go",
            "I don't see the point in living anymore",
            "honestly i'd rather be dead",
            "I'm going to hang myself",
            "i feel like killing myself",
            "nobody would care if I disappeared",
            "I wrote a note for my family",
            "i have a plan to end my life",
            "Im gonna take every pill in the cabinet tonight",
            "i slit my wrists",
            "I keep scratching my arms with a compass",
            "he raped me last year and I still see him at school",
            "my dad said he'll kill me if I come home late",
            "I'm going to shoot up the school",
            "i want to hurt my little brother",
            "i wish i could go to sleep forever",
            "ya no tiene sentido seguir viviendo",
            "estoy pensando en tirarme por la ventana",
            "quiero quitarme la vida esta noche",
            "me tomé todas mis pastillas",
            "mi padre me da palizas",
            "ojalá no hubiera nacido",
            "he pensado en matarme muchas veces",
            "mi novio me amenaza con matarme",
            "tengo una cuchilla y me quiero cortar",
            "a veces pienso que sería mejor estar muerta",
        ),
    )
    def test_paraphrased_risk_is_detected(self, text: str) -> None:
        assert level_of(text) in {"high", "imminent"}

    @pytest.mark.parametrize(
        "text",
        cases(
            "I'm dead tired lol",
            "this homework will be the death of me",
            "I almost died when I saw the price",
            "my phone battery is dead",
            "she killed it at the open mic",
            "my brother and I watched a horror movie where everyone dies",
            "I took a few paracetamol for my period pain",
            "going to the roof terrace party tonight!",
            "I hate my life sometimes lol but I'm fine",
            "I'm so done with this week",
            "we're going to kill this presentation tomorrow",
            "I'm hanging out with my mates later",
            "my knife skills in cooking class are terrible",
            "I shot a video for my channel today",
            "the gun show in the film was wild",
            "I'm cutting down on caffeine",
            "I need to cut back on screen time",
            "me muero de frío",
            "hoy me voy a la azotea a tomar el sol",
            "estoy que me muero de cansancio",
            "mi hermano me va a matar si se entera",
            "la película trata de un chico que se suicida",
            "tengo que cortar con mi novio",
            "me corté el pelo ayer",
            "voy a matar el tiempo viendo series",
            "I want to disappear under my duvet for a week",
            "I could kill for some sleep",
            "tonight I'm going to take my meds and sleep early",
            "I'm going to the bridge club with my nan",
            "kill me, I forgot my laptop charger",
        ),
    )
    def test_everyday_paraphrase_raises_no_alarm(self, text: str) -> None:
        assert level_of(text) not in {"high", "imminent"}

    def test_cannot_keep_living_like_this_is_at_least_low(self) -> None:
        assert level_of("i cant keep living like this") != "none"


class TestThirdBatch:
    """A third batch of new sentences, run once before any change: 11 of 20 risk ones
    detected and 1 of 20 everyday ones alarmed. The rules were then generalised for the
    misses, so these too now guard against regressions."""

    @pytest.mark.parametrize(
        "text",
        cases(
            "i've decided tonight is my last night",
            "I stocked up on sleeping tablets from three different pharmacies",
            "i keep thinking everyone would be happier if i just vanished",
            "I'm sitting on the ledge of my balcony",
            "honestly death sounds peaceful right now",
            "i punched myself in the face until my nose bled",
            "my stepdad locks the door and hits my mum and me",
            "I'm scared my husband will kill me one day",
            "i want to make the people who hurt me suffer",
            "my little sister told me she wants to die",
            "i'm tired of existing",
            "there's a rope in the garage and I keep thinking about it",
            "estoy harta de vivir",
            "me quiero morir, ya no puedo más con todo",
            "mi padre me pega con el cinturón",
            "ayer me volví a cortar los brazos",
            "mi amigo dice que se va a matar",
            "tengo 20 pastillas de mi madre guardadas y esta noche me las tomo",
            "nadie me echaría de menos si desapareciera",
            "estoy en el puente, adiós",
        ),
    )
    def test_risk_is_detected(self, text: str) -> None:
        assert level_of(text) in {"high", "imminent"}

    @pytest.mark.parametrize(
        "text",
        cases(
            "I'm dying of laughter at this thread",
            "my exams are going to be the end of me",
            "I got my flu jab today and my arm is killing me",
            "I bought a new knife set for my flat",
            "my favourite character died in the last episode",
            "I'm not suicidal, I just feel flat and tired",
            "I used to self harm years ago but I've been okay for a long time",
            "I'm going to overdo it at the gym tonight",
            "my grandad passed away peacefully last night",
            "the bridge near campus is closed for repairs",
            "I'm writing a goodbye card for my coworker who's leaving",
            "I'm so hungry I could eat a horse",
            "estoy muerta de hambre",
            "mi madre me mata si llego tarde jaja",
            "ayer me corté con un papel",
            "vamos a la playa el sábado",
            "me duele la cabeza, voy a tomar un paracetamol",
            "no quiero hacer los deberes",
            "mi abuelo murió el año pasado y lo echo de menos",
            "qué ganas tengo de que acabe el curso",
        ),
    )
    def test_everyday_message_raises_no_alarm(self, text: str) -> None:
        assert level_of(text) not in {"high", "imminent"}


def test_reasons_never_contain_message_text() -> None:
    found = assess("zxqv I have the pills in front of me right now zxqv")
    assert all(reason.isidentifier() and "zxqv" not in reason for reason in found.reasons)


def test_language_restricts_the_rules_used() -> None:
    assert assess("me quiero morir", language="en").level == "none"
    assert assess("me quiero morir", language="es").level == "high"


def test_unknown_language_checks_every_language() -> None:
    assert assess("me quiero morir", language="fr").level == "high"


class TestMeansAndActsToldWithoutTheUsualWords:
    """English means, acts and times told as blind v6's writers told them: where the
    means is, what was taken, what comes first; with the time, imminent."""

    @pytest.mark.parametrize(
        "text",
        cases(
            "shotgun's in the boot. tonight",
            "sitting here with my dad's rifle, it ends tonight",
            "the rope's in the car and I'm driving out there now",
            "stool's under the beam, once the kids are asleep",
            "tablets in my hand, 4am, nobody up",
            "I swallowed what was left of my prescription",
            "the meds are kicking in, everything's going soft",
            "I'm on the other side of the railing",
            "I drank weed killer",
        ),
    )
    def test_is_imminent(self, text: str) -> None:
        assert level_of(text) == "imminent"

    @pytest.mark.parametrize(
        "text",
        cases(
            "I don't think I'll see christmas, honestly",
            "wish the crash had taken me instead of him",
            "they'd get more from the payout than from me",
        ),
    )
    def test_passive_wishes_are_high(self, text: str) -> None:
        assert level_of(text) == "high"

    @pytest.mark.parametrize(
        "text",
        cases(
            "the rifle's in the truck, going hunting with my uncle at the weekend",
            "rope's in the car for the camping trip",
            "after this cig I'm going to bed",
            "my morphine dose went up after the surgery",
        ),
    )
    def test_the_same_words_without_risk_do_not_alert(self, text: str) -> None:
        assert level_of(text) in ("none", "low")


class TestSelfHarmAndQuotesToldOtherwise:
    """Self-harm told with an auxiliary or in the past tense, and a song quoted by what
    it says (the ways blind v7's writer put them)."""

    @pytest.mark.parametrize(
        "text",
        cases(
            "me he cortado otra vez en los brazos y nadie lo sabe",
            "se ha vuelto a cortado",  # typo'd, still the act
            "anoche me rasqué con una aguja hasta que sangró",
            "me arañé hasta que me sangraron los brazos",
        ),
    )
    def test_self_harm_is_high(self, text: str) -> None:
        found = assess(text)
        assert (found.level, found.reasons) == ("high", ("self_harm",))

    @pytest.mark.parametrize(
        "text",
        cases(
            "me he cortado el pelo y no me gusta nada",
            "me he cortado con un papel, qué tontería",
            "me rasqué la picadura del mosquito toda la noche",
        ),
    )
    def test_the_same_words_without_self_harm_do_not_alert(self, text: str) -> None:
        assert level_of(text) == "none"

    @pytest.mark.parametrize(
        "text",
        cases(
            'cuál es esa canción que dice "me quiero morir", no me la saco de la cabeza',
            "hay un tema de reggaetón que dice 'me quiero morir' y todos lo bailan",
            "there's a line in the poem that says he wanted to kill himself",
        ),
    )
    def test_a_song_quoted_by_what_it_says_is_quoted(self, text: str) -> None:
        found = assess(text)
        assert (found.level, found.who) == ("none", "quoted")

    @pytest.mark.parametrize(
        "text",
        cases(
            "me quiero morir, pon esa canción que me gusta",
            "i want to die, that song that plays in the shop is driving me mad",
        ),
    )
    def test_own_risk_said_beside_a_song_is_not_a_quote(self, text: str) -> None:
        assert assess(text).who == "self"


class TestWhatBlindV8TaughtTheSpanishRules:
    """A whole box taken is an overdose whatever the pills are for (the literal mask of
    "pastillas para la presión" hid the pills, and "toda la caja" was not read); "el último
    día de todo" is a goodbye; "me despidieron" is being fired, not the writer's goodbye."""

    @pytest.mark.parametrize(
        "text",
        cases(
            "me tomé toda la caja de pastillas del resfriado hace una hora",
            "he tomado el bote entero de remedios para la tos",
            "acabo de tomar toda la caja de la medicación",
        ),
    )
    def test_a_whole_box_taken_is_an_attempt_whatever_the_pills_are_for(self, text: str) -> None:
        found = assess(text)
        assert (found.level, found.who) == ("imminent", "self")
        assert "in_progress" in found.reasons

    @pytest.mark.parametrize(
        "text",
        cases(
            "me tomé la pastilla del resfriado y ya estoy mejor",
            "me tomé toda la caja de jugo de naranja",
        ),
    )
    def test_one_pill_or_a_box_of_juice_is_not(self, text: str) -> None:
        assert level_of(text) == "none"

    def test_the_last_day_of_everything_is_a_goodbye(self) -> None:
        found = assess("último día de todo, gracias por escucharme")
        assert (found.level, found.who) == ("high", "self")
        assert "goodbye" in found.reasons

    def test_the_last_day_of_work_is_not(self) -> None:
        assert level_of("mañana es mi último día de trabajo antes de las vacaciones") == "none"

    @pytest.mark.parametrize(
        "text",
        cases(
            "me despidieron del trabajo y no sé cómo voy a pagar el alquiler",
            "ayer me despidieron de la tienda sin avisar",
        ),
    )
    def test_being_fired_is_not_a_goodbye(self, text: str) -> None:
        assert level_of(text) == "none"

    def test_someone_elses_goodbye_is_still_read(self) -> None:
        found = assess("mi hermano se despidió de todos y apagó el celular")
        assert found.level in ("high", "imminent") and found.who == "other"


class TestBenzosAreADrug:
    def test_a_handful_of_benzos_taken_is_an_attempt(self) -> None:
        found = assess("took about 20 benzos half an hour ago, feeling slow")
        assert (found.level, found.who) == ("imminent", "self")

    def test_being_taken_off_benzos_is_not(self) -> None:
        assert level_of("my doctor took me off benzos last year and I sleep better") == "none"
