"""Canonical URLs: one spelling per page, so the same article fetched twice is stored once."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that say how a reader arrived, not which page they read.
_TRACKING_PARAM = re.compile(
    r"""^(?:
        utm_\w+ | mc_\w+ | ref | ref_\w+ | referrer | fbclid | gclid | gclsrc | dclid | msclkid | yclid | twclid
      | igshid | _ga | _gl | _hsenc | _hsmi | mkt_tok | ocid | cmpid | ncid | smid | sr_share | spm | s_cid
      | oly_enc_id | oly_anon_id | vero_\w+ | wt_mc | at_\w+ | itm_\w+ | guccounter | guce_\w+
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def canonicalize_url(url: str) -> str:
    """The canonical spelling of `url`: https, lower-case host without `www.` or default port,
    no trailing slash, no fragment, no tracking parameters, the other parameters sorted.

    >>> canonicalize_url("HTTP://www.Example.com:80/News/story/?utm_source=x&b=2&a=1#top")
    'https://example.com/News/story?a=1&b=2'
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url.strip()
    host = (parts.hostname or "").rstrip(".")
    host = host.removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    query = sorted(
        (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAM.match(key)
    )
    return urlunsplit(("https", host, path or "/", urlencode(query), ""))


def reader_url(url: str) -> str:
    """The address to give a reader: as the site serves it (scheme, host, path kept, so the link
    works where the canonical spelling would not: an http-only site, a host only served with
    `www.`), without its fragment and tracking parameters.

    >>> reader_url("http://www.Example.com/News/story?utm_source=x&id=7#top")
    'http://www.Example.com/News/story?id=7'
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        return url.strip()
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if not _TRACKING_PARAM.match(key)]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", query, ""))
