"""JSON Feed (https://jsonfeed.org, versions 1 and 1.1), from parsed JSON to a `Feed`.

feedparser reads the XML feeds; blogs on Micro.blog, Ghost or Hugo often offer this one instead.
Dates are RFC 3339; an item's body is `content_html`, else `content_text`.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

from dateutil import parser as dateparser

from hypewatch.crawler.dates import EARLIEST_PUBLISHED
from hypewatch.records import Feed, FeedItem

VERSION_PREFIX = "https://jsonfeed.org/version/"


def is_json_feed(obj: Any) -> bool:
    return isinstance(obj, dict) and str(obj.get("version", "")).startswith(VERSION_PREFIX)


def json_feed(obj: dict[str, Any], base: str | None = None) -> Feed:
    """The feed a JSON Feed document holds; an item that is not an object is a problem, not an error."""
    link = _text(obj.get("home_page_url"))
    base = base or link
    items: list[FeedItem] = []
    problems: list[str] = []
    raw_items = obj.get("items")
    if not isinstance(raw_items, list):
        raw_items = []
        problems.append("JSON Feed without an 'items' list")
    for n, entry in enumerate(raw_items):
        if not isinstance(entry, dict):
            problems.append(f"item {n} is not an object")
            continue
        items.append(_item(entry, base))
    return Feed(title=_text(obj.get("title")), link=link, items=items, problems=problems)


def _item(entry: dict[str, Any], base: str | None) -> FeedItem:
    link = _text(entry.get("url")) or _text(entry.get("external_url"))
    content = _text(entry.get("content_html")) or _paragraphs(entry.get("content_text"))
    item_id = entry.get("id")
    return FeedItem(
        link=urljoin(base, link) if base and link else link,
        title=_text(entry.get("title")),
        published_at=_date(entry.get("date_published")),
        updated_at=_date(entry.get("date_modified")),
        summary=_text(entry.get("summary")),
        content=content,
        author=_author(entry) or None,
        item_id=str(item_id) if item_id is not None else None,
    )


def _paragraphs(text: Any) -> str | None:
    """Plain `content_text` as HTML paragraphs, one per blank-line-separated block."""
    if not isinstance(text, str):
        return None
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text)]
    return "".join(f"<p>{html.escape(b)}</p>" for b in blocks if b) or None


def _author(entry: dict[str, Any]) -> str | None:
    # 1.1 has a list of authors; 1.0 one author.
    authors = entry.get("authors") if isinstance(entry.get("authors"), list) else [entry.get("author")]
    names = [_text(a.get("name")) for a in authors if isinstance(a, dict)]
    return ", ".join(n for n in names if n) or None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = dateparser.isoparse(value.strip())
    except (ValueError, OverflowError):
        return None
    when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    return when if when >= EARLIEST_PUBLISHED else None


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split()) if "<" not in value else value.strip()
    return value or None
