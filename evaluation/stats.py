"""Pre/post statistics with numpy and scipy. No Django here.

Conventions (repeated in the codebook):
- change is post minus pre;
- the 95% CI of the mean change uses Student's t with n - 1 degrees of freedom;
- the Wilcoxon signed-rank test drops zero differences (Wilcoxon's method) and lets
  scipy choose the exact or normal-approximation p-value;
- Cohen's d_z is the mean change divided by the SD of the changes; Hedges' g_z is d_z
  times the exact small-sample correction J(df) = Γ(df/2) / (√(df/2) · Γ((df-1)/2)),
  df = n - 1;
- the 95% CI of d_z inverts the noncentral t distribution (t = d_z·√n has noncentrality
  δ·√n; Algina & Keselman 2003, Lakens 2013), and the CI of g_z is that interval times J;
- p-values too small for floating point (below P_FLOOR) are reported as P_FLOOR, an
  upper bound ("p < 1e-300"), never as 0;
- Cronbach's alpha uses complete cases; SDs use n - 1;
- reliable change follows Jacobson & Truax (1991): RCI = change / (√2 · SD_pre · √(1 - r)),
  reliable when |RCI| > 1.96, with SD_pre the baseline SD of the analysed (paired)
  participants, and only when the reliability r is at least MIN_RELIABILITY;
- attrition compares baseline means of pre-only and paired participants with Welch's t-test.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy import stats as sps

RCI_THRESHOLD = 1.96
CONFIDENCE = 0.95
# Below this a reliable-change index mostly measures noise (Jacobson & Truax's method
# assumes a reasonably reliable measure; 0.6 is a common floor).
MIN_RELIABILITY = 0.6
# The smallest p-value reported as a number; anything smaller is reported as this bound.
P_FLOOR = 1e-300


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float | None
    sd: float | None


@dataclass(frozen=True)
class PairedResult:
    n: int
    mean_change: float
    sd_change: float | None
    ci_low: float | None
    ci_high: float | None
    t: float | None
    p_t: float | None
    wilcoxon_w: float | None
    p_wilcoxon: float | None
    d_z: float | None
    g_z: float | None
    d_z_low: float | None = None
    d_z_high: float | None = None
    g_z_low: float | None = None
    g_z_high: float | None = None


@dataclass(frozen=True)
class ReliableChange:
    improved: int
    deteriorated: int
    n: int
    reliability: float


@dataclass(frozen=True)
class BaselineComparison:
    mean_difference: float
    t: float
    p: float


@contextmanager
def _exact_inputs_allowed() -> Iterator[None]:
    """scipy warns of precision loss when a group's values are all equal (e.g. everyone
    answered 4); the statistics are still exact then, so that warning is not a problem."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Precision loss occurred", category=RuntimeWarning
        )
        yield


def summarise(values: Sequence[float] | np.ndarray) -> Summary:
    data = np.asarray(values, dtype=float)
    n = int(data.size)
    if n == 0:
        return Summary(0, None, None)
    return Summary(n, float(data.mean()), float(data.std(ddof=1)) if n > 1 else None)


@dataclass(frozen=True)
class MeanCI:
    n: int
    mean: float
    sd: float
    low: float
    high: float


def mean_ci(values: Sequence[float] | np.ndarray) -> MeanCI:
    """Mean with its 95% CI from Student's t (n >= 2)."""
    data = np.asarray(values, dtype=float)
    n = int(data.size)
    if n < 2:
        raise ValueError("a confidence interval needs at least two values")
    mean = float(data.mean())
    sd = float(data.std(ddof=1))
    half_width = t_critical(n - 1) * sd / math.sqrt(n)
    return MeanCI(n, mean, sd, mean - half_width, mean + half_width)


@functools.lru_cache(maxsize=4096)
def t_critical(df: int) -> float:
    """Student's t quantile for a two-sided 95% interval on ``df`` degrees of freedom.

    The function ``scipy.stats.t.ppf`` evaluates (``special.stdtrit``), without its
    argument checks, and remembered: a report asks for the same few values hundreds of
    times (0.02 s of CPU at 50,000 participants); the values are the same bits.
    """
    return float(special.stdtrit(df, 0.5 + CONFIDENCE / 2))


def hedges_correction(df: int) -> float:
    """J(df), the exact small-sample bias correction for a standardised mean difference."""
    return math.exp(
        special.gammaln(df / 2) - math.log(math.sqrt(df / 2)) - special.gammaln((df - 1) / 2)
    )


def paired(pre: Sequence[float] | np.ndarray, post: Sequence[float] | np.ndarray) -> PairedResult:
    """Change from pre to post for the same people (equal-length, aligned arrays, n >= 2)."""
    before = np.asarray(pre, dtype=float)
    after = np.asarray(post, dtype=float)
    if before.shape != after.shape or before.size < 2:
        raise ValueError("paired analysis needs two aligned arrays of at least two values")
    change = after - before
    n = int(change.size)
    interval = mean_ci(change)
    mean, sd = interval.mean, interval.sd
    if sd == 0:
        # Everyone changed by the same amount: no spread, so no test or effect size.
        return PairedResult(n, mean, 0.0, mean, mean, None, None, None, None, None, None)
    with _exact_inputs_allowed():
        t_result = sps.ttest_rel(after, before)
    wilcoxon_w: float | None = None
    p_wilcoxon: float | None = None
    if np.count_nonzero(change):
        w_result = sps.wilcoxon(change)
        wilcoxon_w, p_wilcoxon = float(w_result.statistic), float(w_result.pvalue)
    d_z = mean / sd
    t = float(t_result.statistic)
    d_low, d_high = d_z_interval(t, n)
    correction = hedges_correction(n - 1) if n > 2 else None
    return PairedResult(
        n=n,
        mean_change=mean,
        sd_change=sd,
        ci_low=interval.low,
        ci_high=interval.high,
        t=t,
        p_t=p_bound(float(t_result.pvalue)),
        wilcoxon_w=wilcoxon_w,
        p_wilcoxon=p_bound(p_wilcoxon),
        d_z=d_z,
        g_z=None if correction is None else d_z * correction,
        d_z_low=d_low,
        d_z_high=d_high,
        g_z_low=None if correction is None else d_low * correction,
        g_z_high=None if correction is None else d_high * correction,
    )


def d_z_interval(t: float, n: int) -> tuple[float, float]:
    """95% CI of d_z from the paired t statistic: the noncentrality parameters that put
    the observed t at the 97.5th and 2.5th percentiles, divided by √n."""
    df = n - 1
    tail = (1 - CONFIDENCE) / 2
    low = float(special.nctdtrinc(df, 1 - tail, t))
    high = float(special.nctdtrinc(df, tail, t))
    return low / math.sqrt(n), high / math.sqrt(n)


def p_bound(p: float | None) -> float | None:
    """The p-value as reported: P_FLOOR stands for anything smaller (an upper bound)."""
    if p is None or math.isnan(p):
        return None
    return max(p, P_FLOOR)


def cronbach_alpha(matrix: Sequence[Sequence[float]] | np.ndarray) -> float | None:
    """Alpha for respondents (rows) by items (columns); rows with a missing value are dropped."""
    data = np.asarray(matrix, dtype=float)
    if data.ndim != 2 or data.shape[1] < 2:
        return None
    data = data[~np.isnan(data).any(axis=1)]
    if data.shape[0] < 2:
        return None
    items = data.shape[1]
    total_variance = float(data.sum(axis=1).var(ddof=1))
    if total_variance == 0:
        return None
    item_variance = float(data.var(axis=0, ddof=1).sum())
    return items / (items - 1) * (1 - item_variance / total_variance)


def reliable_change(
    pre: Sequence[float] | np.ndarray,
    post: Sequence[float] | np.ndarray,
    *,
    sd_pre: float,
    reliability: float,
    higher_is_better: bool,
) -> ReliableChange:
    """Jacobson-Truax: how many changed by more than measurement error, in each direction."""
    change = np.asarray(post, dtype=float) - np.asarray(pre, dtype=float)
    s_diff = math.sqrt(2) * sd_pre * math.sqrt(1 - reliability)
    rci = change / s_diff
    better = rci > RCI_THRESHOLD if higher_is_better else rci < -RCI_THRESHOLD
    worse = rci < -RCI_THRESHOLD if higher_is_better else rci > RCI_THRESHOLD
    return ReliableChange(int(better.sum()), int(worse.sum()), int(change.size), reliability)


def compare_baselines(
    first: Sequence[float] | np.ndarray, second: Sequence[float] | np.ndarray
) -> BaselineComparison | None:
    """Welch's t-test of two groups' baseline scores (first minus second)."""
    a = np.asarray(first, dtype=float)
    b = np.asarray(second, dtype=float)
    if a.size < 2 or b.size < 2 or (a.var() == 0 and b.var() == 0):
        return None
    with _exact_inputs_allowed():
        result = sps.ttest_ind(a, b, equal_var=False)
    return BaselineComparison(
        float(a.mean() - b.mean()), float(result.statistic), p_bound(float(result.pvalue)) or 1.0
    )


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm-Bonferroni adjusted p-values, in the input order; None stays None."""
    present = [(p, i) for i, p in enumerate(pvalues) if p is not None]
    m = len(present)
    adjusted: list[float | None] = [None] * len(pvalues)
    running = 0.0
    for rank, (p, index) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[index] = running
    return adjusted


def percentile(values: Sequence[float] | np.ndarray, q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation, or None for no values."""
    data = np.asarray(values, dtype=float)
    return float(np.percentile(data, q)) if data.size else None


def rci_reliability(
    published: float | None, alpha: float | None, items: int
) -> tuple[float | None, str]:
    """The reliability for reliable change and, when there is none usable, why not.

    The instrument's published reliability comes first, else Cronbach's alpha at baseline.
    Returns (reliability, "") or (None, reason).
    """
    if published is None and items < 2:
        return None, "single item without a published reliability"
    value = published if published is not None else alpha
    if value is None:
        return None, "reliability could not be estimated"
    if not MIN_RELIABILITY <= value < 1:
        return None, f"reliability below {MIN_RELIABILITY}" if value < 1 else "reliability of 1"
    return value, ""


@dataclass(frozen=True)
class Proportion:
    n: int
    successes: int
    share: float
    low: float
    high: float


def proportion(successes: int, n: int) -> Proportion | None:
    """A share with its 95% Wilson score interval (good coverage for small n and shares
    near 0 or 1, unlike the Wald interval); the same as scipy's
    ``binomtest(...).proportion_ci(method="wilson")``, computed directly because a report
    needs hundreds of them."""
    if n < 1:
        return None
    z = _Z
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return Proportion(n, successes, share, max(0.0, centre - half), min(1.0, centre + half))


_Z = float(sps.norm.ppf(0.5 + CONFIDENCE / 2))


def standardised_difference(first: np.ndarray, second: np.ndarray) -> float | None:
    """(mean of first - mean of second) / pooled SD: how different two groups' baselines are."""
    if first.size < 2 or second.size < 2:
        return None
    pooled = math.sqrt(
        ((first.size - 1) * first.var(ddof=1) + (second.size - 1) * second.var(ddof=1))
        / (first.size + second.size - 2)
    )
    return float((first.mean() - second.mean()) / pooled) if pooled else None
