"""Participants' own safety controls: report a message, block a sender."""

from __future__ import annotations

import pytest
from django.test import override_settings

from chatplatform import audit
from chatplatform.errors import ServiceError
from chatplatform.models import AuditEntry, Block, Message
from moderation.models import Report, ReviewItem
from tests.moderation_helpers import run_frame


def report(access, message, category="harassment"):
    return run_frame(access, {"type": "message.report", "message": message, "category": category})


def test_a_report_enters_the_moderation_queue(scene, access_for):
    replies = report(access_for(scene.bystander, scene.room), scene.target_message)
    assert replies == [{"type": "report.received", "message": scene.target_message}]
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.REPORT)
    assert item.message.seq == scene.target_message
    assert item.reasons == ["harassment"]
    assert item.is_open


def test_reporting_twice_counts_once(scene, access_for):
    access = access_for(scene.bystander, scene.room)
    report(access, scene.target_message)
    report(access, scene.target_message, "spam")
    assert Report.objects.count() == 1


def test_three_reporters_hide_the_message_pending_review(
    scene, access_for, make_participant, sent_events, django_capture_on_commit_callbacks
):
    reporters = [scene.bystander, make_participant(), make_participant()]
    with django_capture_on_commit_callbacks(execute=True):
        for n, reporter in enumerate(reporters):
            report(access_for(reporter, scene.room), scene.target_message, ["spam", "other"][n % 2])
            hidden = Message.objects.get(room=scene.room, seq=scene.target_message).hidden_at
            assert (hidden is not None) is (n == 2)
    entry = AuditEntry.objects.get(action="hide")
    assert (entry.actor, entry.target) == (audit.AUTOMOD, "Loud Crow 4")
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.REPORT)
    assert item.is_open and sorted(item.reasons) == ["other", "spam"]
    alerts = [e["frame"] for _, e in sent_events if e.get("audience") == "staff"]
    assert alerts[-1]["type"] == "moderation.alert" and alerts[-1]["reports"] == 3


@override_settings(REPORT_AUTO_HIDE_THRESHOLD=0)
def test_auto_hide_can_be_turned_off(scene, access_for, make_participant):
    for reporter in [scene.bystander, make_participant(), make_participant()]:
        report(access_for(reporter, scene.room), scene.target_message)
    assert Message.objects.get(room=scene.room, seq=scene.target_message).hidden_at is None


def test_participants_cannot_report_their_own_messages(scene, access_for):
    with pytest.raises(ServiceError) as error:
        report(access_for(scene.target, scene.room), scene.target_message)
    assert error.value.code == "invalid"


def test_report_categories_are_the_five_in_the_spec(scene, access_for):
    assert set(Report.Category.values) == {
        "harassment",
        "self_harm",
        "personal_info",
        "spam",
        "other",
    }
    with pytest.raises(ServiceError):
        report(access_for(scene.bystander, scene.room), scene.target_message, "boring")


def test_blocking_stops_delivery_to_the_blocker(
    scene, access_for, sent_events, django_capture_on_commit_callbacks
):
    access = access_for(scene.bystander, scene.room)
    with django_capture_on_commit_callbacks(execute=True):
        replies = run_frame(access, {"type": "participant.block", "message": scene.target_message})
    assert replies[0] == {"type": "block.done", "message": scene.target_message, "blocked": True}
    assert Block.objects.filter(blocker=scene.bystander, blocked=scene.target).exists()
    group, event = next((g, e) for g, e in sent_events if e["type"] == "actor.blocks")
    assert group == f"actor.p{scene.bystander.pk}"
    assert event["blocked"] == [f"p{scene.target.pk}"]
    with django_capture_on_commit_callbacks(execute=True):
        run_frame(access, {"type": "participant.unblock", "message": scene.target_message})
    assert not Block.objects.exists()
    assert sent_events[-1][1] == {"type": "actor.blocks", "blocked": []}


def test_staff_cannot_be_blocked(scene, access_for):
    mentor_message = scene.send(access_for(scene.mentor, scene.room), "I'm here").id
    with pytest.raises(ServiceError) as error:
        run_frame(
            access_for(scene.bystander, scene.room),
            {"type": "participant.block", "message": mentor_message},
        )
    assert error.value.code == "invalid"


def test_staff_moderate_instead_of_reporting_or_blocking(scene, access_for):
    for frame_type in ("message.report", "participant.block"):
        with pytest.raises(ServiceError) as error:
            run_frame(
                access_for(scene.mentor, scene.room),
                {"type": frame_type, "message": scene.target_message, "category": "spam"},
            )
        assert error.value.code == "invalid"
