"""Article extraction: from one HTML page to its main text and metadata.

trafilatura does the heavy lifting. On top of it this module
- runs it in precision mode, falling back to its default mode and to the page's JSON-LD
  `articleBody` when precision mode keeps too little;
- re-attaches parts of a body that the page split into several containers around an ad;
- trims edge boilerplate that survives extraction ("Read more: ...", newsletter pitches);
- reads the publication date from page metadata first and never accepts one in the future, nor
  a placeholder before EARLIEST_PUBLISHED.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime, time, timezone
from urllib.parse import urljoin

import htmldate
import trafilatura
from dateutil import parser as dateparser
from lxml import etree
from lxml import html as lxml_html

from hypewatch.crawler.charset import detect_encoding, looks_binary
from hypewatch.crawler.dates import EARLIEST_PUBLISHED, plausible
from hypewatch.crawler.language import detect_language
from hypewatch.crawler.stubs import detect_stub
from hypewatch.errors import HypewatchError
from hypewatch.records import Article

logger = logging.getLogger(__name__)

#: Pages (and local files) larger than this are not articles, or are hostile; downloads stop at crawl.max_bytes.
MAX_HTML_BYTES = 20_000_000

#: Article pages have a few thousand elements at most; far more makes extraction crawl.
MAX_ELEMENTS = 40_000

#: Precision mode must keep at least this share of default mode's text, else it dropped body parts.
_MIN_PRECISION_SHARE = 0.4

#: A paragraph of a split body must have this many characters to be re-attached.
_MIN_CONTINUATION_CHARS = 80

#: Texts longer than this are not searched for missing parts of a split body.
_MAX_SPLIT_BODY_CHARS = 100_000


class ExtractionError(HypewatchError, ValueError):
    """The input cannot be read as an HTML page."""


def extract_article(
    html: bytes | str, url: str | None = None, *, now: datetime | None = None, where: str | None = None
) -> Article:
    """Extract the main text and metadata of the article page `html`, fetched from `url`.

    `now` bounds the publication date (a date after it is ignored); it defaults to the current time.
    Raises ExtractionError for input that is not an HTML page: binary, empty or huge; its message
    starts with `where` (default: `url`), e.g. the name of a local file.
    """
    where = where or url or "<input>"
    markup = decode_html(html, where=where) if isinstance(html, bytes) else html
    if len(markup) > MAX_HTML_BYTES:
        raise ExtractionError(f"{where}: page of {len(markup):,} characters exceeds {MAX_HTML_BYTES:,}")
    if looks_binary(markup[:4096].encode("utf-8", "replace")):
        raise ExtractionError(f"{where}: content is binary, not HTML")
    tree = _parse(markup, where)

    text = extract_text(tree)
    meta = trafilatura.extract_metadata(tree, default_url=url)
    title = meta.title if meta else None
    text = _drop_leading_title(text, title)
    return Article(
        url=url,
        title=title,
        published_at=find_published_at(tree, now=now),
        language=detect_language(text) or _declared_language(tree),
        text=text,
        canonical_url=find_canonical_url(tree, url),
        author=meta.author if meta else None,
        stub=detect_stub(tree, text),
    )


# --- reading the bytes ---------------------------------------------------------------------------


def decode_html(data: bytes, *, where: str = "<input>") -> str:
    """Decode an HTML page: byte-order mark, valid UTF-8, its own <meta> charset, then detection."""
    if len(data) > MAX_HTML_BYTES:
        raise ExtractionError(f"{where}: page of {len(data):,} bytes exceeds {MAX_HTML_BYTES:,}")
    if looks_binary(data):
        raise ExtractionError(f"{where}: content is binary, not HTML")
    return data.decode(detect_encoding(data), errors="replace")


def _parse(markup: str, where: str) -> lxml_html.HtmlElement:
    # lxml refuses str input that declares an encoding in its XML prologue.
    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", markup, count=1)
    if not markup.strip():
        raise ExtractionError(f"{where}: page is empty")
    try:
        tree = lxml_html.document_fromstring(markup)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"{where}: cannot parse as HTML: {exc}") from exc
    # Extraction time grows faster than the page; a real article page has a few thousand elements.
    size = sum(1 for _ in tree.iter())
    if size > MAX_ELEMENTS:
        raise ExtractionError(f"{where}: page has {size:,} HTML elements, more than {MAX_ELEMENTS:,}")
    return tree


# --- the main text -------------------------------------------------------------------------------


def extract_text(tree: lxml_html.HtmlElement) -> str:
    """The main text of a parsed page, paragraphs separated by newlines; "" when there is none."""
    options = dict(include_comments=False, include_tables=True, deduplicate=False)
    text = trafilatura.extract(tree, favor_precision=True, **options) or ""
    # Precision mode sometimes throws away most of an unusual body; default mode then does better.
    if len(text) < 2000:
        default = trafilatura.extract(tree, **options) or ""
        if len(text) < _MIN_PRECISION_SHARE * len(default):
            logger.debug("precision mode kept %d of %d characters, using default mode", len(text), len(default))
            text = default
    body = _json_ld_article_body(tree)
    if body and len(text) < 500 and len(body) > 2 * len(text):
        text = body
    # Split bodies are a trait of ordinary articles; comparing every paragraph of a huge page
    # with its text would cost minutes.
    if len(text) < _MAX_SPLIT_BODY_CHARS:
        text = _add_split_body_parts(tree, text)
    return _trim_boilerplate(text)


def _json_ld_article_body(tree: lxml_html.HtmlElement) -> str | None:
    bodies = [obj["articleBody"] for obj in _json_ld_objects(tree) if isinstance(obj.get("articleBody"), str)]
    if not bodies:
        return None
    body = max(bodies, key=len)
    # Some sites put HTML in articleBody.
    if "<" in body:
        body = lxml_html.fromstring(f"<div>{body}</div>").text_content()
    return body.strip() or None


def _json_ld_objects(tree: lxml_html.HtmlElement) -> Iterator[dict]:
    """Every JSON object of the page's JSON-LD scripts, @graph members and nested lists included."""
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, RecursionError):  # broken, or nested too deep to be metadata
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _add_split_body_parts(tree: lxml_html.HtmlElement, text: str) -> str:
    """Append the paragraphs of body containers that trafilatura left out.

    Some sites cut an article into several containers of the same class with ads between them;
    extraction then keeps only the first. Containers of the same tag and class within the same
    <article> (or <main>) are parts of the same body.
    """
    extracted = _words(text)
    if not extracted:
        return text
    container = _body_container(tree, extracted)
    if container is None:
        return text
    scope = _enclosing(container, ("article", "main"))
    if scope is None:
        return text
    added = []
    for other in scope.iter(container.tag):
        if other is container or other.get("class") != container.get("class"):
            continue
        for p in other.iter("p"):
            para = " ".join(p.text_content().split())
            if len(para) >= _MIN_CONTINUATION_CHARS and not _mostly_in(para, extracted):
                added.append(para)
                extracted += " " + _words(para)
    if added:
        logger.debug("re-attached %d paragraphs of a split body", len(added))
        return text + "\n" + "\n".join(added)
    return text


def _mostly_in(paragraph: str, extracted: str) -> bool:
    # Extraction may have dropped a link or two from a paragraph; it is still the same paragraph.
    words = _words(paragraph).split()
    trigrams = {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}
    return sum(t in extracted for t in trigrams) > 0.5 * len(trigrams)


def _body_container(tree: lxml_html.HtmlElement, extracted: str) -> lxml_html.HtmlElement | None:
    """The element with a class holding most of the extracted paragraphs, if they share one."""
    counts: dict[lxml_html.HtmlElement, int] = {}
    for p in tree.iter("p"):
        para = _words(p.text_content())
        if len(para) >= _MIN_CONTINUATION_CHARS and para in extracted:
            parent = p.getparent()
            if parent is not None and parent.get("class"):
                counts[parent] = counts.get(parent, 0) + 1
    if not counts:
        return None
    return max(counts, key=counts.get)


def _enclosing(element: lxml_html.HtmlElement, tags: tuple[str, ...]) -> lxml_html.HtmlElement | None:
    for ancestor in element.iterancestors(*tags):
        return ancestor
    return None


# Lines that are about the page, not part of the story: cross-links, newsletter and social pitches.
_BOILERPLATE_LINE = re.compile(
    r"""^(?:
        (?:read\ more|related|see\ also|also\ read|also\ on\ \S+|more\ on\ this|recommended|watch)\s*:.*
      | (?:click\ here|sign\ up|subscribe|follow\ (?:us|\w+\ \w+)\ on|like\ this\ (?:story|article)|share\ this|tell\ us\ what|have\ a\ tip)\b.{0,200}
      | .{0,120}\b(?:newsletters?|inbox|delivered\ (?:to|through)\ your)\b.{0,120}
      | \d*\s*comments?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def _trim_boilerplate(text: str) -> str:
    """Drop cross-links anywhere and pitches at the ends of the text."""
    lines = [line for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not re.match(r"(?:read more|related|also on \S+)\s*:", line, re.IGNORECASE)]
    while lines and _BOILERPLATE_LINE.match(lines[-1].strip()):
        lines.pop()
    # A newsletter box ends many articles: its heading, then a line or two of pitch.
    for tail in (2, 3):
        if (
            len(lines) > tail
            and _BOILERPLATE_LINE.match(lines[-tail].strip())
            and all(len(line) < 200 for line in lines[-tail:])
        ):
            del lines[-tail:]
            break
    while lines and _BOILERPLATE_LINE.match(lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines)


def _drop_leading_title(text: str, title: str | None) -> str:
    """Drop the headline when extraction kept it as the first line of the body."""
    first, _, rest = text.partition("\n")
    if title and rest and _words(first) and _words(first) in _words(title):
        return rest
    return text


# --- metadata ------------------------------------------------------------------------------------

_DATE_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "dcterms.date",
    "sailthru.date",
    "parsely-pub-date",
    "cxenseparse:recs:publishtime",
)


def find_published_at(tree: lxml_html.HtmlElement, *, now: datetime | None = None) -> datetime | None:
    """When the page was first published, as timezone-aware UTC; never later than `now` nor
    earlier than EARLIEST_PUBLISHED.

    Page metadata comes first (JSON-LD, <meta>, <time>), then htmldate's reading of the page.
    A date without a time of day means midnight UTC.
    """
    now = now or datetime.now(timezone.utc)
    for candidate in _date_candidates(tree):
        parsed = _parse_datetime(candidate)
        if parsed is None:
            continue
        if not plausible(parsed, now):
            logger.debug(
                "ignoring publication date %s: not between %s and %s",
                parsed.isoformat(),
                EARLIEST_PUBLISHED.date(),
                now.isoformat(),
            )
            continue
        return parsed
    found = htmldate.find_date(
        tree,
        extensive_search=False,
        original_date=True,
        min_date=EARLIEST_PUBLISHED.strftime("%Y-%m-%d"),
        max_date=now.strftime("%Y-%m-%d"),
    )
    if found:
        day = datetime.strptime(found, "%Y-%m-%d").date()
        return plausible(datetime.combine(day, time(), tzinfo=timezone.utc), now)
    return None


def _date_candidates(tree: lxml_html.HtmlElement) -> Iterator[str]:
    for obj in _json_ld_objects(tree):
        for key in ("datePublished", "dateCreated"):
            if isinstance(obj.get(key), str):
                yield obj[key]
    metas = {}
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key and meta.get("content") and key not in metas:
            metas[key] = meta.get("content")
    for key in _DATE_META:
        if key in metas:
            yield metas[key]
    for element in tree.xpath("//*[@itemprop='datePublished'][@datetime or @content]"):
        yield element.get("datetime") or element.get("content")
    for element in tree.xpath("//time[@pubdate][@datetime] | //article//time[@datetime]"):
        yield element.get("datetime")


# Zone abbreviations that pages use and dateutil does not know on its own (hours east of UTC).
_TZ_NAMES = {
    name: offset * 3600
    for name, offset in {
        "UTC": 0,
        "GMT": 0,
        "Z": 0,
        "BST": 1,
        "CET": 1,
        "CEST": 2,
        "EET": 2,
        "EEST": 3,
        "IST": 5.5,
        "JST": 9,
        "KST": 9,
        "AEST": 10,
        "AEDT": 11,
        "EST": -5,
        "EDT": -4,
        "CST": -6,
        "CDT": -5,
        "MST": -7,
        "MDT": -6,
        "PST": -8,
        "PDT": -7,
    }.items()
}


def _parse_datetime(value: str) -> datetime | None:
    value = value.strip()
    if not value or not re.search(r"\d{4}", value):
        return None
    try:
        parsed = dateparser.parse(value, tzinfos=_TZ_NAMES)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        # Year 1 or 9999 with an offset leaves datetime's range when moved to UTC.
        return parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


#: A page that sends the reader on within this many seconds is a redirect, not the article
#: (news pages that reload themselves wait minutes).
MAX_REFRESH_DELAY_S = 5

_REFRESH = re.compile(rb"""http-equiv\s*=\s*["']?refresh""", re.IGNORECASE)
_REFRESH_CONTENT = re.compile(r"""^\s*(\d+(?:\.\d*)?)\s*[;,]?\s*(?:url\s*=\s*)?["']?([^"'\s][^"']*)["']?\s*$""", re.I)


def refresh_target(html: bytes, url: str) -> str | None:
    """Where a redirect page sends the reader with `<meta http-equiv="refresh" content="0; url=...">`
    (absolute), or None for any other page, a slow refresh or one back to the page itself."""
    if not _REFRESH.search(html[:32_768]):
        return None
    try:
        tree = lxml_html.document_fromstring(html[:32_768])
    except (etree.ParserError, ValueError):
        return None
    for meta in tree.iterfind(".//meta[@http-equiv]"):
        if meta.get("http-equiv", "").strip().lower() != "refresh":
            continue
        found = _REFRESH_CONTENT.match(meta.get("content") or "")
        if not found or float(found[1]) > MAX_REFRESH_DELAY_S:
            continue
        target = urljoin(url, found[2].strip())
        if target.split("#", 1)[0] != url.split("#", 1)[0] and target.startswith(("http://", "https://")):
            return target
    return None


def find_canonical_url(tree: lxml_html.HtmlElement, url: str | None) -> str | None:
    """The page's own idea of its address: <link rel=canonical>, else og:url, resolved against `url`."""
    for href in tree.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content"):
        href = href.strip()
        if href:
            resolved = urljoin(url or "", href)
            if resolved.startswith(("http://", "https://")):
                return resolved
    return None


def _declared_language(tree: lxml_html.HtmlElement) -> str | None:
    lang = tree.get("lang") or next(iter(tree.xpath("//meta[@http-equiv='content-language']/@content")), None)
    if lang:
        code = lang.strip().split("-")[0].split("_")[0].lower()
        if len(code) == 2 and code.isalpha():
            return code
    return None
