"""The learned part of the risk detector: a linear model, run in plain Python (no Django).

``escalation/risk_model.json.gz`` is trained by ``python -m escalation.risk_train``
(``make train-risk``) with scikit-learn from the labelled corpus. It holds three
calibrated logistic regressions ("heads") over the same features:

- ``alert``: the writer's own risk is high or imminent;
- ``imminent``: the writer's own risk is imminent;
- ``other``: the message is worry about someone else at high or imminent risk.

Features (``features``) are computed from the normalised message
(``escalation.risk_text.normalise``, then ``model_text``: spoken punctuation
made punctuation): each word, each pair of neighbouring
words, and the character 2- to 5-grams of each word padded with spaces (which
catch typos, slang and inflections: "suicid", "pastill"). Counts are weighted
by inverse document frequency (folded into the exported weights) and divided by
the square root of the number of words, so a long message does not score high
just by being long. The model reads words only, never the rules' reading (the
rules' reading as features was tried in three rounds of grouped cross-validation,
and rules and model together gained nothing, docs/risk-detection.md; the file
format 2 that held such features is no longer read). Because every word weight
is linear in per-word counts, the contribution of a word's own features is the
same wherever it appears, so it is computed once per word and memoised: a message
costs one dictionary look-up per word and one per pair of words. scikit-learn's
``predict_proba`` costs about a millisecond per call; this costs a few microseconds.

Calibration is Platt scaling (scikit-learn's ``CalibratedClassifierCV``,
``method="sigmoid"``, fitted on cross-validated decision values): the
probability of a head is ``1 / (1 + exp(a * z + b))`` where ``z`` is its linear
score. ``tests/test_risk_model.py`` checks that these probabilities match
scikit-learn's on the whole corpus.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from escalation.risk_text import spoken_punctuation

FORMAT = 1
HEADS = ("alert", "imminent", "other")
CHAR_NGRAMS = (2, 5)
# Words whose contributions are memoised; past this the memo is emptied and refilled,
# which bounds memory whatever people write.
MEMO_WORDS = 50_000
MODEL_FILE = Path(__file__).resolve().parent / "risk_model.json.gz"
# What the model reads of a message (``model_text``, and laughter emoji and the emoji of a
# means as words since normalisation keeps them: ``risk_text.LAUGHTER_WORD``,
# ``risk_text.MEANS_EMOJI``); in the out-of-fold cache's key, so scores of another reading
# are never reused.
MODEL_TEXT = "spoken-punctuation-1-emoji-laughter-1-means-emoji-1"


def model_text(normalised: str) -> str:
    """What the model reads of a normalised message, in training and scoring alike:
    spoken punctuation ("full stop", "punto", "coma") made punctuation
    (``escalation.risk_text.spoken_punctuation``)."""
    return spoken_punctuation(normalised)


def word_features(word: str) -> list[str]:
    """A word's own features: the word, and its padded character n-grams."""
    padded = f" {word} "
    found = [f"w {word}"]
    low, high = CHAR_NGRAMS
    for size in range(low, high + 1):
        if len(padded) < size:
            break
        found += [f"c {padded[start : start + size]}" for start in range(len(padded) - size + 1)]
    return found


def pair_feature(first: str, second: str) -> str:
    return f"b {first} {second}"


def features(normalised: str) -> list[str]:
    """Every feature of a normalised message, with repeats (used for training)."""
    words = normalised.split()
    found = [feature for word in words for feature in word_features(word)]
    found += [pair_feature(first, second) for first, second in pairwise(words)]
    return found


def length_scale(normalised: str) -> float:
    return 1.0 / math.sqrt(max(1, len(normalised.split())))


@dataclass(frozen=True)
class Scores:
    """Calibrated probabilities of the three heads."""

    alert: float
    imminent: float
    other: float


class ModelFileError(ValueError):
    """The model file is missing, unreadable or of another format."""


class LinearModel:
    """The exported model. Build once per process (``load``); ``scores`` is cheap."""

    def __init__(self, data: dict) -> None:
        if data.get("format") != FORMAT or tuple(data.get("heads", ())) != HEADS:
            raise ModelFileError(f"model file format must be {FORMAT} with heads {HEADS}")
        self.metadata: dict = data["metadata"]
        self.thresholds: dict[str, float] = data["thresholds"]
        self.intercepts: tuple[float, ...] = tuple(data["intercepts"])
        self.calibration: tuple[tuple[float, float], ...] = tuple(
            (a, b) for a, b in data["calibration"]
        )
        # feature -> weights of the three heads
        self.weights: dict[str, tuple[float, ...]] = {
            feature: tuple(weights) for feature, weights in data["weights"].items()
        }
        # Word pairs by first word, so a pair costs two look-ups and no string building.
        self.pairs: dict[str, dict[str, tuple[float, ...]]] = {}
        for feature, weights in self.weights.items():
            if feature.startswith("b "):
                first, second = feature[2:].split(" ")
                self.pairs.setdefault(first, {})[second] = weights
        self._zero = (0.0,) * len(HEADS)
        self._memo: dict[str, tuple] = {}

    def _word(self, word: str) -> tuple:
        """A word's own contribution to the three heads, and the weights of the pairs it
        starts (memoised, so a known word costs one look-up)."""
        a = b = c = 0.0
        weights = self.weights
        for feature in word_features(word):
            weight = weights.get(feature)
            if weight is not None:
                a += weight[0]
                b += weight[1]
                c += weight[2]
        if len(self._memo) >= MEMO_WORDS:
            self._memo.clear()
        found = self._memo[word] = (a, b, c, self.pairs.get(word))
        return found

    def linear(self, normalised: str) -> tuple[float, float, float, int]:
        """The unscaled sums of the three heads, and the number of words.

        Sums of consecutive messages add up to the sums of their concatenation (but
        for the one pair of words across the join), which is what conversation
        memory keeps instead of text.
        """
        words = model_text(normalised).split()
        a = b = c = 0.0
        memo = self._memo
        following: dict[str, tuple[float, ...]] | None = None
        for token in words:
            known = memo.get(token)
            wa, wb, wc, starts = known if known is not None else self._word(token)
            a += wa
            b += wb
            c += wc
            if following is not None:
                weight = following.get(token)
                if weight is not None:
                    a += weight[0]
                    b += weight[1]
                    c += weight[2]
            following = starts
        return a, b, c, len(words)

    def scores_of_sums(self, a: float, b: float, c: float, words: int) -> Scores:
        """Probabilities from the word sums (``linear``, scaled by length here)."""
        scale = 1.0 / math.sqrt(words) if words > 1 else 1.0
        (ia, ib, ic), ((sa, oa), (sb, ob), (sc, oc)) = self.intercepts, self.calibration
        return Scores(
            _sigmoid(-(sa * (a * scale + ia) + oa)),
            _sigmoid(-(sb * (b * scale + ib) + ob)),
            _sigmoid(-(sc * (c * scale + ic) + oc)),
        )

    def scores(self, normalised: str) -> Scores:
        """Scores of a normalised message."""
        return self.scores_of_sums(*self.linear(normalised))


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def load(path: Path = MODEL_FILE) -> LinearModel:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as source:
            data = json.load(source)
    except (OSError, ValueError) as error:
        raise ModelFileError(f"{path.name}: cannot be read: {error}") from error
    if not isinstance(data, dict):
        raise ModelFileError(f"{path.name}: must hold a JSON object")
    try:
        return LinearModel(data)
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path.name}: {error}") from error
