"""The regression analyses against statsmodels: IPW for attrition, ANCOVA for studies."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

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
