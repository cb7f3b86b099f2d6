"""The alert digest over a real SMTP server on 127.0.0.1 (and into the outbox)."""

from __future__ import annotations

import email
import email.policy
import logging
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from alerts_helpers import Corpus, steady_then_shift
from smtp_server import SmtpServer, closed_port, self_signed

from hypewatch.alerts import detect_and_save, send_pending, subject_for
from hypewatch.config import Email, Rule, Smtp
from hypewatch.records import Alert
from hypewatch.storage import Store

FIRST = date(2025, 1, 1)
TODAY = FIRST + timedelta(days=59)
SHIFT = TODAY - timedelta(days=6)
NOW = datetime(2025, 3, 2, 3, 0, tzinfo=timezone.utc)
RULES = [
    Rule(name="tone-shift", metric="hype_index"),
    Rule(name="skeptic-surge", metric="skeptic_share", direction="up"),
]
EVIL_TITLE = "<script>alert('x')</script> Chips & dips"
EVIL_HYPE = "Demand is <b>insane</b> & unstoppable"


@pytest.fixture
def store(tmp_path) -> Store:
    """Sixty days of hype turning skeptic in the last week; two rules fire."""
    store = Store(tmp_path / "hw.duckdb")
    corpus = Corpus()
    steady_then_shift(corpus, FIRST, 60, SHIFT)
    corpus.add(
        TODAY - timedelta(days=1),
        hype=3,
        skeptic=9,
        neutral=2,
        title=EVIL_TITLE,
        url="https://news.example/evil?a=1&b=2",
        hype_text=EVIL_HYPE,
        p=0.99,
    )
    corpus.add(
        TODAY - timedelta(days=2),
        hype=0,
        skeptic=9,
        neutral=2,
        title="A link that is not one",
        url="javascript:alert(1)",
        p=0.98,
    )
    corpus.add(TODAY - timedelta(days=3), hype=2, skeptic=8, fatigue=2, title="Tired of AI")
    corpus.save(store)
    assert len(detect_and_save(store, RULES, today=TODAY)) == 2
    return store


def email_config(server: SmtpServer | None = None, **smtp) -> Email:
    host = {"host": server.host, "port": server.port} if server else {}
    return Email(
        to=["analyst@example.com", "desk@example.com"],
        from_="hypewatch@example.com",
        smtp=Smtp(**host, timeout_s=5, **smtp),
    )


def statuses(store: Store) -> list[tuple[str, str | None, bool]]:
    with store.read() as conn:
        return conn.execute("SELECT status, error, sent_at IS NOT NULL FROM alerts ORDER BY alert_id").fetchall()


def test_the_digest_arrives_with_text_html_charts_and_the_sentences_behind_the_shift(store):
    with SmtpServer() as server:
        report = send_pending(store, email_config(server), now=NOW)

    assert (report.sent, report.pending, report.error) == (2, 0, None)
    assert report.via == f"smtp 127.0.0.1:{server.port}"
    [msg] = server.messages
    assert msg["Subject"] == "[hypewatch] 2 alerts: skeptic_share up (all), hype_index down (all)"
    assert msg["To"] == "analyst@example.com, desk@example.com"
    assert server.recorder.envelopes == [("hypewatch@example.com", ["analyst@example.com", "desk@example.com"])]
    assert msg.get_content_type() == "multipart/alternative"

    text = msg.get_body(("plain",)).get_content()
    assert "hype_index" in text and "skeptic_share" in text
    # each alert states its effect with an interval, its z, and whether the intervals clear
    assert text.count("difference ") == 2 and text.count("z -") + text.count("z +") == 2
    assert text.count("95% interval") == 8 and text.count("clears the baseline's") == 2
    assert EVIL_TITLE in text and "https://news.example/evil?a=1&b=2" in text

    related = msg.get_payload()[1]
    assert related.get_content_type() == "multipart/related"
    html = msg.get_body(("html",)).get_content()
    charts = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert len(charts) == 2
    for chart in charts:
        assert chart.get_content().startswith(b"\x89PNG\r\n\x1a\n")
        assert f'src="cid:{chart["Content-ID"].strip("<>")}"' in html

    assert "Most hype sentences" in html and "Most skeptic sentences" in html and "Most fatigue sentences" in html
    assert "<script>" not in html and "<b>insane</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Chips &amp; dips" in html
    assert "Demand is &lt;b&gt;insane&lt;/b&gt; &amp; unstoppable" in html
    assert '<a href="https://news.example/evil?a=1&amp;b=2">' in html
    assert 'href="javascript:' not in html and "A link that is not one" in html

    assert statuses(store) == [("sent", None, True), ("sent", None, True)]


def test_a_refused_message_stays_pending_and_the_next_run_sends_it_exactly_once(store):
    with SmtpServer(refuse="554 5.7.1 Message refused by policy") as server:
        report = send_pending(store, email_config(server), now=NOW)
        assert server.messages == []
    assert (report.sent, report.pending) == (0, 2)
    assert f"127.0.0.1:{server.port}" in report.error and "554" in report.error
    assert [(s, sent) for s, _, sent in statuses(store)] == [("pending", False)] * 2
    assert all("554 5.7.1 Message refused by policy" in error for _, error, _ in statuses(store))

    with SmtpServer() as good:
        later = send_pending(store, email_config(good), now=NOW + timedelta(days=1))
        again = send_pending(store, email_config(good), now=NOW + timedelta(days=1, minutes=5))
    assert (later.sent, again.sent) == (2, 0)
    assert len(good.messages) == 1
    assert statuses(store) == [("sent", None, True), ("sent", None, True)]


def test_a_dead_server_is_a_clear_error_not_a_crash(store):
    smtp = Email(to=["a@example.com"], smtp=Smtp(host="127.0.0.1", port=closed_port(), timeout_s=2))
    report = send_pending(store, smtp, now=NOW)
    assert report.pending == 2
    assert re.search(r"SMTP 127\.0\.0\.1:\d+: cannot connect: .*refused", report.error, re.IGNORECASE)
    assert [s for s, _, _ in statuses(store)] == ["pending", "pending"]


def test_without_an_smtp_host_the_digest_is_an_eml_file_in_the_outbox(store, tmp_path):
    outbox = tmp_path / "outbox"
    report = send_pending(store, email_config(), now=NOW, outbox=outbox)

    [eml] = outbox.glob("*.eml")
    assert report.sent == 2 and report.via == str(eml)
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["Subject"].startswith("[hypewatch] 2 alerts:")
    assert msg.get_body(("html",)) is not None and msg.get_body(("plain",)) is not None
    assert [s for s, _, _ in statuses(store)] == ["sent", "sent"]

    assert send_pending(store, email_config(), now=NOW, outbox=outbox).sent == 0
    assert len(list(outbox.iterdir())) == 1


def test_past_the_detailed_alerts_a_big_digest_lists_the_rest_one_line_each(store, tmp_path, monkeypatch):
    monkeypatch.setattr("hypewatch.alerts.send.DETAILED_ALERTS", 1)  # as if a backfill had raised dozens
    report = send_pending(store, email_config(), now=NOW, outbox=tmp_path)
    msg = email.message_from_bytes((tmp_path / report.via).read_bytes(), policy=email.policy.default)

    assert report.sent == 2 and msg["Subject"].startswith("[hypewatch] 2 alerts:")
    assert len([p for p in msg.walk() if p.get_content_type() == "image/png"]) == 1
    assert "1 more alert" in msg.get_body(("plain",)).get_content()
    assert "<td>hype_index down</td>" in msg.get_body(("html",)).get_content()


def test_nothing_pending_sends_nothing(tmp_path):
    store = Store(tmp_path / "empty.duckdb")
    with SmtpServer() as server:
        report = send_pending(store, email_config(server), now=NOW)
    assert (report.sent, report.pending, report.error) == (0, 0, None)
    assert server.messages == []


@pytest.fixture
def certs(tmp_path, monkeypatch):
    made = self_signed(tmp_path)
    if made is None:
        pytest.skip("the openssl command is not installed")
    monkeypatch.setenv("SSL_CERT_FILE", str(made.cert))  # the client trusts our self-signed server
    return made


def test_starttls_with_a_login_whose_password_comes_from_the_environment(store, certs, monkeypatch, caplog):
    monkeypatch.setenv("HW_TEST_SMTP_PASSWORD", "s3cret-pw")
    caplog.set_level(logging.DEBUG)
    with SmtpServer(tls=certs, logins={"alice": "s3cret-pw"}) as server:
        report = send_pending(
            store,
            email_config(server, security="starttls", username="alice", password_env="HW_TEST_SMTP_PASSWORD"),
            now=NOW,
        )
    assert report.sent == 2 and server.recorder.logins == ["alice"] and len(server.messages) == 1
    assert "s3cret-pw" not in caplog.text


def test_a_wrong_password_keeps_the_alerts_pending_and_is_not_logged(store, certs, monkeypatch, caplog):
    monkeypatch.setenv("HW_TEST_SMTP_PASSWORD", "wrong-pw")
    caplog.set_level(logging.DEBUG)
    with SmtpServer(tls=certs, logins={"alice": "s3cret-pw"}) as server:
        report = send_pending(
            store,
            email_config(server, security="starttls", username="alice", password_env="HW_TEST_SMTP_PASSWORD"),
            now=NOW,
        )
    assert report.pending == 2 and "login as 'alice' refused: 535" in report.error
    assert server.messages == []
    assert "wrong-pw" not in caplog.text and "wrong-pw" not in report.error


def test_a_login_without_its_password_variable_names_the_variable(store):
    with SmtpServer() as server:
        report = send_pending(store, email_config(server, username="alice", password_env="HW_UNSET_VAR_1234"), now=NOW)
    assert report.pending == 2 and "HW_UNSET_VAR_1234" in report.error


def test_implicit_tls(store, certs):
    with SmtpServer(tls=certs, implicit_tls=True) as server:
        report = send_pending(store, email_config(server, security="ssl"), now=NOW)
    assert report.sent == 2 and len(server.messages) == 1


def test_the_subject_names_the_first_alerts_and_counts_the_rest():
    def alert(metric: str, z: float, scope: str = "all") -> Alert:
        return Alert(rule="r", scope=scope, metric=metric, day=TODAY, value=0, baseline=0, zscore=z)

    alerts = [
        alert("hype_index", -3),
        alert("skeptic_share", 2.5, "kind:news"),
        alert("fatigue_per_1k", 4),
        alert("n_docs", 3),
        alert("hype_share", -2),
    ]
    assert subject_for(alerts[:1]) == "[hypewatch] 1 alert: hype_index down (all)"
    assert subject_for(alerts) == (
        "[hypewatch] 5 alerts: hype_index down (all), skeptic_share up (kind:news), fatigue_per_1k up (all), +2 more"
    )
