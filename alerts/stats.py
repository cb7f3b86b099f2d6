"""Intervals and shift tests on counts: pure functions, no I/O.

Every series metric is a count of events (hype sentences, fatigue mentions, documents) over an
exposure (sentences, stance sentences, days), so its uncertainty and its tests come from the counts:

- a **share** k of n (hype_share, hype_index's hype share of stance sentences, fatigue mentions
  per sentence) gets a Wilson score interval, which stays inside [0, 1] and behaves at k = 0;
- a **rate** k per exposure e (documents per day) gets the exact Poisson (Garwood) interval;
- a **shift** of a window against its baseline is a test on the pooled counts: two proportions for
  shares, two Poisson rates (conditional on their total, a binomial) for rates, reported as a
  difference or a rate ratio with its interval.

Sentences of one story or one day are not independent draws, so day-to-day counts vary more than
a binomial or Poisson model says. `dispersion` measures that on the baseline's days (Pearson's
chi-square over its degrees of freedom, never below 1: the quasi-binomial / quasi-Poisson
scale), and the tests and intervals divide counts by it, which widens them by its square root.

The same Wilson interval is written in SQL for the views (storage/migrations/007_series_intervals.sql);
tests check that the two agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from scipy.stats import beta, gamma

#: Intervals are 95%; the SQL macros of migration 007 use the same quantile.
CONFIDENCE = 0.95
Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)  # 1.959963984540054


@dataclass(frozen=True)
class Interval:
    low: float
    high: float | None  # None: unbounded (a rate ratio over a baseline without events)

    def clears(self, other: Interval) -> bool:
        """Whether the two intervals do not overlap."""
        above = other.high is not None and self.low > other.high
        below = self.high is not None and self.high < other.low
        return above or below

    def scaled(self, scale: float, offset: float = 0.0) -> Interval:
        high = None if self.high is None else scale * self.high + offset
        return Interval(scale * self.low + offset, high)


@dataclass(frozen=True)
class ShiftTest:
    """A window against its baseline: z (signed, in standard errors), two-sided p, and the effect."""

    z: float
    p_value: float
    effect_name: str  # "difference" (of shares) or "rate ratio"
    effect: float | None  # None: undefined (a ratio over a baseline without events)
    effect_interval: Interval
    dispersion: float


def wilson(k: float, n: float, z: float = Z) -> Interval | None:
    """Wilson score interval of the share k/n; None when n is 0. k and n may be fractional
    (counts divided by a dispersion)."""
    if n <= 0:
        return None
    p = k / n
    center = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denominator = 1 + z * z / n
    low = 0.0 if k <= 0 else max(0.0, (center - half) / denominator)  # not 1e-17 by rounding
    high = 1.0 if k >= n else min(1.0, (center + half) / denominator)
    return Interval(low, high)


def poisson_rate(k: float, exposure: float, confidence: float = CONFIDENCE) -> Interval | None:
    """Exact (Garwood) interval of the rate k per unit of exposure; None when exposure is 0."""
    if exposure <= 0:
        return None
    alpha = 1 - confidence
    low = gamma.ppf(alpha / 2, k) / exposure if k > 0 else 0.0
    return Interval(float(low), float(gamma.ppf(1 - alpha / 2, k + 1) / exposure))


def binomial_dispersion(days: Sequence[tuple[float, float]]) -> float:
    """Pearson chi-square / (days - 1) of daily (k, n) around their pooled share, at least 1."""
    days = [(k, n) for k, n in days if n > 0]
    total_n = sum(n for _, n in days)
    if len(days) < 2 or total_n <= 0:
        return 1.0
    p = sum(k for k, _ in days) / total_n
    if p <= 0 or p >= 1:
        return 1.0
    chi2 = sum((k - n * p) ** 2 / (n * p * (1 - p)) for k, n in days)
    return max(1.0, chi2 / (len(days) - 1))


def poisson_dispersion(days: Sequence[tuple[float, float]]) -> float:
    """Pearson chi-square / (days - 1) of daily (k, exposure) around their pooled rate, at least 1."""
    days = [(k, e) for k, e in days if e > 0]
    total_e = sum(e for _, e in days)
    if len(days) < 2 or total_e <= 0:
        return 1.0
    rate = sum(k for k, _ in days) / total_e
    if rate <= 0:
        return 1.0
    chi2 = sum((k - e * rate) ** 2 / (e * rate) for k, e in days)
    return max(1.0, chi2 / (len(days) - 1))


def proportion_test(k_w: float, n_w: float, k_b: float, n_b: float, dispersion: float = 1.0) -> ShiftTest:
    """Window share k_w/n_w against baseline share k_b/n_b: the two-proportion z-test (pooled
    variance, scaled by `dispersion`) and Newcombe's interval of the difference, built from the
    Wilson intervals of each share (counts divided by `dispersion`)."""
    if n_w <= 0 or n_b <= 0:
        raise ValueError("both the window and the baseline need sentences")
    p_w, p_b = k_w / n_w, k_b / n_b
    pooled = (k_w + k_b) / (n_w + n_b)
    variance = dispersion * pooled * (1 - pooled) * (1 / n_w + 1 / n_b)
    z = (p_w - p_b) / math.sqrt(variance) if variance > 0 else 0.0
    w = wilson(k_w / dispersion, n_w / dispersion)
    b = wilson(k_b / dispersion, n_b / dispersion)
    low = p_w - p_b - math.sqrt((p_w - w.low) ** 2 + (b.high - p_b) ** 2)
    high = p_w - p_b + math.sqrt((w.high - p_w) ** 2 + (p_b - b.low) ** 2)
    return ShiftTest(z, _two_sided(z), "difference", p_w - p_b, Interval(low, high), dispersion)


def rate_test(k_w: float, e_w: float, k_b: float, e_b: float, dispersion: float = 1.0) -> ShiftTest:
    """Window rate k_w/e_w against baseline rate k_b/e_b.

    Given the total K = k_w + k_b, k_w is binomial(K, e_w / (e_w + e_b)) when the rates are equal:
    z is that binomial's score statistic (variance scaled by `dispersion`), and the rate ratio's
    interval is the exact (Clopper-Pearson) interval of the binomial share, mapped to a ratio,
    with counts divided by `dispersion`. It holds at zero counts, where a log-ratio does not.
    """
    if e_w <= 0 or e_b <= 0:
        raise ValueError("both the window and the baseline need exposure")
    total = k_w + k_b
    share = e_w / (e_w + e_b)
    if total <= 0:
        return ShiftTest(0.0, 1.0, "rate ratio", None, Interval(0.0, None), dispersion)
    z = (k_w - total * share) / math.sqrt(dispersion * total * share * (1 - share))
    x, n = k_w / dispersion, total / dispersion
    alpha = 1 - CONFIDENCE
    pi_low = float(beta.ppf(alpha / 2, x, n - x + 1)) if x > 0 else 0.0
    pi_high = float(beta.ppf(1 - alpha / 2, x + 1, n - x)) if x < n else 1.0
    odds = e_b / e_w

    def ratio(pi: float) -> float | None:
        return None if pi >= 1 else pi / (1 - pi) * odds

    effect = (k_w / e_w) / (k_b / e_b) if k_b > 0 else None
    return ShiftTest(z, _two_sided(z), "rate ratio", effect, Interval(ratio(pi_low) or 0.0, ratio(pi_high)), dispersion)


def _two_sided(z: float) -> float:
    return 2 * (1 - NormalDist().cdf(abs(z)))
