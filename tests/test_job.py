"""The nightly job end to end: real HTTP server, real SMTP server, real DuckDB file."""

from __future__ import annotations

import email.policy
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes
from email.utils import format_datetime
from pathlib import Path

import build_demo
import pytest
from crawl_server import CrawlServer, Reply
from smtp_server import SmtpServer

from hypewatch.config import load_config
from hypewatch.job import run
from hypewatch.records import Document
from hypewatch.storage import Store

ROOT = Path(__file__).resolve().parents[1]

DEMO_DAY = "2026-11-25"


def demo_config(folder: Path, model: Path) -> Path:
    """The repo's demo config and sources, copied into folder, scored by the test's tiny model."""
    shutil.copytree(ROOT / "demo", folder / "demo")
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    text = re.sub(r"name: default\b.*", f"name: {model}", text)
    (folder / "config.yaml").write_text(text, encoding="utf-8")
    return folder / "config.yaml"


def cli(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hypewatch", "--config", str(config), *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, tiny_model) -> tuple[Path, subprocess.CompletedProcess, subprocess.CompletedProcess]:
    config = demo_config(tmp_path_factory.mktemp("demo"), tiny_model)
    first = cli(config, "run", "--today", DEMO_DAY)
    second = cli(config, "run", "--today", DEMO_DAY)
    return config, first, second


def query(config: Path, sql: str) -> list[tuple]:
    with Store(load_config(config).database_path).read() as conn:
        return conn.execute(sql).fetchall()


def test_demo_run_fills_every_table_and_writes_alert_mail_and_report(demo_run):
    config, first, _ = demo_run
    assert first.returncode == 0, first.stderr
    assert query(config, "SELECT kind, count(*) FROM documents GROUP BY kind ORDER BY kind") == [
        ("news", 122),
        ("transcripts", 3),
    ]
    assert query(config, "SELECT count(*) FROM documents WHERE scored_by IS NULL") == [(0,)]
    roles = {r for (r,) in query(config, "SELECT DISTINCT role FROM turns")}
    assert {"executive", "analyst", "operator"} <= roles
    assert query(config, "SELECT count(*) > 1000 FROM sentences WHERE label IS NOT NULL") == [(True,)]
    [(rule, status)] = query(config, "SELECT rule, status FROM alerts WHERE scope = 'all'")
    assert (rule, status) == ("tone-shift", "sent")
    [eml] = (config.parent / "outbox").glob("*.eml")
    mail = message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert "hype_index" in mail["Subject"]
    assert (config.parent / "report.html").stat().st_size > 10_000
    assert query(config, "SELECT status, error FROM runs") == [("ok", None), ("ok", None)]


def test_a_rerun_with_nothing_new_fetches_nothing_and_scores_nothing(demo_run):
    config, _, second = demo_run
    assert second.returncode == 0, second.stderr
    assert re.search(r"crawl: .*new 0,.*unchanged 125", second.stderr)
    assert "score: documents 0," in second.stderr
    assert "alerts: raised 0, sent 0" in second.stderr
    assert len(list((config.parent / "outbox").glob("*.eml"))) == 1


def readme_queries() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Querying with SQL", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def test_readme_has_at_least_five_queries():
    assert len(readme_queries()) >= 5


@pytest.mark.parametrize("sql", readme_queries(), ids=lambda q: q.split("\n")[0][:40])
def test_readme_query_answers_on_the_demo_database(demo_run, sql: str):
    config, _, _ = demo_run
    done = cli(config, "sql", sql, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() not in ("", "[]"), f"no rows for:\n{sql}"


# --- a tone shift engineered across days, served over HTTP, mailed over SMTP ----------------------

TODAY = date(2026, 11, 20)


def shift_site(days: int = 42, turn_days: int = 7) -> dict[str, Reply]:
    """A news site whose tone turns skeptic in the last week: a feed of links to article pages."""
    routes: dict[str, Reply] = {}
    items = []
    for offset in range(days):
        day = TODAY - timedelta(days=offset)
        pool = build_demo.SKEPTIC if offset < turn_days else build_demo.HYPE
        for n in range(2):
            path = f"/news/{day.isoformat()}-{n}.html"
            # sentences drawn apart: articles sharing most of their sentences would be copies of one story
            draw = random.Random(offset * 2 + n)
            sentences = draw.sample(pool, 6) + draw.sample(build_demo.NEUTRAL, 3)
            body = "".join(f"<p>{s}</p>" for s in sentences)
            routes[path] = Reply(
                body=f"<html><head><title>Story {day} {n}</title></head><body>"
                f"<nav>Home | Markets | Tech</nav><article><h1>Story {day} {n}</h1>"
                f"{body}</article><footer>Copyright Example News</footer></body></html>"
            )
            stamp = datetime(day.year, day.month, day.day, 9 + n, tzinfo=timezone.utc)
            items.append(
                f"<item><title>Story {day} {n}</title><link>{{base}}{path}</link>"
                f"<pubDate>{format_datetime(stamp)}</pubDate><description>Teaser.</description></item>"
            )
    routes["/feed.xml"] = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Example</title>" + "".join(items) + "</channel></rss>"
    )
    return routes


def shift_config(folder: Path, site: str, smtp: SmtpServer, model: Path) -> Path:
    path = folder / "config.yaml"
    path.write_text(
        f"""
database: hw.duckdb
sources:
  - {{name: example-news, kind: news, feed: "{site}/feed.xml", allow_private: true}}
crawl: {{per_host_delay_s: 0, timeout_s: 5, retries: 0}}
model: {{name: "{model}"}}
alerts:
  rules:
    - {{name: tone-shift, metric: hype_index, scope: all, window_days: 7, baseline_days: 28,
       threshold: 2.0, min_docs: 5, cooldown_days: 3}}
  email:
    to: [analyst@example.com]
    from: hypewatch@example.com
    smtp: {{host: {smtp.host}, port: {smtp.port}, security: none}}
report: {{on_run: false}}
""",
        encoding="utf-8",
    )
    return path


def test_a_tone_shift_raises_one_alert_that_survives_a_refusing_smtp_server(tmp_path, tiny_model):
    routes = shift_site()
    with CrawlServer() as site, SmtpServer(refuse="554 5.7.1 not today") as smtp:
        feed = routes.pop("/feed.xml").replace("{base}", site.url)
        site.routes.update(routes)
        site.routes["/feed.xml"] = Reply(body=feed, content_type="application/rss+xml")
        config = load_config(shift_config(tmp_path, site.url, smtp, tiny_model))

        first = run(config, today=TODAY)
        assert first.counts["crawl"]["new"] == 84
        assert first.counts["alerts"] == {
            "raised": 1,
            "sent": 0,
            "pending": 1,
            "failed": 0,
            "seconds": pytest.approx(0, abs=60),
        }
        assert first.status == "warnings" and any("554" in w for w in first.warnings)
        assert smtp.messages == []

        smtp.refuse = None
        second = run(config, today=TODAY)
        assert second.counts["crawl"]["new"] == 0 and second.counts["score"]["documents"] == 0
        assert second.counts["alerts"]["raised"] == 0 and second.counts["alerts"]["sent"] == 1
        [mail] = smtp.messages
        assert mail["Subject"].startswith("[hypewatch] 1 alert")
        assert "tone-shift" in mail.get_body(("plain",)).get_content()

        third = run(config, today=TODAY)
        assert third.counts["alerts"]["raised"] == 0 and third.counts["alerts"]["sent"] == 0
        assert len(smtp.messages) == 1
    with Store(config.database_path).read() as conn:
        assert conn.execute("SELECT rule, day, status, zscore < -2 FROM alerts").fetchall() == [
            ("tone-shift", TODAY, "sent", True)
        ]


# --- a run killed while scoring --------------------------------------------------------------------


def test_a_run_killed_while_scoring_is_finished_by_the_next_with_nothing_scored_twice(tmp_path, tiny_model):
    config_path = tmp_path / "config.yaml"
    config_path.write_text(f"database: hw.duckdb\nmodel: {{name: '{tiny_model}'}}\n", encoding="utf-8")
    store = Store(tmp_path / "hw.duckdb")
    now = datetime.now(timezone.utc)
    pools = build_demo.HYPE + build_demo.SKEPTIC + build_demo.NEUTRAL
    store.add_documents(
        [
            Document(
                doc_id=f"d{i:04d}",
                source="wire",
                kind="news",
                url=f"https://x.org/{i}",
                title=None,
                published_at=now,
                fetched_at=now,
                language="en",
                tickers=[],
                text=" ".join(f"{pools[(i + k) % len(pools)]} Item {i}-{k}." for k in range(12)),
            )  # 24 sentences
            for i in range(1500)
        ]
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "hypewatch", "--config", str(config_path), "score"], stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    scored_before_kill = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with store.read() as conn:
                scored_before_kill = conn.execute(
                    "SELECT count(*) FROM documents WHERE scored_by IS NOT NULL"
                ).fetchone()[0]
        except Exception:  # noqa: BLE001 - the writer holds the file for a moment
            continue
        if scored_before_kill:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    proc.wait()
    assert 0 < scored_before_kill < 1500, "the kill did not land mid-scoring"
    with store.read() as conn:
        first_pass = dict(
            conn.execute("SELECT doc_id, scored_at FROM documents WHERE scored_by IS NOT NULL").fetchall()
        )
        assert conn.execute("SELECT status FROM runs").fetchall() == [("running",)]

    done = cli(config_path, "score")
    assert done.returncode == 0, done.stderr
    assert f"score: documents {1500 - len(first_pass)}," in done.stderr
    with store.read() as conn:
        assert conn.execute("SELECT count(*) FROM documents WHERE scored_by IS NULL").fetchone()[0] == 0
        assert conn.execute("SELECT count(*), count(DISTINCT (doc_id, sent_no)) FROM sentences").fetchone() == (
            36000,
            36000,
        )
        again = dict(conn.execute("SELECT doc_id, scored_at FROM documents").fetchall())
        assert all(again[d] == t for d, t in first_pass.items())  # nothing scored twice
        assert conn.execute("SELECT status FROM runs ORDER BY run_id").fetchall() == [("killed",), ("ok",)]
