"""The crawler's HTTP client against a real server on 127.0.0.1: politeness, limits and failures."""

from __future__ import annotations

import asyncio
import gzip
import logging
import time
import tracemalloc
from datetime import datetime, timezone

import pytest
from crawl_server import CrawlServer, Reply, gzip_bomb, redirect

from hypewatch.config import Crawl
from hypewatch.crawler import netguard
from hypewatch.crawler.charset import detect_encoding
from hypewatch.crawler.http import (
    BadContentType,
    BlockedAddress,
    Fetcher,
    FetchTimeout,
    HttpStatusError,
    RobotsDisallowed,
    TooLarge,
    TooManyRedirects,
    fetch_one,
)
from hypewatch.records import HttpCacheEntry

PAGE = "<html><head><title>t</title></head><body><p>Hello, world.</p></body></html>"
FAST = Crawl(per_host_delay_s=0, timeout_s=1.0, retries=2, max_bytes=100_000, max_redirects=3)


def fetch(url: str, settings: Crawl = FAST, cache: dict[str, HttpCacheEntry] | None = None, **kwargs):
    async def run():
        async with Fetcher(settings, cache=cache, backoff_s=0.01) as fetcher:
            result = await fetcher.fetch(url, allow_private=kwargs.pop("allow_private", True), **kwargs)
            return result, fetcher.cache_updates()

    return asyncio.run(run())


@pytest.fixture
def server():
    with CrawlServer() as server:
        yield server


def test_fetches_a_page_with_its_metadata(server):
    server.routes["/a"] = Reply(body=PAGE, headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"})
    result, updates = fetch(server.url + "/a")
    assert (result.status, result.body, result.encoding, result.etag) == (200, PAGE.encode(), "utf-8", '"v1"')
    assert [u.url for u in updates] == [server.url + "/a"]
    assert server.requests[-1].headers["user-agent"].startswith("hypewatch/")


def test_robots_txt_disallow_is_obeyed(server):
    server.routes["/robots.txt"] = Reply(body="User-agent: *\nDisallow: /private\n", content_type="text/plain")
    server.routes["/private/page"] = Reply(body=PAGE)
    with pytest.raises(RobotsDisallowed, match=r"/private/page: disallowed by http://127\.0\.0\.1:\d+/robots\.txt"):
        fetch(server.url + "/private/page")
    assert "/private/page" not in server.paths()


def test_robots_txt_crawl_delay_spaces_requests(server):
    server.routes["/robots.txt"] = Reply(body="User-agent: *\nCrawl-delay: 0.3\n", content_type="text/plain")
    server.routes["/a"] = server.routes["/b"] = server.routes["/c"] = Reply(body=PAGE)

    async def run():
        async with Fetcher(FAST) as fetcher:
            start = time.monotonic()
            await asyncio.gather(*(fetcher.fetch(f"{server.url}/{p}", allow_private=True) for p in "abc"))
            return time.monotonic() - start

    # robots.txt, then a, b, c: each start 0.3 s after the one before
    assert asyncio.run(run()) >= 0.85


def test_per_host_concurrency_limit(server):
    server.routes["/slow"] = Reply(body=PAGE, delay_s=0.1)
    settings = FAST.model_copy(update={"per_host_concurrency": 2, "concurrency": 8})

    async def run():
        async with Fetcher(settings) as fetcher:
            await asyncio.gather(*(fetcher.fetch(f"{server.url}/slow?{i}", allow_private=True) for i in range(6)))

    asyncio.run(run())
    assert server.max_in_flight == 2


def test_conditional_get_answers_304_as_not_modified(server):
    def page(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, content_type=None, headers={"ETag": '"v1"'})
        return Reply(body=PAGE, headers={"ETag": '"v1"'})

    server.routes["/a"] = page
    first, updates = fetch(server.url + "/a")
    second, _ = fetch(server.url + "/a", cache={u.url: u for u in updates})
    assert not first.not_modified
    assert second.not_modified and second.status == 304 and second.body == b""


def test_same_bytes_count_as_unchanged_when_the_server_ignores_validators(server):
    server.routes["/a"] = Reply(body=PAGE)
    cached = HttpCacheEntry(
        url=server.url + "/a", etag=None, last_modified=None, content_hash=None, fetched_at=datetime.now(timezone.utc)
    )
    first, updates = fetch(server.url + "/a", cache={cached.url: cached})
    second, _ = fetch(server.url + "/a", cache={u.url: u for u in updates})
    assert not first.not_modified
    assert second.not_modified and second.status == 200


def test_429_waits_for_retry_after(server, caplog):
    caplog.set_level(logging.INFO, logger="hypewatch.crawler.http")
    server.routes["/busy"] = [Reply(429, "slow down", headers={"Retry-After": "1"}), Reply(body=PAGE)]
    start = time.monotonic()
    result, _ = fetch(server.url + "/busy")
    assert result.status == 200 and time.monotonic() - start >= 1.0
    assert "HTTP 429; retry 1 of 2 in 1.0s" in caplog.text


def test_a_retry_after_beyond_the_cap_gives_up_at_once(server):
    server.routes["/busy"] = Reply(429, "come back tomorrow", headers={"Retry-After": "86400"})
    with pytest.raises(HttpStatusError, match="retry after 86400s, giving up"):
        fetch(server.url + "/busy")
    assert server.paths().count("/busy") == 1


def test_500_then_success_is_retried(server):
    server.routes["/flaky"] = [Reply(500, "oops"), Reply(503, "oops"), Reply(body=PAGE)]
    result, _ = fetch(server.url + "/flaky")
    assert result.body == PAGE.encode()
    assert server.paths().count("/flaky") == 3


def test_500_for_ever_fails_after_the_retries(server):
    server.routes["/down"] = Reply(500, "oops")
    with pytest.raises(HttpStatusError, match=r"/down: HTTP 500") as error:
        fetch(server.url + "/down")
    assert error.value.reason == "http 500"
    assert server.paths().count("/down") == 3  # first try + 2 retries


def test_404_is_not_retried(server):
    with pytest.raises(HttpStatusError, match="HTTP 404"):
        fetch(server.url + "/missing")
    assert server.paths().count("/missing") == 1


def test_slow_server_hits_the_timeout(server):
    server.routes["/slow"] = Reply(body=PAGE, delay_s=2)
    start = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"/slow: no complete answer within 0.3s"):
        fetch(server.url + "/slow", settings=FAST.model_copy(update={"timeout_s": 0.3}))
    assert time.monotonic() - start < 1.5


def test_redirects_are_followed_to_a_limit(server):
    server.routes["/old"] = redirect("/new", 301)
    server.routes["/new"] = Reply(body=PAGE)
    result, _ = fetch(server.url + "/old")
    assert result.final_url == server.url + "/new" and result.url == server.url + "/old"
    for i in range(5):
        server.routes[f"/hop{i}"] = redirect(f"/hop{i + 1}")
    with pytest.raises(TooManyRedirects, match="more than 3 redirects"):
        fetch(server.url + "/hop0")


def test_redirect_loop(server):
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a")
    with pytest.raises(TooManyRedirects, match=r"redirect loop: .*/b -> .*/a"):
        fetch(server.url + "/a")


def test_oversize_body_is_refused(server):
    server.routes["/big"] = Reply(body=b"<p>" + b"x" * 200_000)
    server.routes["/big-unannounced"] = Reply(body=b"<p>" + b"x" * 200_000, send_length=False)
    with pytest.raises(TooLarge, match="Content-Length 200,003 exceeds the limit of 100,000 bytes"):
        fetch(server.url + "/big")
    with pytest.raises(TooLarge, match="exceeds the limit of 100,000 bytes"):
        fetch(server.url + "/big-unannounced")


def test_gzip_bomb_is_cut_off_by_its_decompressed_size(server):
    server.routes["/bomb"] = gzip_bomb(50_000_000)
    server.routes["/small.gz"] = Reply(body=gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"})
    assert len(server.routes["/bomb"].payload()) < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match="exceeds the limit of 100,000 bytes after decompression"):
            fetch(server.url + "/bomb")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000
    assert fetch(server.url + "/small.gz")[0].body == PAGE.encode()


def test_binary_file_labelled_html_is_refused(server):
    server.routes["/image.html"] = Reply(body=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    with pytest.raises(BadContentType, match="binary content served as text/html"):
        fetch(server.url + "/image.html")


def test_unwanted_content_type_is_refused(server):
    server.routes["/file.pdf"] = Reply(body=b"%PDF-1.4", content_type="application/pdf")
    with pytest.raises(BadContentType, match="'application/pdf' is not wanted for a page"):
        fetch(server.url + "/file.pdf")
    server.routes["/feed"] = Reply(body="<rss/>", content_type="application/rss+xml")
    assert fetch(server.url + "/feed", kind="feed")[0].status == 200


def test_wrong_charset_in_the_header_is_overruled_by_the_bytes(server):
    text = "Le café de la gare, déjà célèbre, reçoit des élèves et des employés à côté. " * 5
    server.routes["/latin"] = Reply(body=f"<p>{text}</p>".encode("cp1252"), content_type="text/html; charset=utf-8")
    server.routes["/utf8"] = Reply(body=f"<p>{text}</p>".encode(), content_type="text/html; charset=iso-8859-1")
    assert text in fetch(server.url + "/latin")[0].text()
    assert text in fetch(server.url + "/utf8")[0].text()


def test_charset_from_meta_when_the_header_has_none():
    body = '<meta charset="windows-1251"><p>Привет, мир</p>'.encode("cp1251")
    assert detect_encoding(body, "text/html") == "cp1251"
    assert detect_encoding('<?xml version="1.0" encoding="gb2312"?><rss>新闻</rss>'.encode("gb2312")) == "gb2312"


def test_link_to_a_private_address_is_blocked(server):
    server.routes["/a"] = Reply(body=PAGE)
    with pytest.raises(
        BlockedAddress, match=r"/a: refused: host 127\.0\.0\.1 resolves to non-public address 127\.0\.0\.1"
    ):
        fetch(server.url + "/a", allow_private=False)
    assert server.requests == []


def test_every_redirect_hop_is_checked(server):
    # The configured (trusted) URL may be on the intranet; where it redirects to is checked again.
    server.routes["/feed"] = redirect(server.url.replace("127.0.0.1", "localhost") + "/internal")
    with pytest.raises(BlockedAddress, match=r"localhost:\d+/internal: refused: .* \(linked from .*/feed\)"):
        fetch(server.url + "/feed", allow_private=False, trusted=True)


@pytest.mark.parametrize(
    "address, public",
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("::ffff:10.0.0.1", False),
        ("100.64.0.1", False),
        ("240.0.0.1", False),
    ],
)
def test_public_addresses(address, public):
    assert netguard.is_public_address(address) is public


def test_only_http_and_https_are_fetched():
    assert asyncio.run(netguard.why_blocked("file:///etc/passwd")) == "scheme 'file' is not http or https"
    assert asyncio.run(netguard.why_blocked("ftp://example.com/x", allow_private=True)).startswith("scheme 'ftp'")
    assert asyncio.run(netguard.why_blocked("http://localhost/x")).startswith("host localhost resolves to non-public")


def test_fetch_one_for_the_command_line(server):
    # A URL typed by the user may be on the intranet: only redirects elsewhere are checked.
    server.routes["/call.txt"] = Reply(body="Operator: welcome.", content_type="text/plain; charset=utf-8")
    assert fetch_one(server.url + "/call.txt", FAST).text() == "Operator: welcome."
