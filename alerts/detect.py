"""Shift detection: is the last window of a series far from its baseline?

For a rule evaluated on `day`:

- the **window** is the `window_days` days ending on `day` (inclusive). It ends on the evaluation
  day, not on the latest day with data, so a source that went quiet stops alerting (its window has
  fewer than `min_docs` documents) instead of re-raising on stale data;
- the **baseline** is the `baseline_days` days just before the window;
- the window **value** is the metric recomputed from the window's summed counts (see series.py);
- z is compared with `threshold` in the rule's `direction`. How z is found is the rule's `method`:

  - `counts` (the default) tests the window's pooled counts against the baseline's pooled counts
    (stats.py): shares (hype_share, skeptic_share, and hype_index as the hype share of stance
    sentences) with a test on two proportions, reported as a difference with its interval;
    fatigue mentions (sentences as exposure) and counts per day (days as exposure) with a test on
    two Poisson rates, reported as a rate ratio with its interval. Day-to-day variation beyond
    what independent sentences would give is measured on the baseline's days (the dispersion) and
    widens the test. The baseline is the pooled value, the level the chart's baseline days sit at;
  - `zscore`: (value − mean) / standard deviation of the baseline's daily values;
  - `robust`: (value − median) / (MAD × 1.4826) of the daily values, so one spike in the baseline
    moves neither.
    Daily values are noisier than a pooled window, so these z-scores err on the quiet side.
    Where the daily values hardly vary (a spread under the metric's floor, e.g. 0.02 for
    hype_index, 0.5 for fatigue_per_1k: a flat baseline, or most days without a mention, where
    the median is 0 and so is the MAD), dividing by that spread would make any wiggle a huge z:
    the rule uses the `counts` test then, and says so (`fallback_from` in the alert's detail).

Whatever the method, an alert carries the 95% intervals of the window's value and of the baseline's
pooled value (Wilson for shares, exact Poisson for counts per day, both widened by the dispersion)
and whether they clear each other (`clears`: they do not overlap), so a reader sees whether a move
stands out of the noise.

No alert when the window holds fewer than `min_docs` documents, when the baseline has fewer than
MIN_BASELINE_DAYS days with data, or when the metric is undefined (no hype or skeptic sentence for
hype_index).

One alert per rule, scope and day (alert_id "rule|scope|day"), and none within `cooldown_days` of
another alert of the same rule and scope. By default only `today` is evaluated, so a first run over
months of history raises at most one alert per rule; pass `since` to backfill past days.
"""

from __future__ import annotations

import json
import logging
import statistics
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import duckdb

from hypewatch.records import Alert
from hypewatch.scopes import parse_scope
from hypewatch.settings import Rule
from hypewatch.storage import Store

from .series import Counts, DayCounts, Metric, Q, load_series, metric, total
from .stats import ShiftTest, binomial_dispersion, poisson_dispersion, proportion_test, rate_test

logger = logging.getLogger(__name__)

MIN_BASELINE_DAYS = 5
MAD_TO_SIGMA = 1.4826  # MAD x this estimates the standard deviation of normal data


def alert_id(rule: str, scope: str, day: date) -> str:
    return f"{rule}|{scope}|{day.isoformat()}"


def evaluate(rule: Rule, series: Sequence[DayCounts], day: date) -> Alert | None:
    """The alert this rule raises on `day` over a daily series of its scope, or None."""
    m = metric(rule.metric)
    window_start = day - timedelta(days=rule.window_days - 1)
    baseline_start = window_start - timedelta(days=rule.baseline_days)
    window = [d for d in series if window_start <= d.day <= day]
    baseline = {d.day: d for d in series if baseline_start <= d.day < window_start}

    counts = total(window)
    if counts.n_docs < max(rule.min_docs, 1):
        return None
    value = m.value(counts, rule.window_days)
    if value is None:
        return None

    days_with_data = sum(1 for d in baseline.values() if d.counts.n_docs > 0)
    if days_with_data < MIN_BASELINE_DAYS:
        return None
    # Each baseline day's counts; a day without documents is zero counts, which only a count per
    # day treats as a value (0 documents that day), the others as a gap (no share without sentences).
    baseline_days = [
        baseline[d].counts if d in baseline else Counts()
        for d in (baseline_start + timedelta(days=offset) for offset in range(rule.baseline_days))
    ]
    measured = [c for c in baseline_days if m.exposure(c, 1) > 0]
    if len(measured) < MIN_BASELINE_DAYS:
        return None
    pooled = sum(measured, Counts())
    n_baseline_days = len(measured) if not m.is_count else rule.baseline_days
    dispersion = (poisson_dispersion if m.rate_test else binomial_dispersion)(
        [(m.events(c), m.exposure(c, 1)) for c in measured]
    )

    method, statistic, spread = rule.method, {}, {}
    if method != "counts":
        daily = [m.value(c, 1) for c in measured]
        center, daily_spread = _daily_center_and_spread(daily, method)
        if daily_spread >= m.spread_floor:
            z = (value - center) / daily_spread
            spread = {"spread": daily_spread}
        else:  # a flat baseline, or mostly days without a mention: nothing to scale by
            statistic, method = {"fallback_from": method}, "counts"
    if method == "counts":
        test = _counts_test(m, counts, rule.window_days, pooled, n_baseline_days, dispersion)
        z, center = test.z, m.value(pooled, n_baseline_days)
        statistic["test"] = {
            "kind": "rates" if m.rate_test else "proportions",
            "p_value": test.p_value,
            "effect": test.effect_name,
            "value": test.effect,
            "low": test.effect_interval.low,
            "high": test.effect_interval.high,
        }

    crossed = {"up": z >= rule.threshold, "down": z <= -rule.threshold, "both": abs(z) >= rule.threshold}
    if not crossed[rule.direction]:
        return None

    window_interval = m.interval(counts, rule.window_days, dispersion)
    baseline_interval = m.interval(pooled, n_baseline_days, dispersion)
    detail = {
        "method": method,
        "direction": "up" if z > 0 else "down",
        "threshold": rule.threshold,
        "dispersion": dispersion,
        "clears": window_interval.clears(baseline_interval),
        **statistic,
        "window": {
            "start": window_start.isoformat(),
            "end": day.isoformat(),
            "days": rule.window_days,
            "value": value,
            "low": window_interval.low,
            "high": window_interval.high,
            "n_docs": counts.n_docs,
            "n_sentences": counts.n_sentences,
            "events": m.events(counts),
            "exposure": m.exposure(counts, rule.window_days),
        },
        "baseline": {
            "start": baseline_start.isoformat(),
            "end": (window_start - timedelta(days=1)).isoformat(),
            "days": rule.baseline_days,
            "days_with_data": days_with_data,
            "center": center,
            "pooled": m.value(pooled, n_baseline_days),
            "low": baseline_interval.low,
            "high": baseline_interval.high,
            "n_docs": total(baseline.values()).n_docs,
            "events": m.events(pooled),
            "exposure": m.exposure(pooled, n_baseline_days),
            **spread,
        },
    }
    return Alert(
        rule=rule.name,
        scope=rule.scope,
        metric=rule.metric,
        day=day,
        value=value,
        baseline=center,
        zscore=z,
        alert_id=alert_id(rule.name, rule.scope, day),
        detail=json.dumps(detail),
    )


def _counts_test(
    m: Metric, window: Counts, window_days: int, baseline: Counts, baseline_days: int, dispersion: float
) -> ShiftTest:
    """The window's pooled counts against the baseline's: rates for mentions and counts per day,
    proportions for shares (hype_index: the hype share of stance sentences)."""
    args = (m.events(window), m.exposure(window, window_days), m.events(baseline), m.exposure(baseline, baseline_days))
    test = rate_test(*args, dispersion) if m.rate_test else proportion_test(*args, dispersion)
    if test.effect_name == "difference":  # of the underlying share: in the metric's own units
        return replace(test, effect=m.scale * test.effect, effect_interval=test.effect_interval.scaled(m.scale))
    return test


def _daily_center_and_spread(daily: list[float], method: str) -> tuple[float, float]:
    """Mean and standard deviation (zscore), or median and MAD x 1.4826 (robust) of the daily values."""
    if method == "robust":
        center = statistics.median(daily)
        return center, MAD_TO_SIGMA * statistics.median(abs(v - center) for v in daily)
    return statistics.fmean(daily), statistics.stdev(daily)


def scan(rule: Rule, series: Sequence[DayCounts], days: Iterable[date], previous: Iterable[date] = ()) -> list[Alert]:
    """Evaluate a rule on each day in order, keeping the cooldown against earlier alert days
    (`previous`, from the alerts table, and the ones this scan raises)."""
    taken = set(previous)
    raised = []
    for day in sorted(days):
        if any(abs((day - other).days) <= rule.cooldown_days for other in taken):
            continue
        alert = evaluate(rule, series, day)
        if alert is not None:
            raised.append(alert)
            taken.add(day)
    return raised


def detect(
    source: Store | duckdb.DuckDBPyConnection, rules: Sequence[Rule], *, today: date, since: date | None = None
) -> list[Alert]:
    """Alerts the rules raise on `today` (or on every day from `since` to `today`), not yet stored."""
    for rule in rules:  # a bad rule fails before any work, naming itself
        metric(rule.metric)
        parse_scope(rule.scope)
    first = since or today
    days = [first + timedelta(days=i) for i in range((today - first).days + 1)]
    raised: list[Alert] = []
    with _connection(source) as conn:
        previous: dict[tuple[str, str], list[date]] = {}
        for rule_name, scope, day in conn.execute(Q["last_alert_days"]).fetchall():
            previous.setdefault((rule_name, scope), []).append(day)
        series_cache: dict[tuple[str, date], list[DayCounts]] = {}
        for rule in rules:
            start = first - timedelta(days=rule.window_days + rule.baseline_days)
            key = (rule.scope, start)
            if key not in series_cache:
                series_cache[key] = load_series(conn, rule.scope, start, today)
            found = scan(rule, series_cache[key], days, previous.get((rule.name, rule.scope), ()))
            for alert in found:
                logger.info(
                    "alert %s: %s %.3f vs baseline %.3f (z=%.2f)",
                    alert.alert_id,
                    alert.metric,
                    alert.value,
                    alert.baseline,
                    alert.zscore,
                )
            raised.extend(found)
    return raised


def save_new_alerts(store: Store, alerts: Sequence[Alert], *, now: datetime | None = None) -> list[Alert]:
    """Insert alerts as `pending` in one transaction, skipping alert_ids already stored.
    Returns the ones inserted."""
    if not alerts:
        return []
    created_at = now or datetime.now(timezone.utc)
    inserted = []
    with store.write() as conn:
        for alert in alerts:
            row = conn.execute(
                Q["insert_alert"],
                {
                    "alert_id": alert.alert_id,
                    "rule": alert.rule,
                    "scope": alert.scope,
                    "metric": alert.metric,
                    "day": alert.day,
                    "value": alert.value,
                    "baseline": alert.baseline,
                    "zscore": alert.zscore,
                    "created_at": created_at,
                    "detail": alert.detail,
                },
            ).fetchone()
            if row and row[0]:
                inserted.append(alert)
    return inserted


def detect_and_save(store: Store, rules: Sequence[Rule], *, today: date, since: date | None = None) -> list[Alert]:
    """What the nightly job calls: detect, store, return the alerts that are new."""
    return save_new_alerts(store, detect(store, rules, today=today, since=since))


@contextmanager
def _connection(source: Store | duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    if isinstance(source, Store):
        with source.read() as conn:
            yield conn
    else:
        yield source
