"""The paging policy's steps as pure data: when each runs and whom it reaches."""

from __future__ import annotations

from datetime import timedelta

import pytest

from escalation import policy

TIMING = policy.Timing(t1=timedelta(seconds=60), t2=timedelta(seconds=180), repeats=1)


def test_first_step_pages_the_primary_at_once():
    first = policy.step(0, TIMING)
    assert first.after == timedelta(0)
    assert first.targets == (policy.PRIMARY,)
    assert not first.email
    assert not first.is_repeat


def test_after_t1_the_alert_repeats_and_the_backups_are_paged():
    second = policy.step(1, TIMING)
    assert second.after == timedelta(seconds=60)
    assert second.targets == (policy.PRIMARY, policy.BACKUP)
    assert second.is_repeat
    assert not second.email


def test_after_t2_everyone_is_paged_and_emailed():
    third = policy.step(2, TIMING)
    assert third.after == timedelta(seconds=180)
    assert third.targets == (policy.EVERYONE,)
    assert third.email


def test_policy_loops_back_to_the_primary_after_waiting_t1_again():
    looped = policy.step(3, TIMING)
    assert looped.after == timedelta(seconds=180 + 60)
    assert looped.targets == (policy.PRIMARY,)
    assert looped.is_repeat
    assert policy.step(5, TIMING).after == timedelta(seconds=240 + 180)


def test_policy_stops_after_its_repeats():
    assert policy.step(6, TIMING) is None
    no_loop = policy.Timing(t1=timedelta(seconds=60), t2=timedelta(seconds=180), repeats=0)
    assert policy.step(3, no_loop) is None


def test_steps_are_in_time_order():
    times = [policy.step(n, TIMING).after for n in range(6)]
    assert times == sorted(times)


@pytest.mark.parametrize(("t1", "t2"), [(0, 10), (10, 10), (20, 10)])
def test_timing_needs_t1_before_t2(t1, t2):
    with pytest.raises(ValueError):
        policy.Timing(t1=timedelta(seconds=t1), t2=timedelta(seconds=t2), repeats=0)
