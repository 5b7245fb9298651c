"""The paging policy as pure data: which step runs when, and whom it reaches. No Django here.

After PagerDuty's escalation policies: ordered rules with an acknowledgement
timeout before the next one, a loop back to the first rule, and no end while
the incident is open and unacknowledged.

    step 0, at 0        page the primary on-call supervisors
    step 1, at T1       repeat the alert to them and page the backups
    step 2, at T2       page every supervisor and admin, by console and email
    (after T1 more, the policy starts over, ``repeats`` times)
    then, every R       page every supervisor and admin again, by console and
                        email, for as long as nobody acknowledges

Steps are numbered across cycles and repeats (3 is the primary page of the
second cycle), so (escalation, step) names one page round exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

PRIMARY = "primary"
BACKUP = "backup"
EVERYONE = "everyone"
STEPS_PER_CYCLE = 3
_PHASE_TARGETS = ((PRIMARY,), (PRIMARY, BACKUP), (EVERYONE,))


@dataclass(frozen=True)
class Timing:
    t1: timedelta
    t2: timedelta
    repeats: int
    # Between the pages that go on after the last cycle, until someone acknowledges.
    repeat_every: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if not timedelta(0) < self.t1 < self.t2:
            raise ValueError("the policy needs 0 < T1 < T2")
        if self.repeats < 0:
            raise ValueError("repeats cannot be negative")
        if self.repeat_every <= timedelta(0):
            raise ValueError("the repeat interval must be positive")

    @property
    def cycle(self) -> timedelta:
        # The last rule waits T1 for an acknowledgement, like the first one did.
        return self.t2 + self.t1

    @property
    def cycle_steps(self) -> int:
        """How many steps the cycles take; every later step repeats the last tier."""
        return STEPS_PER_CYCLE * (self.repeats + 1)


@dataclass(frozen=True)
class Step:
    number: int
    after: timedelta  # since the escalation was created
    targets: tuple[str, ...]  # tiers to page, widest last
    email: bool
    is_repeat: bool  # the primary has been paged for this escalation before


def step(number: int, timing: Timing) -> Step:
    """Step ``number`` of the policy. There is always a next one: paging never gives up."""
    if number < 0:
        raise ValueError("steps are numbered from 0")
    if number >= timing.cycle_steps:
        last_cycle_end = timing.repeats * timing.cycle + timing.t2
        beyond = number - timing.cycle_steps + 1
        return Step(
            number=number,
            after=last_cycle_end + beyond * timing.repeat_every,
            targets=(EVERYONE,),
            email=True,
            is_repeat=True,
        )
    cycle, phase = divmod(number, STEPS_PER_CYCLE)
    offset = cycle * timing.cycle + (timedelta(0), timing.t1, timing.t2)[phase]
    return Step(
        number=number,
        after=offset,
        targets=_PHASE_TARGETS[phase],
        email=phase == 2,
        is_repeat=number > 0,
    )


def catch_up(number: int, elapsed: timedelta, timing: Timing) -> Step:
    """The page round to run now, from step ``number`` on, ``elapsed`` after the escalation.

    On time, that is step ``number`` itself. A worker that fell behind (every
    process was down) runs one round instead of one per missed step: numbered
    as the latest step that is due, reaching everyone any missed step would have
    reached, by email if any of them emailed.

    Preconditions: step ``number`` is due (its ``after`` <= ``elapsed``).
    """
    missed = [step(number, timing)]
    while (following := step(missed[-1].number + 1, timing)).after <= elapsed:
        missed.append(following)
    if len(missed) == 1:
        return missed[0]
    targets = tuple(dict.fromkeys(tier for due in missed for tier in due.targets))
    return Step(
        number=missed[-1].number,
        after=missed[-1].after,
        targets=targets,
        email=any(due.email for due in missed),
        is_repeat=True,
    )
