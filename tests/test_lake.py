"""The Parquet lake without Ray: `hypewatch export` (layout, incremental) and `hypewatch import`
(a round trip, idempotent), through the real command line on real DuckDB files."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lake_helpers import DAY, documents, news, scored_database

from hypewatch.lake.export import export_lake
from hypewatch.lake.layout import DATASETS, UNDATED
from hypewatch.nlp.scorer import Scorer, precision_variants
from hypewatch.scoring import score_pending
from hypewatch.storage import Store

TABLES = {"documents": "doc_id", "turns": "doc_id, turn_no", "sentences": "doc_id, sent_no", "doc_scores": "doc_id"}


def hw(config: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hypewatch", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def scorer(tiny_model):
    return Scorer.load(str(tiny_model), device="cpu", precision="fp32")


@pytest.fixture
def database(tmp_path: Path, scorer) -> Path:
    return scored_database(tmp_path / "hw.duckdb", scorer).path


def lake_rows(folder: Path, dataset: str, columns: str = "*") -> set[tuple]:
    """A dataset of the lake as DuckDB reads it, partition key and all."""
    return set(
        duckdb.sql(
            f"SELECT {columns} FROM read_parquet('{folder}/{dataset}/*/*.parquet', hive_partitioning = true)"
        ).fetchall()
    )


def table_rows(database: Path, table: str, columns: str = "*") -> set[tuple]:
    with Store(database, migrate=False).read() as conn:
        return set(conn.execute(f"SELECT {columns} FROM {table}").fetchall())


def files_of(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*.parquet")}


def test_export_writes_every_table_by_day_readable_as_it_is(database: Path, tmp_path: Path, write_config):
    config = write_config(f"database: {database}\nlog_file: false\n")
    done = hw(config, "export", str(tmp_path / "lake"))
    assert done.returncode == 0, done.stderr
    lake = tmp_path / "lake"
    for dataset, key in TABLES.items():
        assert lake_rows(lake, dataset, key) == table_rows(database, dataset, key), dataset
        assert lake_rows(lake, dataset, "count(*)") == table_rows(database, dataset, "count(*)"), f"{dataset} doubled"
    assert {p.name for p in (lake / "documents").iterdir()} == {
        "day=2026-11-20",
        "day=2026-11-21",
        "day=2026-11-22",
        f"day={UNDATED}",
    }
    assert lake_rows(lake, "documents", "doc_id, day") >= {("undated", UNDATED), ("call", "2026-11-21")}
    # each sentence sits in its document's day, as the series count it
    days = dict(lake_rows(lake, "documents", "doc_id, day"))
    assert all(days[doc_id] == day for doc_id, day in lake_rows(lake, "sentences", "doc_id, day"))
    frame = pd.read_parquet(lake / "sentences")  # pandas (pyarrow) on the folder, as it is
    assert {(len(frame),)} == table_rows(database, "sentences", "count(*)") and str(frame["p_hype"].dtype) == "float32"
    documents_frame = pd.read_parquet(lake / "documents")
    assert str(documents_frame["published_at"].dtype) == "datetime64[us, UTC]"
    assert "simhash" not in documents_frame.columns
    assert "exported 4 day(s)" in done.stderr


def test_export_writes_only_the_days_that_changed(database: Path, tmp_path: Path, scorer):
    lake = tmp_path / "lake"
    first = export_lake(database, lake)
    assert len(first.days_written) == 4
    before = files_of(lake)
    again = export_lake(database, lake)
    assert again.days_written == [] and again.days_unchanged == 4 and files_of(lake) == before

    # n0 is fetched again with another date (it moves from the 20th to the 24th), a story arrives
    # on the 25th; the 21st, the 22nd and the undated documents are left alone.
    store = Store(database)
    moved = next(d for d in documents() if d.doc_id == "n0")
    moved.published_at, moved.fetched_at = DAY + timedelta(days=4), DAY + timedelta(days=6)
    moved.text = "Critics warn that the AI spending spree looks increasingly like a bubble."
    fresh = news("n99", DAY + timedelta(days=5), random.Random(1))
    store.add_documents([moved, fresh])
    score_pending(store, scorer)
    third = export_lake(database, lake)
    assert third.days_written == ["2026-11-20", "2026-11-24", "2026-11-25"]
    after = files_of(lake)
    kept = {k: v for k, v in before.items() if "2026-11-20" not in k}
    assert {k: after[k] for k in kept} == kept  # untouched days: the very same files
    for dataset, key in TABLES.items():
        assert sorted(lake_rows(lake, dataset, key)) == sorted(table_rows(database, dataset, key)), dataset
    assert lake_rows(lake, "documents", "doc_id, day") >= {("n0", "2026-11-24")}
    assert ("n0", "2026-11-20") not in lake_rows(lake, "documents", "doc_id, day")


def test_import_round_trip_is_idempotent(database: Path, tmp_path: Path, write_config, scorer):
    lake = tmp_path / "lake"
    export_lake(database, lake)
    config = write_config(f"database: {tmp_path / 'restored.duckdb'}\nlog_file: false\n", name="restored.yaml")
    first = hw(config, "import", str(lake))
    assert first.returncode == 0, first.stderr
    restored = tmp_path / "restored.duckdb"
    counts = {table: table_rows(restored, table, "count(*)") for table in TABLES}
    second = hw(config, "import", str(lake))
    assert second.returncode == 0, second.stderr
    assert {table: table_rows(restored, table, "count(*)") for table in TABLES} == counts  # nothing twice
    for table, key in TABLES.items():
        assert table_rows(restored, table, key) == table_rows(database, table, key), table
    dating = "doc_id, published_at, dated_by"
    assert table_rows(restored, "documents", dating) == table_rows(database, "documents", dating)
    assert {by for (_, _, by) in table_rows(database, "documents", dating)} == {"feed", "file", None}
    scores = "doc_id, sent_no, turn_no, text, label, round(p_hype, 5), fatigue, model"
    assert table_rows(restored, "sentences", scores) == table_rows(database, "sentences", scores)
    assert table_rows(restored, "daily_sentiment") == table_rows(database, "daily_sentiment")
    tone = "doc_id, role, section, n_sentences, n_hype, n_skeptic, hype_index, fatigue_mentions"
    assert table_rows(restored, "call_tone", tone) == table_rows(database, "call_tone", tone)
    # what came in scored is not scored again by the nightly run, at any precision of the model
    store = Store(restored)
    assert (
        store.documents_to_score(scorer.model_id + "-int8", scored_alike=precision_variants(scorer.model_id + "-int8"))
        == []
    )
    assert "13 documents (13 new)" in first.stderr and "(0 new)" in second.stderr


def test_import_of_a_folder_that_is_no_lake_is_one_line(tmp_path: Path, write_config):
    (tmp_path / "empty").mkdir()
    config = write_config(f"database: {tmp_path / 'hw.duckdb'}\nlog_file: false\n")
    done = hw(config, "import", str(tmp_path / "empty"))
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "no documents/day=*/ partitions" in done.stderr


def test_engine_ray_without_ray_says_so_in_one_line(tmp_path: Path, write_config):
    fake = tmp_path / "site" / "ray"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'ray'\", name='ray')\n")
    config = write_config("log_file: false\n")
    done = hw(
        config,
        "score",
        "--engine",
        "ray",
        "--input",
        "x/*.parquet",
        "--output",
        str(tmp_path / "out"),
        env={"PYTHONPATH": f"{fake.parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"},
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "pip install 'hypewatch[ray]'" in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


def test_every_dataset_is_named_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}/`" in readme for name in DATASETS)


def test_ray_input_files_are_told_apart_by_their_columns(tmp_path: Path):
    from hypewatch.lake.ray_score import InputError, find_inputs

    pq.write_table(pa.table({"doc_id": ["a"], "text": ["x"]}), tmp_path / "docs.parquet")
    pq.write_table(pa.table({"doc_id": ["b"], "turn_no": [0], "text": ["y"]}), tmp_path / "turns.parquet")
    inputs = find_inputs([str(tmp_path / "docs.parquet"), str(tmp_path / "*.parquet")])
    assert (inputs.documents, inputs.turns) == ([str(tmp_path / "docs.parquet")], [str(tmp_path / "turns.parquet")])
    (tmp_path / "other").mkdir()
    pq.write_table(pa.table({"doc_id": ["a"], "body": ["x"]}), tmp_path / "other" / "bad.parquet")
    with pytest.raises(InputError, match="bad.parquet: no column text; documents need doc_id and text"):
        find_inputs([str(tmp_path / "other")])
    pq.write_table(
        pa.table({"doc_id": ["a"], "sent_no": [0], "turn_no": [None], "text": ["x"]}),
        tmp_path / "other" / "bad.parquet",
    )
    with pytest.raises(InputError, match="holds sentences"):
        find_inputs([str(tmp_path / "other")])
    with pytest.raises(InputError, match="nowhere/\\*.parquet: no Parquet files there"):
        find_inputs([str(tmp_path / "nowhere/*.parquet")])


def test_ray_input_rows_become_documents_of_the_lake(tmp_path: Path):
    from hypewatch.lake.ray_score import assemble, documents_from, pieces_from

    batch = pa.table(
        {
            "doc_id": ["a", "b", "c", "d"],
            "text": ["x"] * 4,
            "extra": [1, 2, 3, 4],
            "published_at": ["2026-03-01T23:30:00-02:00", "2026-03-01 10:00:00", None, None],
            "day": ["2020-01-01", "2020-01-01", "2020-01-02", None],
        }
    )
    rows = documents_from(batch).to_pylist()
    assert [r["day"] for r in rows] == ["2026-03-02", "2026-03-01", "2020-01-02", UNDATED]  # UTC; else the input's
    assert "extra" not in rows[0] and rows[0]["turns"] == [] and rows[0]["source"] is None
    turns = pieces_from(
        pa.table(
            {
                "doc_id": ["t", "t"],
                "turn_no": [1, 0],
                "role": ["analyst", "executive"],
                "text": ["Any margin pressure?", "Demand is strong."],
            }
        )
    )
    [call] = assemble(turns).to_pylist()
    assert call["text"] == "Demand is strong.\n\nAny margin pressure?" and call["kind"] == "transcripts"
    assert [(t["turn_no"], t["role"]) for t in call["turns"]] == [(0, "executive"), (1, "analyst")]
    assert call["day"] == UNDATED
