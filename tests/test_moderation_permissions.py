"""The permission matrix: every moderation action, tried by every role.

Only staff assigned to the room, supervisors and admins may moderate it. A
participant's attempt gets ``forbidden`` (and is logged without any message
text); a mentor from another room and an evaluator cannot even open the room,
so their attempt is refused with ``forbidden`` before any action runs.
"""

from __future__ import annotations

import logging

import pytest

from chatplatform import roles
from chatplatform.errors import ServiceError
from tests.moderation_helpers import run_frame

ALLOWED = {"mentor (assigned)", "supervisor", "admin"}
ROLES = ("participant", "mentor (assigned)", "mentor (not assigned)", "supervisor", "evaluator")
ROLES = (*ROLES, "admin")


def moderation_frames(message: int) -> dict[str, dict]:
    return {
        "mod.hide": {"message": message, "reason": "unkind"},
        "mod.unhide": {"message": message},
        "mod.mute": {"message": message, "minutes": 10},
        "mod.unmute": {"message": message},
        "mod.remove": {"message": message, "reason": "spam"},
        "mod.ban": {"message": message, "days": 1, "reason": "threats"},
        "mod.warn": {"message": message, "text": "Please be kind."},
        "mod.slow_mode": {"seconds": 10},
        "mod.lock": {"locked": True},
        "mod.pin_rules": {"text": "Be kind."},
        "mod.unpin_rules": {},
    }


ACTIONS = tuple(moderation_frames(1))


@pytest.fixture
def actor_in_role(scene, make_staff, make_participant):
    def make(role: str):
        if role == "participant":
            return scene.bystander
        if role == "mentor (assigned)":
            return scene.mentor
        if role == "mentor (not assigned)":
            return make_staff(roles.MENTOR)
        return make_staff(role)

    return make


def outcome(access_for, who, room, frame) -> str:
    try:
        replies = run_frame(access_for(who, room), frame)
    except ServiceError as error:
        return error.code
    assert replies[0]["type"] == "moderation.done"
    return "done"


@pytest.mark.parametrize("role", ROLES)
def test_only_assigned_staff_and_supervisors_may_moderate(
    scene, access_for, actor_in_role, make_participant, caplog, role
):
    who = actor_in_role(role)
    results = {}
    # A fresh target for each action, sent before any action locks the room or bans someone.
    targets = {
        action: scene.send(access_for(make_participant(), scene.room), "something unkind").id
        for action in ACTIONS
    }
    with caplog.at_level(logging.WARNING):
        for action in ACTIONS:
            frame = {"type": action, **moderation_frames(targets[action])[action]}
            results[action] = outcome(access_for, who, scene.room, frame)
    expected = "done" if role in ALLOWED else "forbidden"
    assert results == dict.fromkeys(ACTIONS, expected)
    if role == "participant":
        logged = [r for r in caplog.records if r.getMessage() == "moderation refused"]
        assert [r.action for r in logged] == [a.removeprefix("mod.") for a in ACTIONS]
        assert not [r for r in logged if "unkind" in repr(r.__dict__)]


PARTICIPANT_CONTROLS = {
    "message.report": {"category": "harassment"},
    "participant.block": {},
    "participant.unblock": {},
}
EXPECTED_FOR_CONTROLS = {
    "participant": "done",
    # Staff moderate instead: they are told so.
    "mentor (assigned)": "invalid",
    "supervisor": "invalid",
    "admin": "invalid",
    # They cannot open the room at all.
    "mentor (not assigned)": "forbidden",
    "evaluator": "forbidden",
}


@pytest.mark.parametrize("role", ROLES)
def test_reporting_and_blocking_are_participant_controls(scene, access_for, actor_in_role, role):
    who = actor_in_role(role)
    results = {}
    for frame_type, fields in PARTICIPANT_CONTROLS.items():
        frame = {"type": frame_type, "message": scene.target_message, **fields}
        try:
            run_frame(access_for(who, scene.room), frame)
        except ServiceError as error:
            results[frame_type] = error.code
        else:
            results[frame_type] = "done"
    assert results == dict.fromkeys(PARTICIPANT_CONTROLS, EXPECTED_FOR_CONTROLS[role])
