"""Shift detection over synthetic daily series stored in a real DuckDB file."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from alerts_helpers import Corpus, steady_then_shift

from hypewatch.alerts import detect, detect_and_save, evaluate
from hypewatch.alerts.series import Counts, DayCounts, UnknownMetric, metric
from hypewatch.config import Rule
from hypewatch.storage import Store

FIRST = date(2025, 1, 1)
TODAY = FIRST + timedelta(days=59)  # 60 days of data
SHIFT = TODAY - timedelta(days=6)  # the last 7 days turn skeptic

TONE = Rule(
    name="tone-shift", metric="hype_index", window_days=7, baseline_days=28, threshold=2.0, min_docs=5, cooldown_days=3
)


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "hw.duckdb")


def stored(store: Store, corpus: Corpus) -> Store:
    corpus.save(store)
    return store


def alert_rows(store: Store) -> list[tuple]:
    with store.read() as conn:
        return conn.execute("SELECT alert_id, status, zscore, detail FROM alerts ORDER BY day").fetchall()


def shifted_store(store: Store, **kwargs) -> Store:
    corpus = Corpus()
    steady_then_shift(corpus, FIRST, 60, SHIFT, **kwargs)
    return stored(store, corpus)


def test_a_clear_shift_raises_exactly_one_pending_alert_and_a_rerun_raises_none(store):
    shifted_store(store)

    raised = detect_and_save(store, [TONE], today=TODAY)

    assert [a.alert_id for a in raised] == [f"tone-shift|all|{TODAY}"]
    alert = raised[0]
    assert alert.value == pytest.approx(-0.6)  # (2 - 8) / (2 + 8) pooled over the window
    assert alert.baseline > 0.5 and alert.zscore < -2.0
    [(alert_id, status, zscore, detail)] = alert_rows(store)
    assert (alert_id, status) == (alert.alert_id, "pending")
    detail = json.loads(detail)
    assert detail["method"] == "counts" and detail["direction"] == "down"
    assert detail["test"]["kind"] == "proportions" and detail["test"]["effect"] == "difference"
    assert detail["test"]["value"] == pytest.approx(alert.value - alert.baseline)
    assert detail["test"]["low"] < detail["test"]["value"] < detail["test"]["high"] < 0
    assert detail["window"]["low"] < alert.value < detail["window"]["high"]
    assert detail["baseline"]["low"] < alert.baseline < detail["baseline"]["high"]
    assert detail["clears"] is True and detail["window"]["high"] < detail["baseline"]["low"]
    assert detail["window"]["n_docs"] == 14
    assert detail["window"]["start"] == SHIFT.isoformat()
    assert detail["baseline"]["days_with_data"] == 28

    assert detect_and_save(store, [TONE], today=TODAY) == []
    assert len(alert_rows(store)) == 1


def test_no_shift_no_alert(store):
    corpus = Corpus()
    steady_then_shift(corpus, FIRST, 60, shift_from=None)
    stored(store, corpus)
    assert detect(store, [TONE], today=TODAY) == []


def test_cooldown_holds_back_the_next_days_then_lets_go(store):
    shifted_store(store)
    yesterday = TODAY - timedelta(days=1)
    assert len(detect_and_save(store, [TONE], today=yesterday)) == 1

    assert detect(store, [TONE], today=TODAY) == []  # 1 day later, cooldown 3
    longer = TONE.model_copy(update={"cooldown_days": 0})
    assert [a.day for a in detect(store, [longer], today=TODAY)] == [TODAY]


def test_by_default_only_today_is_evaluated_but_a_backfill_keeps_the_cooldown(store):
    shifted_store(store)
    two_weeks_ago = TODAY - timedelta(days=14)

    backfilled = detect(store, [TONE], today=TODAY, since=two_weeks_ago)

    days = [a.day for a in backfilled]
    assert days and days[0] >= SHIFT
    assert all((b - a).days > TONE.cooldown_days for a, b in zip(days, days[1:]))
    assert len(detect(store, [TONE], today=TODAY)) == 1


def test_thin_window_raises_nothing(store):
    corpus = Corpus()
    steady_then_shift(corpus, FIRST, 53, None)
    corpus.add(TODAY - timedelta(days=3), hype=0, skeptic=10, docs=2)  # 2 docs < min_docs 5
    stored(store, corpus)
    assert detect(store, [TONE], today=TODAY) == []
    assert len(detect(store, [TONE.model_copy(update={"min_docs": 2})], today=TODAY)) == 1


def test_thin_baseline_raises_nothing(store):
    corpus = Corpus()
    for i in range(4):  # 4 baseline days with data: below the minimum of 5
        corpus.add(SHIFT - timedelta(days=3 + 5 * i), hype=8, skeptic=1, docs=2)
    steady_then_shift(corpus, SHIFT, 7, SHIFT)
    stored(store, corpus)
    assert detect(store, [TONE], today=TODAY) == []


def test_direction_filter(store):
    shifted_store(store)
    up = TONE.model_copy(update={"name": "up", "direction": "up"})
    down = TONE.model_copy(update={"name": "down", "direction": "down"})
    assert [a.rule for a in detect(store, [up, down], today=TODAY)] == ["down"]


def test_robust_method_ignores_one_spike_in_the_baseline(store):
    corpus = Corpus()
    for i in range(60):
        day = FIRST + timedelta(days=i)
        if day >= SHIFT:
            fatigue = 6  # 60 per 1k, up from about 20
        elif day == SHIFT - timedelta(days=10):
            fatigue = 60  # one day everyone wrote about AI fatigue
        else:
            fatigue = 1 + i % 3  # 10 to 30 per 1k
        corpus.add(day, hype=3, skeptic=2, neutral=95 - fatigue, fatigue=fatigue, docs=1)
    stored(store, corpus)
    rule = Rule(name="fatigue", metric="fatigue_per_1k", min_docs=1, direction="up", method="zscore")

    assert detect(store, [rule], today=TODAY) == []  # the spike inflates the std
    assert detect(store, [rule.model_copy(update={"method": "counts"})], today=TODAY) == []  # and the dispersion
    [alert] = detect(store, [rule.model_copy(update={"method": "robust"})], today=TODAY)
    assert alert.value == pytest.approx(60.0)
    assert alert.baseline == pytest.approx(20.0)  # the median, untouched by the spike
    assert json.loads(alert.detail)["method"] == "robust"


def test_scopes_source_kind_and_ticker_see_only_their_documents(store):
    corpus = Corpus()
    steady_then_shift(corpus, FIRST, 60, SHIFT, source="calls", kind="transcripts", tickers=("NVDA",))
    steady_then_shift(corpus, FIRST, 60, None, source="wire", kind="news", tickers=("AMD",), docs=6)
    stored(store, corpus)
    scopes = ["source:calls", "source:wire", "kind:transcripts", "kind:news", "ticker:NVDA", "ticker:AMD"]
    rules = [TONE.model_copy(update={"scope": s}) for s in scopes]

    raised = detect(store, rules, today=TODAY)

    assert sorted(a.scope for a in raised) == ["kind:transcripts", "source:calls", "ticker:NVDA"]


def test_a_flat_baseline_leaves_nothing_to_scale_by_so_the_counts_test_decides(store):
    corpus = Corpus()
    for i in range(60):
        day = FIRST + timedelta(days=i)
        corpus.add(day, hype=6 if day >= SHIFT else 8, skeptic=2, docs=1)  # 0.6 -> 0.5: 8 of 10 -> 6 of 8
    stored(store, corpus)
    flat = TONE.model_copy(update={"min_docs": 1, "method": "zscore"})
    # Dividing by a floor of 0.02 made this z = -5; on 56 stance sentences it is noise.
    assert detect(store, [flat], today=TODAY) == []

    corpus = Corpus()
    for i in range(60):
        day = FIRST + timedelta(days=i)
        corpus.add(day, hype=2 if day >= SHIFT else 8, skeptic=2, docs=1)  # 0.6 -> 0.0
    stored(Store(store.path.with_name("other.duckdb")), corpus)
    [alert] = detect(Store(store.path.with_name("other.duckdb")), [flat], today=TODAY)
    detail = json.loads(alert.detail)
    assert (detail["method"], detail["fallback_from"]) == ("counts", "zscore")
    assert alert.baseline == pytest.approx(0.6) and alert.value == pytest.approx(0.0)
    assert -6 < alert.zscore < -2


def test_count_metrics_are_compared_per_day(store):
    corpus = Corpus()
    for i in range(60):
        day = FIRST + timedelta(days=i)
        corpus.add(day, hype=1, docs=12 if day >= SHIFT else 2 + i % 2)
    stored(store, corpus)
    [alert] = detect(store, [Rule(name="volume", metric="n_docs")], today=TODAY)
    assert alert.value == pytest.approx(12.0)


def test_window_value_pools_counts_rather_than_averaging_daily_ratios():
    rule = TONE.model_copy(update={"window_days": 2, "baseline_days": 5, "min_docs": 1, "threshold": 0.1})
    day = date(2025, 3, 10)
    baseline = [
        DayCounts(day - timedelta(days=k), Counts(n_docs=1, n_hype=9 + k % 2, n_skeptic=1)) for k in range(2, 7)
    ]
    window = [
        DayCounts(day - timedelta(days=1), Counts(n_docs=1, n_hype=1, n_skeptic=0)),  # +1.0, 1 sentence
        DayCounts(day, Counts(n_docs=1, n_hype=10, n_skeptic=90)),
    ]  # -0.8, 100 sentences
    alert = evaluate(rule, baseline + window, day)
    assert alert.value == pytest.approx((11 - 90) / 101)  # not the mean of +1.0 and -0.8


def test_an_unknown_metric_fails_naming_it():
    with pytest.raises(ValueError, match="unknown metric 'hype_ratio'; one of: hype_index, "):
        Rule(name="bad", metric="hype_ratio")  # a config naming it stops at its line (test_config.py)
    with pytest.raises(UnknownMetric, match="hype_ratio"):  # an alert stored by a version that had it
        metric("hype_ratio")


# --- statistics that fit sparse data ------------------------------------------------------------

# The demo's news: 20-40 sentences a day, a fatigue mention on about one day in three (1-4 of them,
# 30-130 per 1,000 sentences on those days), then a week with mentions every day (138 per 1,000).
# The old robust rule took the baseline's median (0: most days have no mention) and its MAD (0),
# floored the spread at 0.5 and reported z = +276.
SPARSE_MENTIONS = [0, 2, 0, 0, 0, 1, 0, 3, 0, 0, 0, 4, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0, 3, 0, 0, 0, 2, 0]


def sparse_fatigue(store: Store, window_mentions: list[int]) -> list[float]:
    """Store 28 baseline days and a 7-day window of news ending TODAY; return the chart's values of
    the baseline days (fatigue per 1,000 sentences)."""
    corpus, per_1k = Corpus(), []
    start = TODAY - timedelta(days=34)
    for i, mentions in enumerate(SPARSE_MENTIONS + window_mentions):
        sentences = 20 + (i * 7) % 21 if i < 28 else 30
        corpus.add(start + timedelta(days=i), hype=2, skeptic=1, neutral=sentences - 3 - mentions, fatigue=mentions)
        if i < 28:
            per_1k.append(1000 * mentions / sentences)
    stored(store, corpus)
    return per_1k


FATIGUE_TALK = Rule(name="fatigue-talk", metric="fatigue_per_1k", scope="kind:news", method="robust", direction="up")


def test_sparse_mentions_get_a_rate_test_whose_baseline_the_chart_shows(store):
    chart = sparse_fatigue(store, [4, 5, 4, 4, 5, 4, 3])
    assert 25 < min(v for v in chart if v) and max(chart) < 135 and sorted(chart)[14] == 0  # median 0

    for rule in (FATIGUE_TALK, FATIGUE_TALK.model_copy(update={"method": "counts"})):
        [alert] = detect(store, [rule], today=TODAY)
        detail = json.loads(alert.detail)
        assert detail["method"] == "counts" and detail["test"]["kind"] == "rates"
        assert alert.value == pytest.approx(1000 * 29 / 210)
        # The baseline is the level its days sit at on the chart, not the median 0 ...
        assert alert.baseline == pytest.approx(1000 * 19 / sum(20 + (i * 7) % 21 for i in range(28)))
        assert min(chart) < alert.baseline < max(chart)
        # ... and the shift is a rate ratio with its interval, not z = +276.
        assert detail["test"]["effect"] == "rate ratio"
        assert detail["test"]["value"] == pytest.approx(alert.value / alert.baseline)
        assert 1 < detail["test"]["low"] < detail["test"]["value"] < detail["test"]["high"]
        assert 2 < alert.zscore < 15
    assert json.loads(detect(store, [FATIGUE_TALK], today=TODAY)[0].detail)["fallback_from"] == "robust"


def test_a_week_of_sparse_mentions_like_the_baseline_raises_nothing(store):
    sparse_fatigue(store, [0, 2, 0, 0, 1, 0, 2])  # 5 of 210: 24 per 1,000, like the baseline
    assert detect(store, [FATIGUE_TALK], today=TODAY) == []
    assert detect(store, [FATIGUE_TALK.model_copy(update={"method": "counts"})], today=TODAY) == []


def test_a_window_within_the_noise_says_its_interval_does_not_clear_the_baseline(store):
    sparse_fatigue(store, [1, 2, 1, 2, 2, 1, 1])  # 10 of 210: 48 per 1,000, 1.9x the baseline
    rule = FATIGUE_TALK.model_copy(update={"method": "counts", "threshold": 1.0})
    [alert] = detect(store, [rule], today=TODAY)
    detail = json.loads(alert.detail)
    assert detail["test"]["low"] < 1 < detail["test"]["high"]  # the rate ratio may well be 1
    assert detail["clears"] is False
    assert detail["window"]["low"] < detail["baseline"]["high"]
