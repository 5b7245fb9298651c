"""The escalation state machine and the rules for recording an outcome. No Django here.

States go open -> acknowledged -> resolved and never back. Someone has to take
responsibility (acknowledge) before they can close the case (resolve).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

OPEN = "open"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"

ACKNOWLEDGE = "acknowledge"
RESOLVE = "resolve"


def gettext_noop(text: str) -> str:
    """Marks sentences for translation (makemessages finds this name); callers translate."""
    return text


_TRANSITIONS = {
    (OPEN, ACKNOWLEDGE): ACKNOWLEDGED,
    (ACKNOWLEDGED, RESOLVE): RESOLVED,
}
_REFUSALS = {
    (ACKNOWLEDGED, ACKNOWLEDGE): (
        "already_acknowledged",
        gettext_noop("Someone has already acknowledged this escalation."),
    ),
    (OPEN, RESOLVE): (
        "not_acknowledged",
        gettext_noop("Acknowledge the escalation before resolving it."),
    ),
    (RESOLVED, ACKNOWLEDGE): (
        "already_resolved",
        gettext_noop("This escalation is already resolved."),
    ),
    (RESOLVED, RESOLVE): ("already_resolved", gettext_noop("This escalation is already resolved.")),
}

DE_ESCALATED = "de_escalated"
REFERRED = "referred"
EMERGENCY_SERVICES = "emergency_services"
FALSE_ALARM = "false_alarm"
OUTCOMES = (DE_ESCALATED, REFERRED, EMERGENCY_SERVICES, FALSE_ALARM)

# Risk levels in increasing order; an escalation's level only ever goes up.
LEVELS = ("low", "high", "imminent")
# A small allowance for clocks of the supervisor's device and the server disagreeing.
CLOCK_SKEW = timedelta(minutes=5)


class Refused(Exception):
    """A transition or outcome the rules do not allow: a code and a sentence for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def next_state(state: str, action: str) -> str:
    """The state after ``action``, or Refused with the reason it is not allowed."""
    if (state, action) in _TRANSITIONS:
        return _TRANSITIONS[(state, action)]
    code, detail = _REFUSALS.get((state, action), ("invalid", f"Cannot {action} from {state}."))
    raise Refused(code, detail)


def higher_level(current: str, candidate: str) -> str:
    return max(current, candidate, key=LEVELS.index)


@dataclass(frozen=True)
class Resolution:
    outcome: str
    emergency_contact_confirmed: bool
    emergency_contacted_at: datetime | None


def check_resolution(
    outcome: str,
    emergency_confirmed: bool,
    emergency_contacted_at: datetime | None,
    now: datetime,
) -> Resolution:
    """Validate an outcome. Emergency services need the confirmation box and a past time."""
    if outcome not in OUTCOMES:
        raise Refused("invalid", gettext_noop("Choose one of the listed outcomes."))
    if outcome != EMERGENCY_SERVICES:
        return Resolution(outcome, False, None)
    if not emergency_confirmed:
        raise Refused(
            "confirmation_required",
            gettext_noop("Confirm that emergency services made contact before resolving."),
        )
    if emergency_contacted_at is None:
        raise Refused(
            "time_required", gettext_noop("Give the time emergency services made contact.")
        )
    if emergency_contacted_at > now + CLOCK_SKEW:
        raise Refused(
            "time_in_future",
            gettext_noop("The time emergency services made contact is in the future."),
        )
    return Resolution(outcome, True, emergency_contacted_at)
