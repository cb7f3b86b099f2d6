"""The series' intervals and expected counts in the views (migration 007), on real DuckDB files."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from hypewatch.alerts.stats import wilson
from hypewatch.records import Document, Score, ScoredSentence, Sentence, Turn
from hypewatch.storage import Store
from hypewatch.storage.db import latest_version, migrate, schema_version

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def doc(doc_id: str, *, kind: str = "news", days_ago: int = 0, turns: list[Turn] | None = None) -> Document:
    return Document(
        doc_id=doc_id,
        source="wire",
        kind=kind,
        url=f"https://example.com/{doc_id}",
        title=doc_id,
        published_at=NOW - timedelta(days=days_ago),
        fetched_at=NOW,
        language="en",
        tickers=["NVDA"],
        text="...",
        company="Nvidia" if kind == "transcripts" else None,
        turns=turns or [],
    )


def sentences(
    doc_id: str, rows: list[tuple[str, float, float, bool, float]], turn_no: int | None = None
) -> list[ScoredSentence]:
    """rows: (label, p_hype, p_skeptic, fatigue, p_fatigue)."""
    return [
        ScoredSentence(
            Sentence(doc_id, i, f"{doc_id} {i}", turn_no=turn_no), Score(label, ph, ps, 1 - ph - ps, fat, pf), "en"
        )
        for i, (label, ph, ps, fat, pf) in enumerate(rows)
    ]


HYPE, SKEPTIC, NEUTRAL = (
    ("hype", 0.7, 0.1, False, 0.05),
    ("skeptic", 0.2, 0.6, False, 0.05),
    ("neutral", 0.1, 0.1, True, 0.6),
)


def test_expected_counts_are_sums_of_probabilities_beside_the_label_counts(tmp_path: Path):
    store = Store(tmp_path / "hw.duckdb")
    store.add_documents([doc("a"), doc("b")])
    store.save_scores(["a", "b"], sentences("a", [HYPE, HYPE, NEUTRAL]) + sentences("b", [SKEPTIC, NEUTRAL]), "m")
    with store.read() as conn:
        row = conn.execute(
            "SELECT n_hype, expected_hype, expected_skeptic, expected_fatigue, hype_share, "
            "expected_hype_share, expected_hype_index, expected_fatigue_per_1k "
            "FROM daily_sentiment"
        ).fetchone()
    n_hype, e_hype, e_skeptic, e_fatigue, share, e_share, e_index, e_fatigue_1k = row
    assert n_hype == 2 and share == pytest.approx(2 / 5)
    assert e_hype == pytest.approx(0.7 + 0.7 + 0.1 + 0.2 + 0.1)
    assert e_skeptic == pytest.approx(0.1 + 0.1 + 0.1 + 0.6 + 0.1)
    assert e_fatigue == pytest.approx(0.05 * 3 + 0.6 * 2)
    assert e_share == pytest.approx(e_hype / 5)
    assert e_index == pytest.approx((e_hype - e_skeptic) / (e_hype + e_skeptic))
    assert e_fatigue_1k == pytest.approx(1000 * e_fatigue / 5)


def test_each_day_carries_intervals_around_its_shares_and_index(tmp_path: Path):
    store = Store(tmp_path / "hw.duckdb")
    store.add_documents([doc("a"), doc("b", days_ago=1)])
    store.save_scores(
        ["a", "b"],
        sentences("a", [HYPE] * 12 + [SKEPTIC] * 3 + [NEUTRAL] * 25) + sentences("b", [HYPE] * 2 + [NEUTRAL] * 2),
        "m",
    )
    with store.read() as conn:
        for view in ("daily_sentiment", "ticker_daily"):
            rows = conn.execute(
                f"SELECT n_sentences, n_hype, n_skeptic, fatigue_mentions, hype_share, hype_share_low, "
                f"hype_share_high, skeptic_share_low, skeptic_share_high, hype_index, hype_index_low, "
                f"hype_index_high, fatigue_per_1k, fatigue_per_1k_low, fatigue_per_1k_high "
                f"FROM {view} ORDER BY day DESC"
            ).fetchall()
            busy, quiet = rows
            n, h, s, f = busy[:4]
            assert busy[5:7] == pytest.approx((wilson(h, n).low, wilson(h, n).high))
            assert busy[7:9] == pytest.approx((wilson(s, n).low, wilson(s, n).high))
            assert busy[10] == pytest.approx(2 * wilson(h, h + s).low - 1)
            assert busy[11] == pytest.approx(2 * wilson(h, h + s).high - 1)
            assert busy[13:15] == pytest.approx((1000 * wilson(f, n).low, 1000 * wilson(f, n).high))
            for value, low, high in (
                (busy[4], busy[5], busy[6]),
                (busy[9], busy[10], busy[11]),
                (busy[12], busy[13], busy[14]),
            ):
                assert low < value < high
            # 4 sentences say less than 40: the quiet day's interval is wider
            assert quiet[6] - quiet[5] > busy[6] - busy[5]
            assert quiet[9] == 1.0 and quiet[10] < 0.5 and quiet[11] == pytest.approx(1.0)


def test_the_sql_wilson_macros_agree_with_the_alerts(tmp_path: Path):
    store = Store(tmp_path / "hw.duckdb")
    cases = [(0, 1), (0, 10), (1, 10), (5, 100), (50, 100), (99, 100), (100, 100), (3, 7), (1234, 56789)]
    with store.read() as conn:
        for k, n in cases:
            low, high = conn.execute("SELECT wilson_low($k, $n), wilson_high($k, $n)", {"k": k, "n": n}).fetchone()
            assert (low, high) == pytest.approx((wilson(k, n).low, wilson(k, n).high), abs=1e-12)
        assert conn.execute("SELECT wilson_low(0, 0)").fetchone()[0] is None


def test_a_call_has_its_own_row_with_intervals_and_its_turns_theirs(tmp_path: Path):
    store = Store(tmp_path / "hw.duckdb")
    turns = [
        Turn(speaker="CEO", role="executive", section="prepared", text="..."),
        Turn(speaker="Ann", role="analyst", section="qa", text="..."),
    ]
    store.add_documents([doc("call", kind="transcripts", turns=turns)])
    rows = sentences("call", [HYPE] * 6 + [NEUTRAL] * 4, turn_no=0) + sentences("call", [SKEPTIC] * 2, turn_no=1)
    rows = [
        ScoredSentence(Sentence("call", i, r.sentence.text + str(i), turn_no=r.sentence.turn_no), r.score, "en")
        for i, r in enumerate(rows)
    ]
    store.save_scores(["call"], rows, "m")
    with store.read() as conn:
        call = conn.execute(
            "SELECT n_sentences, hype_share, hype_share_low, hype_share_high, hype_index, "
            "hype_index_low, hype_index_high, expected_hype_share FROM call_sentiment"
        ).fetchone()
        tone = conn.execute(
            "SELECT role, hype_share, hype_share_low, hype_index_low, expected_hype FROM call_tone ORDER BY role"
        ).fetchall()
    assert call[0] == 12 and call[1] == pytest.approx(0.5) and call[4] == pytest.approx(0.5)
    assert (call[2], call[3]) == pytest.approx((wilson(6, 12).low, wilson(6, 12).high))
    assert (call[5], call[6]) == pytest.approx((2 * wilson(6, 8).low - 1, 2 * wilson(6, 8).high - 1))
    assert call[7] == pytest.approx((6 * 0.7 + 4 * 0.1 + 2 * 0.2) / 12)
    (analyst, a_share, a_low, a_index_low, a_expected), (executive, *_) = tone
    assert (analyst, executive) == ("analyst", "executive")
    assert a_share == 0 and a_low == 0 and a_index_low == pytest.approx(2 * wilson(0, 2).low - 1)
    assert a_expected == pytest.approx(0.4)


def test_an_older_file_gets_expected_counts_from_its_stored_probabilities(tmp_path: Path):
    path = tmp_path / "old.duckdb"
    migrate(path, upto=4)  # as the version before this one left it
    conn = duckdb.connect(str(path))
    conn.execute(
        "INSERT INTO documents (doc_id, source, kind, url, fetched_at, published_at, text) VALUES "
        "('a', 'wire', 'news', 'https://x.example/a', now(), now(), 'x'), "
        "('b', 'wire', 'news', 'https://x.example/b', now(), now(), 'y')"
    )
    conn.execute(
        "INSERT INTO sentences (doc_id, sent_no, text, label, p_hype, p_skeptic, p_neutral, fatigue, p_fatigue) "
        "VALUES ('a', 0, 'one', 'hype', 0.75, 0.05, 0.2, false, 0.1), "
        "('a', 1, 'two', 'neutral', 0.25, 0.05, 0.7, true, 0.8), "
        "('a', 2, 'not scored', NULL, NULL, NULL, NULL, NULL, NULL)"
    )
    conn.execute("INSERT INTO doc_scores VALUES ('a', 2, 1, 0, 1, 1, 1.0), ('b', 0, 0, 0, 0, 0, NULL)")
    conn.close()

    store = Store(path)
    with store.read() as conn:
        assert schema_version(conn) == latest_version() >= 7
        rows = conn.execute(
            "SELECT doc_id, expected_hype, expected_skeptic, expected_fatigue FROM doc_scores ORDER BY doc_id"
        ).fetchall()
        view = conn.execute("SELECT n_docs, expected_hype_share, hype_share_low FROM daily_sentiment").fetchone()
    assert rows == [("a", pytest.approx(1.0), pytest.approx(0.1), pytest.approx(0.9)), ("b", 0, 0, 0)]
    assert view[0] == 2 and view[1] == pytest.approx(0.5) and view[2] == pytest.approx(wilson(1, 2).low)
