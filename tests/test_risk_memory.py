"""Conversation memory: risk that builds over a conversation, within its bounds.

The memory tests use the rules alone (``rules_only_detector``) so that each message's
own level is fixed and known; the model's part of memory is its sums, tested by
``test_risk_model.test_conversation_sums_add_up_to_the_concatenation``.
"""

from __future__ import annotations

import uuid

import pytest

from escalation import checks
from escalation.models import Escalation
from escalation.risk import Assessment, Evidence, default_detector, rules_only_detector
from escalation.risk_memory import ConversationMemory

PILLS = "I have the pills here"
LATER = "ok thanks"
TONIGHT = "tonight"


def run(memory: ConversationMemory, key, text: str, now: float, detector=None):
    found, evidence = (detector or rules_only_detector()).assess_with_evidence(text)
    return memory.assess(key, found, evidence, now)


class TestRiskBuildsOverAConversation:
    def test_means_then_a_time_two_messages_later_is_imminent(self) -> None:
        memory = ConversationMemory()
        assert run(memory, ("room", 1), PILLS, 0).level == "high"
        assert run(memory, ("room", 1), LATER, 10).level == "none"
        raised = run(memory, ("room", 1), TONIGHT, 20)
        assert raised.level == "imminent"
        assert raised.who == "self"
        assert {"means", "timeframe", "memory"} <= set(raised.reasons)

    def test_in_spanish_too(self) -> None:
        memory = ConversationMemory()
        run(memory, (7, 3), "tengo las pastillas aquí", 0)
        assert run(memory, (7, 3), "esta noche", 5).level == "imminent"

    @pytest.mark.parametrize(("dismiss", "level"), [(0.0, "imminent"), (1.0, "imminent")])
    def test_an_imminent_conversation_is_never_dismissed(self, dismiss: float, level: str) -> None:
        """The model's dismiss threshold of a high applies to the conversation's summed
        scores as it does to one message (``escalation.risk.floored``), and as there it
        never turns an imminent reading down, even at 1.0. The model itself never alerts
        here (alert threshold over 1)."""
        detector = default_detector()

        def sums(text: str):
            return detector.assess_with_evidence(text)[1].sums

        thresholds = {"alert": 1.01, "imminent": 1.01, "other": 1.01, "dismiss": dismiss}
        memory = ConversationMemory(model=detector.model, thresholds=thresholds)
        means = Evidence(frozenset({"means"}), sums("I have them here"))
        memory.assess(("room", 2), Assessment("none"), means, 0)
        time = Evidence(frozenset({"timeframe"}), sums("tonight"))
        assert memory.assess(("room", 2), Assessment("none"), time, 5).level == level

    @pytest.mark.parametrize(("floor", "level"), [(0.0, "imminent"), (1.0, "high")])
    def test_an_imminent_conversation_under_its_own_floor_is_downgraded_to_high(
        self, floor: float, level: str
    ) -> None:
        """``dismiss_imminent`` applies to the conversation's summed scores as it does to
        one message: under it, the rules' imminent reading is raised to high (a page),
        never dismissed, even with the high's own floor at 1."""
        detector = default_detector()

        def sums(text: str):
            return detector.assess_with_evidence(text)[1].sums

        thresholds = {
            "alert": 1.01,
            "imminent": 1.01,
            "other": 1.01,
            "dismiss": 1.0,
            "dismiss_imminent": floor,
        }
        memory = ConversationMemory(model=detector.model, thresholds=thresholds)
        means = Evidence(frozenset({"means"}), sums("I have them here"))
        memory.assess(("room", 2), Assessment("none"), means, 0)
        time = Evidence(frozenset({"timeframe"}), sums("tonight"))
        assert memory.assess(("room", 2), Assessment("none"), time, 5).level == level

    def test_a_time_alone_raises_nothing(self) -> None:
        memory = ConversationMemory()
        run(memory, (1, 1), LATER, 0)
        assert run(memory, (1, 1), TONIGHT, 5).level == "none"

    def test_another_sender_in_the_same_room_does_not_combine(self) -> None:
        memory = ConversationMemory()
        run(memory, (1, 1), PILLS, 0)
        assert run(memory, (1, 2), TONIGHT, 5).level == "none"

    def test_the_same_sender_in_another_room_does_not_combine(self) -> None:
        memory = ConversationMemory()
        run(memory, (1, 1), PILLS, 0)
        assert run(memory, (2, 1), TONIGHT, 5).level == "none"

    def test_worry_about_a_friend_does_not_combine_with_the_writers_time(self) -> None:
        memory = ConversationMemory()
        run(memory, (1, 1), "my friend has the pills", 0)
        assert run(memory, (1, 1), TONIGHT, 5).level == "none"

    def test_memory_never_lowers_a_level(self) -> None:
        memory = ConversationMemory()
        run(memory, (1, 1), LATER, 0)
        assert run(memory, (1, 1), "i got the rope today", 5).level == "imminent"


class TestBounds:
    def test_memory_expires(self) -> None:
        memory = ConversationMemory(seconds=60)
        run(memory, (1, 1), PILLS, 0)
        assert run(memory, (1, 1), TONIGHT, 61).level == "none"
        assert memory.remembered((1, 1), 61) == 1  # only the message just assessed

    def test_only_the_last_messages_are_kept(self) -> None:
        memory = ConversationMemory(messages=2)
        run(memory, (1, 1), PILLS, 0)
        run(memory, (1, 1), LATER, 1)
        run(memory, (1, 1), LATER, 2)
        assert memory.remembered((1, 1), 2) == 2
        assert run(memory, (1, 1), TONIGHT, 3).level == "none"

    def test_the_least_recently_active_conversation_is_forgotten_first(self) -> None:
        memory = ConversationMemory(conversations=2)
        run(memory, (1, 1), PILLS, 0)
        run(memory, (2, 2), LATER, 1)
        run(memory, (1, 1), LATER, 2)  # (1, 1) active again
        run(memory, (3, 3), LATER, 3)  # forgets (2, 2)
        assert len(memory) == 2
        assert memory.remembered((2, 2), 3) == 0
        assert run(memory, (1, 1), TONIGHT, 4).level == "imminent"

    def test_bounds_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="positive"):
            ConversationMemory(messages=0)

    def test_no_text_is_kept(self) -> None:
        memory = ConversationMemory(
            model=default_detector().model, thresholds=default_detector().thresholds
        )
        run(memory, (1, 1), PILLS, 0, default_detector())
        kept = memory._by_key[(1, 1)][0]
        values = [kept.at, *kept.signals, *(kept.sums or ())]
        assert all(not isinstance(value, str) or value in {"means"} for value in values)
        assert "pills" not in repr(kept)


@pytest.mark.django_db
class TestInThePipeline:
    @pytest.fixture(autouse=True)
    def rules_only(self, settings) -> None:
        settings.RISK_DETECTOR = "escalation.risk.rules_only_detector"

    def send(self, access, body: str) -> None:
        from chatplatform.services import messages as message_service

        message_service.do_send_message(access, str(uuid.uuid4()), body)

    def test_the_open_escalation_is_raised_not_duplicated(
        self, make_direct_chat, access_for
    ) -> None:
        room, participant, _ = make_direct_chat()
        access = access_for(participant, room)
        self.send(access, PILLS)
        assert Escalation.objects.get(room=room).level == "high"
        self.send(access, LATER)
        self.send(access, TONIGHT)
        escalation = Escalation.objects.get(room=room)
        assert escalation.level == "imminent"
        assert {"means", "timeframe", "memory"} <= set(escalation.reasons)

    def test_memory_off_assesses_each_message_alone(
        self, make_direct_chat, access_for, settings
    ) -> None:
        settings.RISK_MEMORY_MESSAGES = 0
        room, participant, _ = make_direct_chat()
        access = access_for(participant, room)
        self.send(access, PILLS)
        self.send(access, TONIGHT)
        assert checks.memory() is None
        assert Escalation.objects.get(room=room).level == "high"


class TestSettings:
    def test_a_threshold_is_a_probability_or_empty(self) -> None:
        from chatplatform.env import ConfigError, env_optional_float

        assert env_optional_float("T", {"T": ""}, minimum=0.0, maximum=1.0) is None
        assert env_optional_float("T", {"T": "0.4"}, minimum=0.0, maximum=1.0) == 0.4
        with pytest.raises(ConfigError, match=r"T must be at most 1\.0"):
            env_optional_float("T", {"T": "1.5"}, minimum=0.0, maximum=1.0)
        with pytest.raises(ConfigError, match="T must be a number"):
            env_optional_float("T", {"T": "high"}, minimum=0.0, maximum=1.0)

    def test_threshold_settings_reach_the_detector(self, settings) -> None:
        settings.RISK_ALERT_THRESHOLD = 0.9
        settings.RISK_IMMINENT_THRESHOLD = None
        configured = checks.detector()
        assert configured.thresholds["alert"] == 0.9
        assert configured.thresholds["imminent"] == default_detector().thresholds["imminent"]
        assert checks.memory().thresholds["alert"] == 0.9

    def test_a_detector_without_thresholds_is_used_as_it_is(self, settings) -> None:
        settings.RISK_DETECTOR = "tests.escalation_fakes.make_detector"
        settings.RISK_ALERT_THRESHOLD = 0.9
        assert type(checks.detector()).__name__ == "PhraseDetector"
