"""The crawl stage: configured sources in, `Document`s out, with no database inside.

    summary = crawl(sources, config.crawl, base_dir=config.base_dir, watchlist=config.watchlist,
                    http_cache=store.http_cache(), known=store.known_documents(), retries=store.crawl_retries(),
                    sink=store.add_documents, state_sink=store.save_crawl_state)

It runs in two phases. First every source lists its work: feeds are fetched (over HTTP or from a
file) and parsed, configured URLs and local folders are listed. Then the work runs, interleaved
across hosts so one slow host does not hold up the rest: pages are fetched by the polite
`Fetcher` and extracted in a process pool, off the event loop. Documents reach `sink` in batches as
they are made, so memory stays flat however large the crawl.

Nothing a single source, feed or page does stops the crawl: each failure is one log line naming
the source and URL, one warning in the summary, and a count by reason. A page that failed for a
passing reason (a 503, a timeout) is put on the retry list and tried again on later runs, with
growing gaps, whatever its feed's cache says.

Nothing made is dropped: a batch the sink cannot take (a reader holding the database) is kept and
offered again, and what is still unstored when the crawl ends is counted as `not_stored`; then the
crawl's memory (HTTP cache, retries) is not saved either, so the next run fetches those pages again.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import multiprocessing
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import chain, zip_longest
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from hypewatch.crawler.companies import DEFAULT_WATCHLIST
from hypewatch.crawler.dates import plausible
from hypewatch.crawler.dedup import NEAR_DUPLICATE_BITS, is_near_duplicate
from hypewatch.crawler.extract import MAX_HTML_BYTES, ExtractionError, refresh_target
from hypewatch.crawler.feeds import FeedError, PageNotFeed, html_to_text, parse_feed
from hypewatch.crawler.http import Fetcher, FetchError
from hypewatch.crawler.transcripts import SCANNED_PDF, TranscriptError
from hypewatch.crawler.urls import canonicalize_url, reader_url
from hypewatch.crawler.workers import Parsed, die_with_parent, extract_page, parse_feed_content, read_transcript
from hypewatch.errors import HypewatchError
from hypewatch.records import (
    Article,
    CrawlRetry,
    CrawlState,
    DatedBy,
    Document,
    Feed,
    FeedItem,
    HttpCacheEntry,
    KnownDocuments,
    SourceRun,
    make_doc_id,
)
from hypewatch.settings import Crawl, Source, resolve_path

logger = logging.getLogger(__name__)

#: A feed item whose own content has this many words is the article; its page is not fetched.
FULL_CONTENT_WORDS = 150
#: Documents handed to the sink at a time.
BATCH_SIZE = 50
#: Extraction processes. Extraction is the CPU-bound part; the event loop only waits on sockets.
EXTRACT_WORKERS = 2
#: Shorter texts are compared by exact hash only: a simhash of a few words matches too easily.
NEAR_DUPLICATE_MIN_WORDS = 50

#: A page that failed for a passing reason is tried on later runs this many times in all, the gap
#: doubling from RETRY_FIRST_GAP (12 h: the next nightly run; then 1, 2 and 4 days).
RETRY_MAX_ATTEMPTS = 5
RETRY_FIRST_GAP = timedelta(hours=12)
#: A retry this close to due counts as due: a nightly run starts a few minutes earlier some days.
RETRY_SLACK = timedelta(hours=2)
#: How long the crawl keeps offering unstored documents to a sink that fails (a database held by a
#: reader) before it ends with them counted as not stored.
STORE_PATIENCE_S = 300.0
#: Unstored documents kept in memory before the crawl waits for the sink instead of fetching more.
MAX_UNSTORED = 1000

PAGE_SUFFIXES = (".html", ".htm")
TRANSCRIPT_SUFFIXES = (".txt", ".html", ".htm", ".json", ".pdf")


@dataclass
class CrawlSummary:
    feeds_ok: int = 0
    feeds_failed: int = 0
    new: int = 0
    updated: int = 0  # known pages whose content changed, stored again
    unchanged: int = 0
    duplicates: int = 0
    stubs: int = 0
    foreign: int = 0
    not_stored: int = 0  # made but never taken by the sink (the database stayed busy)
    retried: int = 0  # pages from the retry list tried again
    retrying: int = 0  # pages put (back) on the retry list for a later run
    given_up: int = 0  # pages that failed RETRY_MAX_ATTEMPTS times
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count
    warnings: list[str] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.duplicates + self.stubs + self.foreign - self.not_stored

    def as_dict(self) -> dict[str, Any]:
        return {
            "feeds_ok": self.feeds_ok,
            "feeds_failed": self.feeds_failed,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "stubs": self.stubs,
            "foreign": self.foreign,
            "stored": self.stored,
            "not_stored": self.not_stored,
            "retried": self.retried,
            "retrying": self.retrying,
            "given_up": self.given_up,
            "skipped": dict(sorted(self.skipped.items())),
            "warnings": len(self.warnings),
        }


# --- the crawl -------------------------------------------------------------------------------------


@dataclass
class _Job:
    """One page, feed item or file to turn into a Document."""

    source: Source
    url: str | None = None
    path: Path | None = None
    item: FeedItem | None = None
    retry: CrawlRetry | None = None  # the retry-list entry this job works off, if any

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc.lower() if self.url else ""

    @property
    def where(self) -> str:
        return self.url or str(self.path)


class FileTooLarge(HypewatchError, OSError):
    """A local file larger than any page, feed or transcript: refused before it is read whole."""


def read_local(path: Path, limit: int = MAX_HTML_BYTES) -> bytes:
    """A local file's bytes, refused past `limit`. The file is the user's own, so the limit is the
    extractor's, not crawl.max_bytes: a page saved with its images inline runs to megabytes."""
    with path.open("rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"{path.stat().st_size:,} bytes exceeds the limit of {limit:,} bytes for a local file")
    return data


class _Skip(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class _NearDuplicates:
    """Simhashes indexed by band: two hashes within NEAR_DUPLICATE_BITS bits agree exactly on at
    least one of NEAR_DUPLICATE_BITS + 1 bands (pigeonhole), so a lookup reads a few buckets
    instead of every stored hash."""

    def __init__(self, entries: Iterable[tuple[str, int]] = ()) -> None:
        self.bands = NEAR_DUPLICATE_BITS + 1
        self.width = 64 // self.bands
        self._buckets: dict[tuple[int, int], list[tuple[str, int]]] = defaultdict(list)
        for doc_id, value in entries:
            self.add(doc_id, value)

    def _keys(self, value: int) -> Iterable[tuple[int, int]]:
        mask = (1 << self.width) - 1
        return ((band, (value >> (band * self.width)) & mask) for band in range(self.bands))

    def add(self, doc_id: str, value: int) -> None:
        for key in self._keys(value):
            self._buckets[key].append((doc_id, value))

    def find(self, value: int, *, exclude: str) -> str | None:
        for key in self._keys(value):
            for doc_id, other in self._buckets.get(key, ()):
                if doc_id != exclude and is_near_duplicate(value, other, NEAR_DUPLICATE_BITS):
                    return doc_id
        return None


class _Crawl:
    def __init__(
        self,
        settings: Crawl,
        base_dir: Path,
        watchlist: Mapping[str, Sequence[str]] | None,
        fetcher: Fetcher,
        executor: Executor,
        http_cache: dict[str, HttpCacheEntry],
        known: KnownDocuments,
        retries: Sequence[CrawlRetry],
        sink: Callable[[list[Document]], None],
        batch_size: int,
        store_patience_s: float,
        now: datetime | None = None,
    ) -> None:
        self.settings = settings
        self.base_dir = base_dir
        self.fetcher = fetcher
        self.http_cache = http_cache
        self.known = known
        self.sink = sink
        self.batch_size = batch_size
        self.watchlist = dict(watchlist or DEFAULT_WATCHLIST)
        self.summary = CrawlSummary()
        self.pools = _Pools(executor, self.summary.warnings)
        self.now = now or datetime.now(timezone.utc)
        self._source_runs: dict[str, SourceRun] = {}
        self._seen: set[str] = set()
        self._hashes = dict(known.hashes)
        self._near = _NearDuplicates(known.simhashes)
        self._batch: list[Document] = []
        self._sink_lock = asyncio.Lock()
        self._known_ids = set(known.urls.values())
        self._retries = {(r.source, canonicalize_url(r.url)): r for r in retries}
        self._retry_updates: dict[tuple[str, str], CrawlRetry] = {}
        self._resolved: set[tuple[str, str]] = set()
        self._unstored: list[list[Document]] = []  # batches the sink refused, oldest first
        self._undated: Counter[str] = Counter()  # source -> transcripts dated by their file or fetch
        self._sink_failing_since: float | None = None
        self._store_patience_s = store_patience_s
        self._sink_gave_up = False
        self._sink_error: Exception | None = None

    async def run(self, sources: Sequence[Source]) -> None:
        self._source_runs = {s.name: SourceRun(s.name, self.now) for s in sources}
        listed = await asyncio.gather(*(self._list_jobs(source) for source in sources))
        # Enough jobs in flight to keep the fetcher and the workers busy, few enough that fetched
        # bodies waiting for a worker stay a handful.
        in_flight = asyncio.Semaphore(self.settings.concurrency * 2 + EXTRACT_WORKERS * 2)

        async def run_one(job: _Job) -> None:
            async with in_flight:
                await self._run_job(job)

        await asyncio.gather(*(run_one(job) for job in _interleave_by_host(chain.from_iterable(listed))))
        await self._flush(final=True)
        for name, count in sorted(self._undated.items()):
            # A folder of old calls would all land on the day they were copied: say so once.
            line = (
                f"{name}: {count} transcript(s) give no date of their own (in their text or file name), so each"
                " is dated by its file's modification time or the day it was fetched; a date in the file name"
                " (ACME_2025-10-28.txt) dates it"
            )
            self.summary.warnings.append(line)
            logger.warning("%s", line)
        if self.unstored:
            self.summary.not_stored = self.unstored
            self.summary.warnings.append(
                f"{self.unstored} documents could not be stored ({self._sink_error}); the next run fetches them again"
            )
            logger.error("%s", self.summary.warnings[-1])

    @property
    def unstored(self) -> int:
        return sum(len(batch) for batch in self._unstored)

    def state(self, http_cache: list[HttpCacheEntry]) -> CrawlState:
        return CrawlState(
            http_cache=http_cache,
            retries=list(self._retry_updates.values()),
            resolved=sorted(self._resolved),
            sources=list(self._source_runs.values()),
        )

    # --- phase 1: what to read ------------------------------------------------------------

    async def _list_jobs(self, source: Source) -> list[_Job]:
        jobs = []
        if source.feed:
            feed = await self._read_feed(source)
            items = self._newest(source, feed.items) if feed else []
            jobs += [_Job(source, url=item.link, item=item) for item in items]
        jobs += [_Job(source, url=url) for url in source.urls]
        jobs += self._due_retries(source, {canonicalize_url(j.url) for j in jobs if j.url})
        if source.path:
            root = resolve_path(self.base_dir, source.path)
            suffixes = TRANSCRIPT_SUFFIXES if source.kind == "transcripts" else PAGE_SUFFIXES
            try:
                jobs += [_Job(source, path=path) for path in await asyncio.to_thread(_files, root, suffixes)]
            except OSError as exc:
                # A folder on a drive that is not mounted tonight must not stop the other sources.
                self._warn(source, "folder unreadable", f"folder {root}: {_os_problem(exc)}")
        return jobs

    def _due_retries(self, source: Source, listed: set[str]) -> list[_Job]:
        """The source's pages on the retry list that are due and not listed again by the feed."""
        due = self.now + RETRY_SLACK
        jobs = []
        for (name, url), retry in self._retries.items():
            if name != source.name:
                continue
            if url in listed:  # the feed lists it again: that job carries the retry
                continue
            if retry.status == "pending" and retry.next_attempt_at <= due:
                jobs.append(_Job(source, url=retry.url, item=retry.item, retry=retry))
        return jobs

    def _newest(self, source: Source, items: list[FeedItem]) -> list[FeedItem]:
        """The newest `crawl.max_items_per_feed` items, whatever the feed's order; undated items
        count as oldest, in feed order. What is cut is said, never dropped quietly."""
        limit = self.settings.max_items_per_feed
        if len(items) <= limit:
            return items
        floor = datetime.min.replace(tzinfo=timezone.utc)

        def newest_first(item: FeedItem) -> datetime:
            return plausible(item.published_at, self.now) or plausible(item.updated_at, self.now) or floor

        by_date = sorted(items, key=newest_first, reverse=True)  # stable: equal dates keep the feed's order
        cut = len(items) - limit
        self.summary.skipped["over max_items_per_feed"] += cut
        line = (
            f"{source.name}: feed {source.feed}: {len(items)} items, kept the newest {limit} (crawl.max_items_per_feed)"
        )
        self.summary.warnings.append(line)
        logger.warning("%s", line)
        return by_date[:limit]

    async def _read_feed(self, source: Source) -> Feed | None:
        assert source.feed
        where = source.feed
        try:
            if source.feed_is_url:
                fetched = await self._fetch_feed(source, where)
                if fetched is None:
                    return None
                data, url = fetched
            else:
                path = resolve_path(self.base_dir, source.feed)
                where = str(path)
                data, url = await asyncio.to_thread(read_local, path), None
            try:
                feed = parse_feed(data, source.name, url=url)
            except PageNotFeed as page:
                if not (source.feed_is_url and page.links):
                    raise
                # A site's home page given for its feed: read the feed the page declares, and say so.
                self.fetcher.forget(where)  # else an unchanged page would hide tomorrow's items
                where = page.links[0]
                line = f"{source.name}: feed {source.feed} is an HTML page; read the feed it links to, {where} (put that in the config)"
                self.summary.warnings.append(line)
                logger.warning("%s", line)
                fetched = await self._fetch_feed(source, where, trusted=False)  # the page's word, not the config's
                if fetched is None:
                    return None
                feed = parse_feed(fetched[0], source.name, url=fetched[1])
        except (FetchError, FeedError, OSError) as exc:
            self.summary.feeds_failed += 1
            if source.feed_is_url:
                self.fetcher.forget(where)  # named again next run, not taken as an unchanged feed
            # The errors name the URL or the source themselves; the line names both once.
            why = (
                exc.cause
                if isinstance(exc, FetchError)
                else exc.problem
                if isinstance(exc, FeedError)
                else _os_problem(exc)
            )
            self._warn(source, "feed failed", f"feed {where}: {why}")
            return None
        self.summary.feeds_ok += 1
        self._read_fine(source)
        for problem in feed.problems:
            self.summary.warnings.append(f"{source.name}: feed {where}: {problem} (kept {len(feed.items)} items)")
        return feed

    async def _fetch_feed(self, source: Source, url: str, *, trusted: bool = True) -> tuple[bytes, str] | None:
        """The feed's bytes and final URL; None where it is unchanged since the last run. `trusted`:
        the address is the config's, so it may be a private one (crawler.http.Fetcher.fetch)."""
        result = await self.fetcher.fetch(url, kind="feed", allow_private=source.allow_private, trusted=trusted)
        if result.not_modified:
            logger.info("%s: feed %s unchanged since the last run", source.name, url)
            self.summary.feeds_ok += 1
            self._read_fine(source)
            return None
        return result.body, result.final_url

    # --- phase 2: reading ----------------------------------------------------------------

    async def _run_job(self, job: _Job) -> None:
        if self._sink_gave_up:
            # Nothing more can be stored this run; unfetched, the page is new to the next run.
            self.summary.skipped["database busy"] += 1
            return
        key = (job.source.name, canonicalize_url(job.url)) if job.url else None
        retry = self._retries.get(key) if key else None
        if retry is not None and job.retry is not None:
            self.summary.retried += 1
        try:
            if job.path is not None:
                await self._read_file(job)
            else:
                await self._read_url(job)
        except _Skip as skip:
            self._warn(job.source, skip.reason, str(skip))
        except FetchError as exc:
            if key is not None and exc.transient:
                self._retry_later(job, key, retry, exc)
                return
            self._warn(job.source, exc.reason, str(exc))
        except Exception as exc:  # noqa: BLE001 - one odd page must not end the nightly crawl
            logger.exception("%s: %s: unexpected error", job.source.name, job.where)
            self._warn(job.source, "error", f"{job.where}: {type(exc).__name__}: {exc}", log=False)
        if retry is not None:
            self._resolved.add((retry.source, retry.url))

    def _retry_later(self, job: _Job, key: tuple[str, str], retry: CrawlRetry | None, exc: FetchError) -> None:
        assert job.url is not None
        if retry is not None:
            self._resolved.add((retry.source, retry.url))  # replaced by the entry below
        attempts = (retry.attempts if retry else 0) + 1
        gave_up = attempts >= RETRY_MAX_ATTEMPTS
        self._retry_updates[key] = CrawlRetry(
            url=job.url,
            source=job.source.name,
            attempts=attempts,
            last_error=str(exc),
            item=job.item or (retry and retry.item),
            next_attempt_at=self.now + RETRY_FIRST_GAP * 2 ** (attempts - 1),
            status="given_up" if gave_up else "pending",
        )
        if gave_up:
            self.summary.given_up += 1
            self._warn(job.source, exc.reason, f"{exc} (gave up after {attempts} tries)")
        else:
            self.summary.retrying += 1
            self._warn(
                job.source, exc.reason, f"{exc} (will try again on a later run: try {attempts} of {RETRY_MAX_ATTEMPTS})"
            )

    async def _read_url(self, job: _Job) -> None:
        if not job.url:
            title = job.item.title if job.item else None
            item = f"item {title!r}" if title else "an item with no title"
            raise _Skip("no link", f"feed {job.source.feed}: {item} has no link")
        url = canonicalize_url(job.url)
        if url in self._seen:
            logger.debug("%s: %s listed twice in this crawl", job.source.name, url)
            self.summary.skipped["listed twice"] += 1
            return
        self._seen.add(url)
        doc_id = make_doc_id(url)
        known_as = self.known.urls.get(url)
        if known_as is not None and not (known_as == doc_id and self._may_have_changed(job)):
            self.summary.unchanged += 1
            self._read_fine(job.source)
            return

        text = html_to_text(job.item.content) if job.item and job.item.content and job.source.kind == "news" else ""
        if known_as is None and len(text.split()) >= FULL_CONTENT_WORDS:
            parsed = await self._in_worker(job, parse_feed_content, job.item, text, self.watchlist)
            link = reader_url(job.url)
        else:
            kind = "page" if job.source.kind == "news" else "text"
            result = await self.fetcher.fetch(
                job.url, kind=kind, allow_private=job.source.allow_private, trusted=job.item is None
            )
            target = None if result.not_modified else refresh_target(result.body, result.final_url)
            if target is not None:
                # A redirect page (<meta http-equiv="refresh">): the article is where it sends the
                # reader, one hop on, fetched under the same rules as any page the feed links to.
                result = await self.fetcher.fetch(target, kind=kind, allow_private=job.source.allow_private)
            if result.not_modified:
                self.summary.unchanged += 1
                self._read_fine(job.source)
                return
            link = reader_url(result.final_url)  # where the page is, after redirects
            if job.source.kind == "news":
                parsed = await self._in_worker(
                    job, extract_page, result.body, result.encoding, result.final_url, self.watchlist
                )
            else:
                name = unquote(urlsplit(result.final_url).path.rsplit("/", 1)[-1]) or "transcript.html"
                parsed = await self._in_worker(job, read_transcript, result.body, name, url, self.watchlist)
        await self._add(
            job, doc_id, url, parsed, fallback=(self.now, "fetched"), updated=known_as is not None, link=link
        )

    def _may_have_changed(self, job: _Job) -> bool:
        """Whether a known page is worth a conditional GET: it is configured directly (few, and
        asked for by name), or its feed item says it was updated after we last fetched it."""
        cached = self.http_cache.get(job.url or "")
        if cached is None:
            return False
        if job.item is None:
            return True
        return job.item.updated_at is not None and job.item.updated_at > cached.fetched_at

    async def _read_file(self, job: _Job) -> None:
        path = job.path
        assert path is not None
        try:
            data = await asyncio.to_thread(read_local, path)
        except FileTooLarge as exc:
            raise _Skip("too large", f"{path}: {exc}") from None
        except OSError as exc:
            if _leads_nowhere(path):
                raise _Skip("unreadable", f"{path}: a link that leads nowhere (to {os.readlink(path)})") from None
            raise _Skip("unreadable", f"{path}: {_os_problem(exc)}") from None
        url = path.resolve().as_uri()
        if job.source.kind == "news":
            parsed = await self._in_worker(job, extract_page, data, None, url, self.watchlist)
        else:
            parsed = await self._in_worker(job, read_transcript, data, str(path), url, self.watchlist)
        doc_id = make_doc_id(str(path.resolve()))
        if self.known.hashes.get(parsed.content_hash) == doc_id:
            self.summary.unchanged += 1
            self._read_fine(job.source)
            return
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        await self._add(job, doc_id, url, parsed, fallback=(mtime, "file"), updated=doc_id in self._known_ids)

    async def _in_worker(self, job: _Job, fn: Callable[..., Parsed], *args: Any) -> Parsed:
        try:
            return await self.pools.run(fn, *args)
        except BrokenExecutor:
            raise _Skip("worker killed", f"{job.where}: killed the extraction worker twice") from None
        except (ExtractionError, TranscriptError) as exc:  # the message names the page or file
            raise _Skip("unreadable", str(exc)) from None

    # --- documents -----------------------------------------------------------------------

    async def _add(
        self,
        job: _Job,
        doc_id: str,
        url: str,
        parsed: Parsed,
        *,
        fallback: tuple[datetime, DatedBy],
        updated: bool,
        link: str | None = None,
    ) -> None:
        """Make the document and hand it on in the next batch. `url` is how the crawl knows the
        story (canonical), `link` where a reader finds it (default: `url`)."""
        article, transcript = parsed.article, parsed.transcript
        if not article.text.strip():
            what = "transcript" if job.source.kind == "transcripts" else "article"
            scanned = f" ({SCANNED_PDF})" if job.where.lower().endswith(".pdf") else ""
            raise _Skip("no text", f"{job.where}: no {what} text found{scanned}")
        published_at, dated_by = self._published_at(job.item, article, fallback)
        doc = Document(
            doc_id=doc_id,
            source=job.source.name,
            kind=job.source.kind,
            url=link or url,
            seen_as=url if link and link != url else None,
            title=article.title,
            published_at=published_at,
            dated_by=dated_by,
            fetched_at=self.now,
            language=article.language,
            tickers=parsed.tickers,
            text=article.text,
            author=article.author,
            content_hash=parsed.content_hash,
            simhash=parsed.simhash,
            company=transcript.company if transcript else None,
            fiscal_period=transcript.fiscal_period if transcript else None,
            ticker=transcript.ticker.upper() if transcript and transcript.ticker else None,
            summary=transcript.summary if transcript else None,
            turns=list(transcript.turns) if transcript else [],
        )
        if article.stub:
            doc.status, doc.stub_reason = "stub", article.stub
            self.summary.stubs += 1
        elif original := self._duplicate_of(doc):
            doc.status, doc.duplicate_of = "duplicate", original
            self.summary.duplicates += 1
            logger.info("%s: %s duplicates %s", job.source.name, url, original)
        else:
            if article.language and article.language != "en":
                doc.status = "foreign"
                self.summary.foreign += 1
            elif updated:
                self.summary.updated += 1
            else:
                self.summary.new += 1
            if transcript is not None and dated_by in ("file", "fetched"):
                self._undated[job.source.name] += 1
            self._hashes.setdefault(doc.content_hash, doc_id)
            if len(article.text.split()) >= NEAR_DUPLICATE_MIN_WORDS:
                self._near.add(doc_id, doc.simhash)
        self._source_run(job.source).stored += 1
        self._batch.append(doc)
        if len(self._batch) >= self.batch_size:
            await self._flush()

    def _duplicate_of(self, doc: Document) -> str | None:
        original = self._hashes.get(doc.content_hash or "")
        if original is not None and original != doc.doc_id:
            return original
        if len(doc.text.split()) < NEAR_DUPLICATE_MIN_WORDS or doc.simhash is None:
            return None
        return self._near.find(doc.simhash, exclude=doc.doc_id)

    def _published_at(
        self, item: FeedItem | None, article: Article, fallback: tuple[datetime, DatedBy]
    ) -> tuple[datetime, DatedBy]:
        """The feed's date, else the document's, else `fallback` (a file's mtime, the fetch), else
        now; never one in the future or before EARLIEST_PUBLISHED. With where it came from."""
        candidates: list[tuple[datetime | None, DatedBy]] = []
        if item:
            candidates += [(item.published_at, "feed"), (item.updated_at, "feed")]
        for when, by in (*candidates, (article.published_at, "document"), fallback):
            if found := plausible(when, self.now):
                return found, by
        return self.now, "fetched"

    async def _flush(self, *, final: bool = False) -> None:
        """Hand every made document to the sink; keep what it refuses and offer it again.

        The sink (a database write) runs in a thread so fetching and extraction go on meanwhile,
        one call at a time. A failing sink (a reader holding the database) holds up the crawl only
        once MAX_UNSTORED documents wait, or at the end; then it is tried until STORE_PATIENCE_S
        have passed since it first failed, unless its error says waiting is no use (`transient`
        False: a full disk).
        """
        if self._batch:
            self._unstored.append(self._batch)
            self._batch = []
        async with self._sink_lock:
            delay = 0.1
            while self._unstored:
                try:
                    await asyncio.to_thread(self.sink, self._unstored[0])
                except Exception as exc:  # noqa: BLE001 - a refused batch is kept, whatever the reason
                    self._sink_error = exc
                    if self._sink_failing_since is None:
                        self._sink_failing_since = time.monotonic()
                        logger.warning("documents not stored yet, keeping them to try again: %s", exc)
                    waited = time.monotonic() - self._sink_failing_since
                    must_wait = final or self.unstored >= MAX_UNSTORED
                    if not must_wait:
                        return
                    # A held database lets go; a full disk or a damaged file does not within a run.
                    if waited >= self._store_patience_s or getattr(exc, "transient", True) is False:
                        self._sink_gave_up = True
                        return
                    await asyncio.sleep(min(delay, max(self._store_patience_s - waited, 0)))
                    delay = min(delay * 2, 5.0)
                    continue
                self._unstored.pop(0)
                self._sink_failing_since = None

    def _warn(self, source: Source, reason: str, message: str, *, log: bool = True) -> None:
        self.summary.skipped[reason] += 1
        line = f"{source.name}: {message}"
        self.summary.warnings.append(line)
        run = self._source_run(source)
        run.failed += 1
        run.last_error = message
        if log:
            logger.warning("%s", line)

    def _read_fine(self, source: Source) -> None:
        self._source_run(source).read += 1

    def _source_run(self, source: Source) -> SourceRun:
        return self._source_runs.setdefault(source.name, SourceRun(source.name, self.now))


def _files(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such file or folder", str(root))
    # A link that leads nowhere (a share not mounted, a moved file) is listed, so that it is named.
    return sorted(p for p in root.rglob("*") if (p.is_file() or _leads_nowhere(p)) and p.suffix.lower() in suffixes)


def _leads_nowhere(path: Path) -> bool:
    return path.is_symlink() and not path.exists()


def _os_problem(exc: OSError) -> str:
    """What went wrong reading a local file or folder, without the path the line names already."""
    if isinstance(exc, FileNotFoundError):
        return "no such file or folder"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


def _interleave_by_host(jobs: Iterable[_Job]) -> list[_Job]:
    """Round-robin over hosts, so concurrent jobs spread over many servers."""
    by_host: dict[str, list[_Job]] = defaultdict(list)
    for job in jobs:
        by_host[job.host].append(job)
    return [job for row in zip_longest(*by_host.values()) for job in row if job is not None]


def make_executor(workers: int = EXTRACT_WORKERS) -> ProcessPoolExecutor:
    """The extraction pool. Spawned, not forked: the parent runs an event loop and maybe torch.
    Its processes end with the process that made it, however that ends."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )


class _Pools:
    """The extraction pool, kept working when a worker process dies (the OOM killer, a parser crash).

    A dead worker breaks the whole pool: every page in it fails, not only the one that killed it.
    The first page to see the break replaces the pool for everyone. Each page that was in it runs
    again alone, on a one-process pool, so a page that kills that worker too is surely the culprit
    and is given up, and a page that was only in the wrong pool at the wrong time is not.
    """

    def __init__(self, executor: Executor, warnings: list[str]) -> None:
        self.current = executor
        self.warnings = warnings
        self._alone: Executor | None = None
        self._one_at_a_time = asyncio.Lock()
        self._made: list[Executor] = []

    async def run(self, fn: Callable[..., Parsed], *args: Any) -> Parsed:
        """`fn(*args)` in a worker process; raises BrokenExecutor if it killed its worker twice."""
        while True:
            pool = self.current
            try:
                future = pool.submit(fn, *args)
                break
            except BrokenExecutor:  # broken before this page got there: not a suspect
                self._replace(pool)
        try:
            return await asyncio.wrap_future(future)
        except BrokenExecutor:
            self._replace(pool)
        async with self._one_at_a_time:
            alone = self._alone = self._alone or self._make(1)
            try:
                return await asyncio.wrap_future(alone.submit(fn, *args))
            except BrokenExecutor:
                self._alone = None
                alone.shutdown(wait=False)
                raise

    def _replace(self, broken: Executor) -> None:
        # Every page in the broken pool comes here; no await between the test and the swap, so
        # only the first one replaces it.
        if self.current is broken:
            # Nothing is lost, but a worker killed for memory is worth an operator's look.
            line = "crawl: an extraction worker died; started a new pool, retrying its pages one at a time"
            self.warnings.append(line)
            logger.warning("%s", line)
            self.current = self._make(EXTRACT_WORKERS)
            broken.shutdown(wait=False, cancel_futures=True)

    def _make(self, workers: int) -> Executor:
        pool = make_executor(workers)
        self._made.append(pool)
        return pool

    def close(self) -> None:
        """Shut down the pools made here (the one passed in belongs to the caller)."""
        for pool in self._made:
            pool.shutdown(cancel_futures=True)


async def crawl_sources(
    sources: Sequence[Source],
    settings: Crawl | None = None,
    *,
    base_dir: Path = Path("."),
    watchlist: Mapping[str, Sequence[str]] | None = None,
    http_cache: dict[str, HttpCacheEntry] | None = None,
    known: KnownDocuments | None = None,
    retries: Sequence[CrawlRetry] = (),
    sink: Callable[[list[Document]], None],
    state_sink: Callable[[CrawlState], None] | None = None,
    fetcher: Fetcher | None = None,
    executor: Executor | None = None,
    batch_size: int = BATCH_SIZE,
    store_patience_s: float = STORE_PATIENCE_S,
    now: datetime | None = None,
) -> CrawlSummary:
    """Crawl `sources` with `settings` (the config's `crawl:`), handing Documents to `sink` in
    batches and, at the end, what the next crawl needs (HTTP cache, retry list) to `state_sink`.
    Relative paths of sources resolve against `base_dir` (the config file's folder); `watchlist`
    (ticker -> names) tags documents with tickers, None: the built-in list.

    `sink` is called from a worker thread, one call at a time; one that raises gets the batch
    again later. `fetcher` and `executor` may be passed in (tests, several crawls sharing a pool);
    otherwise they are made and closed here. `now` (default: the clock) dates what the crawl
    records: documents' fetched_at, retry times, what each source gave.

    The state is saved last, and only when every document was stored: if the crawl dies half-way
    or documents were left unstored, the next run fetches the feeds in full again rather than
    trusting a 304 for items it never stored.
    """
    settings = settings or Crawl()
    http_cache = http_cache or {}
    own_fetcher = fetcher is None
    own_executor = executor is None
    fetcher = fetcher or Fetcher(settings, cache=http_cache)
    executor = executor or make_executor()
    crawl = _Crawl(
        settings,
        base_dir,
        watchlist,
        fetcher,
        executor,
        http_cache,
        known or KnownDocuments(),
        retries,
        sink,
        batch_size,
        store_patience_s,
        now,
    )
    try:
        await crawl.run(sources)
        if state_sink is not None and not crawl.unstored:
            try:
                await asyncio.to_thread(state_sink, crawl.state(fetcher.cache_updates()))
            except Exception as exc:  # noqa: BLE001 - the documents are stored; only the shortcuts are lost
                crawl.summary.warnings.append(
                    f"the crawl's HTTP cache and retry list could not be saved ({exc}); "
                    "the next run fetches every feed in full"
                )
                logger.warning("%s", crawl.summary.warnings[-1])
    finally:
        crawl.pools.close()
        if own_fetcher:
            await fetcher.aclose()
        if own_executor:
            executor.shutdown(cancel_futures=True)
    summary = crawl.summary
    logger.info("crawl: %s", summary.as_dict())
    return summary


def crawl(sources: Sequence[Source], settings: Crawl | None = None, **kwargs: Any) -> CrawlSummary:
    """`crawl_sources` for callers without an event loop."""
    return asyncio.run(crawl_sources(sources, settings, **kwargs))
