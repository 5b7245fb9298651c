"""The paging policy as pure data: which step runs when, and whom it reaches. No Django here.

After PagerDuty's escalation policies: ordered rules with an acknowledgement
timeout before the next one, and a loop back to the first rule.

    step 0, at 0        page the primary on-call supervisors
    step 1, at T1       repeat the alert to them and page the backups
    step 2, at T2       page every supervisor, by console and email
    (after T1 more, the policy starts over, ``repeats`` times)

Steps are numbered across cycles (3 is the primary page of the second cycle),
so (escalation, step) names one page round exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

PRIMARY = "primary"
BACKUP = "backup"
EVERYONE = "everyone"
STEPS_PER_CYCLE = 3


@dataclass(frozen=True)
class Timing:
    t1: timedelta
    t2: timedelta
    repeats: int

    def __post_init__(self) -> None:
        if not timedelta(0) < self.t1 < self.t2:
            raise ValueError("the policy needs 0 < T1 < T2")
        if self.repeats < 0:
            raise ValueError("repeats cannot be negative")

    @property
    def cycle(self) -> timedelta:
        # The last rule waits T1 for an acknowledgement, like the first one did.
        return self.t2 + self.t1


@dataclass(frozen=True)
class Step:
    number: int
    after: timedelta  # since the escalation was created
    targets: tuple[str, ...]  # tiers to page, widest last
    email: bool
    is_repeat: bool  # the primary has been paged for this escalation before


def step(number: int, timing: Timing) -> Step | None:
    """Step ``number`` of the policy, or None once every cycle has run."""
    cycle, phase = divmod(number, STEPS_PER_CYCLE)
    if number < 0 or cycle > timing.repeats:
        return None
    offset = cycle * timing.cycle + (timedelta(0), timing.t1, timing.t2)[phase]
    targets = ((PRIMARY,), (PRIMARY, BACKUP), (EVERYONE,))[phase]
    return Step(
        number=number, after=offset, targets=targets, email=phase == 2, is_repeat=number > 0
    )
