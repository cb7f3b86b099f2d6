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

from hypewatch.config import GAP_TOPICS
from hypewatch.scopes import parse_scope as parse_full_scope
from storage.sql import load_queries

Q = load_queries("alerts", "queries.sql")


class UnknownMetric(ValueError):
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


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


@dataclass(frozen=True)
class Metric:
    name: str
    value: Callable[[Counts, int], float | None]  # (summed counts, number of days) -> value
    spread_floor: float  # the smallest spread a baseline may have; see detect.py
    is_count: bool = False  # counts: a day without data is a 0, not a gap


def _per_day(name: str) -> Metric:
    return Metric(name, lambda c, days: getattr(c, name) / days, spread_floor=1.0, is_count=True)


METRICS: dict[str, Metric] = {
    "hype_index": Metric("hype_index", lambda c, _: _ratio(c.n_hype - c.n_skeptic, c.n_hype + c.n_skeptic), 0.02),
    "hype_share": Metric("hype_share", lambda c, _: _ratio(c.n_hype, c.n_sentences), 0.01),
    "skeptic_share": Metric("skeptic_share", lambda c, _: _ratio(c.n_skeptic, c.n_sentences), 0.01),
    "fatigue_per_1k": Metric("fatigue_per_1k", lambda c, _: _ratio(1000.0 * c.fatigue_mentions, c.n_sentences), 0.5),
    "capex_returns_gap": Metric("capex_returns_gap",
                                lambda c, _: _ratio(c.n_capex - c.n_returns, c.n_capex + c.n_returns), 0.05),
    **{name: _per_day(name) for name in ("n_docs", "n_sentences", "n_hype", "n_skeptic", "fatigue_mentions")},
}


def metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise UnknownMetric(f"unknown metric {name!r}; one of: {', '.join(METRICS)}") from None


def parse_scope(scope: str) -> tuple[str, str | None]:
    """Which documents: 'all' -> ('all', None); 'source:tech-news' -> ('source', 'tech-news');
    'topic:capex,ticker:NVDA' -> ('ticker', 'NVDA') (the topic: scope_params)."""
    parsed = parse_full_scope(scope)
    return parsed.kind, parsed.value


def scope_params(scope: str) -> dict[str, str | None]:
    parsed = parse_full_scope(scope)
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
    gap = {day: (n_capex, n_returns) for day, n_capex, n_returns in
           conn.execute(Q["capex_returns_series"], {**params, "capex": capex, "returns": returns}).fetchall()}
    return [DayCounts(day, Counts(*(int(x or 0) for x in rest), *gap.get(day, (0, 0)))) for day, *rest in rows]


def total(days: Iterable[DayCounts]) -> Counts:
    return sum((d.counts for d in days), Counts())
