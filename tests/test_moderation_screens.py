"""What a moderator's room tools are told: who is muted now, so that "Unmute" is offered
only for them. Participants are never told who is muted."""

from __future__ import annotations

import pytest

from tests.moderation_helpers import run_frame

pytestmark = pytest.mark.django_db


def state_for(access) -> dict:
    (frame,) = run_frame(access, {"type": "moderation.state"})
    assert frame["type"] == "moderation.state"
    return frame


def test_a_moderator_learns_who_is_muted_and_when_that_ends(
    scene, access_for, django_capture_on_commit_callbacks
):
    moderator = access_for(scene.mentor, scene.room)
    assert state_for(moderator)["muted"] == []
    with django_capture_on_commit_callbacks(execute=True):
        run_frame(moderator, {"type": "mod.mute", "message": scene.target_message, "minutes": 5})
    assert state_for(moderator)["muted"] == [scene.target.handle]
    with django_capture_on_commit_callbacks(execute=True):
        run_frame(moderator, {"type": "mod.unmute", "message": scene.target_message})
    assert state_for(moderator)["muted"] == []


def test_participants_are_not_told_who_is_muted(
    scene, access_for, django_capture_on_commit_callbacks
):
    moderator = access_for(scene.mentor, scene.room)
    with django_capture_on_commit_callbacks(execute=True):
        run_frame(moderator, {"type": "mod.mute", "message": scene.target_message, "minutes": 5})
    bystander = state_for(access_for(scene.bystander, scene.room))
    assert "muted" not in bystander
    assert bystander["muted_until"] is None
    assert state_for(access_for(scene.target, scene.room))["muted_until"] is not None
