"""What a moderator types is content: encrypted with the room, never in the audit log's clear text.

A sentinel goes into every text field a moderator fills in (hide, mute, remove and
ban reasons, a warning, pinned rules, a review note). Afterwards it is nowhere in
the database's clear columns, nowhere in the log output and nowhere on the audit
log page; it is readable only through the audited transcript view, because each
text is a staff-only note in the room, referred to from the audit log by id.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from chatplatform import roles
from chatplatform.models import AuditEntry, Message
from moderation.models import ReviewItem, Sanction
from moderation.services import review
from tests.moderation_helpers import run_frame
from tests.test_private_logs import log_output  # noqa: F401 (a fixture)

FIELDS = ("hide", "mute", "remove", "ban", "warn", "rules", "review")


def everything_in_the_database() -> str:
    """Every value of every row of every table, as text (ciphertext included, as bytes)."""
    parts = []
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields]
        for row in model.objects.values_list(*names):
            parts.extend(str(value) for value in row)
    return "\n".join(parts)


@pytest.fixture
def sentinels() -> dict[str, str]:
    return {name: f"sentinel-{name}-{uuid.uuid4().hex[:10]}" for name in FIELDS}


def moderate_with_sentinels(scene, access_for, make_participant, sentinels) -> None:
    mentor_access = access_for(scene.mentor, scene.room)
    message = scene.target_message
    run_frame(mentor_access, {"type": "mod.hide", "message": message, "reason": sentinels["hide"]})
    run_frame(
        mentor_access,
        {"type": "mod.mute", "message": message, "minutes": 5, "reason": sentinels["mute"]},
    )
    run_frame(mentor_access, {"type": "mod.warn", "message": message, "text": sentinels["warn"]})
    run_frame(mentor_access, {"type": "mod.pin_rules", "text": f"Be kind {sentinels['rules']}"})
    reporter = make_participant()
    reporter_access = access_for(reporter, scene.room)
    bystander_message = scene.target_message + 1  # the bystander's "hello all"
    run_frame(
        reporter_access,
        {"type": "message.report", "message": bystander_message, "category": "spam"},
    )
    item = ReviewItem.objects.get(message__seq=bystander_message, message__room=scene.room)
    item, access = review.check_item(
        access_for(scene.mentor, scene.room).actor, item.pk, ReviewItem.Resolution.DISMISS
    )
    review.do_resolve(item, access, ReviewItem.Resolution.DISMISS, sentinels["review"])
    run_frame(
        mentor_access, {"type": "mod.remove", "message": message, "reason": sentinels["remove"]}
    )
    run_frame(mentor_access, {"type": "mod.ban", "message": message, "reason": sentinels["ban"]})


def test_moderator_text_is_nowhere_in_clear_but_in_the_audited_transcript(
    scene,
    access_for,
    make_participant,
    make_staff,
    sentinels,
    log_output,  # noqa: F811
):
    moderate_with_sentinels(scene, access_for, make_participant, sentinels)

    stored = everything_in_the_database()
    assert [name for name, value in sentinels.items() if value in stored] == []
    logged = log_output()
    assert [name for name, value in sentinels.items() if value in logged] == []

    supervisor = make_staff(roles.SUPERVISOR)
    client = Client()
    client.force_login(supervisor)
    page = client.get("/staff/moderation/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "hide" in html and "ban" in html
    assert [name for name, value in sentinels.items() if value in html] == []

    admin = make_staff(roles.ADMIN)
    client.force_login(admin)
    transcript = client.post(
        f"/admin/chatplatform/room/{scene.room.pk}/transcript/", {"reason": "audit check"}
    )
    assert transcript.status_code == 200
    shown = transcript.content.decode()
    assert [name for name, value in sentinels.items() if value not in shown] == []


def test_the_audit_log_refers_to_each_note_by_its_message_id(
    scene, access_for, make_participant, sentinels
):
    moderate_with_sentinels(scene, access_for, make_participant, sentinels)
    entries = {
        entry.action: entry
        for entry in AuditEntry.objects.filter(room_id=scene.room.pk).order_by("seq")
    }
    for action in ("hide", "mute", "warn", "remove", "ban", "resolve"):
        note_id = entries[action].data["note"]
        note = Message.objects.get(room=scene.room, seq=note_id)
        expected = Message.Audience.PRIVATE if action == "warn" else Message.Audience.STAFF
        assert note.audience == expected
        assert note.body_ciphertext is not None
    assert all(s.reason == "" for s in Sanction.objects.all())
    assert all(i.note == "" for i in ReviewItem.objects.all())


def test_a_note_is_shredded_with_the_rooms_content(scene, access_for, make_participant, sentinels):
    from chatplatform.services.messages import decrypt_message
    from chatplatform.services.retention import do_purge_expired

    moderate_with_sentinels(scene, access_for, make_participant, sentinels)
    note_ids = [e.data["note"] for e in AuditEntry.objects.filter(data__has_key="note")]
    notes = Message.objects.filter(room=scene.room, seq__in=note_ids)
    assert notes.count() == len(note_ids) >= 6
    do_purge_expired(timezone.now() + timedelta(days=400))
    for note in Message.objects.filter(room=scene.room, seq__in=note_ids):
        assert note.body_ciphertext is None or decrypt_message(note) is None
