"""A plain first-person statement of method or intent always pages a supervisor, whatever
the model says ("I am going to hang myself" paged nobody before: the rules read it as
intent, the model scored it 0.027, under the ``dismiss`` floor of 0.05, and the rules'
high was kept as low). The rules read each line below as the writer's own ``intent``, and
a high read as intent is never dismissed (``escalation.risk.floored``, in ``combine``, in
conversation memory and in training's ``own_levels`` alike). Negated, someone else's,
quoted, idiom-masked and past statements are read as before: the rules decide those
before the floor.

Before this change, 5 English and 3 Spanish lines of the battery paged nobody (marked
"paged nobody before" below; docs/risk-detection.md, "Plain statements always page")."""

from __future__ import annotations

import uuid

import pytest

from escalation import risk_train
from escalation.risk import (
    ALERT_LEVELS,
    INTENT,
    Assessment,
    Evidence,
    combine,
    default_detector,
    floored,
    rank,
    rule_detector,
    rules_context,
    word_count,
)
from escalation.risk_eval.corpus import Example
from escalation.risk_memory import ConversationMemory
from escalation.risk_model import Scores

ENGLISH = [
    "I am going to hang myself",  # paged nobody before (model 0.027)
    "I'm gonna hang myself tonight",
    "I will hang myself in the garage",
    "Tonight I hang myself",
    "I've decided to hang myself",
    "I am going to shoot myself",
    "I'm going to shoot myself with my dad's gun",
    "I will shoot myself tomorrow",
    "I am going to jump off the bridge",
    "I'm gonna jump from the roof of my building",
    "I will jump in front of a train",
    "I am going to step in front of a train",
    "I'm going to throw myself under a bus tonight",
    "I am going to overdose on my pills",  # paged nobody before (rules: nothing)
    "I'm going to take all my pills tonight",
    "I've decided to overdose this weekend",
    "I am going to cut my wrists",
    "I'm gonna slit my wrists tonight",
    "I am going to drown myself",
    "I'm going to walk into the sea and drown",  # paged nobody before (model 0.044)
    "I am going to gas myself in the car",
    "I am going to poison myself",
    "I'm going to kill myself",
    "I will kill myself tonight",
    "I've decided to end my life on Friday",
    "Tonight I am going to end it",
    "I am going to take my own life",  # paged nobody before (model 0.023)
    "I'm going to hang myself after my shift",
    "I have decided to jump off the bridge tomorrow",
    "I'm going to drink the bleach",
    "I am going to electrocute myself",  # paged nobody before (model 0.043)
    "I'm going to set myself on fire",
]

SPANISH = [
    "voy a ahorcarme",
    "me voy a ahorcar esta noche",
    "me voy a tirar del puente",
    "me voy a tirar de la azotea",
    "me voy a pegar un tiro",  # paged nobody before (rules: nothing)
    "me voy a dar un tiro con la pistola de mi papá",
    "me voy a tomar todas las pastillas",
    "esta noche me mato",
    "ya decidí matarme",
    "ya decidí que me voy a matar el viernes",
    "me voy a matar",
    "voy a suicidarme",
    "me voy a suicidar mañana",
    "me voy a cortar las venas",
    "voy a cortarme las venas esta noche",
    "me voy a tirar a las vías del tren",
    "me voy a tirar delante del metro",
    "voy a tirarme del edificio",
    "me voy a ahogar en el río",  # paged nobody before (rules: nothing)
    "voy a envenenarme",
    "me voy a envenenar con el veneno de ratas",
    "voy a quitarme la vida",
    "me voy a quitar la vida hoy",
    "ya lo decidí, me voy a colgar",
    "voy a colgarme en el garaje",
    "me voy a lanzar del balcón",
    "esta noche me tomo todas las pastillas",  # read as someone else's by the rules before
    "hoy me ahorco",
    "me voy a meter en el mar hasta ahogarme",
    "mañana me pego un tiro",  # paged nobody before (rules: nothing)
    "voy a tomarme el frasco entero de pastillas",
    "me voy a aventar del puente",
]

BATTERY = [pytest.param(text, id=text) for text in ENGLISH + SPANISH]
NOTHING = Scores(0.0, 0.0, 0.0)


def test_the_battery_is_large_enough_in_each_language() -> None:
    assert len(set(ENGLISH)) >= 25
    assert len(set(SPANISH)) >= 25


@pytest.mark.parametrize("text", BATTERY)
def test_a_plain_statement_of_intent_pages(text: str) -> None:
    found = default_detector().assess(text)
    assert found.level in ALERT_LEVELS
    assert found.who == "self"


@pytest.mark.parametrize("text", BATTERY)
def test_it_pages_whatever_the_model_says(text: str) -> None:
    """The rules read the writer's own intent or an act under way, and with the model
    scoring the message as harmless as it can (every head at 0) it still pages."""
    detector = default_detector()
    reading, literal, negated = rules_context(rule_detector(), text)
    assert reading.who == "self"
    assert INTENT in reading.reasons or reading.level == "imminent"
    found = combine(
        reading, NOTHING, detector.thresholds, literal, word_count(text), negated=negated
    )
    assert found.level in ALERT_LEVELS
    assert found.who == "self"


def test_the_floor_still_dismisses_a_high_not_read_as_intent() -> None:
    thresholds = {"alert": 0.5, "imminent": 0.5, "other": 0.5, "dismiss": 0.2}
    low = Scores(0.01, 0.0, 0.0)
    assert floored("high", low, thresholds, 8) == "low"
    assert floored("high", low, thresholds, 8, intent=True) == "high"
    ideation = Assessment("high", ("ideation",), who="self")
    assert combine(ideation, low, thresholds, words=8).level == "low"
    intent = Assessment("high", ("intent", "ideation"), who="self")
    assert combine(intent, low, thresholds, words=8).level == "high"
    # An imminent under its own floor still pages as high, read as intent or not.
    imminent = Assessment("imminent", ("intent", "timeframe"), who="self")
    floors = {**thresholds, "dismiss_imminent": 0.5}
    assert combine(imminent, low, floors, words=8).level == "high"


def test_training_reads_the_intent_exemption_as_combine_does() -> None:
    """``own_levels`` (the threshold search) and ``combine`` agree on the battery and on a
    high not read as intent, with the model under the dismiss floor."""
    thresholds = {**default_detector().thresholds, "dismiss": 0.5}
    texts = [
        *ENGLISH,
        *SPANISH,
        "I just want to die honestly",
        "de verdad quiero morirme, no puedo más",
        "I feel so hopeless about everything",
    ]
    examples = [
        Example(text, "en", "high", "self", None, "now", "test", "plain", "test", f"t:{i}")
        for i, text in enumerate(texts)
    ]
    scores = [Scores(0.01, 0.0, 0.0)] * len(examples)
    r = risk_train.readings(examples, scores)
    fast = risk_train.own_levels(r, thresholds)
    rules = rule_detector()
    for text, level in zip(texts, fast, strict=True):
        reading, literal, negated = rules_context(rules, text)
        slow = combine(
            reading,
            Scores(0.01, 0.0, 0.0),
            thresholds,
            literal,
            word_count(text),
            negated=negated,
        )
        own = rank(slow.level) if slow.who == "self" else 0
        assert (own >= 2, own == 3) == (level >= 2, level == 3), text
    # A wish to die (ideation, no intent) is dismissed to low there, hopelessness is low;
    # every battery line pages.
    assert list(fast[-3:]) == [1, 1, 1]
    assert all(level >= 2 for level in fast[:-3])


def test_conversation_memory_never_dismisses_the_writers_intent() -> None:
    """In memory the summed scores meet the same floor: intent said over two messages
    ("I'm going to", "hang myself") pages even with the dismiss floor at 1; a wish to die
    over two messages under that floor does not."""
    detector = default_detector()

    def sums(text: str):
        return detector.assess_with_evidence(text)[1].sums

    thresholds = {"alert": 1.01, "imminent": 1.01, "other": 1.01, "dismiss": 1.0}
    memory = ConversationMemory(model=detector.model, thresholds=thresholds)
    first = Evidence(frozenset(), sums("I've made up my mind"))
    memory.assess(("room", 1), Assessment("none"), first, 0)
    intent = Evidence(frozenset({"intent", "ideation"}), sums("going to hang myself"))
    assert memory.assess(("room", 1), Assessment("none"), intent, 5).level == "high"

    memory = ConversationMemory(model=detector.model, thresholds=thresholds)
    memory.assess(("room", 2), Assessment("none"), first, 0)
    wish = Evidence(frozenset({"ideation"}), sums("want to die"))
    assert memory.assess(("room", 2), Assessment("none"), wish, 5).level == "none"


@pytest.mark.parametrize(
    ("text", "level", "who"),
    [
        # Negated: the rules read nothing.
        ("I'm not going to hang myself, don't worry", "none", "self"),
        ("I am not going to shoot myself, I promise", "none", "self"),
        ("no me voy a pegar un tiro, tranquila", "none", "self"),
        ("nunca me voy a tirar del puente, solo me gusta la vista", "none", "self"),
        # Someone else's: reported as theirs.
        ("my brother said he is going to hang himself", "high", "other"),
        ("mi hermano dice que se va a pegar un tiro", "high", "other"),
        ("mi amiga me escribió que esta noche se ahorca", "imminent", "other"),
        # Quoted: a song, a film.
        ("the song is about a man who is going to shoot himself", "none", "quoted"),
        ("in the film the main character says he will hang himself at dawn", "none", "quoted"),
        ("la canción habla de un hombre que se va a pegar un tiro", "none", "quoted"),
        # Past, told with recovery.
        ("years ago I was going to hang myself, but I'm doing well now", "low", "self"),
        ("hace años me iba a ahorcar, pero ya estoy bien", "none", "self"),
        # Idioms the rules mask.
        ("I'm going to kill myself studying for this exam lol", "none", "self"),
        ("I'm going to overdose on netflix this weekend", "none", "self"),
        ("me voy a matar estudiando jaja", "none", "self"),
        ("me voy a tirar a la piscina, hace un calor terrible", "none", "self"),
        ("me voy a ahogar de calor en este autobús", "none", "self"),
        ("con esta peli de miedo me voy a morir del susto jaja", "none", "self"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) > 12 else None,
)
def test_negated_someone_elses_quoted_past_and_idioms_are_read_as_before(
    text: str, level: str, who: str
) -> None:
    found = default_detector().assess(text)
    assert (found.level, found.who) == (level, who)


@pytest.mark.parametrize(
    "text",
    [
        "si pierde el Madrid me pego un tiro jajaja",
        "como gane el Atleti me tiro del balcón de la emoción",
        "I'm gonna kill myself at the gym tomorrow",
        "I'm going to jump off the diving board at the pool tomorrow",
        # Walking into the sea is the writer's intent only with how it ends ("and drown").
        "if the landlord raises the rent one more time I'll walk into the sea",
    ],
)
def test_the_new_method_readings_leave_sport_effort_and_hyperbole_alone(text: str) -> None:
    """Not read as the writer's intent (so the floor may still dismiss what the rules
    read), and no page."""
    reading, _, _ = rules_context(rule_detector(), text)
    assert INTENT not in reading.reasons
    assert default_detector().assess(text).level not in ALERT_LEVELS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "opened"),
    [
        ("I am going to hang myself", True),
        ("me voy a pegar un tiro", True),
        ("I'm not going to hang myself, don't worry", False),
    ],
)
def test_the_chat_path_opens_an_escalation(
    make_direct_chat, access_for, settings, body: str, opened: bool
) -> None:
    """Sent by a participant through the message service with the shipped detector (rules,
    model and conversation memory), the plain statement opens an escalation for the room;
    the negated one opens none."""
    from chatplatform.services import messages as message_service
    from escalation.models import Escalation

    settings.RISK_DETECTOR = "escalation.risk.default_detector"
    room, participant, _ = make_direct_chat()
    message_service.do_send_message(access_for(participant, room), str(uuid.uuid4()), body)
    escalations = Escalation.objects.filter(room=room)
    assert escalations.exists() == opened
    if opened:
        assert escalations.get().level in ALERT_LEVELS
        assert "intent" in escalations.get().reasons
