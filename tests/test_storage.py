"""The DuckDB file: migrations, whole-or-nothing batches, and life beside a running writer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from hypewatch.records import Document, Score, ScoredSentence, Sentence, Turn
from hypewatch.storage import DatabaseBusy, SchemaTooNew, Store
from hypewatch.storage.db import connect, latest_version, migrate, schema_version

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def doc(doc_id: str, *, days_ago: int = 0, kind: str = "news", turns: list[Turn] | None = None) -> Document:
    return Document(
        doc_id=doc_id,
        source="wire",
        kind=kind,
        url=f"https://example.com/{doc_id}",
        title=f"Story {doc_id}",
        published_at=NOW - timedelta(days=days_ago),
        fetched_at=NOW,
        language="en",
        tickers=["NVDA"],
        text="Demand is strong. Costs are high.",
        turns=turns or [],
    )


def scored(doc_id: str, labels: list[str]) -> list[ScoredSentence]:
    return [
        ScoredSentence(
            Sentence(doc_id, i, f"{doc_id} sentence {i}"),
            Score(
                label,
                0.8 if label == "hype" else 0.1,
                0.8 if label == "skeptic" else 0.1,
                0.8 if label == "neutral" else 0.1,
                i == 0,
                0.9 if i == 0 else 0.1,
            ),
            "en",
        )
        for i, label in enumerate(labels)
    ]


def test_new_file_gets_every_migration(tmp_path: Path):
    store = Store(tmp_path / "hw.duckdb")
    with store.read() as conn:
        assert schema_version(conn) == latest_version()
        tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {
        "documents",
        "turns",
        "sentences",
        "doc_scores",
        "daily_sentiment",
        "ticker_daily",
        "alerts",
        "runs",
    } <= tables


def test_file_from_an_older_version_is_upgraded_in_place(tmp_path: Path):
    path = tmp_path / "old.duckdb"
    migrate(path, upto=1)  # what version 1 of hypewatch wrote: tables, no views
    conn = duckdb.connect(str(path))  # a row as version 1 stored it (later versions add columns)
    conn.execute(
        "INSERT INTO documents (doc_id, source, kind, url, fetched_at, text) "
        "VALUES ('a', 'wire', 'news', 'https://x.example/a', now(), 'Old text.')"
    )
    conn.close()
    store = Store(path)  # opening with this version upgrades it
    with store.read() as conn:
        assert schema_version(conn) == latest_version() > 1
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
        conn.execute("SELECT * FROM daily_sentiment").fetchall()


def test_file_from_a_newer_version_is_refused(tmp_path: Path):
    path = tmp_path / "new.duckdb"
    Store(path)
    conn = duckdb.connect(str(path))
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    conn.close()
    with pytest.raises(SchemaTooNew, match="schema version 999.*upgrade hypewatch"):
        Store(path)


def test_scores_roll_up_into_daily_series(tmp_path: Path):
    store = Store(tmp_path / "hw.duckdb")
    store.add_documents([doc("a"), doc("b"), doc("c", days_ago=1)])
    store.save_scores(
        ["a", "b", "c"],
        scored("a", ["hype", "hype", "neutral"]) + scored("b", ["skeptic", "neutral"]) + scored("c", ["skeptic"]),
        "m1",
    )
    with store.read() as conn:
        rows = conn.execute(
            "SELECT day, n_docs, n_sentences, hype_share, skeptic_share, hype_index, "
            "fatigue_mentions FROM daily_sentiment ORDER BY day"
        ).fetchall()
    assert [r[1:] for r in rows] == [(1, 1, 0.0, 1.0, -1.0, 1), (2, 5, 0.4, 0.2, 1 / 3, 2)]
    assert store.documents_to_score("m1") == []
    assert [d.doc_id for d in store.documents_to_score("m2")] == ["a", "b", "c"]  # a new model rescores


def test_a_batch_lands_whole_or_not_at_all(tmp_path: Path):
    store = Store(tmp_path / "hw.duckdb")
    store.add_documents([doc("a")])
    bad = pa.table({"doc_id": ["a", None], "sent_no": [0, 1], "text": ["x", "y"]})  # NULL doc_id violates NOT NULL
    with pytest.raises(duckdb.Error):
        store.save_sentence_table(bad, ["a"], "m1")
    with store.read() as conn:
        assert conn.execute("SELECT count(*) FROM sentences").fetchone()[0] == 0
        assert conn.execute("SELECT scored_by FROM documents").fetchone()[0] is None


def test_turns_are_stored_with_their_transcript(tmp_path: Path):
    store = Store(tmp_path / "hw.duckdb")
    turns = [
        Turn("Operator", "operator", "prepared", "Welcome."),
        Turn("Jane Doe", "analyst", "qa", "Is demand slowing?"),
    ]
    store.add_documents([doc("t", kind="transcripts", turns=turns)])
    store.add_documents([doc("t", kind="transcripts", turns=turns)])  # re-stored: replaced, not doubled
    [again] = store.documents_to_score("m1")
    assert again.turns == turns


WRITER = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timezone
    from hypewatch.storage import Store
    from hypewatch.records import Document
    store = Store(sys.argv[1])
    now = datetime.now(timezone.utc)
    for i in range(10_000):
        with store.write() as conn:
            conn.execute("INSERT INTO runs (run_id, started_at, status) VALUES (?, ?, 'ok')", [i, now])
            print(i, flush=True)
            if i >= 3:
                time.sleep(0.3)  # hold the transaction open: the kill lands inside it
            conn.execute("INSERT INTO runs (run_id, started_at, status) VALUES (?, ?, 'second')", [i, now])
""")


def test_a_writer_killed_midway_leaves_the_last_committed_state(tmp_path: Path):
    path = tmp_path / "hw.duckdb"
    Store(path)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if int(line) == 5:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Store(path).read() as conn:
        rows = conn.execute("SELECT run_id, count(*) FROM runs GROUP BY run_id ORDER BY run_id").fetchall()
    assert rows == [(i, 2) for i in range(5)]  # transaction 5 was open: none of it landed


HOLDER = textwrap.dedent("""
    import sys, time
    from hypewatch.storage import Store
    store = Store(sys.argv[1])
    with store.write() as conn:
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def test_a_reader_waits_for_a_short_write(tmp_path: Path, write_config, hypewatch_cmd):
    path = tmp_path / "hw.duckdb"
    Store(path)
    config = write_config(f"database: {path}\n")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), "1.0"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    done = subprocess.run(
        [*hypewatch_cmd, "--config", str(config), "sql", "SELECT count(*) AS n FROM runs", "--format", "csv"],
        capture_output=True,
        text=True,
    )
    holder.wait()
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["n", "0"]


def test_a_reader_facing_a_long_write_says_a_process_is_writing(tmp_path: Path):
    path = tmp_path / "hw.duckdb"
    Store(path)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), "5"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    started = time.monotonic()
    with pytest.raises(DatabaseBusy, match=rf"another process \(pid {holder.pid}\) is writing to it"):
        connect(path, read_only=True, wait_s=0.5)
    assert time.monotonic() - started < 4
    holder.kill()
    holder.wait()
