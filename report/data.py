"""What the report shows, read from the database in one read-only pass into plain records."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import duckdb

from hypewatch import measures
from hypewatch.storage.sql import load_queries

Q = load_queries("hypewatch.report", "queries.sql")

MAX_TICKERS = 12  # tickers charted when the caller names none
SENTENCES_PER_LIST = 10
MAX_CALLS = 20
MAX_RUNS = 10
MAX_UNDELIVERED = 50  # deliveries listed as not made
CALLS_PER_COMPANY = 3  # in the topic mix of the last calls
MAX_MIX_COMPANIES = 12


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def ending(cls, end: date, days: int) -> Period:
        return cls(start=end - timedelta(days=days - 1), end=end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def params(self, **extra: Any) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, **extra}


@dataclass
class Series:
    """One line of the charts: daily figures and their trailing 7-day window, one entry per day."""

    name: str  # 'all', 'news', 'transcripts' or 'ticker:XYZ'
    days: list[date] = field(default_factory=list)
    n_docs: list[int] = field(default_factory=list)
    n_sentences: list[int] = field(default_factory=list)
    n_hype: list[int] = field(default_factory=list)
    n_skeptic: list[int] = field(default_factory=list)
    fatigue_mentions: list[int] = field(default_factory=list)
    hype_index: list[float | None] = field(default_factory=list)
    hype_index_7d: list[float | None] = field(default_factory=list)
    hype_share_7d: list[float | None] = field(default_factory=list)
    skeptic_share_7d: list[float | None] = field(default_factory=list)
    fatigue_per_1k_7d: list[float | None] = field(default_factory=list)
    # 95% intervals (Wilson) of the single days and of the 7-day windows
    hype_index_low: list[float | None] = field(default_factory=list)
    hype_index_high: list[float | None] = field(default_factory=list)
    hype_share_low: list[float | None] = field(default_factory=list)
    hype_share_high: list[float | None] = field(default_factory=list)
    skeptic_share_low: list[float | None] = field(default_factory=list)
    skeptic_share_high: list[float | None] = field(default_factory=list)
    hype_index_7d_low: list[float | None] = field(default_factory=list)
    hype_index_7d_high: list[float | None] = field(default_factory=list)
    hype_share_7d_low: list[float | None] = field(default_factory=list)
    hype_share_7d_high: list[float | None] = field(default_factory=list)
    skeptic_share_7d_low: list[float | None] = field(default_factory=list)
    skeptic_share_7d_high: list[float | None] = field(default_factory=list)
    fatigue_per_1k_7d_low: list[float | None] = field(default_factory=list)
    fatigue_per_1k_7d_high: list[float | None] = field(default_factory=list)
    # expected shares: sums of the model's probabilities over the window's sentences
    expected_hype_share_7d: list[float | None] = field(default_factory=list)
    expected_skeptic_share_7d: list[float | None] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return sum(self.n_sentences) > 0

    def totals(self, last_days: int | None = None) -> Totals:
        """Figures summed over the whole series, or over its last `last_days` days."""
        cut = slice(-last_days, None) if last_days else slice(None)
        return Totals(
            n_docs=sum(self.n_docs[cut]),
            n_sentences=sum(self.n_sentences[cut]),
            n_hype=sum(self.n_hype[cut]),
            n_skeptic=sum(self.n_skeptic[cut]),
            fatigue_mentions=sum(self.fatigue_mentions[cut]),
        )


@dataclass(frozen=True)
class Totals:
    n_docs: int
    n_sentences: int
    n_hype: int
    n_skeptic: int
    fatigue_mentions: int

    @property
    def hype_index(self) -> float | None:
        return measures.hype_index(self.n_hype, self.n_skeptic)

    @property
    def hype_share(self) -> float | None:
        return measures.share(self.n_hype, self.n_sentences)

    @property
    def skeptic_share(self) -> float | None:
        return measures.share(self.n_skeptic, self.n_sentences)


@dataclass(frozen=True)
class QuotedSentence:
    list: str  # hype | skeptic | fatigue
    strength: float  # the model's probability for that list
    text: str
    source: str
    kind: str
    url: str
    title: str | None
    tickers: list[str]
    day: date | None
    speaker: str | None
    role: str | None


@dataclass(frozen=True)
class Call:
    doc_id: str
    company: str | None
    tickers: list[str]
    fiscal_period: str | None
    call_date: date | None
    url: str
    title: str | None
    management: float | None
    analysts: float | None
    prepared: float | None
    qa: float | None
    n_sentences: int
    fatigue_mentions: int
    hype_index: float | None = None  # the whole call's, with its 95% interval
    hype_index_low: float | None = None
    hype_index_high: float | None = None

    @property
    def label(self) -> str:
        who = self.company or ", ".join(self.tickers) or self.title or self.doc_id
        return " ".join(part for part in (who, self.fiscal_period) if part)


@dataclass
class TopicSeries:
    """One topic's weeks in the period: sentences and tone (the panel of tone per topic)."""

    name: str
    description: str | None
    weeks: list[date] = field(default_factory=list)
    n_sentences: list[int] = field(default_factory=list)
    n_hype: list[int] = field(default_factory=list)
    n_skeptic: list[int] = field(default_factory=list)

    @property
    def hype_index(self) -> list[float | None]:
        return [measures.hype_index(h, s) for h, s in zip(self.n_hype, self.n_skeptic)]

    @property
    def totals(self) -> Totals:
        return Totals(
            n_docs=0,
            n_sentences=sum(self.n_sentences),
            n_hype=sum(self.n_hype),
            n_skeptic=sum(self.n_skeptic),
            fatigue_mentions=0,
        )


@dataclass(frozen=True)
class TopicShare:
    share: float  # of the call's scored sentences
    hype_index: float | None


@dataclass
class CallMix:
    """One of a company's last calls: its topic mix."""

    company: str
    fiscal_period: str | None
    call_date: date | None
    n_sentences: int
    topics: dict[str, TopicShare] = field(default_factory=dict)


@dataclass(frozen=True)
class CallChange:
    """A company's latest call against its previous one (hype index; the gap in [-1, 1])."""

    company: str
    fiscal_period: str | None
    call_date: date | None
    prev_fiscal_period: str | None
    prev_call_date: date | None
    prepared: float | None
    prev_prepared: float | None
    management_qa: float | None
    prev_management_qa: float | None
    analysts: float | None
    prev_analysts: float | None
    capex_returns_gap: float | None
    prev_capex_returns_gap: float | None


@dataclass(frozen=True)
class AlertMark:
    rule: str
    scope: str
    metric: str
    day: date
    value: float | None
    baseline: float | None
    zscore: float | None
    status: str
    error: str | None = None  # why the last delivery failed, while pending
    clears: bool | None = None  # the window's interval clears the baseline's; None: not recorded


@dataclass(frozen=True)
class Undelivered:
    """An alert's delivery to one channel that did not get through (yet)."""

    alert_id: str
    rule: str
    scope: str
    day: date
    channel: str
    status: str  # pending | failed
    attempts: int
    error: str | None
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class Run:
    run_id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, Any]
    warnings: list[str]
    error: str | None


@dataclass
class ReportData:
    period: Period
    series: dict[str, Series]
    tickers: list[str]  # tickers charted (those with data in the period)
    tickers_without_data: list[str]  # tickers asked for that had none
    sentences: dict[str, list[QuotedSentence]]  # by list: hype, skeptic, fatigue
    calls: list[Call]
    alerts: list[AlertMark]
    undelivered: list[Undelivered]
    runs: list[Run]
    latest_day: date | None  # the newest document of the whole database
    topics: list[TopicSeries] = field(default_factory=list)  # in the config's order
    call_mix: list[CallMix] = field(default_factory=list)
    call_changes: list[CallChange] = field(default_factory=list)

    @property
    def has_topics(self) -> bool:
        return any(t.totals.n_sentences for t in self.topics)

    @property
    def has_data(self) -> bool:
        return self.series["all"].has_data


def gather(conn: duckdb.DuckDBPyConnection, period: Period, tickers: list[str] | None) -> ReportData:
    """Read everything the report shows for this period. `tickers` None: the most mentioned ones."""
    if tickers is None:
        wanted = [r[0] for r in conn.execute(Q["top_tickers"], period.params(limit=MAX_TICKERS)).fetchall()]
        missing: list[str] = []
    else:
        wanted = list(dict.fromkeys(t.upper() for t in tickers))
        seen = {r[0] for r in conn.execute(Q["tickers_with_data"], period.params(tickers=wanted)).fetchall()}
        missing = [t for t in wanted if t not in seen]
        wanted = [t for t in wanted if t in seen]

    return ReportData(
        period=period,
        series=_series(conn, period, wanted),
        tickers=wanted,
        tickers_without_data=missing,
        sentences=_sentences(conn, period),
        calls=[Call(*row) for row in conn.execute(Q["calls"], period.params(limit=MAX_CALLS)).fetchall()],
        alerts=[AlertMark(*row) for row in conn.execute(Q["alerts"], period.params()).fetchall()],
        undelivered=[
            _undelivered(row) for row in conn.execute(Q["undelivered"], {"limit": MAX_UNDELIVERED}).fetchall()
        ],
        runs=[_run(row) for row in conn.execute(Q["runs"], {"limit": MAX_RUNS}).fetchall()],
        latest_day=conn.execute(Q["latest_document_day"]).fetchone()[0],
        topics=_topics(conn, period),
        call_mix=_call_mix(conn, period),
        call_changes=[
            CallChange(*row) for row in conn.execute(Q["calls_qoq"], period.params(limit=MAX_CALLS)).fetchall()
        ],
    )


def _topics(conn: duckdb.DuckDBPyConnection, period: Period) -> list[TopicSeries]:
    found = {name: TopicSeries(name, description) for name, description, _ in conn.execute(Q["topic_names"]).fetchall()}
    for topic, week, n, hype, skeptic in conn.execute(Q["topic_weeks"], period.params()).fetchall():
        series = found.setdefault(topic, TopicSeries(topic, None))
        series.weeks.append(week)
        series.n_sentences.append(int(n))
        series.n_hype.append(int(hype))
        series.n_skeptic.append(int(skeptic))
    return list(found.values())


def _call_mix(conn: duckdb.DuckDBPyConnection, period: Period) -> list[CallMix]:
    calls: dict[str, CallMix] = {}
    companies: list[str] = []
    rows = conn.execute(Q["topic_mix"], period.params(calls_per_company=CALLS_PER_COMPANY)).fetchall()
    for doc_id, company, fiscal_period, call_date, n_sentences, topic, n_topic, hype, skeptic in rows:
        if company not in companies:
            if len(companies) == MAX_MIX_COMPANIES:
                continue
            companies.append(company)
        call = calls.setdefault(doc_id, CallMix(company, fiscal_period, call_date, int(n_sentences)))
        if topic is not None:
            call.topics[topic] = TopicShare(n_topic / n_sentences, measures.hype_index(hype, skeptic))
    return list(calls.values())


def _series(conn: duckdb.DuckDBPyConnection, period: Period, tickers: list[str]) -> dict[str, Series]:
    cur = conn.execute(Q["series"], period.params(tickers=tickers))
    columns = [c[0] for c in cur.description]
    found: dict[str, Series] = {}
    for row in cur.fetchall():
        values = dict(zip(columns, row))
        series = found.setdefault(values["series"], Series(values["series"]))
        series.days.append(values["day"])
        for name in columns[2:]:
            getattr(series, name).append(values[name])
    return found


def _sentences(conn: duckdb.DuckDBPyConnection, period: Period) -> dict[str, list[QuotedSentence]]:
    lists: dict[str, list[QuotedSentence]] = {"hype": [], "skeptic": [], "fatigue": []}
    for row in conn.execute(Q["top_sentences"], period.params(limit=SENTENCES_PER_LIST)).fetchall():
        quoted = QuotedSentence(*row)
        lists[quoted.list].append(quoted)
    return lists


def _undelivered(row: tuple[Any, ...]) -> Undelivered:
    *rest, next_attempt_at = row
    return Undelivered(*rest, next_attempt_at.astimezone(timezone.utc) if next_attempt_at else None)


def _run(row: tuple[Any, ...]) -> Run:
    run_id, started_at, finished_at, status, counts, warnings, error = row
    try:
        counts = json.loads(counts) if counts else {}
    except json.JSONDecodeError:
        counts = {}
    return Run(
        run_id, started_at, finished_at, status, counts if isinstance(counts, dict) else {}, list(warnings or []), error
    )
