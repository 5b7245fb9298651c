"""Conversation memory for risk detection (pure Python, no Django).

Risk builds over a conversation: "I have the pills here", then two messages later
"tonight". Each message alone is high and nothing; together they are imminent.
``ConversationMemory`` keeps, per conversation (the same sender in the same
room), what the detector derived from that sender's last few messages: the
signal names credited to the writer and the model's head sums (four numbers,
see ``escalation.risk_model.LinearModel.linear``). Never text: nothing kept can
give a message back.

Bounds: at most ``messages`` per conversation, none older than ``seconds``, at
most ``conversations`` conversations (the least recently active are forgotten
first). It lives in the process's memory only, so a restart forgets it, and
with several web processes each remembers the conversations whose messages it
handled.

How a message's level may rise (never fall), and only above every level the
conversation's remembered messages reached (so a conversation already flagged
high is not flagged again for each message that follows):
- the rules' signals of the remembered messages and this one are read together,
  as if one message had held them all ("means" then "timeframe" is imminent);
- the model scores the sums of the remembered messages and this one, i.e. their
  concatenation, against the same thresholds as a single message.
A raised assessment names the signals that led to it and adds ``memory``. Only
the writer's own risk combines; worry about someone else and quotes never do.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Hashable
from dataclasses import dataclass

from escalation.risk import (
    ALERT_LEVELS,
    INTENT,
    MEMORY_REASON,
    Assessment,
    Evidence,
    floored,
    level_of_signals,
    model_level,
    ordered_reasons,
    rank,
)
from escalation.risk_model import LinearModel

DEFAULT_MESSAGES = 5
DEFAULT_SECONDS = 900
DEFAULT_CONVERSATIONS = 5_000


@dataclass(frozen=True)
class _Remembered:
    at: float
    signals: frozenset[str]
    sums: tuple[float, float, float, int] | None
    level: str  # the writer's own level after memory: what was already flagged


class ConversationMemory:
    def __init__(
        self,
        *,
        messages: int = DEFAULT_MESSAGES,
        seconds: float = DEFAULT_SECONDS,
        conversations: int = DEFAULT_CONVERSATIONS,
        model: LinearModel | None = None,
        thresholds: dict[str, float] | None = None,
    ) -> None:
        if messages < 1 or seconds <= 0 or conversations < 1:
            raise ValueError("memory bounds must be positive")
        self.messages = messages
        self.seconds = seconds
        self.conversations = conversations
        self.model = model
        self.thresholds = thresholds or {}
        self._by_key: OrderedDict[Hashable, deque[_Remembered]] = OrderedDict()
        # The pipeline may run in more than one thread of a process.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._by_key)

    def remembered(self, key: Hashable, now: float) -> int:
        """How many messages of this conversation are remembered (for tests and metrics)."""
        return len(self._recent(key, now))

    def _recent(self, key: Hashable, now: float) -> deque[_Remembered]:
        kept = self._by_key.get(key)
        if kept is None:
            return deque()
        while kept and now - kept[0].at > self.seconds:
            kept.popleft()
        if not kept:
            del self._by_key[key]
        return kept

    def assess(
        self, key: Hashable, found: Assessment, evidence: Evidence, now: float
    ) -> Assessment:
        """This message's assessment, raised by what the conversation's last messages held;
        then remember this message's evidence."""
        with self._lock:
            earlier = self._recent(key, now)
            raised = self._raised(found, evidence, earlier) if earlier else found
            own_level = raised.level if raised.who == "self" else "none"
            self._remember(key, _Remembered(now, evidence.own_signals, evidence.sums, own_level))
        return raised

    def _raised(
        self, found: Assessment, evidence: Evidence, earlier: deque[_Remembered]
    ) -> Assessment:
        if found.who != "self" and found.level in ALERT_LEVELS:
            return found
        signals = set(evidence.own_signals)
        for remembered in earlier:
            signals |= remembered.signals
        level = level_of_signals(signals)
        score = found.score
        if self.model is not None and evidence.sums is not None:
            a, b, c, words = evidence.sums
            for remembered in earlier:
                sums = remembered.sums
                if sums is not None:
                    a += sums[0]
                    b += sums[1]
                    c += sums[2]
                    words += sums[3]
            scores = self.model.scores_of_sums(a, b, c, words)
            # As for one message: a high under its floor is kept as low (not one read
            # as the writer's intent), an imminent under its own is downgraded to high
            # (it still pages).
            if level in ALERT_LEVELS:
                level = floored(level, scores, self.thresholds, words, INTENT in signals)
            by_model = model_level(scores, self.thresholds, words)
            if rank(by_model) > rank(level):
                level = by_model
            score = max(score or 0.0, scores.alert)
        # Raise only to what no message has reached yet: "ok thanks" after "I have the
        # pills here" is not flagged again, "tonight" is.
        reached = max(
            [found.level if found.who == "self" else "none", *(r.level for r in earlier)],
            key=rank,
        )
        if rank(level) <= rank(reached) or level not in ALERT_LEVELS:
            return found
        reasons = ordered_reasons({*found.reasons, *signals, MEMORY_REASON})
        return Assessment(level, reasons, who="self", score=score)

    def _remember(self, key: Hashable, remembered: _Remembered) -> None:
        kept = self._by_key.get(key)
        if kept is None:
            kept = self._by_key[key] = deque(maxlen=self.messages)
            while len(self._by_key) > self.conversations:
                self._by_key.popitem(last=False)
        else:
            self._by_key.move_to_end(key)
        kept.append(remembered)

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._by_key.pop(key, None)
