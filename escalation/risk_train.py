"""``python -m escalation.risk_train`` (``make train-risk``): retrain the risk model.

Reads the training corpus (``escalation/risk_eval/corpus/dev/``, ``dev2/``,
``dev3/``, the retired blind splits ``blind3/``, ``blind4/``, ``blind5/``,
``blind6/``, ``blind7/``, ``blind8/``, ``blind9/`` and ``blind10/``, ``dev4/``, ``dev5/``,
``dev7/`` and the older ``labelled.jsonl``; never ``blind/`` or ``blind11/``),
fits the three
heads described in ``escalation.risk_model`` with scikit-learn (over word and
character n-grams), chooses the
thresholds on
cross-validated scores, and writes ``escalation/risk_model.json.gz``. The same
corpus and seed give the same file, byte for byte.

Thresholds are chosen on grouped out-of-fold scores (each message scored by a
model that never saw its writer's batch, ``folds_of``), combined with the rules
as the shipped detector combines them (``own_levels``, ``combine`` vectorised):
the alert and imminent thresholds with the floors under which the model
dismisses the rules' high and downgrades their imminent, by an explicit objective
(``choose_thresholds``: imminent recall and recall no lower than the previous
policy's nor the shipped file's, then the fewest false alarms; ``--tradeoff`` prints
the table; ``--audit`` prints each rule's fires and unique catches). Random folds are computed by
``make eval-risk`` only, for the report: they flatter a corpus written by few people.
Out-of-fold scores are cached under a digest of the corpus and the training settings:
the model reads words only, so a rule edit needs no new scores. One set of thresholds serves both
languages: thresholds chosen per language on the same grouped scores gave less
recall for each language at the same false-alarm rate (docs/risk-detection.md).
The thresholds are defaults: the ``RISK_ALERT_THRESHOLD`` and
``RISK_IMMINENT_THRESHOLD`` settings override them (see docs/risk-detection.md
for the trade-off measured).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from escalation import risk_model
from escalation.risk import NEVER, other_override_alert
from escalation.risk_eval.corpus import RISK_LEVELS, Example, group_of, training_examples
from escalation.risk_text import normalise

SEED = 20261206
FOLDS = 5
# Folds of the cross-validation inside CalibratedClassifierCV that fits the sigmoids.
CALIBRATION_FOLDS = 3
# Inverse regularisation strength of the logistic regressions.
C = 4.0
# A feature must occur in at least this many training messages.
MIN_DF = 2
# The previous policy's false-alarm cap (baseline_thresholds), and the cap on imminent
# alerts of harmless and low messages that sets the imminent threshold (_imminent_for).
# 0.075 (was 0.08): once the rules audit had removed rule false alarms, 8% let the search
# spend them on recall; at 7.5% grouped CV keeps recall within 0.001 of the previous
# model's, raises imminent recall and has fewer false alarms (docs/risk-detection.md).
FALSE_ALARM_CAP = 0.075
IMMINENT_FALSE_CAP = 0.03
OTHER_THRESHOLD = 0.5
# Floors of the rules' high tried (see escalation.risk.floored); 0 never dismisses.
# At most 0.10: with blind v7 in training, grouped CV found 0.15 as good (fewer false
# alarms, a little less recall), but the model scores plain first-person statements
# 0.11-0.14 ("I'm going to hang myself", "I'm not okay, I want to die"): a floor over
# them silences what the rules exist for. (0.2 to 0.9 were tried in earlier rounds and
# never chosen.) At most 0.05 since blind v10 joined training: the search then chose
# 0.10, and the retrained model scored "I'm not okay, I want to die" 0.078, under it
# (tests/test_risk_context.py).
DISMISS_CANDIDATES = (0.0, 0.05)
# Floors of the rules' imminent tried (``dismiss_imminent``). Under its floor the rules'
# imminent reading (an attempt under way, means with a time) is downgraded to high, which
# still pages, never dismissed (escalation.risk.floored): it costs no recall and adds no
# false alarm, so it needs no relation to the high's floor. (Dismissing it to
# low under 0.03 bought 0.005 of false alarms on grouped cross-validation; a missed
# attempt in progress is the worst miss there is.) Kept as low only under 0.01, where the
# model is all but sure, was measured with blind v14 and dev9 in training: 16 English and
# 4 Spanish false alarms fewer on grouped CV, nothing lost, but that model scored the
# context test's "my dentist said I'd taken too many ibuprofen ... today" 0.003 (the
# previous one 0.012), which must page: not shipped (docs/risk-detection.md).
DISMISS_IMMINENT_CANDIDATES = (0.0, 0.01, 0.02, 0.03, 0.05, 0.1)
# The model's alert probability at or over which it may raise a message the rules read
# as a literal use or a negation with no risk of their own (escalation.risk.combine);
# NEVER keeps the rules' context absolute, as the previous policy did. A mask reads a
# phrase ("pastillas de la presión", "not ... wake up"), the model the whole message:
# on blind v7, at-risk messages the masks held back had alert probabilities of 0.77-0.98.
# Not under 0.99: grouped CV chose 0.95, but the model gives plainly literal messages
# 0.96-0.98 ("me tomé la pastilla del resfriado y ya estoy mejor", "my nose won't stop
# bleeding after the match"), which the masks are there to hold back.
LITERAL_OVERRIDE_CANDIDATES = (NEVER, 0.99)
# The model's other head at or over which, with its alert probability under the
# ``dismiss`` floor, the rules' own alert is read as someone else's (escalation.risk.
# combine): the Spanish rules give a friend's act told in a voice note ("me mandó un audio
# diciendo que se tomó todas las pastillas") to the writer. On grouped CV with blind v9
# in training, 0.90 to 0.99 with alert under 0.02 to 0.10 all lowered false alarms by
# 0.0004-0.0007 at no recall; 0.95 under the floor is kept (7 messages, all worry about
# someone else's act told by the writer). With blind v10 in training (17,176 messages),
# other head 0.80 with the model's own alert under 0.15 (OTHER_OVERRIDE_ALERT, no
# longer the ``dismiss`` floor) turned 7 alerts into someone else's, all worry about
# someone else (4 harmless, 3 low): false alarms English 314 -> 311 of 4,102, Spanish
# 278 -> 277 of 3,949, no recall lost in either language; other head 0.70 with a cap
# of 0.25 read a writer's own abuse as someone else's (docs/risk-detection.md).
OTHER_OVERRIDE = 0.80
OTHER_OVERRIDE_ALERT = 0.15
# The model's imminent head at or over IMMINENT_LIFT makes an imminent alert when its
# alert probability is at least IMMINENT_LIFT_ALERT, under the alert threshold
# (escalation.risk.model_level): "im going to the bridge now. goodbye" scored alert
# 0.35, imminent 0.92. On grouped CV (15,576 messages), 0.95 over 0.30 caught 5
# imminent messages nothing alerted on and raised 3 more to imminent, with no alert on
# a harmless or low message; over 0.25 it raised a low message to imminent, and an
# imminent head of 0.80-0.90 added false alarms.
IMMINENT_LIFT = 0.95
IMMINENT_LIFT_ALERT = 0.30
# The model's imminent head at or over which, with its alert probability at least the
# alert threshold, the rules' literal or negated reading no longer holds it back
# (escalation.risk.literal_yields): the literal mask reads whose pills ("las pastillas de
# la presión de mi papá"), the imminent head that all were swallowed. On grouped CV with
# blind v12 in training (18,776 messages), 0.97 to 0.995 each caught the same 4 Spanish
# imminent messages the mask had held back, with no false alarm; at 0.95 a nosebleed
# "that won't stop" (imminent head 0.96 out of fold; 0.94 a round before) became one.
# 0.99: the same catch, the widest margin over it. Raised to 0.995 with blind v13 in
# training (20,376 messages): that model scored a nosebleed paraphrase "that won't stop"
# 0.990 (a context test holds it as nothing); on its grouped scores 0.98 to 0.997 each
# catch the same Spanish imminent message (a father's blood-pressure pills, the whole
# blister, 0.9987), with no false alarm.
LITERAL_YIELD_IMMINENT = 0.995
# A negation with no literal use beside it (the rules read "I don't want to die", "no me
# quiero matar" and nothing else) holds the model back less than a literal mask does:
# it gives way at an alert probability of NEGATED_OVERRIDE, or at the alert threshold
# with an imminent head of NEGATED_YIELD_IMMINENT (escalation.risk.negation_yields). A
# mask reads the risk word's own use; a negation reads a few words of a message whose
# rest the model reads ("took them all an hour ago and now i dont want to die"). Chosen
# on grouped out-of-fold scores (blind v20 in training, 29,176 messages; the trade-off
# table is in docs/risk-detection.md): 0.95 with 0.50 caught English 14 more at-risk
# messages (6 imminent) at no false alarm, Spanish 6 (1) at one (a plain denial, "Nunca
# he pensado en quitarme la vida ..."); 0.94 or 0.90 added a false alarm per language
# for 0-3 more; an imminent head of 0.30 caught 2 more English, 0.40-0.50 the same.
NEGATED_OVERRIDE = 0.95
NEGATED_YIELD_IMMINENT = 0.50
# The previous policy's floors of the rules' high (baseline_thresholds).
BASELINE_DISMISS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)
THRESHOLD_CANDIDATES = tuple(round(float(value), 2) for value in np.arange(0.05, 0.995, 0.01))
DIGITS = 6


def labels(examples: Sequence[Example]) -> dict[str, np.ndarray]:
    return {
        "alert": np.array([e.level in RISK_LEVELS for e in examples], dtype=int),
        "imminent": np.array([e.level == "imminent" for e in examples], dtype=int),
        "other": np.array([e.other_at_risk for e in examples], dtype=int),
    }


@dataclass
class Fitted:
    vectorizer: CountVectorizer
    idf: np.ndarray
    heads: dict[str, CalibratedClassifierCV]

    def matrix(self, texts: Sequence[str]) -> sp.csr_matrix:
        normalised = [model_input(text) for text in texts]
        counts = self.vectorizer.transform(normalised)
        return _weighted(counts, normalised, self.idf)

    def names(self) -> np.ndarray:
        return self.vectorizer.get_feature_names_out()

    def column_scale(self) -> np.ndarray:
        """What each column's coefficient is multiplied by in the exported weights: the idf
        of its n-gram (folded in)."""
        return self.idf

    def predict_proba(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """scikit-learn's calibrated probabilities (the reference for the exported model)."""
        matrix = self.matrix(texts)
        return {name: head.predict_proba(matrix)[:, 1] for name, head in self.heads.items()}


def model_input(text: str) -> str:
    """A message as the model is trained on it: the same text ``LinearModel.linear``
    scores (normalised, spoken punctuation made punctuation)."""
    return risk_model.model_text(normalise(text))


def _weighted(counts: sp.csr_matrix, normalised: Sequence[str], idf: np.ndarray) -> sp.csr_matrix:
    scale = np.array([risk_model.length_scale(text) for text in normalised])
    return sp.csr_matrix(sp.diags(scale) @ counts @ sp.diags(idf))


def fit(examples: Sequence[Example], seed: int = SEED) -> Fitted:
    normalised = [model_input(example.text) for example in examples]
    vectorizer = CountVectorizer(analyzer=risk_model.features, min_df=MIN_DF, dtype=np.float64)
    counts = vectorizer.fit_transform(normalised)
    idf = TfidfTransformer(norm=None, smooth_idf=True).fit(counts).idf_
    matrix = _weighted(counts, normalised, idf)
    heads = {}
    for name, target in labels(examples).items():
        head = CalibratedClassifierCV(
            # liblinear draws a seed from numpy's global state unless given one: the fit
            # would then depend on what ran before it.
            LogisticRegression(
                C=C,
                class_weight="balanced",
                solver="liblinear",
                max_iter=1000,
                random_state=seed,
            ),
            method="sigmoid",
            cv=StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=seed),
            ensemble=False,
        )
        heads[name] = head.fit(matrix, target)
    return Fitted(vectorizer, idf, heads)


def export(fitted: Fitted, thresholds: dict[str, float], metadata: dict) -> dict:
    """The model file's content: weights with the idf folded in, calibration, thresholds."""
    coefficients = []
    intercepts = []
    calibration = []
    for name in risk_model.HEADS:
        calibrated = fitted.heads[name].calibrated_classifiers_[0]
        estimator = calibrated.estimator
        coefficients.append(estimator.coef_[0] * fitted.column_scale())
        intercepts.append(round(float(estimator.intercept_[0]), DIGITS + 2))
        sigmoid = calibrated.calibrators[0]
        calibration.append(
            [round(float(sigmoid.a_), DIGITS + 2), round(float(sigmoid.b_), DIGITS + 2)]
        )
    names = fitted.names()
    weights = {}
    stacked = np.vstack(coefficients).T
    for index in np.argsort(names):
        weights[str(names[index])] = [_round(value) for value in stacked[index]]
    return {
        "format": risk_model.FORMAT,
        "heads": list(risk_model.HEADS),
        "metadata": metadata,
        "thresholds": thresholds,
        "intercepts": intercepts,
        "calibration": calibration,
        "weights": weights,
    }


def _round(value: float) -> float:
    return float(f"{value:.{DIGITS}g}")


def write(content: dict, path: Path) -> None:
    """Deterministic gzip (no timestamp), so retraining on the same corpus changes nothing."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    # No file name and no time in the gzip header: the bytes depend on the content alone.
    with path.open("wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as packed:
        packed.write(text.encode("ascii"))


def model_of(content: dict) -> risk_model.LinearModel:
    return risk_model.LinearModel(json.loads(json.dumps(content)))


# The grouped folds' two single-writer sets, each too big to leave to the hash (the dev
# corpus is an eighth of the training data): placed by hand in the folds the hash fills
# least. Every other group's fold is ``fold_of_group``'s hash of its name.
PINNED_FOLDS = {"dev": 3, "older-labelled": 4}


def fold_of_group(group: str) -> int:
    """The grouped fold that holds ``group`` out: a hash of its name (sha256, mod
    ``FOLDS``), so adding groups never moves the others (``GroupKFold`` reshuffled every
    fold whenever a batch was added, and grouped figures then moved by some 25 hits per
    language between rounds from that alone)."""
    if group in PINNED_FOLDS:
        return PINNED_FOLDS[group] % FOLDS
    return int.from_bytes(hashlib.sha256(group.encode("utf-8")).digest()[:8], "big") % FOLDS


def folds_of(
    examples: Sequence[Example], grouped: bool, seed: int = SEED
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, held-out) index pairs of the cross-validation.

    Random: stratified by level and who, messages of one writer on both sides. Grouped
    (``group_of``): a writer's batch is held out whole, so a model is scored on writers
    it never read, which is what a deployment meets (the dev corpus came from one
    writer, and random folds flattered it: 7% false alarms there, 25% blind). Each
    group's fold is stable (``fold_of_group``); a fold no group falls in is left out.
    """
    if grouped:
        fold = np.array([fold_of_group(group_of(e)) for e in examples])
        return [
            (np.flatnonzero(fold != k), np.flatnonzero(fold == k))
            for k in range(FOLDS)
            if (fold == k).any()
        ]
    target = np.array(
        [
            f"{e.level}-{e.who}" if e.level in RISK_LEVELS or e.who != "self" else "safe"
            for e in examples
        ]
    )
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    return list(folds.split(np.zeros(len(examples)), _mergeable(target)))


def out_of_fold_models(
    examples: Sequence[Example], seed: int = SEED, grouped: bool = False
) -> list[tuple[list[int], risk_model.LinearModel]]:
    """For each fold: the indices it holds out and a model trained on the rest."""
    found = []
    for train, held_out in folds_of(examples, grouped, seed):
        fitted = fit([examples[i] for i in train], seed)
        model = model_of(export(fitted, {}, {}))
        found.append(([int(i) for i in held_out], model))
    return found


def _mergeable(target: np.ndarray) -> np.ndarray:
    """Stratification classes with fewer members than folds are merged into one."""
    values, counts = np.unique(target, return_counts=True)
    rare = set(values[counts < FOLDS])
    return np.array(["rare" if value in rare else value for value in target])


def corpus_digest(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(
            json.dumps([example.text, example.level, example.who, example.other_level]).encode()
        )
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Readings:
    """What ``combine`` needs of each message, as arrays, to try many thresholds fast:
    the rules' own level (rank, 0 when the rules read someone else's risk), their
    third-party alert level (rank, -1 when none), whether their own reading includes
    ``intent`` (never dismissed, ``escalation.risk.floored``), literal use or negation,
    enough words for the model, the model's three scores; the labels; and whether the
    context was a negation alone (``escalation.risk.negation_yields``)."""

    rule_own: np.ndarray
    intent: np.ndarray
    rule_other: np.ndarray
    literal: np.ndarray
    long: np.ndarray
    alert: np.ndarray
    imminent: np.ndarray
    other: np.ndarray
    at_risk: np.ndarray
    is_imminent: np.ndarray
    harmless: np.ndarray
    not_at_risk: np.ndarray
    language: np.ndarray
    negated: np.ndarray | None = None


def readings(examples: Sequence[Example], oof: Sequence[risk_model.Scores], rules=None) -> Readings:
    from escalation.risk import (
        INTENT,
        MODEL_MIN_WORDS,
        rank,
        rule_detector,
        rules_context,
        word_count,
    )

    rules = rules or rule_detector()
    rule_own, intent, rule_other, literal, long, negated = [], [], [], [], [], []
    for example in examples:
        found, is_literal, is_negated = rules_context(rules, example.text)
        negated.append(is_negated)
        rule_own.append(rank(found.level) if found.who == "self" else 0)
        intent.append(found.who == "self" and INTENT in found.reasons)
        rule_other.append(
            rank(found.level) if found.who == "other" and found.level in RISK_LEVELS else -1
        )
        literal.append(is_literal)
        long.append(word_count(example.text) >= MODEL_MIN_WORDS)
    level = np.array([e.level for e in examples])
    return Readings(
        rule_own=np.array(rule_own),
        intent=np.array(intent, dtype=bool),
        rule_other=np.array(rule_other),
        literal=np.array(literal, dtype=bool),
        long=np.array(long, dtype=bool),
        alert=np.array([s.alert for s in oof]),
        imminent=np.array([s.imminent for s in oof]),
        other=np.array([s.other for s in oof]),
        at_risk=np.isin(level, list(RISK_LEVELS)),
        is_imminent=level == "imminent",
        harmless=level == "none",
        not_at_risk=np.isin(level, ["none", "low"]),
        language=np.array([e.language for e in examples]),
        negated=np.array(negated, dtype=bool),
    )


def own_levels(r: Readings, thresholds: dict[str, float]) -> np.ndarray:
    """The writer's own level (rank) ``combine`` gives each message, 0 where it reports
    someone else's risk: ``combine``'s rules, vectorised (a test holds them equal)."""
    rule_own = r.rule_own.copy()
    # The rules' own intent is never dismissed (a plain "I am going to hang myself").
    under = r.long & (r.alert < thresholds.get("dismiss", 0.0)) & ~r.intent
    under_imminent = r.long & (r.alert < thresholds.get("dismiss_imminent", 0.0))
    rule_own[(r.rule_own == RANKS["high"]) & under] = RANKS["low"]
    # A downgraded imminent pages as high: never then checked against the high's floor.
    rule_own[(r.rule_own == RANKS["imminent"]) & under_imminent] = RANKS["high"]
    model_alert = r.long & (r.alert >= thresholds["alert"])
    held_back = r.literal & (rule_own < 2) & (r.alert < thresholds.get("literal_override", NEVER))
    # The rules' context gives way to a model that alerts and is sure it is imminent.
    held_back &= ~(
        (r.imminent >= thresholds.get("literal_yield_imminent", NEVER))
        & (r.alert >= thresholds["alert"])
    )
    # A negation alone gives way sooner (escalation.risk.negation_yields).
    if r.negated is not None:
        held_back &= ~(
            r.negated
            & (
                (r.alert >= thresholds.get("negated_override", NEVER))
                | (
                    (r.imminent >= thresholds.get("negated_yield_imminent", NEVER))
                    & (r.alert >= thresholds["alert"])
                )
            )
        )
    model_own = np.where(model_alert, np.where(r.imminent >= thresholds["imminent"], 3, 2), 0)
    lifted = (
        r.long
        & (r.imminent >= thresholds.get("imminent_lift", NEVER))
        & (r.alert >= thresholds.get("imminent_lift_alert", NEVER))
    )
    model_own = np.where(lifted, 3, model_own) * ~held_back
    own = np.maximum(rule_own, model_own)
    others = (r.rule_other >= 2) & (r.other >= thresholds["other"]) & (model_own <= r.rule_other)
    # The rules' own alert that the model reads as someone else's (combine).
    others |= (
        r.long
        & (r.rule_own >= 2)
        & (r.other >= thresholds.get("other_override", NEVER))
        & (r.alert < other_override_alert(thresholds))
    )
    return np.where(others, 0, own)


RANKS = {"none": 0, "low": 1, "high": 2, "imminent": 3}


def rates(r: Readings, own: np.ndarray, within: np.ndarray | None = None) -> dict[str, float]:
    """Recall (high+imminent), imminent recall and false alarms on harmless messages."""
    keep = np.ones(len(own), dtype=bool) if within is None else within

    def share(hit: np.ndarray, among: np.ndarray) -> float:
        among = among & keep
        return float(hit[among].mean()) if among.any() else 0.0

    return {
        "recall": share(own >= 2, r.at_risk),
        "imminent_recall": share(own == 3, r.is_imminent),
        "false_alarms": share(own >= 2, r.harmless),
        "imminent_on_not_at_risk": share(own == 3, r.not_at_risk),
    }


def _imminent_for(r: Readings, base: dict[str, float]) -> float:
    """The lowest imminent threshold whose imminent alerts on harmless and low messages
    stay at or under ``IMMINENT_FALSE_CAP`` (the imminent head only lifts an alert, so it
    adds no false alarm of its own)."""
    candidates = THRESHOLD_CANDIDATES
    low, high = 0, len(candidates) - 1

    def fits(index: int) -> bool:
        own = own_levels(r, {**base, "imminent": candidates[index]})
        return rates(r, own)["imminent_on_not_at_risk"] <= IMMINENT_FALSE_CAP

    if not fits(high):
        return candidates[high]
    while low < high:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    return candidates[low]


def baseline_thresholds(r: Readings) -> dict[str, float]:
    """The previous policy: for each ``BASELINE_DISMISS`` floor of the rules' high (their
    imminent never dismissed), the lowest alert threshold whose false alarms stay at or
    under ``FALSE_ALARM_CAP``; the pair with the most recall wins (the lower floor on a
    tie); then the imminent threshold (``_imminent_for``)."""
    best = None
    for dismiss in BASELINE_DISMISS:
        base = {"imminent": 1.01, "other": OTHER_THRESHOLD, "dismiss": dismiss}
        alert = next(
            (
                t
                for t in THRESHOLD_CANDIDATES
                if rates(r, own_levels(r, {**base, "alert": t}))["false_alarms"] <= FALSE_ALARM_CAP
            ),
            THRESHOLD_CANDIDATES[-1],
        )
        recall = rates(r, own_levels(r, {**base, "alert": alert}))["recall"]
        if best is None or recall > best[0]:
            best = (recall, alert, dismiss)
    _, alert, dismiss = best
    base = {
        "alert": alert,
        "other": OTHER_THRESHOLD,
        "dismiss": dismiss,
        "dismiss_imminent": 0.0,
    }
    return {**base, "imminent": _imminent_for(r, base)}


def policy_search(r: Readings) -> list[tuple[dict[str, float], dict[str, float]]]:
    """Every policy tried: each floor of the rules' high (``DISMISS_CANDIDATES``) and
    imminent (``DISMISS_IMMINENT_CANDIDATES``) and each override of the rules' literal
    context (``LITERAL_OVERRIDE_CANDIDATES``) with each alert threshold, the imminent
    threshold then set by ``_imminent_for``; with their out-of-fold rates."""
    tried = []
    for literal_override in LITERAL_OVERRIDE_CANDIDATES:
        for dismiss in DISMISS_CANDIDATES:
            for dismiss_imminent in DISMISS_IMMINENT_CANDIDATES:
                for alert in THRESHOLD_CANDIDATES:
                    base = {
                        "alert": alert,
                        "other": OTHER_THRESHOLD,
                        "dismiss": dismiss,
                        "dismiss_imminent": dismiss_imminent,
                        "literal_override": literal_override,
                        "other_override": OTHER_OVERRIDE,
                        "other_override_alert": OTHER_OVERRIDE_ALERT,
                        "imminent_lift": IMMINENT_LIFT,
                        "imminent_lift_alert": IMMINENT_LIFT_ALERT,
                        "literal_yield_imminent": LITERAL_YIELD_IMMINENT,
                        "negated_override": NEGATED_OVERRIDE,
                        "negated_yield_imminent": NEGATED_YIELD_IMMINENT,
                    }
                    # Below the floor of the rules' high the alert threshold decides alone.
                    if alert < dismiss:
                        continue
                    thresholds = {**base, "imminent": _imminent_for(r, base)}
                    tried.append((thresholds, rates(r, own_levels(r, thresholds))))
    return tried


def choose_thresholds(
    examples: Sequence[Example],
    oof: Sequence[risk_model.Scores],
    shipped: dict[str, float] | None = None,
) -> dict[str, float]:
    """Thresholds and floors for the combined detector, from (grouped) out-of-fold scores.

    The objective, in order: imminent recall no lower than the previous policy's
    (``baseline_thresholds``) on the same scores, nor than the ``shipped`` file's
    thresholds' (when given: a retrain never gives up what the shipped policy reaches
    on the same scores, pooled, nor in either language beyond ``LANGUAGE_TOLERANCE``: see
    ``language_floor``); recall no lower than either; then
    the fewest false alarms on harmless messages; ties go to more imminent recall, then
    more recall, then the lower floors, the rules' literal context kept over overridden,
    then the lower thresholds. (The previous policy never overrides that context.)
    """
    r = readings(examples, oof)
    baseline = baseline_thresholds(r)
    tried = policy_search(r)
    chosen = best_policy(r, tried, baseline, shipped) or baseline
    if shipped is None:
        return chosen
    return language_floor(r, tried, baseline, shipped, chosen)


# How far below the shipped file's thresholds (on the same grouped out-of-fold scores) a
# retrain's may fall in one language: recall and imminent recall at most this much lower,
# false alarms at most this much higher (about 3 of the ~2,900 imminent, 7 of the ~6,700 at
# risk and 7 of the ~7,100 harmless messages per language).
LANGUAGE_TOLERANCE = 0.001
_FLOOR_RATES = ("recall", "imminent_recall", "false_alarms")


def language_rates(r: Readings, thresholds: dict[str, float]) -> dict[str, dict[str, float]]:
    """``rates`` per language (``r.language``), at ``thresholds``."""
    own = own_levels(r, thresholds)
    return {language: rates(r, own, r.language == language) for language in sorted(set(r.language))}


def language_shortfalls(
    r: Readings, thresholds: dict[str, float], shipped: dict[str, float]
) -> list[str]:
    """Where ``thresholds`` fall short of the ``shipped`` ones in a language by more than
    ``LANGUAGE_TOLERANCE`` (lower recall or imminent recall, more false alarms), e.g.
    ``"es imminent_recall 0.9570 < 0.9607"``; empty when they hold in every language."""
    found, kept = language_rates(r, thresholds), language_rates(r, shipped)
    short = []
    for language in found:
        for name in _FLOOR_RATES:
            new, old = found[language][name], kept[language][name]
            worse = (
                new > old + LANGUAGE_TOLERANCE
                if name == "false_alarms"
                else (new < old - LANGUAGE_TOLERANCE)
            )
            if worse:
                sign = ">" if name == "false_alarms" else "<"
                short.append(f"{language} {name} {new:.4f} {sign} {old:.4f}")
    return short


def language_floor(
    r: Readings,
    tried: Sequence[tuple[dict[str, float], dict[str, float]]],
    baseline: dict[str, float],
    shipped: dict[str, float],
    chosen: dict[str, float],
) -> dict[str, float]:
    """The trainer's acceptance check per language: ``chosen`` if it holds the ``shipped``
    file's recall, imminent recall and false alarms in every language (within
    ``LANGUAGE_TOLERANCE``, same scores); else the best of ``tried`` by ``best_policy``
    that does; else the shipped thresholds themselves."""
    if not language_shortfalls(r, chosen, shipped):
        return chosen
    holding = [item for item in tried if not language_shortfalls(r, item[0], shipped)]
    return best_policy(r, holding, baseline, shipped) or dict(shipped)


def language_floor_report(r: Readings, chosen: dict[str, float], shipped: dict[str, float]) -> str:
    """The per-language check, as the trainer prints it: each language's rates at the
    shipped and the chosen thresholds on the same grouped out-of-fold scores."""
    found, kept = language_rates(r, chosen), language_rates(r, shipped)
    lines = []
    for language in found:
        pairs = ", ".join(
            f"{name} {kept[language][name]:.4f} -> {found[language][name]:.4f}"
            for name in _FLOOR_RATES
        )
        lines.append(f"per-language floor ({language}, shipped -> chosen): {pairs}\n")
    short = language_shortfalls(r, chosen, shipped)
    verdict = "refused: " + "; ".join(short) if short else "held"
    return "".join(lines) + f"per-language floor (tolerance {LANGUAGE_TOLERANCE}): {verdict}\n"


def best_policy(
    r: Readings,
    tried: Sequence[tuple[dict[str, float], dict[str, float]]],
    baseline: dict[str, float],
    shipped: dict[str, float] | None = None,
) -> dict[str, float] | None:
    """The best of ``tried`` by ``choose_thresholds``' objective; None if none keeps the
    baseline's (and the ``shipped`` thresholds') imminent recall and recall."""
    floor = rates(r, own_levels(r, baseline))
    if shipped is not None:
        kept = rates(r, own_levels(r, shipped))
        floor = {name: max(floor[name], kept[name]) for name in ("imminent_recall", "recall")}
    eligible = [
        (thresholds, found)
        for thresholds, found in tried
        if found["imminent_recall"] >= floor["imminent_recall"]
        and found["recall"] >= floor["recall"]
    ]
    if not eligible:
        return None

    def order(item: tuple[dict[str, float], dict[str, float]]) -> tuple:
        thresholds, found = item
        return (
            found["false_alarms"],
            -found["imminent_recall"],
            -found["recall"],
            thresholds["dismiss"],
            thresholds["dismiss_imminent"],
            -thresholds.get("literal_override", NEVER),
            thresholds["alert"],
        )

    return min(eligible, key=order)[0]


def tradeoff(
    r: Readings,
    tried: Sequence[tuple[dict[str, float], dict[str, float]]],
    baseline: dict[str, float],
) -> str:
    """The trade-off table of the policies tried (out-of-fold rates): for each pair of
    floors, the best policy by ``best_policy``'s objective; then the most recall under a
    few false-alarm caps, floors free."""

    def row(title: str, thresholds: dict[str, float] | None) -> str:
        if thresholds is None:
            return f"{title:<34} (none reaches the previous recall and imminent recall)\n"
        found = rates(r, own_levels(r, thresholds))
        return (
            f"{title:<34} alert {thresholds['alert']:.2f} imminent {thresholds['imminent']:.2f}"
            f"  recall {found['recall']:.3f} imminent {found['imminent_recall']:.3f}"
            f" false alarms {found['false_alarms']:.3f}\n"
        )

    text = row("previous policy", baseline)
    for dismiss_imminent in DISMISS_IMMINENT_CANDIDATES:
        for dismiss in DISMISS_CANDIDATES:
            some = [
                (t, f)
                for t, f in tried
                if t["dismiss"] == dismiss and t["dismiss_imminent"] == dismiss_imminent
            ]
            text += row(
                f"floors high {dismiss:.2f} imminent {dismiss_imminent:.2f}",
                best_policy(r, some, baseline),
            )
    for cap in (0.03, 0.05, 0.06, 0.08):
        under = [(t, f) for t, f in tried if f["false_alarms"] <= cap]
        best = max(
            under, key=lambda item: (item[1]["recall"], item[1]["imminent_recall"]), default=None
        )
        title = f"most recall, false alarms <= {cap:.2f}"
        text += row(title, best[0] if best else None) if best else f"{title}: none\n"
        if best:
            text = (
                text[:-1]
                + f"  (floors {best[0]['dismiss']:.2f}/{best[0]['dismiss_imminent']:.2f})\n"
            )
    return text


@dataclass
class AuditRow:
    """One rule's share of the detector's alerts (``audit``); a rule is a language's
    signal ("en means"), credited to the writer."""

    rule: str
    harmless: int = 0  # harmless messages alerting with this rule among the writer's signals
    harmless_unique: int = 0  # ... that would not alert without it
    at_risk: int = 0  # at-risk messages alerting with it
    unique: int = 0  # ... that would not alert without it (its unique catches)
    imminent_unique: int = 0  # imminent messages read as imminent only because of it


def audit(
    examples: Sequence[Example],
    oof: Sequence[risk_model.Scores],
    thresholds: dict[str, float],
    rules=None,
) -> list[AuditRow]:
    """Each rule's fires and unique catches, rules and model combined as the detector
    combines them, on (grouped) out-of-fold scores: what the rule costs in false alarms
    against what it catches that nothing else would. A catch is unique when the message,
    read again with every other signal the rules credited to the writer but this one,
    no longer alerts (or, for imminent, is no longer imminent). Rows sorted by harmless
    fires, then name."""
    from escalation.risk import (
        Assessment,
        combine,
        level_of_signals,
        ordered_reasons,
        rule_detector,
        rules_context,
        word_count,
    )

    rules = rules or rule_detector()
    rows: dict[str, AuditRow] = {}

    def own_level(found: Assessment, scores, literal: bool, words: int) -> int:
        got = combine(found, scores, thresholds, literal, words, negated=negated)
        return RANKS[got.level] if got.who == "self" else 0

    for example, scores in zip(examples, oof, strict=True):
        found, literal, negated = rules_context(rules, example.text)
        credited = rules.read(normalise(example.text))[1] - {"literal", "negated"}
        if found.who != "self" or not credited:
            continue
        words = word_count(example.text)
        level = own_level(found, scores, literal, words)
        if level < RANKS["high"]:
            continue
        for signal in sorted(credited):
            row = rows.setdefault(
                f"{example.language} {signal}", AuditRow(f"{example.language} {signal}")
            )
            rest = set(credited) - {signal}
            without = Assessment(level_of_signals(rest), ordered_reasons(rest), who="self")
            lower = own_level(without, scores, literal, words)
            if example.level == "none":
                row.harmless += 1
                row.harmless_unique += lower < RANKS["high"]
            elif example.level in RISK_LEVELS:
                row.at_risk += 1
                row.unique += lower < RANKS["high"]
                row.imminent_unique += (
                    example.level == "imminent" and level == RANKS["imminent"] > lower
                )
    return sorted(rows.values(), key=lambda row: (-row.harmless, row.rule))


def format_audit(rows: Sequence[AuditRow]) -> str:
    header = (
        f"{'rule':<22}{'harmless fires':>16}{'(unique)':>10}{'at-risk fires':>15}"
        f"{'unique catches':>16}{'imminent unique':>17}\n"
    )
    return header + "".join(
        f"{row.rule:<22}{row.harmless:>16}{row.harmless_unique:>10}{row.at_risk:>15}"
        f"{row.unique:>16}{row.imminent_unique:>17}\n"
        for row in rows
    )


def _summary(
    examples: Sequence[Example], oof: Sequence[risk_model.Scores], thresholds: dict[str, float]
) -> dict[str, float]:
    """Out-of-fold figures of rules + model at the chosen thresholds, kept in the file."""
    from escalation.risk import combine, rule_detector, rules_context, word_count

    rules = rule_detector()
    found = []
    for example, scores in zip(examples, oof, strict=True):
        reading, literal, negated = rules_context(rules, example.text)
        found.append(
            combine(reading, scores, thresholds, literal, word_count(example.text), negated=negated)
        )

    def own(a, level: str | None = None) -> bool:
        return a.who == "self" and (a.level == level if level else a.level in RISK_LEVELS)

    def rate(indices: list[int], hit) -> float:
        return round(sum(hit(found[i]) for i in indices) / len(indices), 4)

    at_risk = [i for i, e in enumerate(examples) if e.level in RISK_LEVELS]
    imminent = [i for i, e in enumerate(examples) if e.level == "imminent"]
    harmless = [i for i, e in enumerate(examples) if e.level == "none"]
    return {
        "recall": rate(at_risk, own),
        "imminent_recall": rate(imminent, lambda a: own(a, "imminent")),
        "false_alarms": rate(harmless, own),
    }


def out_of_fold_scores(
    examples: Sequence[Example], cache: Path | None = None, grouped: bool = False
) -> list[risk_model.Scores]:
    """Each message scored by the fold model that did not see it (``grouped``: by the
    model of the fold that held out the message's whole group, see ``folds_of``).

    With ``cache``, the scores are kept in that file under a key of the corpus and the
    training settings, and reused while neither changes (rule edits then cost no
    retraining to re-choose thresholds or to report cross-validated figures).
    """
    mode = "grouped-stable" if grouped else "random"
    key = (
        f"{corpus_digest(examples)}-{mode}-{SEED}-{FOLDS}-{CALIBRATION_FOLDS}-{C}-{MIN_DF}"
        f"-{risk_model.MODEL_TEXT}"
    )
    if cache is not None and cache.exists():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return [risk_model.Scores(*scores) for scores in stored["scores"]]
    found: list[risk_model.Scores | None] = [None] * len(examples)
    for held_out, model in out_of_fold_models(examples, grouped=grouped):
        for index in held_out:
            found[index] = model.scores(normalise(examples[index].text))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        rows = [[s.alert, s.imminent, s.other] for s in found]  # type: ignore[union-attr]
        cache.write_text(json.dumps({"key": key, "scores": rows}), encoding="utf-8")
    return found  # type: ignore[return-value]


OOF_CACHE = Path(__file__).resolve().parent.parent / "var" / "risk-out-of-fold.json"
GROUPED_OOF_CACHE = OOF_CACHE.with_name("risk-out-of-fold-grouped.json")


def cached_scores(examples: Sequence[Example], grouped: bool) -> list[risk_model.Scores]:
    return out_of_fold_scores(examples, GROUPED_OOF_CACHE if grouped else OOF_CACHE, grouped)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m escalation.risk_train", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--output", type=Path, default=risk_model.MODEL_FILE)
    parser.add_argument(
        "--tradeoff",
        action="store_true",
        help="print the policies tried on grouped out-of-fold scores, and train nothing",
    )
    parser.add_argument(
        "--audit",
        action="store_true",
        help="print each rule's fires and unique catches on grouped out-of-fold scores at "
        "the shipped thresholds, and train nothing",
    )
    arguments = parser.parse_args(argv)
    examples = training_examples()
    grouped_oof = cached_scores(examples, grouped=True)
    if arguments.audit:
        thresholds = risk_model.load(arguments.output).thresholds
        sys.stdout.write(format_audit(audit(examples, grouped_oof, thresholds)))
        return 0
    if arguments.tradeoff:
        r = readings(examples, grouped_oof)
        sys.stdout.write(tradeoff(r, policy_search(r), baseline_thresholds(r)))
        return 0
    # The shipped file (when there is one) sets a floor, wherever the new one is written:
    # see choose_thresholds.
    shipped_file = risk_model.MODEL_FILE
    shipped = risk_model.load(shipped_file).thresholds if shipped_file.exists() else None
    if shipped is None:
        thresholds = choose_thresholds(examples, grouped_oof)
    else:
        # choose_thresholds, with what the per-language floor (language_floor) found told.
        r = readings(examples, grouped_oof)
        baseline = baseline_thresholds(r)
        tried = policy_search(r)
        pooled = best_policy(r, tried, baseline, shipped) or baseline
        thresholds = language_floor(r, tried, baseline, shipped, pooled)
        if thresholds != pooled:
            sys.stdout.write(
                "per-language floor refused the pooled choice "
                f"({'; '.join(language_shortfalls(r, pooled, shipped))}); chose {thresholds}\n"
            )
        sys.stdout.write(language_floor_report(r, thresholds, shipped))
    fitted = fit(examples)
    # Grouped figures only: random folds flatter a corpus written by few people, and
    # their scores (a third of a cold retrain) chose nothing; make eval-risk reports them.
    metadata = {
        "trained_on": len(examples),
        "grouped_out_of_fold": _summary(examples, grouped_oof, thresholds),
        "corpus_sha256_16": corpus_digest(examples),
        "seed": SEED,
        "scikit_learn": sklearn.__version__,
        "c": C,
        "min_df": MIN_DF,
    }
    content = export(fitted, thresholds, metadata)
    write(content, arguments.output)
    size = arguments.output.stat().st_size
    sys.stdout.write(
        f"trained on {len(examples)} messages, {len(content['weights'])} features; "
        f"thresholds {thresholds}; wrote {arguments.output.name} ({size / 1e6:.2f} MB)\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
