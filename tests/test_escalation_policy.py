"""The paging policy's steps as pure data: when each runs and whom it reaches."""

from __future__ import annotations

from datetime import timedelta

import pytest

from escalation import policy

TIMING = policy.Timing(
    t1=timedelta(seconds=60),
    t2=timedelta(seconds=180),
    repeats=1,
    repeat_every=timedelta(seconds=300),
)


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


def test_after_its_repeats_the_policy_pages_everyone_at_the_repeat_interval_for_ever():
    # The last cycle's last step is step 5, at 240 + 180 s.
    for n, after in ((6, 420 + 300), (7, 420 + 600), (1000, 420 + 995 * 300)):
        beyond = policy.step(n, TIMING)
        assert beyond.after == timedelta(seconds=after)
        assert beyond.targets == (policy.EVERYONE,)
        assert beyond.email
        assert beyond.is_repeat


def test_without_repeats_the_last_tier_goes_on_straight_after_the_first_cycle():
    no_loop = policy.Timing(
        t1=timedelta(seconds=60), t2=timedelta(seconds=180), repeats=0,
        repeat_every=timedelta(seconds=30),
    )  # fmt: skip
    assert policy.step(3, no_loop).after == timedelta(seconds=210)
    assert policy.step(3, no_loop).targets == (policy.EVERYONE,)


def test_steps_are_in_time_order():
    times = [policy.step(n, TIMING).after for n in range(20)]
    assert times == sorted(times)
    assert len(set(times)) == len(times)


def test_a_step_on_time_is_run_as_it_is():
    assert policy.catch_up(1, timedelta(seconds=60), TIMING) == policy.step(1, TIMING)
    assert policy.catch_up(1, timedelta(seconds=179), TIMING) == policy.step(1, TIMING)


def test_a_late_worker_runs_one_round_reaching_everyone_a_missed_step_would_have():
    late = policy.catch_up(1, timedelta(seconds=250), TIMING)
    # Steps 1 (primary, backup), 2 (everyone, email) and 3 (primary) were all due.
    assert late.number == 3
    assert late.targets == (policy.PRIMARY, policy.BACKUP, policy.EVERYONE)
    assert late.email
    days_late = policy.catch_up(6, timedelta(days=2), TIMING)
    assert days_late.after <= timedelta(days=2) < policy.step(days_late.number + 1, TIMING).after


def test_timing_needs_a_positive_repeat_interval():
    with pytest.raises(ValueError):
        policy.Timing(
            t1=timedelta(seconds=1), t2=timedelta(seconds=2), repeats=0, repeat_every=timedelta(0)
        )


@pytest.mark.parametrize(("t1", "t2"), [(0, 10), (10, 10), (20, 10)])
def test_timing_needs_t1_before_t2(t1, t2):
    with pytest.raises(ValueError):
        policy.Timing(t1=timedelta(seconds=t1), t2=timedelta(seconds=t2), repeats=0)
