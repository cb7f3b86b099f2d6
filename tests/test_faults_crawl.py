"""Faults in the crawl: dead extraction workers, a killed crawl, binary and hostile input, bad dates
and cut feeds. Real processes, real signals, real files and a real HTTP server; no mocks.

Each fault ends in one warning naming the page or file and a count by reason, never a traceback,
and costs nothing but the page at fault.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from crawl_server import CrawlServer, Reply

from hypewatch.config import Config, Crawl, Source
from hypewatch.crawler.crawl import CrawlSummary, crawl_sources
from hypewatch.crawler.extract import MAX_HTML_BYTES, ExtractionError, extract_article, find_published_at
from hypewatch.crawler.feeds import FeedError, parse_feed
from hypewatch.crawler.transcripts import TranscriptError, parse_transcript
from hypewatch.records import Document
from hypewatch.storage.store import Store

SETTINGS = Crawl(per_host_delay_s=0, timeout_s=2, retries=0)

_WORDS = (
    "nvidia amd cloud capex demand supply margins investors analysts quarter guidance revenue "
    "accelerators training inference power grid datacenter buildout orders backlog pricing cycle "
    "skeptics bubble returns payback depreciation hyperscalers budgets chips memory networking"
).split()


def story(seed: int, words: int = 160) -> str:
    """A distinct English-looking story, so no two are taken for duplicates of each other."""
    rng = random.Random(seed)
    sentences = [" ".join(rng.choice(_WORDS) for _ in range(12)).capitalize() + "." for _ in range(words // 12)]
    return f"Story {seed} says the market moved. " + " ".join(sentences)


def page(seed: int, *, published: str | None = "2024-11-05T10:00:00Z", extra_head: str = "") -> str:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Story {seed}</title>{meta}'
        f"{extra_head}</head><body><article><h1>Story {seed}</h1><p>{story(seed)}</p></article></body></html>"
    )


def write_pages(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"p{i:03d}.html" for i in range(count)]
    for i, path in enumerate(paths):
        path.write_text(page(i), encoding="utf-8")
    return paths


def run_crawl(
    config: Config, *, on_batch=None, store: Store | None = None, batch_size: int = 10
) -> tuple[CrawlSummary, list[Document]]:
    """The crawl as the job runs it: its own fetcher and extraction pool."""
    docs: list[Document] = []

    def sink(batch: list[Document]) -> None:
        docs.extend(batch)
        if store is not None:
            store.add_documents(batch)
        if on_batch is not None:
            on_batch(batch)

    summary = asyncio.run(
        crawl_sources(
            **config.crawl_arguments(),
            sink=sink,
            batch_size=batch_size,
            known=store.known_documents() if store else None,
        )
    )
    return summary, docs


# --- processes ----------------------------------------------------------------------------------


def children(pid: int | str = "self") -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found |= {int(child) for child in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may never reap an orphan)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def rss_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


class OomKiller:
    """What the kernel does under memory pressure: SIGKILL to the worker process that grew too big."""

    def __init__(self, limit_mb: int) -> None:
        self.limit_mb = limit_mb
        self.killed: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.01):
            for pid in filter(is_worker, children()):
                try:
                    if rss_mb(pid) > self.limit_mb:
                        os.kill(pid, signal.SIGKILL)
                        self.killed.append(pid)
                except OSError:
                    continue

    def __enter__(self) -> OomKiller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def tracebacks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info]


def warnings_of(caplog, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and text in r.getMessage()]


# --- a dead extraction worker -------------------------------------------------------------------

DIED = "crawl: an extraction worker died; started a new pool, retrying its pages one at a time"


def test_a_killed_extraction_worker_costs_no_page(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    paths = write_pages(tmp_path / "pages", 60)
    config = Config(sources=[Source(name="saved", path=tmp_path / "pages")], crawl=SETTINGS)
    before = children()
    killed: list[int] = []

    def kill_a_worker(batch: list[Document]) -> None:
        # After the first batch, with most pages still to extract: what the OOM killer does.
        if not killed:
            killed.append(min(filter(is_worker, children() - before)))
            os.kill(killed[0], signal.SIGKILL)

    summary, docs = run_crawl(config, on_batch=kill_a_worker)

    assert killed
    assert sorted(d.url for d in docs) == [p.resolve().as_uri() for p in paths]
    # Every page in the dead pool saw it break; the pool was replaced once, without a traceback.
    assert (summary.new, dict(summary.skipped)) == (60, {})
    assert summary.warnings == [DIED] and warnings_of(caplog, "worker died") == [DIED]
    assert tracebacks(caplog) == []
    assert not any(map(running, filter(is_worker, children() - before)))  # no pool left behind


def test_a_page_that_kills_its_worker_twice_is_given_up_by_name(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    paths = write_pages(tmp_path / "pages", 30)
    # Well under the size limits, yet a million elements take a worker's memory past the killer's limit.
    hog = tmp_path / "pages" / "p015-hog.html"
    hog.write_bytes(b"<html><body>" + b"<p>w</p>" * 1_500_000 + b"</body></html>")
    config = Config(sources=[Source(name="saved", path=tmp_path / "pages")], crawl=SETTINGS)

    with OomKiller(limit_mb=450) as oom:
        summary, docs = run_crawl(config)

    assert len(oom.killed) == 2  # the shared pool's worker, then the one it was retried on alone
    assert sorted(d.url for d in docs) == [p.resolve().as_uri() for p in paths]
    assert dict(summary.skipped) == {"worker killed": 1}
    assert summary.warnings == [DIED, f"saved: {hog}: killed the extraction worker twice"]
    assert warnings_of(caplog, "worker died") == [DIED]
    assert tracebacks(caplog) == []


def test_workers_die_with_a_killed_crawl_and_the_next_run_stores_everything(tmp_path, hypewatch_cmd):
    write_pages(tmp_path / "pages", 120)
    config = tmp_path / "config.yaml"
    config.write_text(
        "database: hw.duckdb\nsources:\n  - {name: saved, path: pages}\ncrawl: {per_host_delay_s: 0}\n",
        encoding="utf-8",
    )
    crawl = subprocess.Popen(
        [*hypewatch_cmd, "--config", str(config), "--quiet", "crawl"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while len(set(filter(is_worker, children(crawl.pid)))) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        spawned = children(crawl.pid)  # the workers and multiprocessing's resource tracker
        assert len(set(filter(is_worker, spawned))) == 2
    finally:
        crawl.send_signal(signal.SIGKILL)
        crawl.wait()

    deadline = time.monotonic() + 5
    while any(map(running, spawned)) and time.monotonic() < deadline:
        time.sleep(0.02)
    orphans = [pid for pid in spawned if running(pid)]
    for pid in orphans:  # do not leave them behind when this fails
        os.kill(pid, signal.SIGKILL)
    assert orphans == []

    again = subprocess.run([*hypewatch_cmd, "--config", str(config), "crawl"], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    count = subprocess.run(
        [*hypewatch_cmd, "--config", str(config), "sql", "--format", "csv", "SELECT count(*) FROM documents"],
        capture_output=True,
        text=True,
    )
    assert count.stdout.split() == ["count_star()", "120"]


WATCHER = (
    "import os, threading, time\n"
    "from crawler.workers import _exit_when_orphaned\n"
    "threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()\n"
    "print('watching', flush=True)\n"
    "time.sleep(60)\n"
)
PARENT = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', sys.argv[1]])\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(60)\n"
)


def test_without_the_kernel_signal_a_worker_still_notices_its_parent_is_gone():
    # The fallback where prctl(PR_SET_PDEATHSIG) is missing or refused: a thread watching getppid().
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, WATCHER],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    child = int(parent.stdout.readline())
    try:
        assert parent.stdout.readline() == "watching\n"
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(child)
    finally:
        parent.kill()
        if running(child):
            os.kill(child, signal.SIGKILL)
        parent.stdout.close()


# --- binary and hostile input -------------------------------------------------------------------


TRANSCRIPT = """Acme Corp (ACME) Q2 2025 Earnings Call Transcript
August 6, 2025

Operator

Good afternoon and welcome to the Acme second quarter call.

Jane Roe -- Chief Executive Officer

Thank you. Demand for our accelerators kept rising and we shipped a record number of systems this quarter.

Questions & Answers:

Operator

Our first question comes from John Doe with Example Securities. Your line is open.

John Doe -- Example Securities -- Analyst

How long can demand at this level last, given what customers say about their budgets?

Jane Roe -- Chief Executive Officer

Orders are booked well into next year, and customers keep adding capacity.
"""

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"


def binary_files() -> dict[str, bytes]:
    return {
        "program.txt": Path(sys.executable).resolve().read_bytes()[:200_000],  # an executable named .txt
        "logo.txt": PNG + bytes(range(256)) * 8,
        "call.txt": gzip.compress(TRANSCRIPT.encode()),  # a transcript, compressed and misnamed
    }


@pytest.mark.parametrize("name", binary_files())
def test_binary_content_is_not_a_transcript(name):
    with pytest.raises(TranscriptError, match=rf"^{name}: binary content, not a transcript$"):
        parse_transcript(binary_files()[name], filename=name)


def test_utf16_text_is_still_a_transcript():
    transcript = parse_transcript(TRANSCRIPT.encode("utf-16"), filename="call.txt")
    assert [t.speaker for t in transcript.turns][:2] == ["Operator", "Jane Roe"]
    assert transcript.ticker == "ACME" and "record number of systems" in transcript.turns[1].text


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"a": ' * 100_000 + "1" + "}" * 100_000])
def test_deeply_nested_json_is_one_named_error(text):
    with pytest.raises(TranscriptError, match=r"^deep\.json: JSON nested too deeply to be a transcript$"):
        parse_transcript(text.encode(), filename="deep.json")


def test_a_transcript_page_nested_thousands_deep_is_read_in_seconds():
    # Quadratic before: 25 s at 20,000 levels, about a minute at 30,000; a 5 MB page holds a million.
    nested = "<div>" * 30_000 + "<aside>" * 10_000
    closed = "</aside>" * 10_000 + "</div>" * 30_000
    html = f"<html><body><div><p>Operator: Welcome to the call.</p></div>{nested}hidden{closed}</body></html>"
    started = time.monotonic()
    transcript = parse_transcript(html.encode(), filename="deep.html")
    assert time.monotonic() - started < 10
    text = "\n".join(t.text for t in transcript.turns)
    assert "Welcome to the call." in text and "hidden" not in text  # <aside> is not speech


def test_a_json_ld_script_nested_too_deep_does_not_cost_the_page():
    head = '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
    article = extract_article(page(7, extra_head=head), "https://news.example/7")
    assert article.text.startswith("Story 7 says the market moved.")
    assert article.published_at == datetime(2024, 11, 5, 10, tzinfo=timezone.utc)


def test_binary_feed_is_named_as_such():
    with pytest.raises(FeedError, match=r"^wire: binary content, not a feed$"):
        parse_feed(PNG + bytes(range(256)) * 8, "wire")


@pytest.mark.parametrize("body", [b"", b"   \n\t\n  "])
def test_empty_page_is_one_named_error(body):
    with pytest.raises(ExtractionError, match=r"^file:///empty\.html: page is empty$"):
        extract_article(body, "file:///empty.html")


def test_the_transcript_command_refuses_binary_and_deep_files_in_one_line(tmp_path, hypewatch_cmd):
    for name, data in binary_files().items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "good.txt").write_text(TRANSCRIPT, encoding="utf-8")
    with (tmp_path / "huge.txt").open("wb") as f:
        f.truncate(MAX_HTML_BYTES + 1)
    names = [*binary_files(), "deep.json", "huge.txt", "good.txt"]
    done = subprocess.run([*hypewatch_cmd, "transcript", *names], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r.get("error") for r in records] == [
        "program.txt: binary content, not a transcript",
        "logo.txt: binary content, not a transcript",
        "call.txt: binary content, not a transcript",
        "deep.json: JSON nested too deeply to be a transcript",
        f"huge.txt: {MAX_HTML_BYTES + 1:,} bytes exceeds the limit of {MAX_HTML_BYTES:,} bytes for a local file",
        None,
    ]
    assert records[-1]["turns"][1]["speaker"] == "Jane Roe"


def test_the_extract_command_names_each_unreadable_file_in_one_line(tmp_path, hypewatch_cmd):
    (tmp_path / "program.html").write_bytes(binary_files()["program.txt"])
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "blank.html").write_bytes(b"\n   \n")
    (tmp_path / "story.html").write_text(page(4), encoding="utf-8")
    names = ["program.html", "empty.html", "blank.html", "story.html"]
    done = subprocess.run([*hypewatch_cmd, "extract", *names], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r.get("error") for r in records] == [
        "program.html: content is binary, not HTML",
        "empty.html: page is empty",
        "blank.html: page is empty",
        None,
    ]
    assert records[-1]["text"].startswith("Story 4 says the market moved.")


def test_a_page_rendered_by_javascript_is_a_stub_without_the_extractors_inner_chatter(tmp_path, hypewatch_cmd):
    shell = '<html><head><title>Chip stocks slide</title></head><body><div id="__next"></div></body></html>'
    (tmp_path / "app.html").write_text(shell, encoding="utf-8")
    done = subprocess.run([*hypewatch_cmd, "extract", "app.html"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["stub"].startswith("teaser")
    assert done.stderr == ""  # not trafilatura's "discarding data: None", which names no page


def test_the_crawl_skips_unreadable_files_and_pages_by_name(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    calls = tmp_path / "calls"
    calls.mkdir()
    for name, data in binary_files().items():
        (calls / name).write_bytes(data)
    (calls / "deep.json").write_text('{"a": ' * 100_000 + "1" + "}" * 100_000)
    (calls / "acme-q2-2025.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (calls / "empty.txt").write_bytes(b"")
    with (calls / "huge.txt").open("wb") as f:  # sparse: a disk's worth of nothing, refused unread
        f.truncate(MAX_HTML_BYTES + 1)
    (calls / "nas-q3-2025.txt").symlink_to(tmp_path / "unmounted" / "q3.txt")  # a share not mounted
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "empty.html").write_bytes(b"")
    (pages / "blank.html").write_bytes(b" \n\n \t")
    (pages / "nul.html").write_bytes(page(1).encode().replace(b"<p>", b"<p>\x00\x00\x00"))
    (pages / "story.html").write_text(page(2), encoding="utf-8")
    photo = tmp_path / "feed.rss"
    photo.write_bytes(PNG + bytes(range(256)) * 8)
    with CrawlServer({"/empty": Reply(body=b""), "/story": Reply(body=page(3))}) as server:
        config = Config(
            sources=[
                Source(name="calls", kind="transcripts", path=calls),
                Source(name="saved", path=pages),
                Source(name="site", urls=[f"{server.url}/empty", f"{server.url}/story"], allow_private=True),
                Source(name="photo", feed=str(photo)),
                Source(name="unmounted", kind="transcripts", path=tmp_path / "unmounted"),
                Source(name="moved", feed=str(tmp_path / "moved.rss")),
            ],
            crawl=SETTINGS,
        )
        summary, docs = run_crawl(config)

    assert sorted(d.url.rsplit("/", 1)[-1] for d in docs) == ["acme-q2-2025.txt", "story", "story.html"]
    assert dict(summary.skipped) == {
        "unreadable": 9,
        "too large": 1,
        "no text": 1,
        "feed failed": 2,
        "folder unreadable": 1,
    }
    assert sorted(summary.warnings) == sorted(
        [f"calls: {calls / name}: binary content, not a transcript" for name in binary_files()]
        + [
            f"calls: {calls / 'deep.json'}: JSON nested too deeply to be a transcript",
            f"calls: {calls / 'empty.txt'}: no transcript text found",
            f"calls: {calls / 'nas-q3-2025.txt'}: a link that leads nowhere (to {tmp_path / 'unmounted' / 'q3.txt'})",
            f"calls: {calls / 'huge.txt'}: {MAX_HTML_BYTES + 1:,} bytes exceeds the limit of {MAX_HTML_BYTES:,} bytes"
            " for a local file",
            f"saved: {(pages / 'blank.html').as_uri()}: page is empty",
            f"saved: {(pages / 'empty.html').as_uri()}: page is empty",
            f"saved: {(pages / 'nul.html').as_uri()}: content is binary, not HTML",
            f"site: {server.url}/empty: page is empty",
            f"photo: feed {photo}: binary content, not a feed",  # each named once
            f"unmounted: folder {tmp_path / 'unmounted'}: no such file or folder",
            f"moved: feed {tmp_path / 'moved.rss'}: no such file or folder",
        ]
    )
    assert tracebacks(caplog) == []


# --- dates ----------------------------------------------------------------------------------------


def rss(items: list[tuple[str, str | None, str]]) -> bytes:
    """(link, pubDate, content) -> an RSS feed whose items carry their whole article."""
    entries = "".join(
        f"<item><title>{link}</title><link>{link}</link>"
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + f"<content:encoded><![CDATA[<p>{content}</p>]]></content:encoded></item>"
        for link, date, content in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Wire</title>'
        f"<link>https://wire.example/</link>{entries}</channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "date", ["Mon, 01 Jan 1900 00:00:00 GMT", "Mon, 01 Jan 0001 00:00:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT"]
)
def test_placeholder_feed_dates_are_no_dates(date):
    feed = parse_feed(rss([("https://wire.example/a", date, "text")]), "wire")
    assert feed.items[0].published_at is None


def test_placeholder_page_dates_give_way_to_the_next_candidate():
    from lxml import html

    tree = html.document_fromstring(
        '<html><head><meta property="article:published_time" content="1900-01-01T00:00:00Z">'
        '<meta name="date" content="0001-01-01T00:00:00+05:00"></head><body><article>'
        '<time datetime="2024-03-02T08:00:00Z">March 2</time><p>Text.</p></article></body></html>'
    )
    assert find_published_at(tree) == datetime(2024, 3, 2, 8, tzinfo=timezone.utc)


def test_placeholder_call_dates_are_no_dates():
    transcript = parse_transcript(TRANSCRIPT.replace("August 6, 2025", "January 1, 1900"), filename="call.txt")
    assert transcript.call_date is None


def test_the_crawl_stores_no_document_dated_before_1990(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    old = pages / "old.html"
    old.write_text(page(1, published="1900-01-01T00:00:00Z"), encoding="utf-8")
    os.utime(old, (0, 0))  # an mtime of 1970, as archives and some copies leave
    (pages / "dated.html").write_text(page(2), encoding="utf-8")
    copied = pages / "copied.html"
    copied.write_text(page(3, published=None), encoding="utf-8")
    os.utime(copied, (1_730_000_000, 1_730_000_000))  # 2024-10-27, when it was saved
    feed = tmp_path / "wire.xml"
    feed.write_bytes(
        rss(
            [
                ("https://wire.example/a", "Mon, 01 Jan 0001 00:00:00 GMT", story(5)),
                ("https://wire.example/b", "Tue, 05 Nov 2024 12:00:00 GMT", story(6)),
            ]
        )
    )
    config = Config(sources=[Source(name="saved", path=pages), Source(name="wire", feed=str(feed))], crawl=SETTINGS)

    store = Store(tmp_path / "hw.duckdb")
    summary, docs = run_crawl(config, store=store)

    dates = {d.url.rsplit("/", 1)[-1]: d.published_at for d in docs}
    assert dates["b"] == datetime(2024, 11, 5, 12, tzinfo=timezone.utc)
    assert dates["dated.html"] == datetime(2024, 11, 5, 10, tzinfo=timezone.utc)
    assert dates["copied.html"] == datetime.fromtimestamp(1_730_000_000, timezone.utc)
    # No date to believe: the time the crawl saw them.
    assert dates["old.html"] == dates["a"] == docs[0].fetched_at
    # and each says where its date came from, in the database too
    with store.read() as conn:
        dated_by = dict(conn.execute("SELECT regexp_extract(url, '[^/]+$'), dated_by FROM documents").fetchall())
    assert dated_by == {
        "b": "feed",
        "dated.html": "document",
        "copied.html": "file",
        "old.html": "fetched",
        "a": "fetched",
    }


# --- a feed longer than max_items_per_feed --------------------------------------------------------


def test_a_cut_feed_keeps_its_newest_items_and_says_what_it_cut(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    days = [3, 27, 11, 30, 8, 19, 1, 24, 15, 5]  # November 2024, in no order
    items = [(f"https://wire.example/{day}", f"{day:02d} Nov 2024 12:00:00 GMT", story(day)) for day in days]
    items += [
        ("https://wire.example/undated", None, story(40)),
        ("https://wire.example/future", "01 Jan 2999 00:00:00 GMT", story(41)),
        ("https://wire.example/placeholder", "01 Jan 1900 00:00:00 GMT", story(42)),
    ]
    feed = tmp_path / "wire.xml"
    feed.write_bytes(rss(items))
    config = Config(
        sources=[Source(name="wire", feed=str(feed))], crawl=Crawl(per_host_delay_s=0, max_items_per_feed=4)
    )

    summary, docs = run_crawl(config)

    assert sorted(int(d.url.rsplit("/", 1)[-1]) for d in docs) == [19, 24, 27, 30]
    line = f"wire: feed {feed}: 13 items, kept the newest 4 (crawl.max_items_per_feed)"
    assert summary.warnings == [line] and warnings_of(caplog, line) == [line]
    assert dict(summary.skipped) == {"over max_items_per_feed": 9}


def test_a_feed_within_the_limit_is_not_reordered_or_cut(tmp_path):
    feed = tmp_path / "wire.xml"
    feed.write_bytes(
        rss([(f"https://wire.example/{day}", f"{day:02d} Nov 2024 12:00:00 GMT", story(day)) for day in (3, 27, 11)])
    )
    config = Config(
        sources=[Source(name="wire", feed=str(feed))], crawl=Crawl(per_host_delay_s=0, max_items_per_feed=3)
    )
    summary, docs = run_crawl(config)
    assert (summary.new, summary.warnings, dict(summary.skipped)) == (3, [], {})


def test_feed_items_without_a_link_are_named_by_feed_and_title(tmp_path):
    feed = tmp_path / "wire.xml"
    items = "<item><title>Chips sold out</title></item><item><description>no title either</description></item>"
    feed.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>{items}</channel></rss>')
    summary, docs = run_crawl(Config(sources=[Source(name="wire", feed=str(feed))], crawl=SETTINGS))
    assert (docs, dict(summary.skipped)) == ([], {"no link": 2})
    assert sorted(summary.warnings) == [
        f"wire: feed {feed}: an item with no title has no link",
        f"wire: feed {feed}: item 'Chips sold out' has no link",
    ]
