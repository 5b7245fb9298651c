"""The escalation state machine and outcome rules, without Django."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalation import lifecycle
from escalation.lifecycle import Refused

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_open_escalation_can_be_acknowledged():
    assert lifecycle.next_state("open", "acknowledge") == "acknowledged"


def test_acknowledged_escalation_can_be_resolved():
    assert lifecycle.next_state("acknowledged", "resolve") == "resolved"


@pytest.mark.parametrize(
    ("state", "action", "code"),
    [
        ("open", "resolve", "not_acknowledged"),
        ("acknowledged", "acknowledge", "already_acknowledged"),
        ("resolved", "acknowledge", "already_resolved"),
        ("resolved", "resolve", "already_resolved"),
        ("open", "reopen", "invalid"),
    ],
)
def test_invalid_transitions_are_refused_with_a_reason(state, action, code):
    with pytest.raises(Refused) as refused:
        lifecycle.next_state(state, action)
    assert refused.value.code == code
    assert refused.value.detail.endswith(".")


def test_level_only_ever_goes_up():
    assert lifecycle.higher_level("high", "imminent") == "imminent"
    assert lifecycle.higher_level("imminent", "high") == "imminent"
    assert lifecycle.higher_level("low", "high") == "high"


@pytest.mark.parametrize("outcome", ["de_escalated", "referred", "false_alarm"])
def test_ordinary_outcomes_need_no_emergency_details(outcome):
    resolution = lifecycle.check_resolution(outcome, True, NOW, NOW)
    assert resolution == lifecycle.Resolution(outcome, False, None)


def test_emergency_services_outcome_keeps_confirmation_and_time():
    contacted = NOW - timedelta(minutes=3)
    resolution = lifecycle.check_resolution("emergency_services", True, contacted, NOW)
    assert resolution.emergency_contact_confirmed
    assert resolution.emergency_contacted_at == contacted


def test_emergency_services_outcome_needs_the_confirmation_box():
    with pytest.raises(Refused) as refused:
        lifecycle.check_resolution("emergency_services", False, NOW, NOW)
    assert refused.value.code == "confirmation_required"


def test_emergency_services_outcome_needs_the_time():
    with pytest.raises(Refused) as refused:
        lifecycle.check_resolution("emergency_services", True, None, NOW)
    assert refused.value.code == "time_required"


def test_emergency_contact_time_cannot_be_in_the_future():
    with pytest.raises(Refused) as refused:
        lifecycle.check_resolution("emergency_services", True, NOW + timedelta(hours=1), NOW)
    assert refused.value.code == "time_in_future"


def test_unknown_outcome_is_refused():
    with pytest.raises(Refused) as refused:
        lifecycle.check_resolution("sorted_it", False, None, NOW)
    assert refused.value.code == "invalid"
