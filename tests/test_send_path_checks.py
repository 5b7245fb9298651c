"""The send path's moderation check reads ban, removal and room state in one statement.

``moderation.checks.participant_may_post`` replaces ``still_allowed`` followed by
``room_state`` in MESSAGE_CHECKS. It must refuse exactly what the two refused, in
the same order, with every moderator action taking effect on the very next
message of a socket whose access was decided before it.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chatplatform import pipeline
from chatplatform.errors import ServiceError
from chatplatform.models import Message
from chatplatform.services import messages as message_service
from moderation import checks
from tests.moderation_helpers import run_frame


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    def run(access, frame):
        with django_capture_on_commit_callbacks(execute=True):
            return run_frame(access, frame)

    return run


def draft_of(access, body="is anyone here?"):
    return message_service.draft_for(access, body)


def two_checks(draft):
    """What MESSAGE_CHECKS ran before: still_allowed, then room_state unless it blocked."""
    verdict = checks.still_allowed(draft)
    return verdict if verdict.action == pipeline.BLOCK else checks.room_state(draft)


def same(one, other):
    return (one.action, one.code, one.detail, one.extra) == (
        other.action,
        other.code,
        other.detail,
        other.extra,
    )


def test_the_send_path_lists_the_combined_check(settings):
    assert "moderation.checks.participant_may_post" in settings.MESSAGE_CHECKS
    assert "moderation.checks.still_allowed" not in settings.MESSAGE_CHECKS
    assert "moderation.checks.room_state" not in settings.MESSAGE_CHECKS


def test_one_statement_for_a_participant_none_for_staff(scene, access_for):
    participant = draft_of(access_for(scene.target, scene.room))
    with CaptureQueriesContext(connection) as queries:
        assert checks.participant_may_post(participant).action == pipeline.ALLOW
    assert len(queries) == 1
    staff = draft_of(access_for(scene.mentor, scene.room))
    with CaptureQueriesContext(connection) as queries:
        verdict = checks.participant_may_post(staff)
    assert verdict.action == pipeline.ALLOW
    assert len(queries) == 0


# Each moderator action, and the refusal the target's very next message must get.
ACTIONS = [
    ({"type": "mod.ban", "reason": "threats"}, "banned"),
    ({"type": "mod.remove"}, "removed"),
    ({"type": "mod.mute", "minutes": 10}, "muted"),
    ({"type": "mod.lock", "locked": True}, "room_locked"),
    ({"type": "mod.pin_rules", "text": "Be kind."}, "rules_not_accepted"),
]


@pytest.mark.parametrize(("frame", "code"), ACTIONS, ids=[c for _f, c in ACTIONS])
def test_each_action_refuses_the_very_next_message_as_the_two_checks_did(
    scene, access_for, act, frame, code
):
    access = access_for(scene.target, scene.room)  # decided before the action
    before = draft_of(access)
    assert same(checks.participant_may_post(before), two_checks(before))
    if frame["type"] in ("mod.ban", "mod.remove", "mod.mute"):  # aimed at the target's message
        frame = {**frame, "message": scene.target_message}
    act(access_for(scene.mentor, scene.room), frame)
    after = draft_of(access)
    combined = checks.participant_may_post(after)
    assert combined.action == pipeline.BLOCK
    assert combined.code == code
    assert same(combined, two_checks(after))
    # And through the whole send path: refused, nothing stored.
    stored = Message.objects.count()
    with pytest.raises(ServiceError) as refused:
        scene.send(access, "still here?")
    assert refused.value.code == code
    assert Message.objects.count() == stored


def test_a_ban_wins_over_a_locked_room_as_before(scene, access_for, act):
    access = access_for(scene.target, scene.room)
    mentor = access_for(scene.mentor, scene.room)
    act(mentor, {"type": "mod.lock", "locked": True})
    act(mentor, {"type": "mod.ban", "message": scene.target_message, "reason": "threats"})
    draft = draft_of(access)
    assert checks.participant_may_post(draft).code == "banned"
    assert same(checks.participant_may_post(draft), two_checks(draft))


def test_slow_mode_still_spaces_messages_and_lifting_it_applies_at_once(scene, access_for, act):
    act(access_for(scene.mentor, scene.room), {"type": "mod.slow_mode", "seconds": 60})
    target = draft_of(access_for(scene.target, scene.room))
    verdict = checks.participant_may_post(target)
    assert verdict.code == "slow_mode"  # the scene's target has just posted
    assert same(verdict, two_checks(target))
    # Lifting slow mode lets them post again on the next message.
    act(access_for(scene.mentor, scene.room), {"type": "mod.slow_mode", "seconds": 0})
    assert checks.participant_may_post(target).action == pipeline.ALLOW
