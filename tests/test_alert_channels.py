"""Alert channels through Apprise, to real webhook receivers on 127.0.0.1: exactly once per alert and
channel, retries with backoff, `failed` after the last try, secrets kept out of sight."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alerts_helpers import Corpus, steady_then_shift
from smtp_server import closed_port
from webhook_server import WebhookServer

from hypewatch.alerts import detect_and_save, send_pending
from hypewatch.alerts.channels import IDEMPOTENCY_HEADER, OpenChannel
from hypewatch.alerts.deliveries import RETRY_FIRST_GAP
from hypewatch.alerts.message import ChatMessage, fit
from hypewatch.config import Channel, ConfigError, Email, Rule, parse_config
from hypewatch.report import write_report
from hypewatch.storage import Store

FIRST = date(2025, 1, 1)
TODAY = FIRST + timedelta(days=59)
NOW = datetime(2025, 3, 2, 3, 0, tzinfo=timezone.utc)
RULES = [
    Rule(name="tone-shift", metric="hype_index"),
    Rule(name="skeptic-surge", metric="skeptic_share", direction="up"),
]
REPORT = "https://intranet.example/hypewatch/report.html"


@pytest.fixture
def store(tmp_path) -> Store:
    """Sixty days of hype turning skeptic in the last week: two alerts, both pending."""
    store = Store(tmp_path / "hw.duckdb")
    corpus = Corpus()
    steady_then_shift(corpus, FIRST, 60, TODAY - timedelta(days=6))
    corpus.save(store)
    assert len(detect_and_save(store, RULES, today=TODAY)) == 2
    return store


def send(store: Store, tmp_path: Path, channels: list[Channel], now: datetime, **kwargs):
    return send_pending(
        store,
        Email(outbox=tmp_path / "outbox"),
        now=now,
        outbox=tmp_path / "outbox",
        channels=channels,
        report_link=REPORT,
        **kwargs,
    )


def rows(store: Store, query: str) -> list[tuple]:
    with store.read() as conn:
        return conn.execute(query).fetchall()


def alert_ids(store: Store) -> list[str]:
    return [r[0] for r in rows(store, "SELECT alert_id FROM alerts ORDER BY alert_id")]


def test_each_alert_reaches_each_channel_exactly_once_across_a_failing_and_a_working_channel(store, tmp_path):
    with WebhookServer() as desk, WebhookServer(statuses=[500, 200]) as ops:
        channels = [Channel(name="desk", url=desk.url()), Channel(name="ops", url=ops.url("/ops"))]
        first = send(store, tmp_path, channels, NOW)
        assert (len(desk.accepted), len(ops.posts), len(ops.accepted)) == (2, 1, 0)  # ops stops at its first 500
        assert (first.sent, first.pending, first.failed) == (4, 2, 0)  # 2 by email, 2 to desk
        assert "channel ops (JSON)" in first.error and "500" in first.error and "try 1 of 5" in first.error
        assert [s for (s,) in rows(store, "SELECT DISTINCT status FROM alerts")] == ["pending"]

        second = send(store, tmp_path, channels, NOW + timedelta(days=1))
        third = send(store, tmp_path, channels, NOW + timedelta(days=2))

    assert (second.sent, second.pending, third.sent, third.pending) == (2, 0, 0, 0)
    assert len(desk.accepted) == 2 and len(ops.accepted) == 2 and len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    ids = alert_ids(store)
    for hook in (desk, ops):  # one message per alert, each carrying its alert id for the receiver
        assert sorted(p.headers[IDEMPOTENCY_HEADER.lower()] for p in hook.accepted) == ids
        assert sorted(p.json["idempotency_key"] for p in hook.accepted) == ids
    assert rows(
        store, "SELECT channel, count(*), min(status), max(status) FROM deliveries GROUP BY channel ORDER BY channel"
    ) == [("desk", 2, "sent", "sent"), ("email", 2, "sent", "sent"), ("ops", 2, "sent", "sent")]
    assert rows(store, "SELECT channel, attempts FROM deliveries WHERE channel = 'ops'") == [("ops", 2), ("ops", 2)]
    assert rows(store, "SELECT DISTINCT status, error, sent_at IS NOT NULL FROM alerts") == [("sent", None, True)]


def test_the_short_message_has_the_shift_the_sentences_behind_it_and_the_report(store, tmp_path):
    with WebhookServer() as hook:
        send(store, tmp_path, [Channel(name="desk", url=hook.url())], NOW)
    by_key = {p.headers["idempotency-key"]: p.json for p in hook.accepted}
    tone = by_key[f"tone-shift|all|{TODAY}"]
    assert tone["title"] == "hypewatch: hype_index down (all)"
    text = tone["message"]
    assert "hype_index was" in text and "against a baseline of" in text and "z-score -" in text
    assert "documents in the window" in text and f"Report: {REPORT}" in text
    quoted = [line for line in text.splitlines() if line.startswith("“")]
    assert 2 <= len(quoted) <= 3 and all("(skeptic, p=" in q and "https://wire.example/" in q for q in quoted)
    assert "Cut to fit" not in text and "**" not in text


def test_a_markdown_channel_gets_markdown_and_links(store, tmp_path):
    with WebhookServer() as hook:
        send(store, tmp_path, [Channel(name="desk", url=hook.url(), format="markdown")], NOW)
    text = hook.accepted[0].json["message"]
    assert "**hype_index**" in text or "**skeptic_share**" in text
    assert "> “" in text and "](https://wire.example/" in text and f"[Open the report]({REPORT})" in text


def test_an_alert_over_the_size_limit_is_cut_at_a_sentence_and_says_so(store, tmp_path):
    with WebhookServer() as hook:
        send(store, tmp_path, [Channel(name="desk", url=hook.url(), max_chars=420)], NOW)
    for post in hook.accepted:
        text = post.json["message"]
        assert len(text) <= 420
        assert "[Cut to fit JSON's 420-character limit:" in text and "the report has the whole alert.]" in text
        assert text.endswith(f"Report: {REPORT}")  # the way to the whole alert is never cut
        assert text.splitlines()[0].startswith(("hype_index was", "skeptic_share was"))
        assert all(line.startswith("“") is False or line.count("“") == line.count("”") for line in text.splitlines())


def test_fitting_drops_whole_lines_from_the_end_and_never_cuts_silently():
    message = ChatMessage(
        title="t", lines=("One.", "Two two.", "Three three three."), footer="Report: r", markdown=False
    )
    assert fit(message, lambda body: True, service="X", limit=9).left_out == 0
    fitted = fit(message, lambda body: "Three" not in body, service="Discord", limit=2000)
    assert fitted.left_out == 1 and fitted.text.startswith("One.\nTwo two.\n[Cut to fit Discord's 2,000")
    assert fitted.text.endswith("1 of 3 lines left out; the report has the whole alert.]\nReport: r")
    with pytest.raises(ValueError, match="does not fit X's 5-character limit"):
        fit(message, lambda body: len(body) <= 5, service="X", limit=5)


def test_discord_is_held_to_its_2000_characters():
    channel = OpenChannel(Channel(name="chat", url="discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js"))
    assert channel.limit == 2000 and channel.markdown  # Discord renders markdown: auto picks it


def test_a_failing_channel_waits_out_its_backoff_between_runs(store, tmp_path):
    with WebhookServer(statuses=[500]) as hook:
        channels = [Channel(name="ops", url=hook.url())]
        send(store, tmp_path, channels, NOW)
        soon = send(store, tmp_path, channels, NOW + RETRY_FIRST_GAP / 2)
        assert len(hook.posts) == 1 and soon.pending == 0  # not due yet: not tried
        send(store, tmp_path, channels, NOW + RETRY_FIRST_GAP)
        assert len(hook.posts) == 2
        send(store, tmp_path, channels, NOW + RETRY_FIRST_GAP * 2)  # the gap has doubled
        assert len(hook.posts) == 2
        send(store, tmp_path, channels, NOW + RETRY_FIRST_GAP * 3)
        assert len(hook.posts) == 3
    assert rows(store, "SELECT DISTINCT status, attempts FROM deliveries WHERE channel = 'ops'") == [("pending", 3)]


def test_after_its_last_try_a_delivery_is_failed_and_shows_in_sql_and_the_report(store, tmp_path):
    dead = f"json://127.0.0.1:{closed_port()}/hook"
    channels = [Channel(name="pager", url=dead)]
    first = send(store, tmp_path, channels, NOW, max_attempts=2)
    second = send(store, tmp_path, channels, NOW + timedelta(days=1), max_attempts=2)
    third = send(store, tmp_path, channels, NOW + timedelta(days=2), max_attempts=2)
    assert (first.pending, first.failed, second.pending, second.failed) == (2, 0, 0, 2)
    assert "given up: marked failed" in second.error and third.error is None and third.sent == 0
    assert [s for (s,) in rows(store, "SELECT DISTINCT status FROM alerts")] == ["failed"]

    config = tmp_path / "config.yaml"
    config.write_text(f"database: {store.path}\nlog_file: false\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hypewatch",
            "--config",
            str(config),
            "sql",
            "--format",
            "json",
            "SELECT channel, status, attempts, error FROM deliveries WHERE status = 'failed'",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    failed = json.loads(done.stdout)
    assert len(failed) == 2 and all(r["channel"] == "pager" and r["attempts"] == 2 for r in failed)
    assert all("127.0.0.1" in r["error"] for r in failed)

    html = write_report(store, tmp_path / "report.html", days=120, tickers=None, today=TODAY).read_text(
        encoding="utf-8"
    )
    assert "Deliveries that did not get through" in html
    table = html[html.index('id="undelivered"') :]
    table = table[: table.index("</table>")]
    assert table.count("<td>pager</td>") == 2 and "status-failed" in table


SECRET = "s3cr3t-T0ken/with+odd=chars"


def test_a_secret_never_appears_in_logs_the_database_or_the_report(store, tmp_path):
    env = {**os.environ, "HW_TEST_HOOK_TOKEN": SECRET}
    with WebhookServer() as good, WebhookServer(statuses=[500]) as bad:
        secret_path = "/hook/${HW_TEST_HOOK_TOKEN}?token=${HW_TEST_HOOK_TOKEN}"
        config = tmp_path / "config.yaml"
        config.write_text(
            f"""
database: {store.path}
alerts:
  rules:
    - {{name: tone-shift, metric: hype_index}}
  email: {{outbox: outbox/}}
  channels:
    - {{name: desk, url: "{good.url(secret_path)}"}}
    - {{name: ops, url: "{bad.url(secret_path)}"}}
report: {{path: report.html}}
""",
            encoding="utf-8",
        )

        def hw(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, "-m", "hypewatch", "-vv", "--config", str(config), *args],
                capture_output=True,
                text=True,
                env=env,
                timeout=180,
            )

        alerts = hw("alerts", "--today", TODAY.isoformat())
        report = hw("report")
    assert alerts.returncode == 1 and "channel ops (JSON)" in alerts.stderr and "500" in alerts.stderr
    assert report.returncode == 0, report.stderr
    # The secret was used (the receivers saw it), and is named ${HW_TEST_HOOK_TOKEN} everywhere else.
    assert len(good.accepted) == 2 and len(bad.posts) == 1  # the two alerts of the fixture
    assert all(p.path.startswith("/hook/s3cr3t-T0ken") for p in good.posts + bad.posts)
    assert (
        "JSON POST URL" in alerts.stderr and "/hook/${HW_TEST_HOOK_TOKEN}" in alerts.stderr
    )  # apprise's line, cleaned
    texts = {
        "stderr": alerts.stderr + alerts.stdout + report.stderr,
        "log": (store.path.parent / "hypewatch.log").read_text(encoding="utf-8"),
        "report": (tmp_path / "report.html").read_text(encoding="utf-8"),
    }
    with store.read() as conn:
        for (table,) in conn.execute("SELECT table_name FROM information_schema.tables").fetchall():
            texts[table] = repr(conn.execute(f'SELECT * FROM "{table}"').fetchall())
    assert "ops: 500" in texts["alerts"] or "ops:" in texts["alerts"]  # the error is recorded, cleaned
    for where, text in texts.items():
        for spelling in (SECRET, "s3cr3t-T0ken", "s3cr3t-T0ken%2Fwith"):
            assert spelling not in text, where


def test_alerts_test_sends_one_message_to_every_channel_and_says_how_each_went(tmp_path):
    with WebhookServer() as good, WebhookServer(statuses=[503]) as bad:
        config = tmp_path / "config.yaml"
        config.write_text(
            f"""
database: hw.duckdb
alerts:
  email: {{outbox: outbox/}}
  channels:
    - {{name: desk, url: "{good.url()}"}}
    - {{name: ops, url: "{bad.url()}"}}
    - {{name: chat, url: "json://127.0.0.1:{good.port}/${{HW_UNSET_TOKEN_123}}"}}
""",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if k != "HW_UNSET_TOKEN_123"}
        done = subprocess.run(
            [sys.executable, "-m", "hypewatch", "--config", str(config), "alerts", "--test"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    lines = done.stdout.splitlines()
    assert done.returncode == 1 and "2 of 4 channel(s) failed the test: ops, chat" in done.stderr
    assert (
        lines[0].startswith("email (outbox): ok: written to ") and len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    )
    assert lines[1] == "desk (JSON): ok: sent"
    assert lines[2].startswith("ops (JSON): FAILED:") and "503" in lines[2]
    assert lines[3] == "chat (json): FAILED: environment variable HW_UNSET_TOKEN_123 is not set"
    [post] = good.accepted
    assert post.json["title"] == "hypewatch: test message" and "test" in post.json["message"]
    assert not (tmp_path / "hw.duckdb").exists()  # a test records nothing


@pytest.mark.parametrize(
    "channel, message",
    [
        ('{name: desk, url: "nosuchservice://x"}', "nosuchservice:// is not a service Apprise knows"),
        ('{name: desk, url: "slack://${not a name}/#x"}', "${not a name} is not an environment variable name"),
        ('{name: email, url: "json://h/x"}', "'email' is the email digest's name"),
        ('{name: desk, url: "json://h/x", rules: [no-such-rule]}', "channel 'desk' names unknown rules: no-such-rule"),
    ],
)
def test_a_bad_channel_is_a_config_error_naming_the_key_and_line(channel, message):
    text = f"alerts:\n  rules: [{{name: tone-shift}}]\n  channels:\n    - {channel}\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, base_dir=Path("."))
    assert message in str(caught.value) and str(caught.value).startswith("config.yaml:")


def test_a_channel_gets_only_the_rules_it_asks_for(store, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    with WebhookServer() as hook:
        send(store, tmp_path, [Channel(name="desk", url=hook.url(), rules=["skeptic-surge"])], NOW)
        send(store, tmp_path, [Channel(name="desk", url=hook.url(), rules=["skeptic-surge"])], NOW + timedelta(days=1))
    assert [p.headers["idempotency-key"] for p in hook.accepted] == [f"skeptic-surge|all|{TODAY}"]
    assert rows(store, "SELECT channel, count(*) FROM deliveries GROUP BY channel ORDER BY channel") == [
        ("desk", 1),
        ("email", 2),
    ]


def test_a_channel_taken_out_of_the_config_fails_its_pending_deliveries_instead_of_holding_them(store, tmp_path):
    with WebhookServer(statuses=[500]) as hook:
        send(store, tmp_path, [Channel(name="old", url=hook.url())], NOW)
    later = send(store, tmp_path, [], NOW + timedelta(days=1))
    assert later.error is None
    assert rows(
        store,
        "SELECT DISTINCT status, error LIKE 'channel old is no longer in alerts.channels (last error: %500%' "
        "FROM deliveries WHERE channel = 'old'",
    ) == [("failed", True)]
    assert [s for (s,) in rows(store, "SELECT DISTINCT status FROM alerts")] == ["failed"]
