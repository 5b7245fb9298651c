"""What a participant is told: one reviewed text per source and level, in their region's lines."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from django.utils import translation

from chatplatform import crisis_locale, pipeline
from chatplatform.services import crisis
from chatplatform.services import messages as message_service
from escalation import checks, opening, publishing, receivers, support
from escalation.models import Escalation

pytestmark = pytest.mark.django_db

AUTOMATIC, MENTOR, PARTICIPANT = (
    Escalation.Source.AUTOMATIC,
    Escalation.Source.MENTOR,
    Escalation.Source.PARTICIPANT,
)
# Words that would describe a method or a means: never in any text we show.
METHOD_WORDS = re.compile(
    r"\b(pills?|overdose|tablets?|rope|hang\w*|jump\w*|bridge|knife|knives|blade|gun|"
    r"weapon|poison|cut\w*|bleed\w*|drown\w*|train|heights?)\b",
    re.I,
)


def us() -> crisis_locale.RegionChoice:
    return crisis_locale.RegionChoice("US", crisis_locale.DEFAULT, ("US",), ("US",))


def panel(source: str, level: str, third_party: bool = False, in_chat: bool = True) -> dict:
    return support.crisis_support(
        us(), source=source, level=level, third_party=third_party, in_chat=in_chat
    )


SPANISH_RISK = "Ya no quiero seguir viviendo, esta noche me voy a matar"

ALL_TEXTS = [
    (AUTOMATIC, "high", False),
    (AUTOMATIC, "imminent", False),
    (PARTICIPANT, "imminent", False),
    (MENTOR, "high", False),
    (MENTOR, "imminent", False),
    (AUTOMATIC, "high", True),
    (AUTOMATIC, "imminent", True),
]


def words_of(frame: dict) -> str:
    return " ".join([frame["heading"], *frame["paragraphs"], *frame["tips"], frame["question"]])


@pytest.mark.parametrize(
    ("source", "level", "third_party", "kind"),
    [
        (AUTOMATIC, "high", False, "automatic_high"),
        (AUTOMATIC, "imminent", False, "automatic_imminent"),
        (PARTICIPANT, "imminent", False, "urgent_help"),
        (MENTOR, "high", False, "mentor"),
        (AUTOMATIC, "high", True, "third_party"),
        (AUTOMATIC, "imminent", True, "third_party"),
    ],
)
def test_each_source_and_level_has_its_own_text(source, level, third_party, kind):
    frame = panel(source, level, third_party)
    assert frame["kind"] == kind
    headings = {panel(*case)["heading"] for case in ALL_TEXTS}
    assert len(headings) == 5  # five texts, none reused for another situation


@pytest.mark.parametrize("case", ALL_TEXTS)
def test_the_emergency_number_comes_first_only_at_imminent_risk(case):
    frame = panel(*case)
    imminent = case[1] == "imminent"
    assert frame["emergency_first"] == imminent
    starts_with_danger = "911" in frame["paragraphs"][0]
    assert starts_with_danger == imminent
    assert any("911" in paragraph for paragraph in frame["paragraphs"])
    assert frame["emergency_calls"] == [{"href": "tel:911", "label": "Call 911 (emergency)"}]


@pytest.mark.parametrize("level", ["high", "imminent"])
def test_an_automatic_guess_asks_and_offers_and_never_orders(level):
    frame = panel(AUTOMATIC, level)
    text = words_of(frame)
    assert "If you are in danger right now, you can call 911." in frame["paragraphs"]
    assert frame["question"] == "Are you safe right now?"
    assert set(frame["answers"]) == {"safe", "not_safe"}
    assert not re.search(r"\b(please call|call \S+ now|you must|you need to)\b", text, re.I)


def test_the_participants_own_press_is_answered_plainly():
    frame = panel(PARTICIPANT, "imminent")
    assert frame["paragraphs"][0] == (
        "If you are in immediate danger, or you have hurt yourself, call 911 now."
    )
    assert "will join your chat" in words_of(frame)
    assert "front of the queue" in words_of(panel(PARTICIPANT, "imminent", in_chat=False))
    assert frame["question"] == ""


def test_a_mentors_escalation_reassures():
    text = words_of(panel(MENTOR, "high"))
    assert "You are not in trouble" in text
    assert "asked a supervisor from our team to help" in text


def test_concern_for_someone_else_is_how_to_help_a_friend():
    frame = panel(AUTOMATIC, "high", third_party=True)
    assert frame["heading"] == "Worried about someone?"
    assert "If they are in danger right now, you can call 911." in frame["paragraphs"]
    assert any("Ask them directly" in tip for tip in frame["tips"])
    assert frame["resources_heading"] == "Lines that can help them, and you:"
    assert frame["question"] == ""


@pytest.mark.parametrize("case", ALL_TEXTS)
def test_no_text_names_a_method_or_claims_a_line_is_free(case):
    frame = panel(*case)
    text = words_of(frame) + frame["resources_heading"]
    assert not METHOD_WORDS.search(text)
    assert "free" not in text.lower()


def test_while_asking_for_the_country_each_countrys_emergency_number_is_named():
    asking = crisis_locale.RegionChoice("ES", crisis_locale.ASK, ("ES", "MX"), ("ES", "MX"))
    frame = support.crisis_support(asking, source=AUTOMATIC, level="imminent", in_chat=True)
    assert frame["paragraphs"][0] == (
        "If you are in danger right now, you can call the emergency number: "
        "112 in Spain, 911 in Mexico."
    )
    assert [r["code"] for r in frame["regions"]] == ["ES", "MX"]
    assert frame["region"]["asking"]
    assert [q["code"] for q in frame["region"]["quick"][:2]] == ["ES", "MX"]


class TestPanelsSentOverWebsockets:
    def frames_to(self, sent_events, participant):
        return [
            e["frame"]
            for g, e in sent_events
            if g == f"actor.p{participant.pk}" and e["type"] == "actor.frame"
        ]

    def test_the_panel_follows_the_region_of_the_participants_browser(
        self, make_direct_chat, sent_events, django_capture_on_commit_callbacks
    ):
        room, participant, _ = make_direct_chat()
        participant.locale_region = "MX"
        participant.save()
        with django_capture_on_commit_callbacks(execute=True):
            escalation = opening.do_open_escalation(
                source=AUTOMATIC, level="imminent", reasons=["means"], room_id=room.pk,
                participant=participant, show_participant_support=True,
            ).escalation  # fmt: skip
        (frame,) = self.frames_to(sent_events, participant)
        assert [r["code"] for r in frame["regions"]] == ["MX"]
        assert frame["paragraphs"][0] == "If you are in danger right now, you can call 911."
        assert "800 911 2000" in json.dumps(frame)
        assert frame["region"]["how"] == "locale"
        assert escalation.level == "imminent"

    def test_a_participant_writing_in_spanish_with_no_region_is_asked(
        self, make_direct_chat, sent_events, django_capture_on_commit_callbacks
    ):
        room, participant, _ = make_direct_chat()
        with django_capture_on_commit_callbacks(execute=True):
            opening.do_open_escalation(
                source=AUTOMATIC, level="high", reasons=["ideation"], room_id=room.pk,
                participant=participant, show_participant_support=True, written_language="es",
            )  # fmt: skip
        (frame,) = self.frames_to(sent_events, participant)
        assert frame["region"]["asking"]
        assert [r["code"] for r in frame["regions"]] == ["ES", "MX"]

    @pytest.mark.parametrize("browser_language", ["en", "es"])
    def test_a_spanish_risk_message_with_no_region_to_go_on_asks_in_spanish(
        self, make_direct_chat, access_for, sent_events, browser_language,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        """The shipped detector, the pipeline, the receiver and the panel, end to end: a
        bare browser language (English or Spanish) gives no region, the message's language
        decides that we ask, and the panel speaks the language it was written in."""
        room, participant, _ = make_direct_chat()
        participant.language, participant.locale_region = browser_language, ""
        participant.save()
        with django_capture_on_commit_callbacks(execute=True):
            message_service.do_send_message(
                access_for(participant, room),
                str(uuid.uuid4()),
                SPANISH_RISK,
            )
        escalation = Escalation.objects.get(room=room)
        assert escalation.source == AUTOMATIC
        (frame,) = self.frames_to(sent_events, participant)
        assert frame["region"]["asking"]
        assert [r["code"] for r in frame["regions"]] == ["ES", "MX"]
        assert [q["code"] for q in frame["region"]["quick"][:2]] == ["ES", "MX"]
        said = json.dumps(frame, ensure_ascii=False)
        for number in ("112", "024", "911", "800 911 2000"):
            assert number in said
        assert "988" not in said
        assert any(p.startswith("Si estás en peligro ahora mismo") for p in frame["paragraphs"])
        participant.refresh_from_db()
        assert participant.written_language == "es"
        # The chat is told to fetch the lines again (staff pages, an unsaved safety plan);
        # the frame names the room only.
        lines = [
            (g, e) for g, e in sent_events if e.get("frame", {}).get("type") == "participant.lines"
        ]
        assert lines == [
            (
                f"room.{room.pk}",
                {"type": "chat.frame", "frame": {"type": "participant.lines", "room": room.pk}},
            )
        ]
        # The mentor reads out the lines the participant sees, and a later press of urgent
        # help shows the same countries.
        with translation.override("en"):
            seen_by_staff = crisis.staff_view(participant)
        assert [g["code"] for g in seen_by_staff["regions"]] == ["ES", "MX"]
        assert seen_by_staff["statement"].startswith("They have not said which country")
        pressed = publishing.participant_panel(escalation, participant, source=PARTICIPANT)
        assert [r["code"] for r in pressed["regions"]] == ["ES", "MX"]

    def test_an_english_risk_message_from_an_english_browser_gets_the_default_in_english(
        self, make_direct_chat, access_for, sent_events, settings,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        room, participant, _ = make_direct_chat()
        participant.language, participant.locale_region = "en", ""
        participant.save()
        with django_capture_on_commit_callbacks(execute=True):
            message_service.do_send_message(
                access_for(participant, room),
                str(uuid.uuid4()),
                "I don't want to live anymore, tonight I am going to kill myself",
            )
        (frame,) = self.frames_to(sent_events, participant)
        assert not frame["region"]["asking"]
        assert [r["code"] for r in frame["regions"]] == [settings.DEFAULT_CRISIS_REGION]
        assert any(p.startswith("If you are in danger right now") for p in frame["paragraphs"])
        participant.refresh_from_db()
        assert participant.written_language == "en"

    def test_the_flag_carries_the_language_the_message_is_written_in(self):
        spanish = pipeline.Draft(
            room_id=1, room_kind="direct", sender_kind="participant", sender_id=1,
            sender_role="participant", body=SPANISH_RISK,
        )  # fmt: skip
        (flag,) = checks.risk_check(spanish).flags
        assert flag.data["language"] == "es"
        english = pipeline.Draft(
            room_id=1, room_kind="direct", sender_kind="participant", sender_id=2,
            sender_role="participant", body="I want to kill myself tonight, I can't go on",
        )  # fmt: skip
        (flag,) = checks.risk_check(english).flags
        assert flag.data["language"] == "en"
        # Short crisis messages are rarely "clearly" one language: the signals that alert
        # on them tell.
        short = pipeline.Draft(
            room_id=1, room_kind="direct", sender_kind="participant", sender_id=4,
            sender_role="participant", body="quiero morirme",
        )  # fmt: skip
        assert checks.risk_check(short).flags[0].data["language"] == "es"
        # A participant who said which language they write in is taken at their word.
        declared = pipeline.Draft(
            room_id=1, room_kind="direct", sender_kind="participant", sender_id=3,
            sender_role="participant", body="quiero matarme", language="es",
        )  # fmt: skip
        assert checks.risk_check(declared).flags[0].data["language"] == "es"

    def test_the_detector_saying_who_is_other_gets_how_to_help_a_friend(
        self, make_direct_chat, access_for, sent_events, settings,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        room, participant, _ = make_direct_chat()
        settings.MESSAGE_CHECKS = ["tests.escalation_fakes.flag_worry_for_someone_else"]
        pipeline.configured_checks.cache_clear()
        try:
            with django_capture_on_commit_callbacks(execute=True):
                message_service.do_send_message(
                    access_for(participant, room), str(uuid.uuid4()), "I am worried about my friend"
                )
        finally:
            pipeline.configured_checks.cache_clear()
        escalation = Escalation.objects.get(room=room)
        assert escalation.third_party
        assert self.frames_to(sent_events, participant)[-1]["kind"] == "third_party"

    def test_the_older_third_party_flag_is_still_understood(self):
        assert receivers.about_someone_else({"third_party": True})
        assert receivers.about_someone_else({"who": "other"})
        assert not receivers.about_someone_else({"who": "self", "third_party": False})
        assert not receivers.about_someone_else({"who": "quoted"})

    def test_a_mentors_escalation_shows_the_participant_the_mentors_text(
        self, make_direct_chat, access_for, sent_events, django_capture_on_commit_callbacks
    ):
        room, participant, mentor = make_direct_chat()
        with django_capture_on_commit_callbacks(execute=True):
            opening.do_escalate_by_staff(access_for(mentor, room), "self_harm", "high")
        (frame,) = self.frames_to(sent_events, participant)
        assert frame["kind"] == "mentor"
        assert not any(g == f"actor.s{mentor.pk}" for g, _ in sent_events)

    def test_the_panel_is_worded_in_the_participants_language(self, make_direct_chat, settings):
        _, participant, _ = make_direct_chat()
        participant.language = "xx"  # not a language of the site: the default is used
        escalation = opening.do_request_urgent_help(participant)
        frame = publishing.participant_panel(escalation, participant, source=PARTICIPANT)
        assert frame["heading"] == "We're getting someone for you now"
        assert crisis.participant_language(participant) == settings.LANGUAGE_CODE


def test_a_spanish_speakers_panel_is_in_spanish(make_direct_chat):
    _, participant, _ = make_direct_chat()
    participant.language, participant.locale_region = "es", "ES"
    escalation = opening.do_request_urgent_help(participant)
    frame = publishing.participant_panel(escalation, participant, source=PARTICIPANT)
    assert frame["heading"] == "Estamos buscando a alguien para ti ahora mismo"
    assert frame["paragraphs"][0] == (
        "Si estás en peligro inmediato o te has hecho daño, llama ahora al 112."
    )
    assert frame["region"]["statement"] == (
        "Te mostramos las líneas de España, según la configuración de idioma de tu navegador."
    )
    with translation.override("en"):
        automatic = support.crisis_support(
            crisis_locale.RegionChoice("ES", crisis_locale.LOCALE, ("ES",), ("ES", "MX")),
            source=AUTOMATIC,
            level="imminent",
            in_chat=True,
        )
    assert automatic["heading"] == "Your safety matters to us"  # the active language decides
