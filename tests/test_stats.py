"""The intervals and shift tests of alerts.stats, checked against their definitions and by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import poisson

from hypewatch.alerts.stats import (
    Interval,
    Z,
    binomial_dispersion,
    poisson_dispersion,
    poisson_rate,
    proportion_test,
    rate_test,
    wilson,
)


@pytest.mark.parametrize("k, n", [(0, 10), (1, 10), (5, 100), (50, 100), (97, 100), (3, 7)])
def test_wilson_bounds_are_where_the_score_test_reaches_z(k, n):
    interval = wilson(k, n)
    for p0, sign in ((interval.low, 1), (interval.high, -1)):
        if 0 < p0 < 1:
            assert (k / n - p0) / math.sqrt(p0 * (1 - p0) / n) == pytest.approx(sign * Z)
    assert interval.low <= k / n <= interval.high
    assert wilson(k, 0) is None


@pytest.mark.parametrize("k, exposure", [(0, 7), (1, 7), (4, 2.5), (30, 210)])
def test_poisson_bounds_leave_two_and_a_half_percent_each_side(k, exposure):
    interval = poisson_rate(k, exposure)
    if k > 0:
        assert poisson.sf(k - 1, interval.low * exposure) == pytest.approx(0.025)
    else:
        assert interval.low == 0
    assert poisson.cdf(k, interval.high * exposure) == pytest.approx(0.025)


def test_intervals_clear_only_when_they_do_not_overlap():
    assert Interval(0.5, 0.6).clears(Interval(0.1, 0.4))
    assert Interval(0.1, 0.4).clears(Interval(0.5, 0.6))
    assert not Interval(0.3, 0.6).clears(Interval(0.1, 0.4))
    assert not Interval(2.0, None).clears(Interval(1.0, None))


def test_no_shift_raises_about_five_percent_false_alarms_at_z_two():
    rng = np.random.default_rng(7)
    rates = [rate_test(rng.poisson(0.02 * 210), 210, rng.poisson(0.02 * 800), 800).z for _ in range(3000)]
    shares = [proportion_test(rng.binomial(300, 0.3), 300, rng.binomial(1200, 0.3), 1200).z for _ in range(3000)]
    for zs in (rates, shares):
        assert 0.02 < np.mean(np.abs(zs) >= 1.96) < 0.08


def test_the_rate_ratio_interval_covers_the_true_ratio_about_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    covered = 0
    for _ in range(2000):
        found = rate_test(rng.poisson(0.06 * 210), 210, rng.poisson(0.02 * 800), 800).effect_interval
        covered += found.low <= 3.0 <= (found.high or math.inf)
    assert 0.92 < covered / 2000 < 0.985


def test_the_difference_interval_covers_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(12)
    covered = 0
    for _ in range(2000):
        found = proportion_test(rng.binomial(150, 0.25), 150, rng.binomial(600, 0.15), 600).effect_interval
        covered += found.low <= 0.10 <= found.high
    assert 0.92 < covered / 2000 < 0.98


def overdispersed_days(rng, days: int, sentences: int, rate: float) -> list[tuple[int, int]]:
    """Daily mention counts whose rate itself varies from day to day (a gamma-Poisson mixture)."""
    return [(int(rng.poisson(rng.gamma(0.5, rate / 0.5) * sentences)), sentences) for _ in range(days)]


def test_overdispersed_days_are_measured_and_keep_false_alarms_near_five_percent():
    rng = np.random.default_rng(3)
    naive, measured, dispersions = [], [], []
    for _ in range(1500):
        baseline = overdispersed_days(rng, 28, 30, 0.03)
        window = overdispersed_days(rng, 7, 30, 0.03)
        k_b, e_b = sum(k for k, _ in baseline), 28 * 30
        k_w, e_w = sum(k for k, _ in window), 7 * 30
        dispersion = poisson_dispersion(baseline)
        dispersions.append(dispersion)
        naive.append(rate_test(k_w, e_w, k_b, e_b).z)
        measured.append(rate_test(k_w, e_w, k_b, e_b, dispersion).z)
    assert np.median(dispersions) > 1.5  # the mixture's variance is 1 + 0.9 / 0.5 = 2.8 x Poisson
    assert np.mean(np.abs(naive) >= 1.96) > 0.12  # ignoring it, noise passes for a shift
    assert np.mean(np.abs(measured) >= 1.96) < 0.09


def test_dispersion_is_one_for_days_that_vary_as_chance_allows_and_never_below():
    rng = np.random.default_rng(5)
    days = [(int(rng.binomial(200, 0.2)), 200) for _ in range(200)]
    assert binomial_dispersion(days) == pytest.approx(1.0, abs=0.25)
    assert binomial_dispersion([(20, 100)] * 10) == 1.0  # identical days: not below 1
    assert binomial_dispersion([(0, 100)] * 10) == 1.0  # no events at all
    assert poisson_dispersion([(0, 30), (0, 25)]) == 1.0


def test_a_baseline_without_events_has_an_unbounded_rate_ratio_and_still_a_test():
    found = rate_test(6, 210, 0, 800)
    assert found.effect is None and found.effect_interval.high is None and found.effect_interval.low > 0
    assert found.z > 2
    assert rate_test(0, 210, 0, 800).z == 0
