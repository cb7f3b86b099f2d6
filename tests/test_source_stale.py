"""A source that goes quiet raises a source-stale alert: real crawls of a feed on 127.0.0.1, dated
by the test so that days pass in milliseconds."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
from datetime import datetime, timedelta, timezone

import pytest
from crawl_server import CrawlServer, Reply
from test_crawl import page, rss
from test_faults_crawl import story
from webhook_server import WebhookServer

from hypewatch.alerts import detect_stale_and_save, send_pending, stale_alerts
from hypewatch.config import Alerts, Channel, Config, Crawl, Email, Source
from hypewatch.crawler.crawl import crawl_sources, make_executor
from hypewatch.crawler.http import Fetcher
from hypewatch.records import SourceHealth
from hypewatch.storage import Store
from hypewatch.storage.db import migrate

T0 = datetime(2025, 3, 1, 2, 30, tzinfo=timezone.utc)
DAY = timedelta(days=1)
SETTINGS = Crawl(per_host_delay_s=0, timeout_s=2, retries=0, max_bytes=200_000)


@pytest.fixture(scope="module")
def executor():
    pool = make_executor()
    yield pool
    pool.shutdown()


class Site:
    """A feed whose stories the test adds over time."""

    def __init__(self, server: CrawlServer) -> None:
        self.server = server
        self.paths: list[str] = []

    def add_story(self) -> None:
        n = len(self.paths)
        self.paths.append(f"/story/{n}")
        # distinct stories: one story under new first lines is a copy (crawler.dedup.NEAR_DUPLICATE_BITS)
        self.server.routes[f"/story/{n}"] = Reply(body=page(f"Story {n}", [story(n)]))
        self.server.routes["/feed.xml"] = Reply(
            body=rss([(f"Story {p}", self.server.url + p) for p in self.paths]), content_type="application/rss+xml"
        )


def crawl_at(store: Store, config: Config, executor, now: datetime) -> None:
    async def go() -> None:
        cache = store.http_cache()
        async with Fetcher(config.crawl, cache=cache, backoff_s=0.01) as fetcher:
            await crawl_sources(
                **config.crawl_arguments(),
                http_cache=cache,
                known=store.known_documents(),
                retries=store.crawl_retries(),
                sink=store.add_documents,
                state_sink=store.save_crawl_state,
                fetcher=fetcher,
                executor=executor,
                now=now,
            )

    asyncio.run(go())


def config_for(url: str, **alerts) -> Config:
    # The global limit is long; the source's own 7 days is what counts.
    return Config(
        sources=[Source(name="wire", feed=f"{url}/feed.xml", allow_private=True, stale_days=7)],
        crawl=SETTINGS,
        alerts=Alerts(stale_days=30, **alerts),
    )


def check(store: Store, config: Config, now: datetime) -> list:
    return detect_stale_and_save(store, config.sources, config.alerts, now=now)


def test_a_quiet_feed_raises_one_alert_and_not_again_inside_the_cooldown(tmp_path, executor):
    store = Store(tmp_path / "hw.duckdb")
    with CrawlServer() as server:
        site = Site(server)
        site.add_story()
        site.add_story()
        config = config_for(server.url, stale_cooldown_days=14)

        crawl_at(store, config, executor, T0)
        assert store.source_health()[0].last_new_at == T0
        for days in (3, 7 - 1 / 24):  # nothing new, but not for 7 days yet
            crawl_at(store, config, executor, T0 + days * DAY)
            assert check(store, config, T0 + days * DAY) == []

        crawl_at(store, config, executor, T0 + 7 * DAY + timedelta(hours=1))
        [alert] = check(store, config, T0 + 7 * DAY)
        assert (alert.rule, alert.scope, alert.metric, alert.day) == (
            "source-stale",
            "source:wire",
            "days_quiet",
            (T0 + 7 * DAY).date(),
        )
        assert alert.value == pytest.approx(7.0, abs=0.1) and alert.baseline == 7 and alert.zscore is None
        crawl_at(store, config, executor, T0 + 8 * DAY)
        assert check(store, config, T0 + 8 * DAY) == []  # one alert per quiet spell

        site.add_story()  # the feed wakes up, then goes quiet again, 3 days after its alert
        crawl_at(store, config, executor, T0 + 10 * DAY)
        for days in (18, 21):  # quiet 8 and 11 days, but within 14 days of the last alert
            crawl_at(store, config, executor, T0 + days * DAY)
            assert check(store, config, T0 + days * DAY) == []
        crawl_at(store, config, executor, T0 + 23 * DAY)
        [again] = check(store, config, T0 + 23 * DAY)
        assert again.day == (T0 + 22 * DAY).date()  # the first day after the cooldown
    with store.read() as conn:
        assert conn.execute("SELECT count(*) FROM alerts WHERE rule = 'source-stale'").fetchone()[0] == 2


def test_a_feed_failing_on_every_crawl_says_since_when_and_why_in_the_email_and_the_channels(tmp_path, executor):
    store = Store(tmp_path / "hw.duckdb")
    with CrawlServer({"/feed.xml": Reply(status=500, body="down for maintenance")}) as server, WebhookServer() as hook:
        config = config_for(server.url)
        for days in range(0, 8):
            crawl_at(store, config, executor, T0 + days * DAY)
        [alert] = check(store, config, T0 + 7 * DAY)
        detail = json.loads(alert.detail)
        assert detail["failing_since"].startswith("2025-03-01") and "500" in detail["last_error"]
        [health] = store.source_health()
        assert (health.last_new_at, health.last_ok_at, health.failing_since) == (None, None, T0)

        outbox = tmp_path / "outbox"
        report = send_pending(
            store,
            Email(outbox=outbox),
            now=T0 + 7 * DAY,
            outbox=outbox,
            channels=[Channel(name="desk", url=hook.url(), rules=["source-stale"])],
        )
    assert report.sent == 2 and report.error is None
    [post] = hook.accepted
    assert post.json["title"] == "hypewatch: wire quiet (7 days)"
    assert "Nothing new from wire for 7 days, since 2025-03-01" in post.json["message"]
    assert "It has failed on every crawl since 2025-03-01" in post.json["message"] and "500" in post.json["message"]
    [eml] = outbox.glob("*.eml")
    mail = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert mail["Subject"] == "[hypewatch] 1 alert: wire quiet (7 days)"
    text = mail.get_body(("plain",)).get_content()
    assert "Nothing new from wire for 7 days" in text and "failed on every crawl since 2025-03-01" in text


def health(last_new: datetime | None, last_run: datetime, first_run: datetime = T0) -> dict[str, SourceHealth]:
    return {"wire": SourceHealth("wire", first_run, last_run, last_new, last_run, None, None)}


def test_quiet_is_measured_between_crawls_so_a_machine_that_was_off_does_not_cry_wolf():
    sources = [Source(name="wire", feed="https://example.com/feed.xml")]
    settings = Alerts(stale_days=7)
    # The last crawl was 2 days after the last new story: however long ago that is, not stale.
    assert stale_alerts(sources, health(T0, T0 + 2 * DAY), {}, settings) == []
    assert len(stale_alerts(sources, health(T0, T0 + 7 * DAY), {}, settings)) == 1
    assert len(stale_alerts(sources, health(None, T0 + 7 * DAY), {}, settings)) == 1  # never gave anything
    off = [Source(name="wire", feed="https://example.com/feed.xml", stale_days=0)]
    disabled = [Source(name="wire", feed="https://example.com/feed.xml", enabled=False)]
    assert stale_alerts(off, health(T0, T0 + 70 * DAY), {}, settings) == []
    assert stale_alerts(disabled, health(T0, T0 + 70 * DAY), {}, settings) == []
    assert stale_alerts(sources, health(T0, T0 + 70 * DAY), {}, Alerts(stale_days=0)) == []


def test_an_older_database_gets_deliveries_for_its_alerts_and_health_for_its_sources(tmp_path):
    path = tmp_path / "hw.duckdb"
    migrate(path, upto=4)
    import duckdb

    with duckdb.connect(str(path)) as conn:
        conn.execute(
            "INSERT INTO documents (doc_id, source, kind, url, fetched_at) VALUES "
            "('a', 'wire', 'news', 'https://x/a', TIMESTAMPTZ '2025-03-01 02:30+00'), "
            "('b', 'wire', 'news', 'https://x/b', TIMESTAMPTZ '2025-03-04 02:30+00')"
        )
        conn.execute(
            "INSERT INTO alerts (alert_id, rule, scope, metric, day, status, created_at, sent_at, error) VALUES "
            "('r|all|2025-03-01', 'r', 'all', 'hype_index', DATE '2025-03-01', 'sent', now(), now(), NULL), "
            "('r|all|2025-03-05', 'r', 'all', 'hype_index', DATE '2025-03-05', 'pending', now(), NULL, 'SMTP down')"
        )
    store = Store(path)
    [wire] = store.source_health()
    assert (wire.first_run_at, wire.last_new_at) == (T0, T0 + 3 * DAY)
    with store.read() as conn:
        assert conn.execute(
            "SELECT alert_id, channel, status, attempts, error FROM deliveries ORDER BY alert_id"
        ).fetchall() == [
            ("r|all|2025-03-01", "email", "sent", 1, None),
            ("r|all|2025-03-05", "email", "pending", 1, "SMTP down"),
        ]
