"""Plain typed records that flow one way: crawler -> nlp -> storage -> alerts/report.

Every stage takes and returns these; none of them does I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, get_args

Kind = Literal["news", "transcripts"]
Role = Literal["executive", "analyst", "operator", "other"]
Section = Literal["prepared", "qa"]
Label = Literal["hype", "skeptic", "neutral"]
DocStatus = Literal["ok", "stub", "duplicate", "foreign"]
# Where a document's date comes from: the feed, the document itself, its file's time, the fetch.
DatedBy = Literal["feed", "document", "file", "fetched"]

LABELS: tuple[Label, ...] = ("hype", "skeptic", "neutral")
KINDS: tuple[Kind, ...] = get_args(Kind)


def make_doc_id(key: str) -> str:
    """A stable id for a document, from its canonical URL (or file path)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class FeedItem:
    """One entry of an RSS/Atom feed, as the feed gives it."""

    link: str | None
    title: str | None = None
    published_at: datetime | None = None  # timezone-aware UTC
    updated_at: datetime | None = None
    summary: str | None = None  # plain text
    content: str | None = None  # full content as HTML, when the feed carries it
    author: str | None = None
    item_id: str | None = None


@dataclass
class Feed:
    title: str | None
    link: str | None
    items: list[FeedItem]
    problems: list[str] = field(default_factory=list)  # malformed XML, bad encoding, ...


@dataclass
class Article:
    """What extraction makes of one article page."""

    url: str | None
    title: str | None
    published_at: datetime | None
    language: str | None
    text: str
    canonical_url: str | None = None
    author: str | None = None
    stub: str | None = None  # why the page is a paywall / consent / teaser stub, else None


@dataclass
class Turn:
    speaker: str
    role: Role
    section: Section
    text: str


@dataclass
class Transcript:
    company: str | None
    ticker: str | None
    fiscal_period: str | None  # e.g. "Q3 2024"
    call_date: date | None
    turns: list[Turn]
    title: str | None = None
    summary: str | None = None  # the publisher's digest of the call (takeaways, risks, summary): not speech
    warnings: list[str] = field(default_factory=list)


@dataclass
class Document:
    """A stored article or transcript (a row of `documents`)."""

    doc_id: str
    source: str
    kind: Kind
    url: str
    title: str | None
    published_at: datetime | None
    fetched_at: datetime
    language: str | None
    tickers: list[str]
    text: str
    author: str | None = None
    content_hash: str | None = None
    simhash: int | None = None
    status: DocStatus = "ok"
    duplicate_of: str | None = None
    stub_reason: str | None = None
    company: str | None = None
    fiscal_period: str | None = None
    summary: str | None = None  # a transcript page's digest before the call (takeaways, risks): not speech
    ticker: str | None = None  # a call's own ticker (`tickers` lists every one the text names)
    dated_by: DatedBy | None = None  # where published_at comes from (storage/migrations/009_dates_and_call_order.sql)
    turns: list[Turn] = field(default_factory=list)
    # The canonical spelling of `url` the crawl knows the story by (`document_urls`); None: `url` itself.
    seen_as: str | None = None


@dataclass
class Sentence:
    doc_id: str
    sent_no: int
    text: str
    turn_no: int | None = None


@dataclass
class Score:
    label: Label
    p_hype: float
    p_skeptic: float
    p_neutral: float
    fatigue: bool
    p_fatigue: float


@dataclass
class ScoredSentence:
    sentence: Sentence
    score: Score | None  # None: not scored (e.g. not English)
    language: str | None = None
    topics: list[str] | None = None  # None: not tagged (not English), like score
    ai_mentions: int | None = None
    previous: str = ""  # the sentence before it that the model read with it ("" for a model without context)
    calibrated_for: str = ""  # the kind of source whose own temperature its score had ("" for none)


@dataclass
class SentenceTags:
    """A stored sentence's topics and AI mentions, recomputed without scoring it again."""

    doc_id: str
    sent_no: int
    topics: list[str] | None
    ai_mentions: int | None


@dataclass
class HttpCacheEntry:
    """What we remember of a URL to fetch it conditionally next time."""

    url: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    fetched_at: datetime
    status: int | None = None


@dataclass
class CrawlRetry:
    """A page that failed for a passing reason (a 503, a timeout, a dropped connection): tried
    again on later runs, whatever its feed's cache says, until it works or is given up."""

    url: str  # as listed, to fetch
    source: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    item: FeedItem | None = None  # the feed item that listed it: its dates and title
    status: Literal["pending", "given_up"] = "pending"


@dataclass
class CrawlState:
    """What a crawl learnt that the next one needs. Saved only once every document it made is
    stored: a cache entry saved for a feed whose items were lost would hide them for good."""

    http_cache: list[HttpCacheEntry] = field(default_factory=list)
    retries: list[CrawlRetry] = field(default_factory=list)  # new or updated
    resolved: list[tuple[str, str]] = field(default_factory=list)  # (source, url) that need no more tries
    sources: list[SourceRun] = field(default_factory=list)  # what each source gave on this crawl


@dataclass
class SourceRun:
    """What one source gave on one crawl: documents stored, things read fine, things that failed."""

    source: str
    at: datetime
    stored: int = 0  # documents made from it (new, changed, duplicates, stubs)
    read: int = 0  # feeds, pages and files read fine, unchanged ones included
    failed: int = 0  # feeds, pages and files that failed
    last_error: str | None = None

    @property
    def failed_run(self) -> bool:
        """Everything tried failed: the source gave nothing at all this time."""
        return self.failed > 0 and self.read == 0 and self.stored == 0


@dataclass(frozen=True)
class SourceHealth:
    """A row of `source_health`: what the crawls saw of one source over time."""

    source: str
    first_run_at: datetime
    last_run_at: datetime
    last_new_at: datetime | None
    last_ok_at: datetime | None
    failing_since: datetime | None
    last_error: str | None


@dataclass
class Alert:
    rule: str
    scope: str
    metric: str
    day: date
    value: float
    baseline: float
    zscore: float | None  # None for a source-stale alert, which has no baseline spread
    alert_id: str = ""
    status: Literal["pending", "sent", "failed"] = "pending"
    detail: str | None = None  # JSON: window/baseline figures for the email


@dataclass
class KnownDocuments:
    """What is stored already, so the crawler can tell new from unchanged and duplicate."""

    urls: dict[str, str] = field(default_factory=dict)  # any URL a story was seen under -> doc_id
    hashes: dict[str, str] = field(default_factory=dict)  # content hash -> doc_id
    simhashes: list[tuple[str, int]] = field(default_factory=list)  # (doc_id, simhash)


@dataclass(frozen=True)
class TopicDefinition:
    """A topic sentences are tagged with (nlp.topics tags them; the database keeps the definitions)."""

    name: str
    description: str = ""
    phrases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # phrases whose words never count for this topic ("valuation allowance")
