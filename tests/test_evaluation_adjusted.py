"""The regression analyses against statsmodels: IPW for attrition, ANCOVA for studies."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from threadpoolctl import threadpool_limits

from evaluation import adjusted

RNG = np.random.default_rng(20261206)


def test_completion_weights_are_the_stabilised_inverse_of_a_logistic_model():
    n = 600
    baseline = RNG.normal(3, 1, n)
    group = RNG.integers(0, 2, n).astype(float)
    completed = RNG.random(n) < 1 / (1 + np.exp(-(0.5 - 0.6 * (baseline - 3) + 0.4 * group)))
    covariates = np.column_stack([baseline, group])
    weights = adjusted.completion_weights(completed, covariates)
    fit = sm.Logit(completed.astype(float), sm.add_constant(covariates)).fit(disp=0)
    expected = completed.mean() / fit.predict(sm.add_constant(covariates))[completed]
    np.testing.assert_allclose(weights, expected, rtol=1e-6)


def _statsmodels_weights(completed: np.ndarray, covariates: np.ndarray) -> np.ndarray | None:
    """The weights as statsmodels' Logit gives them (what completion_weights computed with
    it): None when it does not converge or its Hessian cannot be inverted."""
    design = np.column_stack([np.ones(completed.size), covariates[:, covariates.std(axis=0) > 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.Logit(completed.astype(float), design, check_rank=False).fit(
                disp=0, maxiter=100
            )
        except np.linalg.LinAlgError:
            return None
    if not fit.mle_retvals["converged"]:
        return None
    return completed.mean() / np.clip(fit.predict(design), 1e-3, 1.0)[completed]


def _report_like_covariates(n: int) -> tuple[np.ndarray, np.ndarray]:
    """A standardised baseline score and one-hot groups (the first level of each has no
    column, and one level nobody chose), as the report's attrition rows build them."""
    baseline = RNG.normal(6, 2.5, n)
    groups = RNG.integers(0, 4, (n, 3))
    columns = [(baseline - baseline.mean()) / baseline.std()]
    for breakdown in range(3):
        columns += [(groups[:, breakdown] == level).astype(float) for level in (1, 2, 3, 4)]
    slope = 0.4 * columns[0] - 0.3 * columns[1] + 0.2 * columns[6]
    completed = RNG.random(n) < 1 / (1 + np.exp(-(0.8 + slope)))
    return completed, np.column_stack(columns)


@pytest.mark.parametrize("n", [300, 5000])
def test_completion_weights_are_statsmodels_logit_weights_to_the_last_bit(n):
    completed, covariates = _report_like_covariates(n)
    with threadpool_limits(limits=1, user_api="blas"):
        weights = adjusted.completion_weights(completed, covariates)
        expected = _statsmodels_weights(completed, covariates)
    assert weights.shape == (int(completed.sum()),)
    np.testing.assert_allclose(weights, expected, rtol=1e-9, atol=0)
    # The same numpy operations in the same order: the release does not move by a bit.
    assert np.array_equal(weights, expected)


def test_separated_completion_is_not_modelled_as_statsmodels_does_not():
    completed, covariates = _report_like_covariates(400)
    # The baseline score alone tells completers from the rest: the fit never settles.
    covariates[:, 0] = np.where(completed, 1.0, -1.0) + RNG.normal(0, 0.01, completed.size)
    assert _statsmodels_weights(completed, covariates) is None
    assert adjusted.completion_weights(completed, covariates) is None


def test_a_duplicated_covariate_gives_what_statsmodels_gives():
    completed, covariates = _report_like_covariates(400)
    # Two breakdowns with the very same groups: the Hessian at the estimate is singular.
    covariates = np.column_stack([covariates, covariates[:, 1]])
    expected = _statsmodels_weights(completed, covariates)
    weights = adjusted.completion_weights(completed, covariates)
    if expected is None:
        assert weights is None
    else:
        np.testing.assert_allclose(weights, expected, rtol=1e-9, atol=0)


def test_too_few_completers_means_no_weights():
    completed = np.zeros(50, dtype=bool)
    completed[:5] = True
    assert adjusted.completion_weights(completed, RNG.normal(size=(50, 2))) is None


def test_the_weighted_mean_and_its_robust_interval_match_statsmodels():
    values = RNG.normal(-0.4, 1, 300)
    weights = RNG.uniform(0.5, 3, 300)
    result = adjusted.weighted_mean(values, weights)
    fit = sm.WLS(values, np.ones(300), weights=weights).fit(cov_type="HC1")
    low, high = fit.conf_int(alpha=0.05)[0]
    assert result.mean == pytest.approx(fit.params[0], abs=1e-12)
    assert result.low == pytest.approx(low, abs=1e-9) and result.high == pytest.approx(
        high, abs=1e-9
    )
    assert result.effective_n == pytest.approx(weights.sum() ** 2 / (weights**2).sum())


def test_ancova_matches_statsmodels_ols():
    n = 240
    arms = np.array(["tip", "story", "reminder"] * (n // 3), dtype=object)
    baseline = RNG.normal(3, 0.8, n)
    effect = np.where(arms == "story", -0.3, np.where(arms == "reminder", -0.1, 0.0))
    later = 0.5 + 0.7 * baseline + effect + RNG.normal(0, 0.6, n)
    result = adjusted.ancova(later, baseline, list(arms), reference="tip")
    design = np.column_stack(
        [np.ones(n), baseline, (arms == "reminder").astype(float), (arms == "story").astype(float)]
    )
    fit = sm.OLS(later, design).fit()
    intervals = fit.conf_int(alpha=0.05)
    assert result.n == n and result.df == n - 4
    assert result.baseline_slope == pytest.approx(fit.params[1], abs=1e-9)
    for position, effect_row in zip((2, 3), result.effects, strict=True):
        assert effect_row.estimate == pytest.approx(fit.params[position], abs=1e-9)
        assert effect_row.se == pytest.approx(fit.bse[position], abs=1e-9)
        assert effect_row.low == pytest.approx(intervals[position][0], abs=1e-9)
        assert effect_row.high == pytest.approx(intervals[position][1], abs=1e-9)
        assert effect_row.p == pytest.approx(fit.pvalues[position], abs=1e-9)
    assert [e.arm for e in result.effects] == ["reminder", "story"]


def test_ancova_without_enough_people_is_not_estimated():
    assert adjusted.ancova(np.array([1.0, 2.0]), np.array([1.0, 2.0]), ["a", "b"], "a") is None
