"""The Columbia Protocol screener: its rules, and the mentor recording it in the chat."""

from __future__ import annotations

import json

import pytest

from chatplatform import roles
from chatplatform.errors import ServiceError
from chatplatform.models import AuditEntry
from escalation import cssrs, screening
from escalation.models import Escalation, Screening

NO = {"wish_dead": False, "suicidal_thoughts": False, "behaviour": False}


def answers(**yes) -> dict[str, bool | None]:
    """Every question the skip rules call for: the named ones yes, the rest no."""
    given = {**NO}
    if yes.get("suicidal_thoughts"):
        given.update(method=False, intent=False, plan=False)
    if yes.get("behaviour"):
        given["behaviour_recent"] = False
    given.update(yes)
    return given


@pytest.mark.parametrize(
    ("pattern", "level"),
    [
        ({}, "none"),
        ({"wish_dead": True}, "low"),
        ({"suicidal_thoughts": True}, "low"),
        ({"wish_dead": True, "suicidal_thoughts": True}, "low"),
        ({"suicidal_thoughts": True, "method": True}, "high"),
        ({"behaviour": True}, "high"),  # behaviour more than three months ago
        ({"suicidal_thoughts": True, "intent": True}, "imminent"),
        ({"suicidal_thoughts": True, "plan": True}, "imminent"),
        ({"suicidal_thoughts": True, "method": True, "intent": True, "plan": True}, "imminent"),
        ({"behaviour": True, "behaviour_recent": True}, "imminent"),
        ({"wish_dead": True, "behaviour": True, "behaviour_recent": True}, "imminent"),
    ],
)
def test_each_answer_pattern_gives_the_documented_level(pattern, level):
    result = cssrs.triage(answers(**pattern))
    assert result.level == level
    assert set(result.answers.values()) <= {True, False}


@pytest.mark.parametrize(
    "given",
    [
        {"wish_dead": False, "suicidal_thoughts": False},  # 6 not asked
        {**NO, "method": True},  # 3 without a yes to 2
        {**NO, "behaviour_recent": False},  # the follow-up without a yes to 6
        {**NO, "suicidal_thoughts": True},  # 3 to 5 missing after a yes to 2
        {**NO, "feelings": True},  # no such question
        {**NO, "wish_dead": "yes"},  # yes or no, not text
    ],
)
def test_answers_that_break_the_skip_rules_are_refused(given):
    with pytest.raises(cssrs.Invalid):
        cssrs.triage(given)


def test_unasked_questions_may_be_sent_as_null():
    assert cssrs.triage({**NO, "method": None, "behaviour_recent": None}).level == "none"


@pytest.mark.django_db
class TestRecordingInTheChat:
    @pytest.fixture
    def chat(self, make_direct_chat, access_for):
        room, participant, mentor = make_direct_chat()
        return room, participant, mentor, access_for

    def test_imminent_answers_open_an_imminent_case_and_are_kept_as_metadata(self, chat):
        room, participant, mentor, access_for = chat
        frame = screening.do_record_screening(
            access_for(mentor, room), answers(suicidal_thoughts=True, plan=True)
        )
        escalation = Escalation.objects.get(room=room)
        assert (escalation.level, escalation.source) == ("imminent", "mentor")
        assert "screener" in escalation.reasons
        assert frame["level"] == "imminent" and frame["escalation"] == escalation.pk
        assert "do not end the chat" in frame["next"]
        stored = Screening.objects.get()
        assert (stored.escalation, stored.participant, stored.asked_by) == (
            escalation,
            participant,
            mentor,
        )
        assert stored.answers == answers(suicidal_thoughts=True, plan=True)
        assert stored.level == "imminent"

    def test_the_screener_raises_an_open_case_and_never_lowers_it(self, chat):
        room, _, mentor, access_for = chat
        access = access_for(mentor, room)
        screening.do_record_screening(access, answers(behaviour=True))
        assert Escalation.objects.get(room=room).level == "high"
        screening.do_record_screening(access, answers(behaviour=True, behaviour_recent=True))
        assert Escalation.objects.get(room=room).level == "imminent"
        screening.do_record_screening(access, answers())
        escalation = Escalation.objects.get(room=room)
        assert escalation.level == "imminent"
        assert [s.level for s in Screening.objects.order_by("pk")] == ["high", "imminent", "none"]
        assert Screening.objects.filter(escalation=escalation).count() == 3

    def test_a_low_result_opens_nothing(self, chat):
        room, _, mentor, access_for = chat
        frame = screening.do_record_screening(access_for(mentor, room), answers(wish_dead=True))
        assert frame["level"] == "low" and frame["escalation"] is None
        assert not Escalation.objects.exists()
        assert Screening.objects.get().level == "low"

    def test_the_audit_log_has_the_level_and_no_answers(self, chat):
        room, _, mentor, access_for = chat
        screening.do_record_screening(access_for(mentor, room), answers(suicidal_thoughts=True))
        entry = AuditEntry.objects.get(action="escalation.screened")
        assert entry.data == {"level": "low"}
        assert entry.actor == f"staff:{mentor.pk}"

    def test_the_participant_may_not_record_it(self, chat):
        room, participant, _, access_for = chat
        with pytest.raises(ServiceError) as refused:
            screening.do_record_screening(access_for(participant, room), answers())
        assert refused.value.code == "forbidden"
        assert not Screening.objects.exists()

    @pytest.mark.parametrize("role", [roles.MENTOR, roles.EVALUATOR])
    def test_staff_outside_the_chat_cannot_reach_it(self, role, chat, make_staff):
        room, _, _, access_for = chat
        with pytest.raises(ServiceError):
            access_for(make_staff(role), room)
        assert not Screening.objects.exists()

    def test_a_supervisor_who_joined_may_record_it(self, chat, make_staff):
        from chatplatform.actors import staff_actor
        from escalation import handling

        room, _, mentor, access_for = chat
        supervisor = make_staff(roles.SUPERVISOR)
        screening.do_record_screening(access_for(mentor, room), answers(behaviour=True))
        handling.do_join(staff_actor(supervisor), Escalation.objects.get().pk)
        screening.do_record_screening(access_for(supervisor, room), answers())
        assert Screening.objects.filter(asked_by=supervisor).count() == 1

    def test_evaluators_get_counts_only(self, chat):
        room, _, mentor, access_for = chat
        access = access_for(mentor, room)
        screening.do_record_screening(access, answers(wish_dead=True))
        screening.do_record_screening(access, answers(suicidal_thoughts=True, intent=True))
        screening.do_record_screening(access, answers(suicidal_thoughts=True, plan=True))
        counts = screening.counts()
        assert counts == {"none": 0, "low": 1, "high": 0, "imminent": 2}
        assert "wish_dead" not in json.dumps(counts)

    def test_delete_my_data_erases_the_answers_and_keeps_the_level(
        self, chat, make_direct_chat, access_for
    ):
        from django.test import Client

        from chatplatform.services.participants import SESSION_KEY

        room, participant, mentor, _ = chat
        screening.do_record_screening(
            access_for(mentor, room), answers(suicidal_thoughts=True, plan=True)
        )
        other_room, other, other_mentor = make_direct_chat()
        screening.do_record_screening(access_for(other_mentor, other_room), answers(behaviour=True))
        before = screening.counts()
        client = Client()
        session = client.session
        session[SESSION_KEY] = participant.pk
        session.save()

        assert client.post("/me/data/delete/", {"confirm": "yes"}).status_code == 200

        theirs = Screening.objects.get(room=room)
        assert (theirs.answers, theirs.participant) == ({}, None)
        assert (theirs.level, theirs.asked_by) == ("imminent", mentor)
        assert theirs.escalation == Escalation.objects.get(room=room)
        # Another participant's answers are not touched, and the counts stay.
        kept = Screening.objects.get(room=other_room)
        assert (kept.answers, kept.participant) == (answers(behaviour=True), other)
        assert screening.counts() == before
