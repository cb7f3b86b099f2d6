"""The crawl stage end to end: feeds on a real local server -> crawl_sources -> Documents in DuckDB.

Each hostile or broken thing a server can do ends in one log line naming the source and the URL,
and the crawl goes on to store the good pages.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from crawl_server import CrawlServer, Reply, gzip_bomb, redirect

from hypewatch.config import Config, Crawl, Source
from hypewatch.crawler.crawl import CrawlSummary, crawl_sources, make_executor
from hypewatch.crawler.http import Fetcher
from hypewatch.records import Document
from hypewatch.storage.store import Store

# A page on loopback answers in milliseconds; 1.5 s leaves room for a loaded two-core machine (a
# 0.5 s limit once timed out on /a under load) and still cuts /slow (2 s).
SETTINGS = Crawl(per_host_delay_s=0, timeout_s=1.5, retries=1, max_bytes=200_000, max_redirects=3)

AMD_STORY = [
    "Advanced Micro Devices said on Tuesday that sales of its server processors grew for a sixth straight quarter, "
    "helped by cloud companies replacing ageing machines in their older data halls.",
    "The chipmaker expects its graphics business to stay flat this year while it waits for a new console cycle, "
    "and it warned that personal computer demand in Europe remains weak after a slow holiday season.",
    "Its finance chief said inventories had returned to normal levels and that the company would keep buying back "
    "shares at the pace it announced in the spring, without taking on new debt to do so.",
]

NVIDIA_STORY = [
    "Nvidia reported record quarterly revenue on Wednesday as demand for its data-center chips kept "
    "outrunning supply, and the company said the next generation of accelerators is already sold out.",
    "Revenue in the data-center segment rose to $22.6 billion, up more than fourfold from a year earlier, "
    "driven by cloud providers and large enterprises building infrastructure for generative AI models.",
    "Chief executive Jensen Huang told analysts that the industry is at the start of a new industrial "
    "revolution, and that every data center will be rebuilt around accelerated computing within a decade.",
    "Some investors remain cautious. Gross margins are expected to narrow slightly as new products ramp, "
    "and several large customers are designing chips of their own to reduce their reliance on one supplier.",
    "Shares rose about six percent in extended trading after the results, adding to a rally that has "
    "more than tripled the stock price over the past twelve months and made Nvidia one of the most valuable companies.",
]
GERMAN_STORY = [
    "Der Chipkonzern meldete am Mittwoch einen Rekordumsatz, weil die Nachfrage nach Rechenzentren "
    "weiter deutlich höher ist als das Angebot der Hersteller und Zulieferer in aller Welt.",
    "Die Anleger reagierten dennoch vorsichtig, denn die Margen dürften in den kommenden Quartalen "
    "leicht sinken, während neue Produkte in die Massenfertigung gehen und Kunden eigene Chips entwickeln.",
]


def page(title: str, paragraphs: list[str], *, published: str = "2024-11-05T10:00:00Z", extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{published}"></head><body>'
        f'<nav><a href="/">Home</a> <a href="/tech">Technology</a> <a href="/markets">Markets</a></nav>'
        f"<article><h1>{title}</h1>{body}{extra}</article>"
        f"<footer>Copyright Example News. All rights reserved.</footer></body></html>"
    )


def rss(items: list[tuple[str, str]], *, content: dict[str, str] | None = None) -> str:
    content = content or {}
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><pubDate>Tue, 05 Nov 2024 12:00:00 GMT</pubDate>"
        + (f"<content:encoded><![CDATA[{content[link]}]]></content:encoded>" if link in content else "")
        + "</item>"
        for title, link in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Test feed</title>'
        f"<link>http://example.com/</link>{entries}</channel></rss>"
    )


def feed_reply(xml: str) -> Reply:
    return Reply(body=xml, content_type="application/rss+xml", headers={"ETag": '"feed-v1"'})


def conditional(reply: Reply):
    def answer(request):
        if request.headers.get("if-none-match") == reply.headers.get("ETag"):
            return Reply(304, content_type=None, headers={"ETag": reply.headers["ETag"]})
        return reply

    return answer


@pytest.fixture(scope="module")
def executor():
    pool = make_executor()
    yield pool
    pool.shutdown()


def run_crawl(config: Config, executor, store: Store | None = None, **kwargs) -> tuple[CrawlSummary, list[Document]]:
    docs: list[Document] = []

    def sink(batch: list[Document]) -> None:
        if store is not None:
            store.add_documents(batch)
        docs.extend(batch)

    async def crawl() -> CrawlSummary:
        cache = store.http_cache() if store is not None else {}
        async with Fetcher(config.crawl, cache=cache, backoff_s=0.01) as fetcher:
            return await crawl_sources(
                **config.crawl_arguments(),
                http_cache=cache,
                known=store.known_documents() if store is not None else None,
                retries=store.crawl_retries() if store is not None else (),
                sink=sink,
                state_sink=store.save_crawl_state if store is not None else None,
                fetcher=fetcher,
                executor=executor,
                **kwargs,
            )

    return asyncio.run(crawl()), docs


def by_path(docs: list[Document]) -> dict[str, Document]:
    return {d.url.rsplit("/", 1)[-1]: d for d in docs}


def test_feed_to_documents_with_status_tickers_and_dedup(tmp_path, executor):
    # A story of its own (the same text with another company's name would be a copy of the first).
    long_content = " ".join(AMD_STORY) * 2
    with CrawlServer() as server:
        items = [
            ("Nvidia beats", f"{server.url}/nvidia?utm_source=rss"),
            ("Nvidia beats (wire copy)", f"{server.url}/wire-copy"),
            ("Paywalled", f"{server.url}/paywalled"),
            ("Auf Deutsch", f"{server.url}/deutsch"),
            ("Full story in the feed", f"{server.url}/in-feed"),
        ]
        server.routes.update(
            {
                "/feed.xml": conditional(feed_reply(rss(items, content={f"{server.url}/in-feed": long_content}))),
                "/nvidia": Reply(body=page("Nvidia beats estimates", NVIDIA_STORY)),
                # the same wire story under another headline, its last sentence edited
                "/wire-copy": Reply(
                    body=page(
                        "Nvidia tops forecasts", NVIDIA_STORY[:-1] + [NVIDIA_STORY[-1].rstrip(".") + ", analysts said."]
                    )
                ),
                "/paywalled": Reply(
                    body=page("Exclusive", NVIDIA_STORY[:1], extra="<p>Subscribe to continue reading.</p>")
                ),
                "/deutsch": Reply(body=page("Rekordumsatz", GERMAN_STORY).replace('lang="en"', 'lang="de"')),
            }
        )
        config = Config(
            sources=[Source(name="news", feed=f"{server.url}/feed.xml", allow_private=True)], crawl=SETTINGS
        )
        store = Store(tmp_path / "hw.duckdb")
        summary, docs = run_crawl(config, executor, store)

        assert (summary.feeds_ok, summary.new, summary.duplicates, summary.stubs, summary.foreign) == (1, 2, 1, 1, 1)
        docs_by = by_path(docs)
        nvidia, copy = docs_by["nvidia"], docs_by["wire-copy"]
        # The link as the site serves it (http here), for readers; the canonical spelling is the story's key.
        assert nvidia.tickers == ["NVDA"] and nvidia.url == f"{server.url}/nvidia"
        with store.read() as conn:
            keys = {url for (url,) in conn.execute("SELECT url FROM document_urls").fetchall()}
        assert f"https://127.0.0.1:{server.url.rsplit(':', 1)[1]}/nvidia" in keys and nvidia.url not in keys
        assert nvidia.published_at == datetime(2024, 11, 5, 12, tzinfo=timezone.utc)  # the feed's date
        assert nvidia.text.startswith("Nvidia reported record quarterly revenue")
        assert "Copyright" not in nvidia.text and "Markets" not in nvidia.text
        # The two copies are fetched concurrently: whichever is read first is the story, the other its copy.
        first, second = sorted((nvidia, copy), key=lambda d: d.status != "ok")
        assert (first.status, second.status, second.duplicate_of) == ("ok", "duplicate", first.doc_id)
        assert docs_by["paywalled"].status == "stub" and docs_by["paywalled"].stub_reason.startswith("paywall")
        assert docs_by["deutsch"].status == "foreign" and docs_by["deutsch"].language == "de"
        in_feed = docs_by["in-feed"]
        assert in_feed.status == "ok" and in_feed.tickers == ["AMD"]
        assert "/in-feed" not in server.paths()  # its full text came with the feed

        with store.read() as conn:
            stored = dict(conn.execute("select status, count(*) from documents group by status").fetchall())
            urls = conn.execute("select url from document_urls where doc_id = ?", [first.doc_id]).fetchall()
        assert stored == {"ok": 2, "duplicate": 1, "stub": 1, "foreign": 1}
        assert len(urls) == 2  # the story and its syndicated copy

        # The next night: the feed answers 304 and nothing is fetched or stored again.
        requests_before = len(server.requests)
        again, docs = run_crawl(config, executor, store)
        assert docs == [] and again.feeds_ok == 1 and again.new == 0
        assert set(server.paths()[requests_before:]) == {"/robots.txt", "/feed.xml"}


def test_a_json_feed_is_crawled_like_an_rss_feed(tmp_path, executor):
    with CrawlServer() as server:
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Compute Notes",
            "items": [
                {
                    "id": "1",
                    "url": f"{server.url}/nvidia",
                    "title": "Nvidia beats",
                    "date_published": "2024-11-05T12:00:00Z",
                },
                {"id": "2", "url": f"{server.url}/amd", "content_text": " ".join(AMD_STORY) * 2},
            ],
        }
        server.routes.update(
            {
                "/feed.json": Reply(body=json.dumps(feed), content_type="application/feed+json"),
                "/nvidia": Reply(body=page("Nvidia beats estimates", NVIDIA_STORY)),
            }
        )
        config = Config(
            sources=[Source(name="notes", feed=f"{server.url}/feed.json", allow_private=True)], crawl=SETTINGS
        )
        summary, docs = run_crawl(config, executor, Store(tmp_path / "hw.duckdb"))
        asked = next(r for r in server.requests if r.path == "/feed.json")
        assert "application/feed+json" in asked.headers["accept"]

    assert (summary.feeds_ok, summary.feeds_failed, summary.new) == (1, 0, 2)
    docs_by = by_path(docs)
    assert docs_by["nvidia"].published_at == datetime(2024, 11, 5, 12, tzinfo=timezone.utc)
    assert docs_by["amd"].tickers == ["AMD"]  # its whole text came with the feed
    assert "/amd" not in server.paths()


def test_known_links_are_unchanged_when_the_feed_changes(tmp_path, executor):
    with CrawlServer() as server:
        server.routes["/a"] = Reply(body=page("Story A", NVIDIA_STORY))
        server.routes["/b"] = Reply(body=page("Story B", GERMAN_STORY))
        server.routes["/feed.xml"] = feed_reply(rss([("A", f"{server.url}/a")]))
        config = Config(
            sources=[Source(name="news", feed=f"{server.url}/feed.xml", allow_private=True)], crawl=SETTINGS
        )
        store = Store(tmp_path / "hw.duckdb")
        run_crawl(config, executor, store)
        server.routes["/feed.xml"] = Reply(
            body=rss([("A", f"{server.url}/a"), ("B", f"{server.url}/b")]),
            content_type="application/rss+xml",
            headers={"ETag": '"feed-v2"'},
        )
        summary, docs = run_crawl(config, executor, store)
        assert (summary.unchanged, summary.foreign) == (1, 1)
        assert [d.url.rsplit("/", 1)[-1] for d in docs] == ["b"]
        assert server.paths().count("/a") == 1


def test_a_home_page_given_for_a_feed_is_read_through_the_feed_it_links_to_every_night(tmp_path, executor):
    home = (
        "<!doctype html><html><head><title>Compute Weekly</title>"
        '<link rel="alternate" type="application/rss+xml" title="All stories" href="/feed.xml"></head>'
        "<body><h1>Compute Weekly</h1><p>Welcome.</p></body></html>"
    )
    with CrawlServer() as server:
        server.routes["/"] = conditional(Reply(body=home, headers={"ETag": '"home-v1"'}))
        server.routes["/feed.xml"] = feed_reply(rss([("A", f"{server.url}/a")]))
        server.routes["/a"] = Reply(body=page("Story A", NVIDIA_STORY))
        server.routes["/b"] = Reply(body=page("Story B", AMD_STORY * 2))
        config = Config(sources=[Source(name="weekly", feed=f"{server.url}/", allow_private=True)], crawl=SETTINGS)
        store = Store(tmp_path / "hw.duckdb")
        first, docs = run_crawl(config, executor, store)
        # The next night the home page has not changed (the server answers 304); the feed has.
        server.routes["/feed.xml"] = Reply(
            body=rss([("A", f"{server.url}/a"), ("B", f"{server.url}/b")]), headers={"ETag": '"feed-v2"'}
        )
        second, more = run_crawl(config, executor, store)

    line = f"weekly: feed {server.url}/ is an HTML page; read the feed it links to, {server.url}/feed.xml (put that in the config)"
    assert (first.feeds_ok, first.feeds_failed, [d.title for d in docs], first.warnings) == (1, 0, ["Story A"], [line])
    assert ([d.title for d in more], second.warnings) == (["Story B"], [line])


def test_a_home_page_cannot_send_the_crawl_into_a_private_network(executor):
    # The configured address may be private (the user's word); a feed the page names may not.
    home = '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body></body></html>'
    with CrawlServer({"/": Reply(body=home), "/feed.xml": feed_reply(rss([]))}) as server:
        config = Config(sources=[Source(name="weekly", feed=f"{server.url}/")], crawl=SETTINGS)
        summary, docs = run_crawl(config, executor)
        asked = server.paths()
    assert (docs, summary.feeds_failed, "/feed.xml" in asked) == ([], 1, False)
    assert re.fullmatch(
        r"weekly: feed http://127\.0\.0\.1:\d+/feed\.xml: refused: host 127\.0\.0\.1 resolves to non-public address 127\.0\.0\.1",
        summary.warnings[-1],
    )


def test_a_broken_feed_is_named_every_night_not_taken_for_an_unchanged_one(tmp_path, executor):
    with CrawlServer() as server:
        server.routes["/feed.xml"] = conditional(Reply(body="<html><p>gone</p></html>", headers={"ETag": '"x"'}))
        config = Config(
            sources=[Source(name="wire", feed=f"{server.url}/feed.xml", allow_private=True)], crawl=SETTINGS
        )
        store = Store(tmp_path / "hw.duckdb")
        nights = [run_crawl(config, executor, store)[0] for _ in range(2)]
    for summary in nights:
        assert (summary.feeds_ok, summary.feeds_failed) == (0, 1)
        assert summary.warnings == [f"wire: feed {server.url}/feed.xml: an HTML page, not a feed"]


def test_a_redirect_page_is_followed_one_hop_to_its_article(tmp_path, executor):
    def refresh(delay: int, to: str, text: str = "") -> Reply:
        head = f'<meta http-equiv="refresh" content="{delay}; url={to}">'
        return Reply(body=f"<html><head><title>Redirecting</title>{head}</head><body>{text}</body></html>")

    with CrawlServer() as server:
        server.routes.update(
            {
                "/go": refresh(0, "/story", "<p>Redirecting you to the story.</p>"),
                "/story": Reply(body=page("Nvidia beats", NVIDIA_STORY)),
                "/loop-a": refresh(0, "/loop-b"),
                "/loop-b": refresh(0, "/loop-a"),
                # a news page that reloads itself every five minutes is the article
                "/live": Reply(
                    body=page("AMD live", AMD_STORY * 2, extra="").replace(
                        "<head>", '<head><meta http-equiv="refresh" content="300">'
                    )
                ),
            }
        )
        links = [("Go", f"{server.url}/go"), ("Loop", f"{server.url}/loop-a"), ("Live", f"{server.url}/live")]
        server.routes["/feed.xml"] = feed_reply(rss(links))
        config = Config(
            sources=[Source(name="wire", feed=f"{server.url}/feed.xml", allow_private=True)], crawl=SETTINGS
        )
        summary, docs = run_crawl(config, executor, Store(tmp_path / "hw.duckdb"))
        fetched = server.paths()

    docs_by = by_path(docs)  # stored under the article's own address, where the redirect page sent the reader
    assert sorted(docs_by) == ["live", "story"]
    assert docs_by["story"].title == "Nvidia beats" and NVIDIA_STORY[0] in docs_by["story"].text
    assert fetched.count("/loop-a") == fetched.count("/loop-b") == 1  # one hop, no loop
    assert summary.skipped == {"no text": 1}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_every_failure_is_logged_and_the_crawl_goes_on(executor, caplog):
    caplog.set_level(logging.WARNING)
    with CrawlServer() as server:
        dead = f"http://127.0.0.1:{closed_port()}/story"
        failing = {
            "/private/page": Reply(body=page("Secret", NVIDIA_STORY)),
            "/slow": Reply(body=page("Slow", NVIDIA_STORY), delay_s=2),
            "/loop-a": redirect("/loop-b"),
            "/loop-b": redirect("/loop-a"),
            "/huge": Reply(body=page("Huge", NVIDIA_STORY * 400)),
            "/bomb": gzip_bomb(20_000_000),
            "/photo.html": Reply(body=b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40),
        }
        good = {
            "/busy": [Reply(429, "wait", headers={"Retry-After": "1"}), Reply(body=page("Busy", NVIDIA_STORY))],
            "/flaky": [Reply(500, "oops"), Reply(body=page("Flaky", GERMAN_STORY))],
            "/latin": Reply(
                body=page(
                    "Caf\xe9",
                    [
                        "Le caf\xe9 d\xe9j\xe0 c\xe9l\xe8bre re\xe7oit des \xe9l\xe8ves "
                        "et des employ\xe9s \xe0 c\xf4t\xe9 de la gare. " * 8
                    ],
                )
                .replace("utf-8", "latin-1")
                .encode("cp1252"),
                content_type="text/html; charset=utf-8",
            ),
        }
        server.routes.update(failing | good)
        server.routes["/robots.txt"] = Reply(body="User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        links = [(path, server.url + path) for path in [*failing, *good] if path != "/loop-b"] + [("dead", dead)]
        server.routes["/feed.xml"] = feed_reply(rss(links))
        server.routes["/inside"] = Reply(body=page("Internal", NVIDIA_STORY))
        server.routes["/hostile.xml"] = feed_reply(rss([("inside", server.url + "/inside")]))
        config = Config(
            sources=[
                Source(name="failing", feed=f"{server.url}/feed.xml", allow_private=True),
                Source(name="hostile", feed=f"{server.url}/hostile.xml"),  # a feed linking into our network
                Source(name="broken", feed=f"{server.url}/gone.xml"),
                Source(name="garbage", feed=f"{server.url}/photo.html"),
            ],
            crawl=SETTINGS,
        )
        summary, docs = run_crawl(config, executor)

    assert sorted(d.url.rsplit("/", 1)[-1] for d in docs) == ["busy", "flaky", "latin"]
    assert "Le café déjà célèbre" in by_path(docs)["latin"].text
    assert (summary.feeds_ok, summary.feeds_failed) == (2, 2)
    assert dict(summary.skipped) == {
        "robots.txt": 1,
        "timeout": 1,
        "too many redirects": 1,
        "too large": 2,
        "bad content type": 1,
        "connection failed": 1,
        "blocked address": 1,
        "feed failed": 2,
    }
    expected_lines = [
        r"failing: http://127\.0\.0\.1:\d+/private/page: disallowed by http://127\.0\.0\.1:\d+/robots\.txt",
        r"failing: http://127\.0\.0\.1:\d+/slow: no complete answer within 1\.5s",
        r"failing: http://127\.0\.0\.1:\d+/loop-a: redirect loop",
        r"failing: http://127\.0\.0\.1:\d+/huge: Content-Length [\d,]+ exceeds the limit of 200,000 bytes",
        r"failing: http://127\.0\.0\.1:\d+/bomb: body exceeds the limit of 200,000 bytes after decompression",
        r"failing: http://127\.0\.0\.1:\d+/photo\.html: binary content served as text/html",
        r"failing: http://127\.0\.0\.1:\d+/story: ConnectError",
        r"hostile: http://127\.0\.0\.1:\d+/inside: refused: host 127\.0\.0\.1 resolves to non-public address",
        # The feed's URL once: the fetch error's own "URL: " is not repeated.
        r"^broken: feed http://127\.0\.0\.1:\d+/gone\.xml: HTTP 404",
        r"^garbage: feed http://127\.0\.0\.1:\d+/photo\.html: binary content served as text/html",
    ]
    warnings = [
        r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == "hypewatch.crawler.crawl"
    ]
    for pattern in expected_lines:
        assert any(re.search(pattern, line) for line in warnings), pattern
    assert len(summary.warnings) == len(warnings) == 10


def test_local_pages_and_transcripts(tmp_path, executor):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "story.html").write_text(page("Nvidia beats", NVIDIA_STORY), encoding="utf-8")
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "nvda-q1-2025.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (calls / "notes.md").write_text("not a transcript", encoding="utf-8")
    config = Config(
        sources=[Source(name="saved", path=pages), Source(name="calls", kind="transcripts", path=calls)], crawl=SETTINGS
    )
    store = Store(tmp_path / "hw.duckdb")
    summary, docs = run_crawl(config, executor, store)
    assert summary.new == 2
    story, call = sorted(docs, key=lambda d: d.kind)
    assert story.url == (pages / "story.html").resolve().as_uri() and story.tickers == ["NVDA"]
    assert call.kind == "transcripts" and call.company and "NVDA" in call.tickers
    assert call.fiscal_period == "Q1 2025"
    assert call.published_at == datetime(2024, 5, 22, tzinfo=timezone.utc)
    assert [t.role for t in call.turns][:3] == ["operator", "executive", "operator"]
    assert "record revenue" in call.text

    again, docs = run_crawl(config, executor, store)
    assert (again.unchanged, again.new, docs) == (2, 0, [])


def test_transcripts_without_a_date_of_their_own_are_counted_in_one_warning(tmp_path, executor):
    """A folder of old calls whose texts and names give no date all land on the day the files were
    copied: the crawl says so once per source, and a date the call speaks or its name gives counts."""
    calls = tmp_path / "calls"
    calls.mkdir()

    def call(quarter: str, said: str) -> str:
        return (
            f"Operator: Welcome to the Acme {quarter} earnings call. I will now turn the call over to Jane Roe.\n\n"
            f"Jane Roe: Thank you. {said}"
        )

    (calls / "acme-q1-2025.txt").write_text(call("Q1 2025", "Revenue grew."), encoding="utf-8")
    (calls / "acme-q2-2025.txt").write_text(call("Q2 2025", "Margins fell."), encoding="utf-8")
    (calls / "acme-2024-11-20.txt").write_text(call("Q3 2025", "Orders rose."), encoding="utf-8")
    spoken = call("Q4 2025", "We speak as of today, February 26, 2025. Demand held.")
    (calls / "acme-q4-2025.txt").write_text(spoken, encoding="utf-8")
    config = Config(sources=[Source(name="calls", kind="transcripts", path=calls)], crawl=SETTINGS)
    summary, docs = run_crawl(config, executor)
    assert summary.new == 4
    assert summary.warnings == [
        "calls: 2 transcript(s) give no date of their own (in their text or file name), so each is dated by its"
        " file's modification time or the day it was fetched; a date in the file name (ACME_2025-10-28.txt) dates it"
    ]
    dates = {d.fiscal_period: d.published_at.date() for d in docs}
    assert dates["Q3 2025"] == date(2024, 11, 20) and dates["Q4 2025"] == date(2025, 2, 26)
    dated_by = {d.fiscal_period: d.dated_by for d in docs}
    assert dated_by == {"Q1 2025": "file", "Q2 2025": "file", "Q3 2025": "document", "Q4 2025": "document"}


def test_pdf_transcripts_from_a_folder_and_a_url(tmp_path, executor):
    from pdf_helpers import transcript_pdf

    # The same call as TRANSCRIPT, exported to PDF by its publisher.
    paragraphs = [p for p in TRANSCRIPT.split("\n\n") if p.strip()]
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "nvda-q1-2025.pdf").write_bytes(transcript_pdf(paragraphs, header="NVIDIA Q1 FY2025 call"))
    (calls / "scan.pdf").write_bytes(transcript_pdf([]))  # no text layer, as scanned pages have none
    with CrawlServer() as server:
        server.routes["/ir/call.pdf"] = Reply(
            body=transcript_pdf([p.replace("record revenue", "record sales") for p in paragraphs]),
            content_type="application/pdf",
        )
        config = Config(
            sources=[
                Source(name="calls", kind="transcripts", path=calls),
                Source(name="ir", kind="transcripts", urls=[f"{server.url}/ir/call.pdf"], allow_private=True),
            ],
            crawl=SETTINGS,
        )
        summary, docs = run_crawl(config, executor)

    # The two copies of one call: the second stored is the first's duplicate.
    assert (summary.new, summary.duplicates, dict(summary.skipped), len(docs)) == (1, 1, {"no text": 1}, 2)
    assert summary.warnings == [
        f"calls: {calls / 'scan.pdf'}: no transcript text found (a PDF of scanned pages has none to read)"
    ]
    for call in docs:
        assert call.kind == "transcripts" and call.fiscal_period == "Q1 2025" and "NVDA" in call.tickers
        assert [t.role for t in call.turns][:3] == ["operator", "executive", "operator"]
        assert "Page 1 of" not in call.text and "NVIDIA Q1 FY2025 call" not in call.text


TRANSCRIPT = """NVIDIA (NVDA) Q1 2025 Earnings Call Transcript
May 22, 2024

Prepared Remarks:

Operator

Good afternoon. My name is Regina, and I will be your conference operator today. Welcome to NVIDIA's first quarter earnings call.

Colette Kress -- Executive Vice President and Chief Financial Officer

Thanks. Q1 was another record quarter. Revenue of $26 billion was up 18% sequentially and up 262% year on year, a record revenue driven by data center demand.

Questions & Answers:

Operator

Our first question comes from Vivek Arya with Bank of America Securities. Your line is open.

Vivek Arya -- Bank of America Merrill Lynch -- Analyst

Thanks for taking my question. Jensen, how durable is the demand for your accelerators next year?

Jensen Huang -- President and Chief Executive Officer

Demand is strong, and we expect supply to remain tight into next year as customers build out AI factories.
"""


def test_a_transcript_page_keeps_its_digest_on_the_document_and_out_of_the_turns(tmp_path, executor):
    fixture = Path(__file__).parent / "fixtures" / "transcripts" / "today_inline.json"
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / fixture.name).write_bytes(fixture.read_bytes())
    store = Store(tmp_path / "hw.duckdb")
    config = Config(sources=[Source(name="calls", kind="transcripts", path=folder)], crawl=SETTINGS)
    summary, _ = run_crawl(config, executor, store)
    assert summary.new == 1
    with store.read() as conn:
        digest, company = conn.execute("SELECT summary, company FROM documents").fetchone()
        turns = [t for (t,) in conn.execute("SELECT text FROM turns").fetchall()]
    assert company == "Brightline Robotics" and "Gross margin fell two points" in digest
    assert not any("Gross margin fell two points" in t for t in turns)
