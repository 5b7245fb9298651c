"""Automatic rules in the real message pipeline, and the review queue they feed."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from chatplatform import audit, roles
from chatplatform.actors import staff_actor
from chatplatform.errors import ServiceError
from chatplatform.models import AuditEntry, Message
from chatplatform.services.messages import decrypt_message
from moderation.models import ReviewItem, Rule
from moderation.services import review

PHONE = "07911 123456"


def every_stored_value() -> str:
    """Every row of every table, as text: what someone with the database would see."""
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from Django)
            dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump)


def test_a_phone_number_arrives_masked_and_is_stored_nowhere_in_the_clear(
    scene, access_for, caplog, sent_events, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        result = scene.send(access_for(scene.bystander, scene.room), f"my cell is {PHONE} ok")
    assert result.masked and result.notice
    stored = Message.objects.get(room=scene.room, seq=result.id)
    assert decrypt_message(stored) == "my cell is [removed] ok"
    broadcast = [e["message"]["body"] for _, e in sent_events if e["type"] == "chat.message"]
    assert broadcast == ["my cell is [removed] ok"]
    for form in (PHONE, PHONE.replace(" ", "")):
        assert form not in every_stored_value()
        assert not [r for r in caplog.records if form in repr(r.__dict__)]
    entry = AuditEntry.objects.get(action="mask")
    assert (entry.actor, entry.target, entry.reason) == (
        audit.AUTOMOD,
        "Quiet Heron 17",
        "contact-details",
    )


def test_staff_may_share_contact_details(scene, access_for):
    result = scene.send(access_for(scene.mentor, scene.room), f"call us on {PHONE}")
    assert not result.masked


def test_an_invitation_is_held_until_a_mentor_approves_it(
    scene, access_for, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = scene.send(access_for(scene.bystander, scene.room), "add me on discord")
    assert (result.id, result.status) == (None, "held")
    assert not [e for _, e in sent_events if e["type"] == "chat.message"]
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.HELD)
    assert item.reasons == ["off-platform-invitation"]
    mentor = staff_actor(scene.mentor)
    checked, access = review.check_item(mentor, item.pk, "approve")
    with django_capture_on_commit_callbacks(execute=True):
        review.do_resolve(checked, access, "approve", "fine, they mean the study server")
    message = Message.objects.get(pk=item.message_id)
    assert message.status == Message.Status.DELIVERED and message.seq is not None
    assert sent_events[-1][1]["message"]["body"] == "add me on discord"
    assert [e.action for e in AuditEntry.objects.order_by("seq")][-3:] == [
        "hold",
        "approve",
        "resolve",
    ]


def test_a_rejected_held_message_is_never_delivered_and_its_sender_is_told(
    scene, access_for, sent_events, django_capture_on_commit_callbacks
):
    scene.send(access_for(scene.bystander, scene.room), "let's meet at the station")
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.HELD)
    checked, access = review.check_item(staff_actor(scene.mentor), item.pk, "reject")
    with django_capture_on_commit_callbacks(execute=True):
        review.do_resolve(checked, access, "reject", "")
    assert Message.objects.get(pk=item.message_id).status == Message.Status.REJECTED
    group, event = sent_events[-1]
    assert group == f"actor.p{scene.bystander.pk}"
    assert event["frame"]["type"] == "message.rejected"


def test_a_held_message_with_a_phone_number_is_masked_too(scene, access_for):
    scene.send(access_for(scene.bystander, scene.room), f"text me on {PHONE}")
    held = Message.objects.get(status=Message.Status.HELD)
    assert decrypt_message(held) == "text me on [removed]"


def test_a_slur_is_delivered_and_a_mentor_is_alerted(
    scene, access_for, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = scene.send(access_for(scene.bystander, scene.room), "don't be a retard")
    assert result.status == "delivered" and not result.notice
    item = ReviewItem.objects.get(kind=ReviewItem.Kind.FLAG)
    assert item.reasons == ["slurs"]
    alert = next(e["frame"] for _, e in sent_events if e.get("audience") == "staff")
    assert (alert["type"], alert["message"]) == ("moderation.alert", result.id)


def test_a_block_rule_refuses_the_message_and_says_why(scene, access_for):
    Rule.objects.create(
        name="no-spoilers",
        match="terms",
        patterns="the ending",
        action="block",
        notice="No spoilers, please.",
    )
    before = Message.objects.count()
    with pytest.raises(ServiceError) as error:
        scene.send(access_for(scene.bystander, scene.room), "THE   ending was sad")
    assert (error.value.code, error.value.detail) == ("blocked", "No spoilers, please.")
    assert error.value.extra == {"rule": "no-spoilers"}
    assert Message.objects.count() == before
    entry = AuditEntry.objects.get(action="block")
    assert (entry.actor, entry.target, entry.reason) == (
        audit.AUTOMOD,
        "Quiet Heron 17",
        "no-spoilers",
    )


def test_a_room_rule_applies_only_in_its_room(scene, access_for, make_group_room):
    Rule.objects.create(
        name="exam-answers", room=scene.room, match="terms", patterns="answers", action="hold"
    )
    assert scene.send(access_for(scene.bystander, scene.room), "answers?").status == "held"
    other = make_group_room("Exam stress")
    assert scene.send(access_for(scene.bystander, other), "answers?").status == "delivered"


def test_an_inactive_rule_does_nothing(scene, access_for):
    Rule.objects.filter(name="slurs").update(is_active=False)
    Rule.objects.get(name="slurs").save()  # saving is what refreshes the compiled rules
    scene.send(access_for(scene.bystander, scene.room), "don't be a retard")
    assert not ReviewItem.objects.exists()


def test_the_queue_shows_context_and_is_limited_to_my_rooms(
    scene, access_for, make_staff, make_group_room, make_participant
):
    for n in range(3):
        scene.send(access_for(scene.bystander, scene.room), f"line {n}")
    scene.send(access_for(scene.target, scene.room), "don't be a retard")
    scene.send(access_for(scene.bystander, scene.room), "after")
    other_mentor = make_staff(roles.MENTOR)
    other_room = make_group_room("Exam stress", hosts=(other_mentor,))
    scene.send(access_for(make_participant(), other_room), "you retard")

    entries = review.queue_for(staff_actor(scene.mentor))
    assert [e.item.room_id for e in entries] == [scene.room.pk]
    lines = entries[0].context
    assert [line.body for line in lines] == [
        "line 0",
        "line 1",
        "line 2",
        "don't be a retard",
        "after",
    ]
    assert [line.is_subject for line in lines] == [False, False, False, True, False]
    supervisor = staff_actor(make_staff(roles.SUPERVISOR))
    assert {e.item.room_id for e in review.queue_for(supervisor)} == {scene.room.pk, other_room.pk}
    assert [(c["id"], c["open_items"]) for c in review.counts_for(staff_actor(scene.mentor))] == [
        (scene.room.pk, 1)
    ]


def test_resolving_closes_every_open_item_about_the_message(scene, access_for, make_participant):
    scene.send(access_for(scene.target, scene.room), "you retard")
    flagged = ReviewItem.objects.get(kind=ReviewItem.Kind.FLAG)
    reported = review.open_item(flagged.message, ReviewItem.Kind.REPORT)[0]
    checked, access = review.check_item(staff_actor(scene.mentor), flagged.pk, "hide")
    review.do_resolve(checked, access, "hide", "slur")
    reported.refresh_from_db()
    assert not reported.is_open and reported.resolution == "hide"
    note = AuditEntry.objects.get(action="resolve").data["note"]
    hidden = Message.objects.get(pk=flagged.message_id)
    assert hidden.hidden_reason == f"see the moderator's note, message {note}"
    with pytest.raises(ServiceError) as error:
        review.check_item(staff_actor(scene.mentor), flagged.pk, "dismiss")
    assert error.value.code == "gone"


def test_a_mentor_from_another_room_cannot_resolve_its_items(scene, access_for, make_staff, caplog):
    scene.send(access_for(scene.target, scene.room), "you retard")
    item = ReviewItem.objects.get()
    outsider = staff_actor(make_staff(roles.MENTOR))
    with caplog.at_level(logging.WARNING), pytest.raises(ServiceError) as error:
        review.check_item(outsider, item.pk, "dismiss")
    assert error.value.code == "forbidden"
    assert any(r.getMessage() == "moderation refused" for r in caplog.records)
