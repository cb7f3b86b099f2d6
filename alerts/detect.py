"""Shift detection: is the last window of a series far from its baseline?

For a rule evaluated on `day`:

- the **window** is the `window_days` days ending on `day` (inclusive). It ends on the evaluation
  day, not on the latest day with data, so a source that went quiet stops alerting (its window has
  fewer than `min_docs` documents) instead of re-raising on stale data;
- the **baseline** is the `baseline_days` days just before the window;
- the window **value** is the metric recomputed from the window's summed counts (see series.py);
- the baseline **center** and **spread** are the mean and sample standard deviation of the
  baseline's daily values (`method: zscore`) or their median and MAD × 1.4826 (`method: robust`,
  so one spike in the baseline moves neither). Daily values are noisier than a pooled window, so
  the z-score errs on the quiet side;
- z = (value − center) / spread, compared with `threshold` in the rule's `direction`.

No alert when the window holds fewer than `min_docs` documents, when the baseline has fewer than
MIN_BASELINE_DAYS days with data, or when the metric is undefined (no hype or skeptic sentence for
hype_index). A flat baseline has spread 0, which would make any wiggle infinite: the spread is
floored at a per-metric minimum (e.g. 0.02 for hype_index, 0.5 for fatigue_per_1k).

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
from datetime import date, datetime, timedelta, timezone

import duckdb

from hypewatch.config import Rule
from hypewatch.records import Alert
from storage import Store

from .series import DayCounts, load_series, metric, parse_scope, total
from .series import Q

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
    daily: list[float] = []
    for offset in range(rule.baseline_days):
        row = baseline.get(baseline_start + timedelta(days=offset))
        if row is not None:
            v = m.value(row.counts, 1)
            if v is not None:
                daily.append(v)
        elif m.is_count:
            daily.append(0.0)  # a count is 0 on a day without documents; a ratio is undefined
    if len(daily) < MIN_BASELINE_DAYS:
        return None

    if rule.method == "robust":
        center = statistics.median(daily)
        spread = MAD_TO_SIGMA * statistics.median(abs(v - center) for v in daily)
    else:
        center = statistics.fmean(daily)
        spread = statistics.stdev(daily)
    floored = max(spread, m.spread_floor)
    z = (value - center) / floored

    crossed = {"up": z >= rule.threshold, "down": z <= -rule.threshold, "both": abs(z) >= rule.threshold}
    if not crossed[rule.direction]:
        return None

    detail = {
        "method": rule.method,
        "direction": "up" if z > 0 else "down",
        "threshold": rule.threshold,
        "window": {"start": window_start.isoformat(), "end": day.isoformat(), "days": rule.window_days,
                   "value": value, "n_docs": counts.n_docs, "n_sentences": counts.n_sentences},
        "baseline": {"start": baseline_start.isoformat(), "end": (window_start - timedelta(days=1)).isoformat(),
                     "days": rule.baseline_days, "days_with_data": days_with_data, "center": center,
                     "spread": spread, "spread_used": floored, "n_docs": total(baseline.values()).n_docs},
    }
    return Alert(rule=rule.name, scope=rule.scope, metric=rule.metric, day=day, value=value, baseline=center,
                 zscore=z, alert_id=alert_id(rule.name, rule.scope, day), detail=json.dumps(detail))


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


def detect(source: Store | duckdb.DuckDBPyConnection, rules: Sequence[Rule], *, today: date,
           since: date | None = None) -> list[Alert]:
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
                logger.info("alert %s: %s %.3f vs baseline %.3f (z=%.2f)",
                            alert.alert_id, alert.metric, alert.value, alert.baseline, alert.zscore)
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
            row = conn.execute(Q["insert_alert"], {
                "alert_id": alert.alert_id, "rule": alert.rule, "scope": alert.scope, "metric": alert.metric,
                "day": alert.day, "value": alert.value, "baseline": alert.baseline, "zscore": alert.zscore,
                "created_at": created_at, "detail": alert.detail,
            }).fetchone()
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
