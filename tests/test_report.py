"""The HTML report: the right figures, one self-contained and safe file, and a page that renders in Chromium."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from browser import BrowserUnavailable, full_page_screenshot, headless_chromium
from report_helpers import DAYS, EVIL_TITLE, TICKERS, TODAY, build_demo_database

from hypewatch.records import Document, Score, ScoredSentence, Sentence
from hypewatch.report import Period, gather, write_report
from hypewatch.report.build import web_url
from hypewatch.report.charts import calls_chart, tone_chart
from hypewatch.report.data import Call
from hypewatch.storage import Store

REPO = Path(__file__).resolve().parents[1]
ESCAPED_EVIL = "&lt;script&gt;alert(1)&lt;/script&gt;"
WATCHLIST = [*TICKERS, "INTC"]  # INTC is never mentioned


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    return build_demo_database(tmp_path_factory.mktemp("report") / "demo.duckdb")


@pytest.fixture(scope="module")
def data(store):
    with store.read() as conn:
        return gather(conn, Period.ending(TODAY, DAYS), WATCHLIST)


@pytest.fixture(scope="module")
def report_file(store, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out") / "nested" / "report.html"
    return write_report(store, out, days=DAYS, tickers=WATCHLIST, today=TODAY)


@pytest.fixture(scope="module")
def html(report_file) -> str:
    return report_file.read_text(encoding="utf-8")


# --- the figures -------------------------------------------------------------------------------


def test_series_cover_every_day_of_the_period_with_a_7_day_window(data):
    everything = data.series["all"]
    assert everything.days[0] == TODAY - timedelta(days=DAYS - 1) and everything.days[-1] == TODAY
    assert len(everything.days) == DAYS
    last_week = everything.totals(7)
    assert everything.hype_index_7d[-1] == pytest.approx(
        (last_week.n_hype - last_week.n_skeptic) / (last_week.n_hype + last_week.n_skeptic)
    )
    assert everything.hype_share_7d[-1] == pytest.approx(last_week.n_hype / last_week.n_sentences)


def test_series_agree_with_the_daily_sentiment_view(store, data):
    with store.read() as conn:
        n_docs, n_hype, fatigue = conn.execute(
            "SELECT sum(n_docs), sum(n_hype), sum(fatigue_mentions) FROM daily_sentiment WHERE day BETWEEN ? AND ?",
            [data.period.start, data.period.end],
        ).fetchone()
    totals = data.series["all"].totals()
    assert (totals.n_docs, totals.n_hype, totals.fatigue_mentions) == (n_docs, n_hype, fatigue)
    news, calls = data.series["news"].totals(), data.series["transcripts"].totals()
    assert (news.n_docs, calls.n_docs) == (n_docs - 4, 4)


def test_the_mood_turn_of_the_last_week_shows(data):
    everything = data.series["all"]
    assert everything.totals(7).hype_index < everything.totals().hype_index


def test_watchlist_tickers_without_data_are_named_not_charted(data):
    assert data.tickers == TICKERS
    assert data.tickers_without_data == ["INTC"]
    assert set(data.series) == {"all", "news", "transcripts", *(f"ticker:{t}" for t in TICKERS)}


def test_without_a_ticker_list_the_most_mentioned_are_charted(store):
    with store.read() as conn:
        found = gather(conn, Period.ending(TODAY, DAYS), None)
    assert sorted(found.tickers) == sorted(TICKERS) and not found.tickers_without_data


def test_top_sentences_are_the_strongest_of_the_period_each_text_once(data):
    for name, quotes in data.sentences.items():
        assert 0 < len(quotes) <= 10, name
        strengths = [q.strength for q in quotes]
        assert strengths == sorted(strengths, reverse=True)
        assert len({q.text.lower() for q in quotes}) == len(quotes)
        assert all(data.period.start <= q.day <= data.period.end for q in quotes)
    assert data.sentences["skeptic"][0].title == EVIL_TITLE  # the 0.999 sentence planted under it
    call_quotes = [q for qs in data.sentences.values() for q in qs if q.kind == "transcripts"]
    assert all(q.speaker and q.role for q in call_quotes)


def test_calls_compare_management_with_analysts_and_prepared_with_qa(store, data):
    assert [c.call_date for c in data.calls] == sorted((c.call_date for c in data.calls), reverse=True)
    with store.read() as conn:
        rows = conn.execute("SELECT doc_id, role, section, n_hype, n_skeptic FROM call_tone").fetchall()

    def index(doc_id, keep):
        hype = sum(r[3] for r in rows if r[0] == doc_id and keep(r))
        skeptic = sum(r[4] for r in rows if r[0] == doc_id and keep(r))
        return (hype - skeptic) / (hype + skeptic) if hype + skeptic else None

    for call in data.calls:
        assert call.management == pytest.approx(index(call.doc_id, lambda r: r[1] == "executive"))
        assert call.analysts == pytest.approx(index(call.doc_id, lambda r: r[1] == "analyst"))
        assert call.qa == pytest.approx(index(call.doc_id, lambda r: r[2] == "qa"))
        assert call.label.endswith("Q4 2024")


def test_alerts_and_runs_are_read(data):
    assert [(a.rule, a.scope) for a in data.alerts] == [("skeptic-surge", "ticker:NVDA"), ("tone-shift", "all")]
    assert [r.run_id for r in data.runs] == [3, 2, 1]
    assert data.runs[1].status == "warnings" and data.runs[1].counts["crawl"]["fetched"] == 41


# --- the page ----------------------------------------------------------------------------------


def test_the_report_is_one_file_that_loads_nothing(html):
    assert html.startswith("<!doctype html>")
    assert not re.search(r"<(script|link|iframe|img|object|embed)\b", html, re.IGNORECASE)
    assert not re.search(r"\ssrc\s*=", html)
    assert not re.search(r"url\((?!#)", html)  # SVG references only, never a fetched resource
    assert "default-src 'none'" in html  # and the page forbids any load or script outright


def test_strings_from_the_web_are_escaped(html):
    assert EVIL_TITLE not in html
    assert html.count(ESCAPED_EVIL) >= 2  # the title, and the sentence that quotes it


def test_chart_text_from_the_web_is_escaped_by_matplotlib():
    evil = Call(
        doc_id="x",
        company=EVIL_TITLE,
        tickers=["X"],
        fiscal_period='"Q1" & $5 $6',
        call_date=date(2025, 1, 2),
        url="https://example.com",
        title=None,
        management=0.5,
        analysts=-0.5,
        prepared=None,
        qa=0.1,
        n_sentences=3,
        fatigue_mentions=0,
    )
    svg = calls_chart([evil])
    assert "<script" not in svg
    assert ESCAPED_EVIL in svg
    assert "&amp; $5 $6" in svg  # dollar signs stay text: mathtext is off


def test_every_element_id_is_unique_across_the_inlined_charts(html):
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert html.count("<svg") == 3 + len(TICKERS) + 1 + 1  # + calls + tone per topic
    assert [i for i, n in ids.items() if n > 1] == []
    references = set(re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', html))
    assert {r for pair in references for r in pair if r} <= set(ids)


def test_alerts_are_marked_on_the_chart_of_their_metric(html):
    assert 'id="tone-alert-0-20250328"' in html  # tone-shift on hype_index, scope all
    nvda = re.search(r'data-chart="ticker-NVDA">(.*?)</figure>', html, re.DOTALL)[1]
    assert 'alert-0-20250329"' in nvda and 'alert-1-20250329"' in nvda  # both panels of NVDA
    amd = re.search(r'data-chart="ticker-AMD">(.*?)</figure>', html, re.DOTALL)[1]
    assert "alert-" not in amd


def test_the_same_data_draws_the_same_chart(data):
    draw = lambda: tone_chart(data.series, data.alerts, data.period)  # noqa: E731
    assert draw() == draw()  # ids are salted, not random: nightly reports diff cleanly


def test_only_web_links_are_clickable():
    assert web_url("https://example.com/a?b=1") == "https://example.com/a?b=1"
    assert web_url("javascript:alert(1)") is None
    assert web_url("file:///etc/passwd") is None
    assert web_url(None) is None


def test_an_empty_database_gives_a_report_that_says_so(tmp_path):
    out = write_report(str(tmp_path / "empty.duckdb"), tmp_path / "report.html", days=30, tickers=None, today=TODAY)
    html = out.read_text(encoding="utf-8")
    assert "No data yet" in html and "hypewatch run" in html
    assert "<svg" not in html and "No runs recorded yet" in html
    assert out.stat().st_mode & 0o044 == 0o044  # readable by the web server or a colleague, not owner-only


def test_news_alone_without_tickers_renders_the_parts_it_has(tmp_path):
    store = Store(tmp_path / "news.duckdb")
    published = datetime(2025, 3, 30, 12, tzinfo=timezone.utc)
    doc = Document(
        doc_id="n1",
        source="wire",
        kind="news",
        url="https://wire.example/1",
        title="One story",
        published_at=published,
        fetched_at=published,
        language="en",
        tickers=[],
        text="",
    )
    store.add_documents([doc])
    store.save_scores(
        ["n1"],
        [
            ScoredSentence(
                Sentence("n1", 0, "AI demand is unstoppable."), Score("hype", 0.9, 0.05, 0.05, False, 0.01), "en"
            )
        ],
        "m",
    )
    html = write_report(store, tmp_path / "r.html", days=30, tickers=None, today=TODAY).read_text(encoding="utf-8")
    assert html.count("<svg") == 3  # tone, shares, fatigue; no calls and no tickers to chart
    assert "No ticker was mentioned in the period" in html and 'id="calls"' not in html
    assert "AI demand is unstoppable." in html


def test_a_period_without_documents_names_the_newest_one(store, tmp_path):
    later = TODAY + timedelta(days=200)
    html = write_report(store, tmp_path / "r.html", days=30, tickers=None, today=later).read_text(encoding="utf-8")
    assert "No data yet" in html and f"newest document in the database is from {TODAY}" in html


# --- in a real browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    try:
        with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
            yield driver
    except BrowserUnavailable as exc:
        pytest.skip(f"no headless Chromium: {exc}")


def test_the_report_renders_in_chromium(browser, report_file):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    browser.get(report_file.as_uri())

    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert errors == []

    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart")
    assert len(charts) == 3 + len(TICKERS) + 1 + 1  # + calls + tone per topic
    for chart in charts:
        name = chart.get_attribute("data-chart")
        svg = chart.find_element(By.TAG_NAME, "svg")
        assert svg.size["width"] > 200 and svg.size["height"] > 100, name
        drawn = browser.execute_script(
            "return [...arguments[0].querySelectorAll('path')]"
            ".filter(p => { const b = p.getBBox(); return b.width > 0 || b.height > 0; }).length",
            svg,
        )
        assert drawn > 10, name

    assert browser.execute_script("return document.scripts.length") == 0
    assert EVIL_TITLE in browser.find_element(By.ID, "sentences").text
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it is what raises

    shot = full_page_screenshot(browser, REPO / "test-artifacts" / "report.png")
    assert shot.stat().st_size > 50_000


# --- uncertainty ----------------------------------------------------------------------------------


def test_each_7_day_window_and_call_day_carries_its_95_percent_interval(data):
    from hypewatch.alerts.stats import wilson

    for name, series in data.series.items():
        week = series.totals(7)
        if not week.n_sentences:
            continue
        share = wilson(week.n_hype, week.n_sentences)
        assert (series.hype_share_7d_low[-1], series.hype_share_7d_high[-1]) == pytest.approx((share.low, share.high))
        if week.n_hype + week.n_skeptic:
            q = wilson(week.n_hype, week.n_hype + week.n_skeptic)
            assert series.hype_index_7d_low[-1] == pytest.approx(2 * q.low - 1), name
            assert series.hype_index_7d_low[-1] <= series.hype_index_7d[-1] <= series.hype_index_7d_high[-1]
    calls = data.series["transcripts"]
    call_days = [i for i, v in enumerate(calls.hype_index) if v is not None]
    assert call_days and all(
        calls.hype_index_low[i] <= calls.hype_index[i] <= calls.hype_index_high[i] for i in call_days
    )


def test_a_call_row_shows_the_whole_calls_index_with_its_interval(store, data):
    with store.read() as conn:
        rows = dict(
            ((r[0]), r[1:])
            for r in conn.execute(
                "SELECT doc_id, hype_index, hype_index_low, hype_index_high FROM call_sentiment"
            ).fetchall()
        )
    for call in data.calls:
        assert (call.hype_index, call.hype_index_low, call.hype_index_high) == pytest.approx(rows[call.doc_id])
        assert call.hype_index_low < call.hype_index_high


def test_the_charts_draw_intervals_as_bands_and_call_days_as_bars(html):
    for chart_id in (
        "tone-interval-0",
        "tone-day-intervals-0",
        "shares-interval-0",
        "shares-interval-1",
        "shares-day-intervals-0",
        "fatigue-interval-0",
    ):
        assert f'id="{chart_id}"' in html, chart_id
    assert "95% interval" in html and "expected share" in html


def test_an_alert_says_whether_its_window_clears_the_baseline(tmp_path):
    from alerts_helpers import Corpus, steady_then_shift

    from hypewatch.alerts import detect_and_save
    from hypewatch.config import Rule

    store, corpus = Store(tmp_path / "hw.duckdb"), Corpus()
    steady_then_shift(corpus, TODAY - timedelta(days=59), 60, TODAY - timedelta(days=6))
    corpus.save(store)
    detect_and_save(store, [Rule(name="tone-shift", metric="hype_index")], today=TODAY)
    with store.read() as conn:
        [mark] = gather(conn, Period.ending(TODAY, DAYS), None).alerts
    assert mark.clears is True
    html = write_report(store, tmp_path / "r.html", days=DAYS, tickers=None, today=TODAY).read_text()
    assert "<td>clear</td>" in html
