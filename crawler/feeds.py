"""RSS 0.9x/2.0, RSS 1.0 (RDF), Atom and JSON Feed (crawler.jsonfeed), from bytes to a `Feed`.

feedparser copes with the real web: feeds labelled as the wrong kind, legacy encodings declared or
not, malformed XML. Whatever it could read is kept; what went wrong goes to `Feed.problems`.
"""

from __future__ import annotations

import calendar
import json
import logging
import re
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import html as lxml_html
from lxml.etree import ParserError

from hypewatch.crawler.charset import declared_encoding, detect_encoding, looks_binary, visible
from hypewatch.crawler.dates import EARLIEST_PUBLISHED
from hypewatch.crawler.jsonfeed import VERSION_PREFIX, is_json_feed, json_feed
from hypewatch.errors import HypewatchError
from hypewatch.records import Feed, FeedItem

logger = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
_BLOCK_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "section")


class FeedError(HypewatchError, ValueError):
    """The input is not a feed at all (no channel, no items, unreadable). `problem` says why."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problem = problem


class PageNotFeed(FeedError):
    """The input is a web page, not a feed: a site's home page given where its feed belongs.
    `links` are the feeds the page declares (`<link rel="alternate">`), absolute where `url` was given."""

    def __init__(self, name: str, links: list[str]) -> None:
        super().__init__(
            name, "an HTML page, not a feed" + (f"; the page links to the feed {links[0]}" if links else "")
        )
        self.links = links


#: The types a page's <link rel="alternate"> gives its feeds.
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")


def parse_feed(data: bytes, name: str, *, url: str | None = None) -> Feed:
    """Parse feed bytes; `name` (the source or file name) labels logged problems.

    Relative item links resolve against `url` (where the feed came from), else the feed's own link.

    Raises FeedError when nothing feed-like could be read; a feed with problems but some items
    is returned with `problems` set.
    """
    if looks_binary(data):
        raise FeedError(name, "binary content, not a feed")
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return _json_feed(data, name, url)
    # feedparser fetches a URL or opens a path when given a str; bytes it only parses.
    parsed = feedparser.parse(
        bytes(data), response_headers=_undeclared_charset(data), sanitize_html=True, resolve_relative_uris=True
    )
    problems = []
    if parsed.get("bozo"):
        problems.append(f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}")
    channel = parsed.get("feed", {})
    base = url or channel.get("link")
    items = [_item(entry, base) for entry in parsed.entries]
    if not items and not channel.get("title"):
        if _looks_like_html(data):
            raise PageNotFeed(name, feed_links(data, url))
        raise FeedError(name, "not a readable feed" + (f" ({problems[0]})" if problems else ""))
    for problem in problems:
        logger.warning("feed %s: %s (kept %d items)", name, problem, len(items))
    return Feed(title=channel.get("title"), link=channel.get("link"), items=items, problems=problems)


def _json_feed(data: bytes, name: str, url: str | None) -> Feed:
    try:
        obj = json.loads(data.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError) as exc:
        raise FeedError(name, f"not a readable feed (JSON: {exc})") from None
    if not is_json_feed(obj):
        raise FeedError(name, f"JSON, but not a JSON Feed (no 'version' of {VERSION_PREFIX})")
    feed = json_feed(obj, url)
    if not feed.items and not feed.title:
        raise FeedError(name, "not a readable feed (a JSON Feed with no title and no items)")
    for problem in feed.problems:
        logger.warning("feed %s: %s (kept %d items)", name, problem, len(feed.items))
    return feed


def feed_links(data: bytes, url: str | None = None) -> list[str]:
    """The feeds an HTML page declares in its <link rel="alternate" type=...> tags, in page order."""
    try:
        tree = lxml_html.document_fromstring(data.decode(detect_encoding(data), errors="replace"))
    except (ParserError, ValueError):
        return []
    links = []
    for link in tree.iterfind(".//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        if "alternate" in rel and (link.get("type") or "").strip().lower() in FEED_TYPES:
            href = urljoin(url, link.get("href").strip()) if url else link.get("href").strip()
            if href and href not in links:
                links.append(href)
    return links


def _looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _undeclared_charset(data: bytes) -> dict[str, str]:
    """An HTTP-style header naming the detected charset of a feed that declares none and is not
    UTF-8 (feedparser would read it as windows-1252: mojibake for Chinese or Russian)."""
    if declared_encoding(data) is not None:
        return {}
    encoding = detect_encoding(data)
    return {} if encoding.startswith("utf") else {"content-type": f"application/xml; charset={encoding}"}


def _item(entry: Any, base: str | None) -> FeedItem:
    link = _link(entry)
    return FeedItem(
        link=urljoin(base, link) if base and link else link,
        title=_clean(entry.get("title")),
        published_at=_utc(entry.get("published_parsed")) or _utc(entry.get("created_parsed")),
        updated_at=_utc(entry.get("updated_parsed")),
        summary=html_to_text(entry.get("summary") or "") or None,
        content=_html_content(entry),
        author=_clean(entry.get("author")),
        item_id=entry.get("id"),
    )


def _link(entry: Any) -> str | None:
    link = entry.get("link")
    if not link:
        # An RSS <guid isPermaLink="true"> is the item's address when <link> is missing.
        guid = entry.get("id") or ""
        link = guid if guid.startswith(("http://", "https://")) and entry.get("guidislink", True) else None
    return link.strip() if link else None


def _html_content(entry: Any) -> str | None:
    """The item's full body (content:encoded, Atom <content>), preferring HTML over plain text."""
    contents = entry.get("content") or []
    html = [c for c in contents if c.get("type", "").lower() in _HTML_TYPES and c.get("value")]
    chosen = html or [c for c in contents if c.get("value")]
    return chosen[0]["value"] if chosen else None


def _utc(parsed: time.struct_time | None) -> datetime | None:
    # feedparser normalises every date it understands to a UTC struct_time.
    if not parsed:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None
    # A placeholder (year 1, 1900, the epoch) is no date; one in the future is judged by the crawl.
    return when if when >= EARLIEST_PUBLISHED else None


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else None
    return value or None


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment, one paragraph per line."""
    if "<" not in markup:
        return re.sub(r"[ \t]+", " ", visible(markup)).strip()
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (ParserError, ValueError):
        return markup.strip()
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
    for element in list(root.iter("script", "style")):
        element.drop_tree()
    lines = (" ".join(line.split()) for line in visible(root.text_content()).splitlines())
    return "\n".join(line for line in lines if line)
