"""The statistics match scipy called directly, and hand-worked examples, to 1e-9."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special
from scipy import stats as sps

from evaluation import stats

TOLERANCE = 1e-9
RNG = np.random.default_rng(20240611)
PRE = RNG.normal(3.2, 0.7, 120)
POST = PRE - 0.3 + RNG.normal(0, 0.5, 120)


def close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def test_paired_t_test_matches_scipy():
    result = stats.paired(PRE, POST)
    expected = sps.ttest_rel(POST, PRE)
    assert close(result.t, expected.statistic)
    assert close(result.p_t, expected.pvalue)


def test_wilcoxon_matches_scipy():
    result = stats.paired(PRE, POST)
    expected = sps.wilcoxon(POST - PRE)
    assert close(result.wilcoxon_w, expected.statistic)
    assert close(result.p_wilcoxon, expected.pvalue)


def test_mean_change_and_confidence_interval_match_scipy():
    change = POST - PRE
    result = stats.paired(PRE, POST)
    low, high = sps.t.interval(0.95, len(change) - 1, loc=change.mean(), scale=sps.sem(change))
    assert close(result.mean_change, change.mean())
    assert close(result.ci_low, low)
    assert close(result.ci_high, high)


def test_hand_worked_paired_example():
    # Changes 1, 2, 3, 4, 5: mean 3, SD sqrt(2.5), t = 3 / (sqrt(2.5)/sqrt(5)) = 3 * sqrt(2).
    result = stats.paired([0, 0, 0, 0, 0], [1, 2, 3, 4, 5])
    assert close(result.mean_change, 3.0)
    assert close(result.sd_change, math.sqrt(2.5))
    assert close(result.t, 3 * math.sqrt(2))
    assert close(result.d_z, 3 / math.sqrt(2.5))
    # 95% CI: 3 ± t(0.975, 4) * sqrt(2.5)/sqrt(5), with t(0.975, 4) = 2.776445105197793.
    half = 2.776445105197793 * math.sqrt(0.5)
    assert close(result.ci_low, 3 - half)
    assert close(result.ci_high, 3 + half)


def test_cohens_d_z_is_mean_change_over_sd_of_change():
    change = POST - PRE
    result = stats.paired(PRE, POST)
    assert close(result.d_z, change.mean() / change.std(ddof=1))


def test_hedges_g_z_uses_the_exact_correction():
    n = len(PRE)
    df = n - 1
    j = math.exp(math.lgamma(df / 2) - math.lgamma((df - 1) / 2)) / math.sqrt(df / 2)
    result = stats.paired(PRE, POST)
    assert close(result.g_z, result.d_z * j)
    # Close to the familiar approximation 1 - 3 / (4 df - 1) for moderate n.
    assert abs(j - (1 - 3 / (4 * df - 1))) < 1e-4


def test_hedges_correction_hand_worked():
    # J(4) = Γ(2) / (√2 · Γ(1.5)) = 1 / (√2 · √π / 2) = √2 / √π.
    assert close(stats.hedges_correction(4), math.sqrt(2) / math.sqrt(math.pi))
    assert close(
        stats.hedges_correction(10),
        special.gamma(5) / (math.sqrt(5) * special.gamma(4.5)),
    )


def test_no_spread_gives_no_test():
    result = stats.paired([1, 2, 3], [2, 3, 4])
    assert result.mean_change == 1 and result.t is None and result.d_z is None


def test_cronbach_alpha_hand_worked():
    # Three people, two items: item variances 1 and 1, total scores 2, 4, 6 (variance 4):
    # alpha = 2/1 * (1 - 2/4) = 1.
    assert close(stats.cronbach_alpha([[1, 1], [2, 2], [3, 3]]), 1.0)
    # Items 1,2,3 and 3,2,1: totals all 4, no variance, alpha undefined.
    assert stats.cronbach_alpha([[1, 3], [2, 2], [3, 1]]) is None


def test_cronbach_alpha_matches_the_variance_formula_and_drops_incomplete_rows():
    items = RNG.integers(1, 6, size=(80, 6)).astype(float)
    items[:, 1] = items[:, 0] + RNG.integers(-1, 2, 80)
    with_missing = np.vstack([items, [[np.nan, 1, 2, 3, 4, 5]]])
    k = items.shape[1]
    expected = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert close(stats.cronbach_alpha(with_missing), expected)


def test_reliable_change_follows_jacobson_truax():
    # SD 2, reliability 0.75: S_diff = sqrt(2) * 2 * 0.5 = sqrt(2); threshold 1.96 * sqrt(2) = 2.77.
    pre = [10, 10, 10, 10]
    post = [7, 8, 13, 10]  # changes -3 (reliable), -2 (not), +3 (reliable), 0
    better_when_lower = stats.reliable_change(
        pre, post, sd_pre=2, reliability=0.75, higher_is_better=False
    )
    assert (better_when_lower.improved, better_when_lower.deteriorated) == (1, 1)
    better_when_higher = stats.reliable_change(
        pre, [13.0, 12.7, 12.8, 10], sd_pre=2, reliability=0.75, higher_is_better=True
    )
    assert better_when_higher.improved == 2


def test_attrition_comparison_is_welchs_t_test():
    dropped, stayed = PRE[:30], PRE[30:]
    result = stats.compare_baselines(dropped, stayed)
    expected = sps.ttest_ind(dropped, stayed, equal_var=False)
    assert result is not None
    assert close(result.t, expected.statistic)
    assert close(result.p, expected.pvalue)
    assert close(result.mean_difference, dropped.mean() - stayed.mean())


def test_holm_adjustment_hand_worked():
    # Sorted 0.01, 0.02, 0.03, 0.04 times 4, 3, 2, 1 -> 0.04, 0.06, 0.06, 0.06 (monotone).
    assert stats.holm([0.03, 0.01, None, 0.04, 0.02]) == pytest.approx(
        [0.06, 0.04, None, 0.06, 0.06], abs=TOLERANCE
    )


def test_holm_is_step_down_bonferroni_on_random_p_values():
    pvalues = list(RNG.uniform(0, 0.2, 9))
    adjusted = stats.holm(pvalues)
    order = np.argsort(pvalues)
    expected = np.minimum(1, np.maximum.accumulate((9 - np.arange(9)) * np.sort(pvalues)))
    assert np.allclose(np.array(adjusted)[order], expected, rtol=0, atol=TOLERANCE)


def test_percentiles_interpolate_linearly():
    assert close(stats.percentile([1, 2, 3, 4], 50), 2.5)
    assert close(stats.percentile([10, 20, 30, 40, 50], 90), 46.0)
    assert stats.percentile([], 50) is None


def test_the_d_z_interval_inverts_the_noncentral_t():
    result = stats.paired(PRE, POST)
    n = PRE.size
    t = result.d_z * math.sqrt(n)
    # At the interval's ends the observed t sits at the 97.5th and 2.5th percentiles.
    # (scipy's inverse comes from cdflib and its cdf from Boost: they agree to about 1e-7.)
    low_cdf = sps.nct.cdf(t, n - 1, result.d_z_low * math.sqrt(n))
    high_cdf = sps.nct.cdf(t, n - 1, result.d_z_high * math.sqrt(n))
    assert low_cdf == pytest.approx(0.975, abs=1e-6)
    assert high_cdf == pytest.approx(0.025, abs=1e-6)
    assert result.d_z_low < result.d_z < result.d_z_high


def test_the_g_z_interval_is_the_d_z_interval_times_the_correction():
    result = stats.paired(PRE, POST)
    correction = stats.hedges_correction(PRE.size - 1)
    assert close(result.g_z_low, result.d_z_low * correction)
    assert close(result.g_z_high, result.d_z_high * correction)


def test_a_p_value_below_floating_point_is_reported_as_a_bound():
    before = np.arange(400, dtype=float)
    after = before - 5 + RNG.normal(0, 0.01, 400)
    result = stats.paired(before, after)
    assert sps.ttest_rel(after, before).pvalue == 0.0
    assert result.p_t == stats.P_FLOOR == 1e-300
    assert stats.p_bound(0.03) == 0.03 and stats.p_bound(None) is None


@pytest.mark.parametrize(
    ("published", "alpha", "items", "expected"),
    [
        (None, 0.81, 4, (0.81, "")),
        (0.7, 0.2, 4, (0.7, "")),
        (None, 0.028, 4, (None, "reliability below 0.6")),
        (None, 0.59, 6, (None, "reliability below 0.6")),
        (None, None, 1, (None, "single item without a published reliability")),
        (0.8, None, 1, (0.8, "")),
    ],
)
def test_reliable_change_needs_a_reliability_of_at_least_point_six(
    published, alpha, items, expected
):
    assert stats.rci_reliability(published, alpha, items) == expected


def test_wilson_intervals_match_scipy():
    for successes, n in [(0, 12), (3, 11), (40, 388), (11, 11)]:
        share = stats.proportion(successes, n)
        expected = sps.binomtest(successes, n).proportion_ci(0.95, method="wilson")
        assert close(share.low, expected.low) and close(share.high, expected.high)
    assert stats.proportion(0, 0) is None
