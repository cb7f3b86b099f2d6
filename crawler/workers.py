"""The CPU-bound half of the crawl, run in the extraction processes: bytes in, `Parsed` out.

Top-level functions, so they pickle; this module imports only what parsing needs, so each
worker process stays small (no database, no HTTP client).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, time, timezone
from time import sleep

from hypewatch.crawler.companies import find_tickers, ticker_for_company
from hypewatch.crawler.dedup import content_hash, simhash
from hypewatch.crawler.extract import extract_article
from hypewatch.crawler.language import detect_language
from hypewatch.crawler.transcripts import parse_transcript
from hypewatch.records import Article, FeedItem, Transcript

#: prctl(2) option: the signal the kernel sends a process when its parent ends.
_PR_SET_PDEATHSIG = 1
#: How often a worker checks that the crawl that started it is still there.
PARENT_CHECK_S = 1.0


@dataclass
class Parsed:
    """What a worker made of one page, feed item or transcript."""

    article: Article
    content_hash: str
    simhash: int
    tickers: list[str]
    transcript: Transcript | None = None


def die_with_parent(parent_pid: int) -> None:
    """Initializer of an extraction process: end it when the crawl that started it ends.

    A killed crawl (kill -9, the OOM killer) cannot shut its pool down, and its workers hold both
    ends of their task queue, so they would wait for work forever. On Linux the kernel kills them
    with their parent; elsewhere, or if that is refused, a thread notices the parent is gone.
    The kernel's signal comes when the *thread* that started the worker ends, so a pool is used
    from one long-lived thread (the crawl's event loop); a worker lost otherwise only costs a
    pool replacement.
    """
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    # The parent may have died before the line above ran; then no signal will come.
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), name="parent-watch", daemon=True).start()


def _exit_when_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        sleep(PARENT_CHECK_S)
    os._exit(1)


def extract_page(body: bytes, encoding: str | None, url: str, watchlist: dict[str, list[str]]) -> Parsed:
    """An article page; `encoding` None lets extraction find the charset itself (local files)."""
    markup = body.decode(encoding, errors="replace") if encoding else body
    return _analyse(extract_article(markup, url), watchlist)


def parse_feed_content(item: FeedItem, text: str, watchlist: dict[str, list[str]]) -> Parsed:
    """A feed item that carries the whole article as `text`."""
    article = Article(
        url=item.link,
        title=item.title,
        published_at=None,
        language=detect_language(text),
        text=text,
        author=item.author,
    )
    return _analyse(article, watchlist)


def parse_call(data: bytes, filename: str, watchlist: dict[str, list[str]]) -> Transcript:
    """A transcript parsed, with the watchlist's ticker for a company the file gives none for: a call
    keyed by its ticker is one company however the operator spells it ("Micron Technologies")."""
    transcript = parse_transcript(data, filename=filename)
    if not transcript.ticker and transcript.company:
        transcript.ticker = ticker_for_company(transcript.company, watchlist)
    return transcript


def read_transcript(data: bytes, filename: str, url: str, watchlist: dict[str, list[str]]) -> Parsed:
    """An earnings-call transcript; its text is all turns, its date the call's."""
    transcript = parse_call(data, filename, watchlist)
    text = "\n\n".join(turn.text for turn in transcript.turns)
    title = transcript.title or " ".join(filter(None, (transcript.company, transcript.fiscal_period, "earnings call")))
    published = datetime.combine(transcript.call_date, time(0), tzinfo=timezone.utc) if transcript.call_date else None
    article = Article(url=url, title=title, published_at=published, language=detect_language(text), text=text)
    return _analyse(article, watchlist, transcript)


def _analyse(article: Article, watchlist: dict[str, list[str]], transcript: Transcript | None = None) -> Parsed:
    text = article.text
    tickers = set(find_tickers(f"{article.title or ''}\n{text}", watchlist))
    if transcript is not None and transcript.ticker:
        tickers.add(transcript.ticker.upper())
    return Parsed(article, content_hash(text), simhash(text), sorted(tickers), transcript)
