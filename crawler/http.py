"""Polite, defensive HTTP for the crawler.

One `Fetcher` per crawl, on one httpx.AsyncClient:
- robots.txt (rules and Crawl-delay) read once per host and obeyed;
- at most `per_host_concurrency` requests per host, started `per_host_delay_s` apart (or the
  host's Crawl-delay, if longer), inside the overall `concurrency`;
- conditional GET from the remembered ETag / Last-Modified, and the same verdict ("unchanged")
  when a server ignores them but sends the same bytes again;
- retries with exponential backoff on 429, 5xx and broken connections, honouring Retry-After;
- redirects followed one hop at a time, each hop checked by `netguard` and robots.txt, and every
  direct connection made to an address `netguard` checked (no second DNS lookup);
- a proxy only when `crawl.proxy` names one (or `env`): HTTP_PROXY & co. are ignored otherwise,
  and behind a proxy a host must resolve here, to a public address, to be fetched;
- `timeout_s` for a whole request, `max_bytes` counted on the decompressed body as it streams
  and inflated in bounded steps, so a gzip bomb is cut off at `max_bytes`;
- only the content types a caller can use, and no binary files posing as HTML.

Every failure is a `FetchError` subclass whose message names the URL and the cause.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
import urllib.request
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from hypewatch.errors import HypewatchError
from hypewatch.records import HttpCacheEntry
from hypewatch.settings import Crawl

from . import netguard
from .charset import detect_encoding, looks_binary
from .robots import ALLOW_ALL, DENY_ALL, Robots, parse_robots, robots_for_status, robots_url

logger = logging.getLogger(__name__)

Kind = Literal["page", "feed", "text", "robots"]

_HTML = ("text/html", "application/xhtml+xml")
_XML = ("text/xml", "application/xml")
#: Content types each kind of fetch accepts; any `+xml` type counts as XML.
ACCEPTED_TYPES: dict[Kind, tuple[str, ...]] = {
    "page": _HTML + _XML,
    # HTML too: some servers label their feeds so, and a site's home page names its feed (crawler.feeds)
    "feed": _XML
    + _HTML
    + ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "text/plain")
    + ("application/feed+json", "application/json"),
    # a transcript, in whichever format its publisher chose (a PDF too: its text layer is read)
    "text": _HTML + _XML + ("text/plain", "application/json", "application/pdf"),
    "robots": (),  # anything: servers label robots.txt every which way
}
_ACCEPT_HEADER: dict[Kind, str] = {
    "page": "text/html,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,text/xml;q=0.9,"
    "application/json;q=0.8,*/*;q=0.1",
    "text": "text/html,text/plain;q=0.9,application/json;q=0.9,application/pdf;q=0.8,*/*;q=0.1",
    "robots": "text/plain,*/*;q=0.1",
}
_REDIRECTS = (301, 302, 303, 307, 308)
_ROBOTS_MAX_BYTES = 500_000  # RFC 9309 lets a crawler stop reading at 500 KiB
_MAX_CRAWL_DELAY_S = 60.0  # a Crawl-delay of an hour would stall the nightly run; cap it
#: request extension saying the request may reach private addresses (no connection-time check)
_MAY_BE_PRIVATE = "hypewatch_may_be_private"
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's own defaults
_CP1252_TOLERANCE = 0.1  # how much more "chaos" windows-1252 may show and still be preferred


class ProxyError(HypewatchError):
    """The proxy that `crawl.proxy: env` points at is not one the crawler can use."""


class FetchError(HypewatchError):
    """A URL could not be fetched. `reason` is a short category for summaries."""

    reason = "fetch failed"
    #: Worth another try on a later run: the server or the network may be back by then.
    transient = False

    def __init__(self, url: str, cause: str) -> None:
        super().__init__(f"{url}: {cause}")
        self.url = url
        self.cause = cause


class RobotsDisallowed(FetchError):
    reason = "robots.txt"


class TooLarge(FetchError):
    reason = "too large"


class BadContentType(FetchError):
    reason = "bad content type"


class TooManyRedirects(FetchError):
    reason = "too many redirects"


class BlockedAddress(FetchError):
    reason = "blocked address"


class FetchTimeout(FetchError):
    reason = "timeout"
    transient = True


class ConnectionFailed(FetchError):
    reason = "connection failed"
    transient = True


class HttpStatusError(FetchError):
    def __init__(self, url: str, status: int, cause: str | None = None) -> None:
        super().__init__(url, cause or f"HTTP {status}")
        self.status = status

    @property
    def reason(self) -> str:  # type: ignore[override]
        return f"http {self.status}"

    @property
    def transient(self) -> bool:  # type: ignore[override]
        return self.status in (408, 425, 429) or self.status >= 500


@dataclass(frozen=True)
class FetchResult:
    url: str  # as asked for
    final_url: str  # after redirects
    status: int
    body: bytes
    content_type: str | None
    encoding: str | None  # a Python codec name; None for an empty (e.g. 304) body
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # 304, or the same bytes as last time
    content_hash: str | None = None

    def text(self) -> str:
        return self.body.decode(self.encoding or "utf-8", errors="replace")


# --- pure helpers ----------------------------------------------------------------------------


def mime_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_accepted(content_type: str | None, kind: Kind) -> bool:
    """Whether a response of `content_type` is of use to a `kind` fetch (no header: let it through)."""
    mime = mime_type(content_type)
    accepted = ACCEPTED_TYPES[kind]
    return not accepted or not mime or mime in accepted or (kind != "text" and mime.endswith("+xml"))


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def body_hash(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


# --- proxies and connections ------------------------------------------------------------------

_PROXY_KEYS = ("http", "https", "all")


def proxy_table(setting: str | None) -> dict[str, str]:
    """`crawl.proxy` as a table: URL scheme ("http", "https", "all") -> proxy URL, "no" -> NO_PROXY.

    None means no proxy at all: a proxy variable left in the environment must not quietly send the
    crawl through a machine whose DNS the guard cannot check. "env" reads the variables.
    """
    if setting is None:
        return {}
    if setting != "env":
        return {"http": setting, "https": setting}
    table = {
        key: value
        for key, value in urllib.request.getproxies_environment().items()
        if key in (*_PROXY_KEYS, "no") and value
    }
    for key in _PROXY_KEYS:
        if key in table:
            if "://" not in table[key]:
                table[key] = "http://" + table[key]  # what curl and httpx assume
            if urlsplit(table[key]).scheme.lower() not in ("http", "https"):
                raise ProxyError(
                    f"crawl.proxy: env: {key}_proxy={_without_password(table[key])} is not an http(s) proxy"
                )
    return table


def proxy_for(url: str, table: Mapping[str, str]) -> str | None:
    """The proxy `url` goes through by `table` (see `proxy_table`), or None to connect directly."""
    parts = urlsplit(url)
    if not table or urllib.request.proxy_bypass_environment(parts.hostname or "", table):
        return None
    return table.get(parts.scheme.lower()) or table.get("all")


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def pinned_transport(
    backend: httpcore.AsyncNetworkBackend, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections `backend` makes (a `netguard.GuardedBackend`)."""
    transport = httpx.AsyncHTTPTransport(limits=_LIMITS)
    # httpx 0.28 takes no network backend; its transport sends every request through `_pool`, an
    # httpcore pool, which does. tests/test_faults_proxy.py fails if this stops holding.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context or httpx.create_ssl_context(),
        max_connections=_LIMITS.max_connections,
        max_keepalive_connections=_LIMITS.max_keepalive_connections,
        keepalive_expiry=_LIMITS.keepalive_expiry,
        network_backend=backend,
    )
    return transport


class _Routes(httpx.AsyncBaseTransport):
    """Sends a request through its proxy, else directly: to checked addresses only, unless the
    request may reach private ones (its `_MAY_BE_PRIVATE` extension). Separate pools, so a
    connection made for a trusted intranet URL is never reused for a link from a feed."""

    def __init__(self, proxies: Mapping[str, str], resolver: netguard.Resolver) -> None:
        self._proxies = proxies
        self._checked = pinned_transport(netguard.GuardedBackend(resolver))
        self._unchecked = httpx.AsyncHTTPTransport(limits=_LIMITS)
        self._via = {
            proxy: httpx.AsyncHTTPTransport(proxy=proxy, limits=_LIMITS)
            for key, proxy in proxies.items()
            if key in _PROXY_KEYS
        }

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        proxy = proxy_for(str(request.url), self._proxies)
        if proxy is not None:
            transport = self._via[proxy]
        elif request.extensions.get(_MAY_BE_PRIVATE):
            transport = self._unchecked
        else:
            transport = self._checked
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._checked, self._unchecked, *self._via.values()):
            await transport.aclose()


# --- the fetcher ---------------------------------------------------------------------------------


@dataclass
class _Host:
    slots: asyncio.Semaphore
    delay: float
    next_start: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class _Response:
    status: int
    headers: httpx.Headers
    body: bytes = b""


class _Retryable(Exception):
    def __init__(self, error: FetchError, retry_after: float | None = None) -> None:
        self.error = error
        self.retry_after = retry_after


class Fetcher:
    """Fetch URLs politely. Use as `async with Fetcher(config.crawl, cache=...) as fetcher:`.

    `cache` holds what earlier runs learnt (ETag, Last-Modified, body hash) per URL;
    `cache_updates()` returns what this run learnt, to be saved.
    `backoff_s` is the first retry's wait (doubling each time); no wait exceeds `max_wait_s`,
    and a Retry-After longer than that gives up at once.
    `resolver` turns host names into addresses for the address guard (tests give their own).
    """

    def __init__(
        self,
        settings: Crawl,
        *,
        cache: Mapping[str, HttpCacheEntry] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_s: float = 1.0,
        max_wait_s: float = 60.0,
        resolver: netguard.Resolver = netguard.resolve,
    ) -> None:
        self.settings = settings
        self.backoff_s = backoff_s
        self.max_wait_s = max_wait_s
        self._cache = dict(cache or {})
        self._updates: dict[str, HttpCacheEntry] = {}
        self._proxies = proxy_table(settings.proxy)
        self._resolver = resolver
        self._client = httpx.AsyncClient(
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(settings.timeout_s),
            follow_redirects=False,
            transport=transport or _Routes(self._proxies, resolver),
        )
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, Robots | FetchError] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def forget(self, url: str) -> None:
        """Keep no cache entry of this run for `url`: its answer could not be used (a broken feed, a
        page where a feed belongs), so the next run must read it in full, not take it as unchanged."""
        self._updates.pop(url, None)

    def cache_updates(self) -> list[HttpCacheEntry]:
        """The cache entries learnt since the last call."""
        updates, self._updates = list(self._updates.values()), {}
        return updates

    async def fetch(
        self,
        url: str,
        *,
        kind: Kind = "page",
        allow_private: bool = False,
        trusted: bool = False,
        conditional: bool = True,
    ) -> FetchResult:
        """Fetch `url` (following redirects) or raise a FetchError.

        `allow_private` lets every hop reach private addresses; `trusted` only the first one, for
        URLs the user configured (a feed on the intranet) rather than links a feed supplied.
        `conditional` uses and updates the HTTP cache.
        """
        cached = self._cache.get(url) if conditional else None
        hop, seen = url, {url}
        for _ in range(self.settings.max_redirects + 1):
            hop_trusted = trusted and hop == url
            try:
                await self._guard(hop, allow_private=allow_private or hop_trusted)
                if self.settings.respect_robots and kind != "robots":
                    await self._check_robots(hop, allow_private=allow_private, trusted=hop_trusted)
                response = await self._request(hop, kind, cached, allow_private=allow_private or hop_trusted)
            except BlockedAddress as exc:  # name the hop (not its robots.txt) and where it was linked from
                raise BlockedAddress(hop, exc.cause + (f" (linked from {url})" if hop != url else "")) from None
            if response.status in _REDIRECTS:
                target = urljoin(hop, response.headers["location"])
                if target in seen:
                    raise TooManyRedirects(url, f"redirect loop: {hop} -> {target}")
                seen.add(target)
                hop = target
                continue
            return self._result(url, hop, response, cached, conditional)
        raise TooManyRedirects(url, f"more than {self.settings.max_redirects} redirects (last: {hop})")

    async def _guard(self, url: str, *, allow_private: bool) -> None:
        behind_proxy = proxy_for(url, self._proxies) is not None
        reason = await netguard.why_blocked(
            url, allow_private=allow_private, behind_proxy=behind_proxy, resolver=self._resolver
        )
        if reason:
            raise BlockedAddress(url, f"refused: {reason}")

    def _result(
        self, url: str, final_url: str, response: _Response, cached: HttpCacheEntry | None, conditional: bool
    ) -> FetchResult:
        now = datetime.now(timezone.utc)
        headers = response.headers
        if response.status == 304 and cached is not None:
            result = FetchResult(
                url,
                final_url,
                304,
                b"",
                headers.get("content-type"),
                None,
                headers.get("etag", cached.etag),
                headers.get("last-modified", cached.last_modified),
                not_modified=True,
                content_hash=cached.content_hash,
            )
        else:
            digest = body_hash(response.body)
            content_type = headers.get("content-type")
            result = FetchResult(
                url,
                final_url,
                response.status,
                response.body,
                content_type,
                detect_encoding(response.body, content_type),
                headers.get("etag"),
                headers.get("last-modified"),
                not_modified=cached is not None and cached.content_hash == digest,
                content_hash=digest,
            )
        if conditional:
            self._updates[url] = HttpCacheEntry(
                url=url,
                etag=result.etag,
                last_modified=result.last_modified,
                content_hash=result.content_hash,
                fetched_at=now,
                status=result.status,
            )
        return result

    # --- robots.txt --------------------------------------------------------------------------

    async def _check_robots(self, url: str, *, allow_private: bool, trusted: bool) -> None:
        robots = await self._robots_for(url, allow_private=allow_private, trusted=trusted)
        if not robots.allows(url):
            why = (
                "robots.txt is unreachable (server error)" if robots is DENY_ALL else f"disallowed by {robots_url(url)}"
            )
            raise RobotsDisallowed(url, why)

    async def _robots_for(self, url: str, *, allow_private: bool, trusted: bool) -> Robots:
        origin = robots_url(url)
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._robots:
                robots = self._robots[origin] = await self._read_robots(
                    origin, allow_private=allow_private, trusted=trusted
                )
                if isinstance(robots, Robots) and robots.crawl_delay:
                    host = self._host(url)
                    host.delay = max(host.delay, min(robots.crawl_delay, _MAX_CRAWL_DELAY_S))
                    # robots.txt was itself a request: the first page waits the delay after it.
                    host.next_start = max(host.next_start, asyncio.get_running_loop().time() + host.delay)
        known = self._robots[origin]
        if isinstance(known, FetchError):
            # The host did not answer for robots.txt: it will not answer for this page either.
            raise type(known)(url, known.cause)
        return known

    async def _read_robots(self, origin: str, *, allow_private: bool, trusted: bool) -> Robots | FetchError:
        # As trusted as the page it is asked for, no more: a link's robots.txt is a request to the
        # link's host, refused by the same rule.
        try:
            result = await self.fetch(
                origin, kind="robots", allow_private=allow_private, trusted=trusted, conditional=False
            )
        except HttpStatusError as exc:
            return robots_for_status(exc.status)
        except (FetchTimeout, ConnectionFailed) as exc:
            logger.warning("%s: %s; skipping the host for this run", origin, exc.cause)
            return exc
        except FetchError as exc:  # too large, a redirect loop, ...: no usable rules
            if isinstance(exc, BlockedAddress) and exc.url == origin:
                raise  # the host itself is refused, so is the page; remember nothing about it
            logger.info("%s: %s; assuming no rules", origin, exc.cause)
            return ALLOW_ALL
        return parse_robots(result.text(), self.settings.user_agent)

    # --- one request, with retries ---------------------------------------------------------

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        if key not in self._hosts:
            self._hosts[key] = _Host(
                asyncio.Semaphore(self.settings.per_host_concurrency), self.settings.per_host_delay_s
            )
        return self._hosts[key]

    async def _request(self, url: str, kind: Kind, cached: HttpCacheEntry | None, *, allow_private: bool) -> _Response:
        headers = {"Accept": _ACCEPT_HEADER[kind], "Accept-Encoding": "gzip, deflate"}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return await self._request_once(url, kind, headers, allow_private=allow_private)
            except _Retryable as retry:
                if attempt == attempts:
                    raise retry.error from None
                wait = self.backoff_s * 2 ** (attempt - 1)
                if retry.retry_after is not None:
                    if retry.retry_after > self.max_wait_s:
                        raise type(retry.error)(
                            url, f"{retry.error.cause}; server asks to retry after {retry.retry_after:.0f}s, giving up"
                        ) from None
                    wait = max(wait, retry.retry_after)
                wait = min(wait, self.max_wait_s)
                logger.info("%s: %s; retry %d of %d in %.1fs", url, retry.error.cause, attempt, attempts - 1, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _request_once(self, url: str, kind: Kind, headers: dict[str, str], *, allow_private: bool) -> _Response:
        host = self._host(url)
        async with host.slots:
            async with host.lock:
                now = asyncio.get_running_loop().time()
                wait = host.next_start - now
                host.next_start = max(now, host.next_start) + host.delay
            if wait > 0:
                await asyncio.sleep(wait)
            async with self._slots:
                try:
                    async with asyncio.timeout(self.settings.timeout_s):
                        return await self._get(url, kind, headers, allow_private=allow_private)
                except netguard.AddressRefused as exc:
                    raise BlockedAddress(url, f"refused: {exc}") from None
                except (TimeoutError, httpx.TimeoutException):
                    raise FetchTimeout(url, f"no complete answer within {self.settings.timeout_s:g}s") from None
                except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                    raise _Retryable(ConnectionFailed(url, f"{type(exc).__name__}: {exc}".rstrip(": "))) from None
                except httpx.HTTPError as exc:
                    raise FetchError(url, f"{type(exc).__name__}: {exc}") from None

    async def _get(self, url: str, kind: Kind, headers: dict[str, str], *, allow_private: bool) -> _Response:
        async with self._client.stream(
            "GET", url, headers=headers, extensions={_MAY_BE_PRIVATE: allow_private}
        ) as response:
            status = response.status_code
            if status == 429 or status >= 500:
                raise _Retryable(HttpStatusError(url, status), _retry_after(response.headers.get("retry-after")))
            if (status in _REDIRECTS and "location" in response.headers) or status == 304:
                return _Response(status, response.headers)
            if status >= 400 or status in _REDIRECTS:
                raise HttpStatusError(url, status)
            content_type = response.headers.get("content-type")
            if not is_accepted(content_type, kind):
                raise BadContentType(url, f"content type {mime_type(content_type)!r} is not wanted for a {kind}")
            body = await self._read_body(url, response, kind)
        if kind != "robots" and looks_binary(body) and not (kind == "text" and body.startswith(b"%PDF-")):
            raise BadContentType(url, f"binary content served as {mime_type(content_type) or 'no type'}")
        return _Response(status, response.headers, body)

    async def _read_body(self, url: str, response: httpx.Response, kind: Kind) -> bytes:
        limit = _ROBOTS_MAX_BYTES if kind == "robots" else self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise TooLarge(url, f"Content-Length {int(declared):,} exceeds the limit of {limit:,} bytes")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise BadContentType(url, f"content encoding {encoding!r} is not supported")
        # Inflate ourselves rather than through httpx: zlib's max_length bounds each step, so a
        # gzip bomb stops at the limit instead of inflating a whole network read (~1000x) first.
        inflater = zlib.decompressobj(32 + zlib.MAX_WBITS) if encoding != "identity" else None
        chunks, size = [], 0
        try:
            async for raw in response.aiter_raw():
                chunk = inflater.decompress(raw, limit - size + 1) if inflater else raw
                size += len(chunk)
                if size > limit:
                    if kind == "robots":  # RFC 9309: read what fits, ignore the rest
                        chunks.append(chunk[: limit - size + len(chunk)])
                        break
                    raise TooLarge(
                        url, f"body exceeds the limit of {limit:,} bytes" + (" after decompression" if inflater else "")
                    )
                chunks.append(chunk)
            if inflater is not None and size <= limit:
                chunks.append(inflater.flush())
        except zlib.error as exc:
            raise BadContentType(url, f"body is not valid {encoding}: {exc}") from None
        return b"".join(chunks)


def fetch_one(url: str, settings: Crawl, *, kind: Kind = "text") -> FetchResult:
    """Fetch one URL the user gave (so private addresses are fine), outside any crawl."""

    async def run() -> FetchResult:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(url, kind=kind, trusted=True, conditional=False)

    return asyncio.run(run())
