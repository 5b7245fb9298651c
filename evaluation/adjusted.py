"""Regression-based analyses: inverse probability weighting for attrition, and ANCOVA for
randomised comparisons. No Django here.

- Attrition sensitivity (IPW): a logistic regression (fitted by statsmodels' Newton-Raphson
  steps, written out in numpy: _logistic_fit) predicts, from the
  baseline score and the covariates, whether a participant with a baseline completed the
  later wave. Completers are weighted by the inverse of that probability (stabilised by
  the overall completion rate), so completers who resemble the people who dropped out
  count more. The weighted mean change has a robust (HC1 sandwich) standard error with
  the weights treated as known, and a normal 95% CI. It assumes data are missing at
  random given those covariates; it is a sensitivity analysis beside the complete-case
  result, not a replacement.
- ANCOVA (intention to treat): later score = b0 + b1·baseline + arm indicators, by ordinary
  least squares; each arm's estimate is its difference from the reference arm adjusted
  for baseline, with a Student t 95% CI on the residual degrees of freedom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

CONFIDENCE = 0.95
# Too few completers or non-completers to model completion.
MIN_GROUP = 10


@dataclass(frozen=True)
class Weighted:
    mean: float
    low: float
    high: float
    n: int
    # Kish's effective sample size of the weights: how much weighting costs in precision.
    effective_n: float


def completion_weights(completed: np.ndarray, covariates: np.ndarray) -> np.ndarray | None:
    """Stabilised inverse-probability weights for the completers (in their order).

    ``covariates``: one row per participant with a baseline (no intercept column).
    None when completion cannot be modelled (too few in a group, or no convergence).
    """
    completed = completed.astype(float)
    done = int(completed.sum())
    if done < MIN_GROUP or completed.size - done < MIN_GROUP:
        return None
    # Constant columns (a category nobody chose) carry no information and break the fit.
    varying = covariates[:, covariates.std(axis=0) > 0] if covariates.size else covariates
    design = np.column_stack([np.ones(completed.size), varying])
    with np.errstate(all="ignore"):
        try:
            probability = _logistic_fit(completed, design)
        except np.linalg.LinAlgError:
            return None
    if probability is None:
        return None
    probability = np.clip(probability, 1e-3, 1.0)
    rate = done / completed.size
    return rate / probability[completed.astype(bool)]


# statsmodels' Newton-Raphson for Logit (statsmodels.base.optimizer._fit_newton): steps
# until no parameter moves more than the tolerance, each on the Hessian plus a small ridge.
_NEWTON_TOLERANCE = 1e-8
_NEWTON_RIDGE = 1e-10
_NEWTON_STEPS = 100


def _logistic_fit(completed: np.ndarray, design: np.ndarray) -> np.ndarray | None:
    """Each row's fitted probability of ``completed`` (0 or 1) under a logistic model of
    ``design``; None when the steps do not converge.

    statsmodels' ``Logit(...).fit(maxiter=100)`` computed with the same numpy operations in
    the same order, so the probabilities are the same to the last bit (a test holds them to
    it), without the model, results and wrapper objects it builds around each fit and the
    log-likelihood and score it evaluates but this does not read: at 50,000 participants
    0.02 s of CPU less per report built from nothing. Like statsmodels, it raises
    LinAlgError when the Hessian at the estimate cannot be inverted.
    """
    n, width = design.shape

    def fitted(params: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-np.dot(design, params)))

    def information(probability: np.ndarray) -> np.ndarray:
        # The negative Hessian of the mean log-likelihood.
        return np.dot(probability * (1 - probability) * design.T, design) / n

    params, previous, steps = np.zeros(width), np.inf, 0
    while steps < _NEWTON_STEPS and np.any(np.abs(params - previous) > _NEWTON_TOLERANCE):
        probability = fitted(params)
        hessian = information(probability)
        hessian[np.diag_indices(width)] += _NEWTON_RIDGE
        gradient = -np.dot(completed - probability, design) / n
        previous, params = params, params - np.linalg.solve(hessian, gradient)
        steps += 1
    if steps == _NEWTON_STEPS:
        return None
    probability = fitted(params)
    # statsmodels inverts the Hessian at the estimate for the standard errors.
    np.linalg.inv(information(probability))
    return probability


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> Weighted | None:
    """The weighted mean with an HC1 sandwich standard error and a normal 95% CI."""
    n = int(values.size)
    if n < 2:
        return None
    total = float(weights.sum())
    mean = float((weights * values).sum() / total)
    variance = float((weights**2 * (values - mean) ** 2).sum() / total**2) * n / (n - 1)
    half = float(sps.norm.ppf(0.5 + CONFIDENCE / 2)) * math.sqrt(variance)
    effective = total**2 / float((weights**2).sum())
    return Weighted(mean, mean - half, mean + half, n, effective)


@dataclass(frozen=True)
class ArmEffect:
    arm: str
    estimate: float
    se: float
    low: float
    high: float
    t: float
    p: float


@dataclass(frozen=True)
class Ancova:
    n: int
    df: int
    baseline_slope: float
    effects: list[ArmEffect]


def ancova(
    later: np.ndarray, baseline: np.ndarray, arms: Sequence[str], reference: str
) -> Ancova | None:
    """Later score on arm, adjusting for baseline (OLS). None when it cannot be estimated."""
    names = sorted({a for a in arms if a != reference})
    arm_array = np.asarray(arms, dtype=object)
    n = int(later.size)
    columns = [np.ones(n), baseline.astype(float)]
    columns += [(arm_array == name).astype(float) for name in names]
    design = np.column_stack(columns)
    df = n - design.shape[1]
    if df < 1 or np.linalg.matrix_rank(design) < design.shape[1]:
        return None
    coefficients, _, _, _ = np.linalg.lstsq(design, later.astype(float), rcond=None)
    residuals = later - design @ coefficients
    sigma2 = float(residuals @ residuals) / df
    covariance = sigma2 * np.linalg.inv(design.T @ design)
    critical = float(sps.t.ppf(0.5 + CONFIDENCE / 2, df))
    effects = []
    for position, name in enumerate(names, start=2):
        estimate = float(coefficients[position])
        se = math.sqrt(float(covariance[position, position]))
        t = estimate / se if se else math.inf
        p = float(2 * sps.t.sf(abs(t), df))
        effects.append(
            ArmEffect(name, estimate, se, estimate - critical * se, estimate + critical * se, t, p)
        )
    return Ancova(n, df, float(coefficients[1]), effects)
