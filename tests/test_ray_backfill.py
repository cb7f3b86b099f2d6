"""`hypewatch score --engine ray` on Ray started here with 2 CPUs, one session for the module
(Ray takes seconds to start): the same labels as `hypewatch score`, an import that adds rows
once, and every document exactly once after an actor is killed mid-run."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

ray = pytest.importorskip("ray")

from lake_helpers import documents, scored_database  # noqa: E402

from hypewatch.cli import main  # noqa: E402
from hypewatch.lake.export import export_lake  # noqa: E402
from hypewatch.lake.layout import UNDATED  # noqa: E402
from hypewatch.lake.load import import_lake  # noqa: E402
from hypewatch.lake.ray_score import score_with_ray  # noqa: E402
from hypewatch.nlp.scorer import Scorer  # noqa: E402
from hypewatch.nlp.sentences import split_sentences  # noqa: E402
from hypewatch.storage import Store  # noqa: E402


@pytest.fixture(scope="module")
def ray_session():
    # Actors unpickle the test's own scorer loader: by value, as the workers cannot import this file.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=200 * 2**20,
        log_to_driver=False,
        logging_level="WARNING",
    )
    yield
    ray.shutdown()


def rows(sql: str) -> list[tuple]:
    return sorted(duckdb.sql(sql).fetchall())


def table(database: Path, sql: str) -> list[tuple]:
    with Store(database, migrate=False).read() as conn:
        return sorted(conn.execute(sql).fetchall())


SENTENCE_KEY = "doc_id, sent_no, turn_no, text, label, fatigue"


def test_ray_scores_like_hypewatch_score_and_imports_once(ray_session, tiny_model, tmp_path: Path, write_config):
    # `hypewatch score` (the nightly path) scores a database; its export is scored again by Ray.
    database = scored_database(
        tmp_path / "hw.duckdb", Scorer.load(str(tiny_model), device="cpu", precision="fp32")
    ).path
    export_lake(database, tmp_path / "lake")
    config = write_config(
        f"database: restored.duckdb\nlog_file: false\nmodel: {{name: '{tiny_model}', precision: fp32}}\n"
    )
    out = tmp_path / "scored"
    done = CliRunner().invoke(
        main,
        [
            "--config",
            str(config),
            "score",
            "--engine",
            "ray",
            "--input",
            str(tmp_path / "lake"),
            "--output",
            str(out),
            "--workers",
            "1",
        ],
    )
    assert done.exit_code == 0, (done.output, done.exception)

    ray_sentences = rows(f"SELECT {SENTENCE_KEY} FROM read_parquet('{out}/sentences/*/*.parquet')")
    assert ray_sentences == table(database, f"SELECT {SENTENCE_KEY} FROM sentences")  # label for label
    assert {label for *_, label, _ in ray_sentences} == {"hype", "skeptic", "neutral", None}  # None: German
    ray_scores = rows(
        f"SELECT * EXCLUDE (day) FROM read_parquet('{out}/doc_scores/*/*.parquet', hive_partitioning = true)"
    )
    assert ray_scores == table(
        database, "SELECT * FROM doc_scores WHERE doc_id IN (SELECT doc_id FROM documents WHERE status = 'ok')"
    )
    assert rows(
        f"SELECT doc_id, day FROM read_parquet('{out}/documents/*/*.parquet', hive_partitioning = true) "
        "WHERE doc_id IN ('undated', 'call')"
    ) == [("call", "2026-11-21"), ("undated", UNDATED)]

    # Into a fresh database, twice: the second import adds nothing, and the series read it.
    restored = tmp_path / "restored.duckdb"
    first = import_lake(Store(restored), out)
    counts = [table(restored, f"SELECT count(*) FROM {t}") for t in ("documents", "turns", "sentences", "doc_scores")]
    again = import_lake(Store(restored), out)
    assert [
        table(restored, f"SELECT count(*) FROM {t}") for t in ("documents", "turns", "sentences", "doc_scores")
    ] == counts
    assert (first.new_documents, again.new_documents, again.documents) == (first.documents, 0, first.documents)
    assert table(restored, f"SELECT {SENTENCE_KEY} FROM sentences") == ray_sentences
    series = "SELECT day, kind, source, n_docs, n_sentences, n_hype, n_skeptic, fatigue_mentions FROM daily_sentiment"
    assert table(restored, series) == table(database, series)
    assert table(restored, "SELECT role, section, n_sentences, n_hype FROM call_tone") == table(
        database, "SELECT role, section, n_sentences, n_hype FROM call_tone"
    )
    # The nightly run has nothing left to score: the documents came in scored by this model.
    nightly = CliRunner().invoke(main, ["--config", str(config), "score"])
    assert nightly.exit_code == 0, nightly.output
    assert table(restored, "SELECT count(*) FROM documents WHERE status = 'ok' AND scored_by IS NULL") == [(0,)]
    assert table(restored, "SELECT counts->'score'->>'scored' FROM runs") == [("0",)]


class KillOnce:
    """Loads the tiny model; the first actor to reach its second batch kills its own process
    (once: a marker file remembers), as a machine lost mid-run would."""

    def __init__(self, model: Path, marker: Path, starts: Path) -> None:
        self.model, self.marker, self.starts = model, marker, starts

    def __call__(self):
        with open(self.starts, "a") as f:
            f.write(f"{os.getpid()}\n")
        scorer = Scorer.load(str(self.model), device="cpu", precision="fp32", threads=1)
        marker, calls = self.marker, [0]
        score = scorer.score

        def score_or_die(texts, previous=None):
            calls[0] += 1
            if calls[0] == 2 and not marker.exists():
                marker.write_text(str(os.getpid()))
                os.kill(os.getpid(), signal.SIGKILL)
            return score(texts, previous=previous)

        scorer.score = score_or_die
        return scorer


def test_a_worker_killed_mid_run_still_yields_every_document_once(ray_session, tiny_model, tmp_path: Path):
    # Any Parquet with doc_id and text: news as whole documents (naive times, taken as UTC), a
    # call as turn rows only, in a second file.
    docs = [d for d in documents(seed=11) if d.kind == "news" and d.status == "ok"]
    pq.write_table(
        pa.table(
            {
                "doc_id": [d.doc_id for d in docs],
                "text": [d.text for d in docs],
                "published_at": [d.published_at.replace(tzinfo=None) if d.published_at else None for d in docs],
                "language": [d.language for d in docs],
            }
        ),
        tmp_path / "news.parquet",
    )
    call = next(d for d in documents(seed=11) if d.kind == "transcripts")
    pq.write_table(
        pa.table(
            {
                "doc_id": [call.doc_id] * len(call.turns),
                "turn_no": list(range(len(call.turns))),
                "role": [t.role for t in call.turns],
                "text": [t.text for t in call.turns],
            }
        ),
        tmp_path / "call-turns.parquet",
    )
    marker, starts = tmp_path / "killed", tmp_path / "starts"
    out = tmp_path / "scored"
    summary = score_with_ray(
        str(tmp_path / "*.parquet"), out, workers=1, batch_docs=2, load_scorer=KillOnce(tiny_model, marker, starts)
    )
    assert marker.exists() and len(starts.read_text().split()) >= 2  # killed, and Ray started it again

    expected = {d.doc_id: d for d in [*docs, call]}
    assert summary.documents == len(expected)
    assert rows(f"SELECT doc_id, count(*) FROM read_parquet('{out}/documents/*/*.parquet') GROUP BY doc_id") == [
        (doc_id, 1) for doc_id in sorted(expected)
    ]
    assert rows(f"SELECT doc_id, count(*) FROM read_parquet('{out}/doc_scores/*/*.parquet') GROUP BY doc_id") == [
        (doc_id, 1) for doc_id in sorted(expected)
    ]
    sentences = rows(f"SELECT doc_id, sent_no, turn_no, text, label FROM read_parquet('{out}/sentences/*/*.parquet')")
    assert len(sentences) == len({(d, n) for d, n, *_ in sentences})  # none twice
    scorer = Scorer.load(str(tiny_model), device="cpu", precision="fp32")
    split = [(d.doc_id, t, s) for d in docs for t, s in [(None, s) for s in split_sentences(d.text)]]
    split += [(call.doc_id, no, s) for no, turn in enumerate(call.turns) for s in split_sentences(turn.text)]
    assert sorted((d, t, s) for d, _, t, s, _ in sentences) == sorted(split)  # none lost
    labels = dict(zip([s for *_, s in split], (x.label for x in scorer.score([s for *_, s in split]))))
    assert [label for doc_id, *_, label in sentences if doc_id == "german"] == [None] * 2  # not English
    assert all(label == labels[text] for doc_id, *_, text, label in sentences if doc_id != "german")
    days = rows(f"SELECT doc_id, day FROM read_parquet('{out}/documents/*/*.parquet', hive_partitioning = true)")
    by_id = dict(days)
    assert by_id["undated"] == UNDATED and by_id["call"] == UNDATED  # turn rows alone carry no date
    assert by_id["n0"] == docs[0].published_at.date().isoformat()
