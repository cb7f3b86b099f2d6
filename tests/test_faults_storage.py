"""Faults around the database and delivery: a reader holding the file, a flaky page, a busy mark.

Real parts only: a DuckDB file held by a real second process (what any DuckDB client does), a real
HTTP server for the feed and pages, a real SMTP server for the digest.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import textwrap
import types
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alerts_helpers import Corpus, steady_then_shift
from crawl_server import CrawlServer, Reply
from smtp_server import SmtpServer
from test_crawl import NVIDIA_STORY, page, rss
from test_faults_crawl import story

from hypewatch.alerts import detect_and_save, send_pending
from hypewatch.alerts.email import digest_message_id
from hypewatch.alerts.journal import JournalDamaged
from hypewatch.alerts.send import SentJournal
from hypewatch.config import Config, Crawl, Email, Rule, Smtp, Source
from hypewatch.crawler.crawl import RETRY_MAX_ATTEMPTS, CrawlSummary, crawl_sources, make_executor
from hypewatch.crawler.http import Fetcher
from hypewatch.records import Score
from hypewatch.scoring import score_pending
from hypewatch.storage import DatabaseBusy, StorageError, Store

SETTINGS = Crawl(per_host_delay_s=0, timeout_s=2, retries=1, max_bytes=200_000)
WRITE_WAIT_S = 0.2  # how long a test store's write waits for the reader before it is refused

READER = textwrap.dedent("""
    import select, sys, duckdb
    conn = duckdb.connect(sys.argv[1], read_only=True)
    conn.execute("SELECT count(*) FROM documents").fetchall()
    print("holding", flush=True)
    select.select([sys.stdin], [], [], float(sys.argv[2]))  # until told to let go, or the time is up
    conn.close()
""")


def start_reader(path: Path, seconds: float = 60) -> subprocess.Popen:
    """Another process opens the database read-only, as a long query would, and holds it until
    `let_go` (or for `seconds` at most)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", READER, str(path), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def let_go(reader: subprocess.Popen) -> None:
    if reader.poll() is None:
        reader.stdin.write("done\n")
        reader.stdin.flush()
    reader.wait(timeout=30)


@contextmanager
def reader_holding(path: Path):
    reader = start_reader(path)
    try:
        yield reader
    finally:
        let_go(reader)


@pytest.fixture(scope="module")
def executor():
    pool = make_executor()
    yield pool
    pool.shutdown()


def stories(n: int) -> dict[str, Reply]:
    # distinct stories: one story under new first lines is a copy (crawler.dedup.NEAR_DUPLICATE_BITS)
    return {f"/story/{i}": Reply(body=page(f"Story {i}", [story(i)])) for i in range(n)}


def feed_route(base: str, paths: list[str]):
    """The feed, answering 304 to a request that names its ETag."""
    body = rss([(f"Story {p}", base + p) for p in paths])

    def answer(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, content_type=None, headers={"ETag": '"v1"'})
        return Reply(body=body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    return answer


def crawl_into(store: Store, site: CrawlServer, executor, sink=None, **kwargs) -> CrawlSummary:
    config = Config(sources=[Source(name="wire", feed=site.url + "/feed.xml", allow_private=True)], crawl=SETTINGS)

    async def go() -> CrawlSummary:
        cache = store.http_cache()
        async with Fetcher(config.crawl, cache=cache, backoff_s=0.01) as fetcher:
            return await crawl_sources(
                **config.crawl_arguments(),
                http_cache=cache,
                known=store.known_documents(),
                retries=store.crawl_retries(),
                sink=sink or store.add_documents,
                state_sink=store.save_crawl_state,
                fetcher=fetcher,
                executor=executor,
                batch_size=5,
                **kwargs,
            )

    return asyncio.run(go())


def count(store: Store, sql: str) -> int:
    with store.read() as conn:
        return conn.execute(sql).fetchone()[0]


# --- a reader holding the database during a crawl ---------------------------------------------------


def test_a_slow_reader_during_a_crawl_delays_the_writes_and_drops_nothing(tmp_path, executor, caplog):
    store = Store(tmp_path / "hw.duckdb", write_wait_s=WRITE_WAIT_S)
    refused: list[str] = []
    with CrawlServer(stories(30)) as site:
        site.routes["/feed.xml"] = feed_route(site.url, [f"/story/{i}" for i in range(30)])
        with reader_holding(store.path) as reader:

            def sink(batch):
                try:
                    store.add_documents(batch)
                except DatabaseBusy as exc:
                    refused.append(str(exc))
                    if len(refused) == 2:  # the reader's query ends after two refused writes
                        let_go(reader)
                    raise

            summary = crawl_into(store, site, executor, sink=sink, store_patience_s=20)
    assert len(refused) == 2
    assert "documents not stored yet, keeping them to try again" in caplog.text
    assert (summary.stored, summary.not_stored) == (30, 0)
    assert (
        count(store, "SELECT count(DISTINCT url) FROM documents")
        == count(store, "SELECT count(*) FROM documents")
        == 30
    )
    assert count(store, "SELECT count(*) FROM http_cache") > 0  # the crawl's memory is saved once all is stored


def test_documents_a_reader_keeps_out_past_the_patience_are_fetched_by_the_next_run(tmp_path, executor):
    store = Store(tmp_path / "hw.duckdb", write_wait_s=WRITE_WAIT_S)
    with CrawlServer(stories(20)) as site:
        site.routes["/feed.xml"] = feed_route(site.url, [f"/story/{i}" for i in range(20)])
        with reader_holding(store.path):
            first = crawl_into(store, site, executor, store_patience_s=0.5)
        assert first.not_stored > 0 and first.stored == 0
        assert first.not_stored + first.skipped["database busy"] == 20
        assert any("could not be stored" in w and "the next run fetches them again" in w for w in first.warnings)
        assert first.as_dict()["not_stored"] == first.not_stored
        # Nothing of the crawl's memory is saved: a 304 for the feed now would hide the unstored items.
        assert count(store, "SELECT count(*) FROM documents") == count(store, "SELECT count(*) FROM http_cache") == 0

        second = crawl_into(store, site, executor)
    assert (second.stored, second.not_stored) == (20, 0)
    assert count(store, "SELECT count(*) FROM documents") == 20


def test_a_full_disk_is_not_waited_out_and_the_next_run_stores_everything(tmp_path, executor):
    store = Store(tmp_path / "hw.duckdb")
    tries = []

    def full_disk(docs):
        tries.append(len(docs))
        raise StorageError(f"{store.path}: Could not write file: No space left on device; nothing of it was stored")

    with CrawlServer(stories(20)) as site:
        site.routes["/feed.xml"] = feed_route(site.url, [f"/story/{i}" for i in range(20)])
        # A busy database is waited for up to the patience; a full disk does not empty within a run.
        first = crawl_into(store, site, executor, sink=full_disk, store_patience_s=300)
        assert len(tries) <= 20 // 5 + 1 and first.stored == 0  # each batch offered once, none waited for
        assert first.not_stored + first.skipped["database busy"] == 20
        assert any("No space left on device" in w and "the next run fetches them again" in w for w in first.warnings)
        second = crawl_into(store, site, executor)
    assert (second.stored, second.not_stored) == (20, 0)
    assert count(store, "SELECT count(*) FROM documents") == 20


# --- a page that fails for a passing reason ---------------------------------------------------------


def test_a_flaky_page_is_retried_on_a_later_run_although_the_feed_is_unchanged(tmp_path, executor):
    store = Store(tmp_path / "hw.duckdb")
    with CrawlServer(stories(2)) as site:
        site.routes["/feed.xml"] = feed_route(site.url, ["/story/0", "/story/1", "/flaky"])
        site.routes["/flaky"] = Reply(503, "down for maintenance")
        first = crawl_into(store, site, executor)
        assert (first.new, first.retrying) == (2, 1)
        assert any("/flaky: HTTP 503" in w and "will try again on a later run: try 1 of" in w for w in first.warnings)
        with store.read() as conn:
            [(url, attempts, status, due)] = conn.execute(
                "SELECT url, attempts, status, next_attempt_at > now() + INTERVAL 6 HOURS FROM crawl_retries"
            ).fetchall()
        assert (url, attempts, status, due) == (site.url + "/flaky", 1, "pending", True)

        second = crawl_into(store, site, executor)  # the same night: not due yet
        assert site.paths().count("/flaky") == 2  # run 1's try and its one in-run retry, nothing since
        assert second.retried == 0

        with store.write() as conn:  # the next night
            conn.execute("UPDATE crawl_retries SET next_attempt_at = now() - INTERVAL 1 HOUR")
        site.routes["/flaky"] = Reply(
            body=page("Back", ["The flaky page came back with its story."] + NVIDIA_STORY[1:])
        )
        feed_requests = len([r for r in site.requests if r.path == "/feed.xml"])
        third = crawl_into(store, site, executor)
        assert [r.headers.get("if-none-match") for r in site.requests if r.path == "/feed.xml"][feed_requests:] == [
            '"v1"'
        ]
    assert (third.retried, third.new, third.retrying) == (1, 1, 0)
    assert count(store, "SELECT count(*) FROM crawl_retries") == 0
    with store.read() as conn:
        title, published = conn.execute("SELECT title, published_at FROM documents WHERE url LIKE '%/flaky'").fetchone()
    # The feed item came back from the retry list: the page keeps its feed date, not the day it was retried.
    assert published == datetime(2024, 11, 5, 12, tzinfo=timezone.utc)


def test_a_page_that_keeps_failing_is_given_up_after_the_last_try(tmp_path, executor):
    store = Store(tmp_path / "hw.duckdb")
    with CrawlServer(stories(1)) as site:
        site.routes["/feed.xml"] = feed_route(site.url, ["/story/0", "/dead"])
        site.routes["/dead"] = Reply(502, "bad gateway")
        for n in range(1, RETRY_MAX_ATTEMPTS + 2):
            summary = crawl_into(store, site, executor)
            with store.write() as conn:
                conn.execute("UPDATE crawl_retries SET next_attempt_at = now() - INTERVAL 1 HOUR")
            if n == RETRY_MAX_ATTEMPTS:
                assert summary.given_up == 1
                assert any(f"gave up after {RETRY_MAX_ATTEMPTS} tries" in w for w in summary.warnings)
        tries = site.paths().count("/dead")
    assert tries == RETRY_MAX_ATTEMPTS * 2  # each run's try plus its in-run retry; none after giving up
    with store.read() as conn:
        assert conn.execute("SELECT attempts, status FROM crawl_retries").fetchall() == [
            (RETRY_MAX_ATTEMPTS, "given_up")
        ]


def test_a_page_that_turns_permanently_missing_leaves_the_retry_list(tmp_path, executor):
    store = Store(tmp_path / "hw.duckdb")
    with CrawlServer(stories(1)) as site:
        site.routes["/feed.xml"] = feed_route(site.url, ["/story/0", "/gone"])
        site.routes["/gone"] = Reply(503, "later")
        crawl_into(store, site, executor)
        with store.write() as conn:
            conn.execute("UPDATE crawl_retries SET next_attempt_at = now() - INTERVAL 1 HOUR")
        site.routes["/gone"] = Reply(404, "no such page")
        summary = crawl_into(store, site, executor)
    assert summary.retried == 1 and summary.skipped["http 404"] == 1
    assert count(store, "SELECT count(*) FROM crawl_retries") == 0


# --- a reader at the moment an alert is marked sent ------------------------------------------------

FIRST = date(2025, 1, 1)
TODAY = FIRST + timedelta(days=59)
NOW = datetime(2025, 3, 2, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def alerting_store(tmp_path) -> Store:
    store = Store(tmp_path / "hw.duckdb", write_wait_s=WRITE_WAIT_S)
    corpus = Corpus()
    steady_then_shift(corpus, FIRST, 60, TODAY - timedelta(days=6))
    corpus.save(store)
    assert len(detect_and_save(store, [Rule(name="tone-shift", metric="hype_index")], today=TODAY)) == 1
    return store


def hold_database_on_accept(server: SmtpServer, path: Path) -> list[subprocess.Popen]:
    """From the next accepted message on, the server starts a reader of `path` before it answers 250."""
    holders: list[subprocess.Popen] = []
    accept = server.recorder.handle_DATA

    async def handle_DATA(self, smtp, session, envelope):
        reply = await accept(smtp, session, envelope)
        holders.append(start_reader(path))
        return reply

    server.recorder.handle_DATA = types.MethodType(handle_DATA, server.recorder)
    return holders


def statuses(store: Store) -> list[str]:
    with store.read() as conn:
        return [r[0] for r in conn.execute("SELECT status FROM alerts ORDER BY alert_id").fetchall()]


def test_an_alert_accepted_while_a_reader_holds_the_database_is_never_sent_twice(alerting_store):
    store = alerting_store
    with SmtpServer() as server:
        email = Email(to=["analyst@example.com"], smtp=Smtp(host=server.host, port=server.port, timeout_s=5))
        holders = hold_database_on_accept(server, store.path)
        first = send_pending(store, email, now=NOW)
        assert first.sent == 1 and len(server.messages) == 1
        assert any("sent but not yet marked sent" in w for w in first.warnings)
        assert SentJournal(store.path).path.exists()
        let_go(holders[0])
        assert statuses(store) == ["pending"]  # the database did not take the mark...

        second = send_pending(store, email, now=NOW + timedelta(days=1))
        third = send_pending(store, email, now=NOW + timedelta(days=2))
    assert (second.sent, third.sent) == (0, 0)
    assert len(server.messages) == 1  # ...and the next runs record it instead of sending again
    assert statuses(store) == ["sent"]
    assert not SentJournal(store.path).path.exists()


def test_nothing_is_sent_while_an_earlier_send_cannot_be_recorded(alerting_store):
    store = alerting_store
    with SmtpServer() as server:
        email = Email(to=["analyst@example.com"], smtp=Smtp(host=server.host, port=server.port, timeout_s=5))
        holders = hold_database_on_accept(server, store.path)
        send_pending(store, email, now=NOW)
        second = send_pending(store, email, now=NOW + timedelta(days=1))  # the reader still holds the file
        assert second.sent == 0 and "an earlier send is not recorded yet" in second.error
        let_go(holders[0])
        send_pending(store, email, now=NOW + timedelta(days=2))
    assert len(server.messages) == 1
    assert statuses(store) == ["sent"]


@pytest.mark.parametrize(
    "damage", [b'{"entries": [{"alert_ids": ["a1"', b"\x00\x01\x02", b"[1, 2]", b'{"alert_ids": 3}']
)
def test_a_damaged_journal_of_accepted_sends_stops_sending_by_name_until_mended(alerting_store, damage):
    store = alerting_store
    journal = SentJournal(store.path)
    journal.path.write_bytes(damage)  # a sync tool or a failing disk: hypewatch writes it whole
    with SmtpServer() as server:
        email = Email(to=["analyst@example.com"], smtp=Smtp(host=server.host, port=server.port, timeout_s=5))
        with pytest.raises(JournalDamaged, match=rf"^{re.escape(str(journal.path))}: damaged \(.+\); .+ none is sent"):
            send_pending(store, email, now=NOW)
        assert server.messages == [] and statuses(store) == ["pending"]  # it may have been sent: not again
        journal.path.unlink()  # the person who read the message decides
        assert send_pending(store, email, now=NOW + timedelta(days=1)).sent == 1
    assert len(server.messages) == 1 and statuses(store) == ["sent"]


def test_a_digest_sent_again_carries_the_same_message_id(alerting_store, tmp_path):
    # A run killed while the server answers sends the digest again: mail clients must see one message.
    assert digest_message_id(["b", "a"]) == digest_message_id(["a", "b"]) != digest_message_id(["a"])
    outbox = tmp_path / "outbox"
    first = send_pending(alerting_store, Email(outbox=outbox), now=NOW, outbox=outbox)
    with alerting_store.write() as conn:  # as if the mark had never landed
        conn.execute("UPDATE deliveries SET status = 'pending', sent_at = NULL, attempts = 0")
        conn.execute("UPDATE alerts SET status = 'pending', sent_at = NULL")
    again = send_pending(alerting_store, Email(outbox=outbox), now=NOW + timedelta(hours=1), outbox=outbox)
    assert (first.sent, again.sent) == (1, 1)
    ids = {
        line for eml in outbox.glob("*.eml") for line in eml.read_text().splitlines() if line.startswith("Message-ID:")
    }
    assert len(list(outbox.glob("*.eml"))) == 2 and len(ids) == 1


# --- a reader holding the database while scores are saved ------------------------------------------


class EveryoneNeutral:
    """The smallest scorer: the test is about storing scores, not about the model."""

    model_id = "neutral-v1"
    context_kinds: frozenset[str] = frozenset()  # reads every sentence alone
    calibration = None

    def score(self, texts: list[str], previous: list[str] | None = None) -> list[Score]:
        return [
            Score(label="neutral", p_hype=0.1, p_skeptic=0.1, p_neutral=0.8, fatigue=False, p_fatigue=0.0)
            for _ in texts
        ]


def test_scoring_facing_a_held_database_stops_with_a_warning_and_the_next_run_finishes(tmp_path):
    store = Store(tmp_path / "hw.duckdb", write_wait_s=WRITE_WAIT_S)
    corpus = Corpus()
    corpus.add(FIRST, hype=2, docs=6)
    store.add_documents(corpus.docs)
    warnings: list[str] = []
    with reader_holding(store.path):
        first = score_pending(store, EveryoneNeutral(), batch_docs=2, warn=warnings.append)
    assert first["documents"] == 0
    assert len(warnings) == 1 and "scoring stopped, the rest is left for the next run" in warnings[0]
    second = score_pending(store, EveryoneNeutral(), batch_docs=2, warn=warnings.append)
    assert second["documents"] == 6 and len(warnings) == 1
    assert count(store, "SELECT count(*) FROM documents WHERE scored_by = 'neutral-v1'") == 6


# --- a full disk -----------------------------------------------------------------------------------

# Runs with the process's file size limit as a full disk: a write past it fails (EFBIG), as at 100%.
FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    from datetime import datetime, timezone
    from email.message import EmailMessage
    from pathlib import Path
    from hypewatch.alerts.send import SendError, write_outbox
    from hypewatch.storage import StorageError
    from hypewatch.storage.db import transaction

    path, outbox = Path(sys.argv[1]), Path(sys.argv[2])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size + 64 * 1024,) * 2)
    try:
        with transaction(path) as conn:
            conn.execute("CREATE TABLE filler AS SELECT repeat('x', 1000) || range AS t FROM range(200000)")
    except StorageError as exc:
        print("storage:", exc)
    message = EmailMessage()
    message.set_content("x" * (path.stat().st_size + 1_000_000))  # past the limit
    try:
        write_outbox(message, outbox, now=datetime.now(timezone.utc))
    except SendError as exc:
        print("outbox:", exc)
    """
)


def test_a_full_disk_is_one_named_error_and_keeps_what_was_stored(tmp_path: Path):
    path = tmp_path / "hw.duckdb"
    Store(path).start_run(1234, datetime.now(timezone.utc))  # something stored before
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(path), str(tmp_path / "outbox")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2, done.stdout
    assert lines[0].startswith(f"storage: {path}: ") and lines[0].endswith("; nothing of it was stored"), lines[0]
    assert "File too large" in lines[0]
    assert lines[1] == f"outbox: outbox {tmp_path / 'outbox'}: cannot write the alert email: File too large"
    assert list((tmp_path / "outbox").iterdir()) == []  # no half-written .eml.tmp left behind
    with Store(path).read() as conn:
        assert conn.execute("SELECT pid FROM runs").fetchall() == [(1234,)]
        assert conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'filler'"
        ).fetchone() == (0,)
