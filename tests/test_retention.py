"""Retention: expired content is shredded, metadata stays, rooms on hold are kept."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from chatplatform.models import AuditEntry, Message, RoomKey
from chatplatform.services import messages as message_service
from chatplatform.services.retention import do_purge_expired
from escalation.models import Escalation


def send(access, body: str) -> Message:
    result = message_service.do_send_message(access, str(uuid.uuid4()), body)
    return Message.objects.get(room_id=access.room_id, seq=result.id)


def age(room, days: int) -> None:
    """Pretend everything in the room happened ``days`` ago."""
    then = timezone.now() - timedelta(days=days)
    Message.objects.filter(room=room).update(created_at=then)
    RoomKey.objects.filter(room=room).update(created_at=then)


def test_expired_content_is_shredded_and_metadata_kept(
    make_participant, make_group_room, access_for
):
    room = make_group_room()
    message = send(access_for(make_participant(), room), "from five weeks ago")
    age(room, 35)

    report = do_purge_expired()

    assert (report.messages_shredded, report.keys_shredded) == (1, 1)
    message.refresh_from_db()
    assert message.body_ciphertext is None and message.shredded_at is not None
    assert message.body_length == len("from five weeks ago")
    assert (message.sender_role, message.seq) == ("participant", 1)
    assert RoomKey.objects.get(room=room).wrapped_key is None


def test_recent_content_is_kept(make_participant, make_group_room, access_for):
    room = make_group_room()
    message = send(access_for(make_participant(), room), "from last week")
    age(room, 7)
    assert do_purge_expired().messages_shredded == 0
    assert message_service.decrypt_message(message) == "from last week"


def test_purge_is_idempotent_and_reports_counts(
    make_participant, make_group_room, access_for, capsys
):
    room = make_group_room()
    send(access_for(make_participant(), room), "old")
    age(room, 40)
    call_command("purge_expired")
    assert "Shredded 1 expired messages and 1 data keys" in capsys.readouterr().out
    call_command("purge_expired")
    assert "Shredded 0 expired messages and 0 data keys" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="retention.purge").count() == 2


def test_a_room_with_an_open_escalation_is_on_hold(make_direct_chat, access_for):
    room, participant, _mentor = make_direct_chat()
    message = send(access_for(participant, room), "please keep this for the review")
    age(room, 60)
    Escalation.objects.create(room=room, source="mentor", level="high")

    report = do_purge_expired()

    assert report.messages_shredded == 0 and report.messages_kept_on_hold >= 1
    assert message_service.decrypt_message(message) == "please keep this for the review"


def test_a_room_resolved_recently_is_still_on_hold_and_released_later(
    make_direct_chat, access_for, settings
):
    settings.ESCALATION_HOLD_DAYS = 14
    room, participant, _mentor = make_direct_chat()
    message = send(access_for(participant, room), "resolved ten days ago")
    age(room, 60)
    escalation = Escalation.objects.create(
        room=room,
        source="mentor",
        level="high",
        state="resolved",
        resolved_at=timezone.now() - timedelta(days=10),
    )
    assert do_purge_expired().messages_shredded == 0

    escalation.resolved_at = timezone.now() - timedelta(days=15)
    escalation.save()
    assert do_purge_expired().messages_shredded >= 1
    assert message_service.decrypt_message(Message.objects.get(pk=message.pk)) is None


def test_compose_runs_the_purge_every_day():
    import yaml

    from tests.servers import REPO_ROOT

    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    command = " ".join(services["purge"]["command"])
    assert "manage.py purge_expired" in command and "sleep 86400" in command
    assert services["purge"]["environment"] == services["web1"]["environment"]


def test_unreached_urgent_help_alerts_are_deleted_after_the_hold(db, settings, capsys):
    """The alerts a defence raised (a pseudonym, counts) go once ESCALATION_HOLD_DAYS pass."""
    from escalation import unreached
    from escalation.models import UnreachedAlert

    settings.ESCALATION_HOLD_DAYS = 30
    now = timezone.now()
    old = unreached.do_count(UnreachedAlert.Kind.NETWORK, "net-old", now=now - timedelta(days=31))
    recent = unreached.do_count(UnreachedAlert.Kind.NETWORK, "net-new", now=now - timedelta(days=2))

    report = do_purge_expired(now)

    assert report.other_rows_deleted == {"purge_unreached_alerts": 1}
    assert list(UnreachedAlert.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not UnreachedAlert.objects.filter(pk=old.pk).exists()
    entry = AuditEntry.objects.filter(action="retention.purge").latest("pk")
    assert entry.data["other_rows_deleted"] == {"purge_unreached_alerts": 1}
    call_command("purge_expired")
    assert "purge_unreached_alerts: deleted 0." in capsys.readouterr().out
    assert UnreachedAlert.objects.count() == 1
