"""Daily counts for a scope, and the metrics computed from them.

A metric is always recomputed from summed counts, never averaged from daily ratios: the hype_index
of a week is (Σ hype − Σ skeptic) / (Σ hype + Σ skeptic) over the week's sentences, so a quiet day
with two sentences weighs what its two sentences weigh, not as much as a busy day. Count metrics
(`n_docs`, `fatigue_mentions`, ...) are given per day, so a 7-day window compares with daily values.

A topic scope (`topic:returns`, `topic:returns,ticker:NVDA`) counts only the topic's sentences, and
as documents those with at least one of them. `capex_returns_gap` is (capex − returns) / (capex +
returns) sentences of the scope: +1 when the talk is all about spending and none about returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import date

import duckdb

from hypewatch.errors import HypewatchError
from hypewatch.scopes import parse_scope
from hypewatch.settings import GAP_METRIC, GAP_TOPICS, METRIC_NAMES
from hypewatch.storage.sql import load_queries

from .stats import Interval, poisson_rate, wilson

Q = load_queries("hypewatch.alerts", "queries.sql")


class UnknownMetric(HypewatchError, ValueError):
    """A rule names a metric that is not a numeric column of daily_sentiment."""


@dataclass(frozen=True)
class Counts:
    """What a day (or a span of days) of one scope adds up to."""

    n_docs: int = 0
    n_sentences: int = 0
    n_hype: int = 0
    n_skeptic: int = 0
    fatigue_mentions: int = 0
    n_capex: int = 0  # sentences about spending (topic capex) and about what it earns (returns)
    n_returns: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True)
class DayCounts:
    day: date
    counts: Counts


@dataclass(frozen=True)
class Metric:
    """A metric as events over an exposure: value = scale * events / exposure + offset.

    hype_index is 2 x (hype share of stance sentences) - 1, so intervals and tests on that share
    carry over to it; fatigue_per_1k is 1000 x the share of sentences flagged; a per-day count is
    events per day of exposure.
    """

    name: str
    events: Callable[[Counts], int]
    exposure: Callable[[Counts, int], int]  # (counts, number of days) -> sentences, stance sentences or days
    spread_floor: float  # zscore / robust: a daily spread under it is nothing to divide by; see detect.py
    scale: float = 1.0
    offset: float = 0.0
    is_count: bool = False  # a count per day: a day without data is a 0, not a gap, and its test is on rates
    rate_test: bool = False  # tested as a rate (Poisson) rather than a share (binomial); see stats.py

    def value(self, counts: Counts, days: int) -> float | None:
        exposure = self.exposure(counts, days)
        return self.scale * self.events(counts) / exposure + self.offset if exposure else None

    def interval(self, counts: Counts, days: int, dispersion: float = 1.0) -> Interval | None:
        """The 95% interval of the value: Wilson for shares, exact Poisson for counts per day;
        counts divided by `dispersion` (see stats.py)."""
        k, exposure = self.events(counts) / dispersion, self.exposure(counts, days) / dispersion
        found = poisson_rate(k, exposure) if self.is_count else wilson(k, exposure)
        return found.scaled(self.scale, self.offset) if found else None


def _share(
    name: str,
    events: str,
    of: Callable[[Counts], int],
    floor: float,
    scale: float = 1.0,
    offset: float = 0.0,
    rate_test: bool = False,
) -> Metric:
    return Metric(name, lambda c: getattr(c, events), lambda c, _: of(c), floor, scale, offset, rate_test=rate_test)


def _per_day(name: str) -> Metric:
    return Metric(
        name, lambda c: getattr(c, name), lambda _, days: days, spread_floor=1.0, is_count=True, rate_test=True
    )


def _sentences(c: Counts) -> int:
    return c.n_sentences


def _stance_sentences(c: Counts) -> int:
    return c.n_hype + c.n_skeptic


def _capex_or_returns(c: Counts) -> int:
    return c.n_capex + c.n_returns


METRICS: dict[str, Metric] = {
    "hype_index": _share("hype_index", "n_hype", _stance_sentences, 0.02, scale=2.0, offset=-1.0),
    "hype_share": _share("hype_share", "n_hype", _sentences, 0.01),
    "skeptic_share": _share("skeptic_share", "n_skeptic", _sentences, 0.01),
    # mentions are rare: tested as a rate with sentences as exposure, shown as a share of sentences
    "fatigue_per_1k": _share("fatigue_per_1k", "fatigue_mentions", _sentences, 0.5, scale=1000.0, rate_test=True),
    # 2 x (capex share of capex-or-returns sentences) - 1, like hype_index of hype and skeptic
    GAP_METRIC: _share(GAP_METRIC, "n_capex", _capex_or_returns, 0.05, scale=2.0, offset=-1.0),
    **{name: _per_day(name) for name in ("n_docs", "n_sentences", "n_hype", "n_skeptic", "fatigue_mentions")},
}
assert tuple(METRICS) == METRIC_NAMES, "a metric the config accepts must be one the detector computes"


def metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise UnknownMetric(f"unknown metric {name!r}; one of: {', '.join(METRIC_NAMES)}") from None


def scope_params(scope: str) -> dict[str, str | None]:
    """The query parameters of a scope: 'topic:capex,ticker:NVDA' -> ticker NVDA, topic capex."""
    parsed = parse_scope(scope)
    return {"scope_kind": parsed.kind, "scope_value": parsed.value, "topic": parsed.topic}


def load_series(conn: duckdb.DuckDBPyConnection, scope: str, start: date, end: date) -> list[DayCounts]:
    """Daily counts of a scope from start to end (inclusive), only days with data, oldest first."""
    params = {**scope_params(scope), "start": start, "end": end}
    if params["topic"]:
        rows = conn.execute(Q["topic_series"], params).fetchall()
    else:
        query = Q["ticker_series"] if params["scope_kind"] == "ticker" else Q["scope_series"]
        rows = conn.execute(query, {k: v for k, v in params.items() if k != "topic"}).fetchall()
    capex, returns = GAP_TOPICS
    gap = {
        day: (n_capex, n_returns)
        for day, n_capex, n_returns in conn.execute(
            Q["capex_returns_series"], {**params, "capex": capex, "returns": returns}
        ).fetchall()
    }
    return [DayCounts(day, Counts(*(int(x or 0) for x in rest), *gap.get(day, (0, 0)))) for day, *rest in rows]


def total(days: Iterable[DayCounts]) -> Counts:
    return sum((d.counts for d in days), Counts())
