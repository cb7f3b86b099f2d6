"""Backfill: the Ray path (`hypewatch score --engine ray`) against the single-process scorer, and
loading its output into DuckDB against reading the Parquet in place.

    python benchmarks/backfill.py [MODEL_DIR] [--n 20000] [--workers 1 2] [--lake-sentences 2000000]
    (default MODEL_DIR: models/hypewatch-minilm; without one, a model of the same size, MiniLM
    with untrained heads, is built in seconds: the same arithmetic, meaningless labels)

Part 1. n distinct real sentences from ../shared/data/transcripts (as benchmarks/score.py), 20 to
a document, in one Parquet file. Contenders, each in a fresh process: the single-process scorer
(split + score, the nightly path without the database) with 1 thread and with every core; Ray on
this machine with 1 and 2 scoring actors (1 thread each), and with 1 actor on one document: the
fixed cost of a run (the model checked, shipped and loaded in the actor, four datasets written).
Ray's own start is timed apart. Ray's overhead per sentence = (Ray with 1 actor - its fixed cost -
single process with 1 thread) / sentences.
Peak RSS: the process's own for the single process; for Ray, the highest sum over the driver and
every process it started (GCS, raylet, workers), sampled every 0.2 s.

Part 2. A synthetic scored lake of --lake-sentences sentences (20 to a document, over ten years of
days) in the layout of `hypewatch export`: the time `hypewatch import` takes, then the daily series
and a sentence query on the imported database against the same queries on the Parquet in place.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from score import TRANSCRIPTS, real_sentences  # noqa: E402

PER_DOCUMENT = 20


# --- part 1: scoring -----------------------------------------------------------------------------


def build_stand_in_model(folder: Path) -> Path:
    """MiniLM (the shipped model's encoder) with fresh heads, saved as a hypewatch model folder."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from hypewatch.nlp import model as mt

    torch.manual_seed(0)
    encoder_path = mt.default_encoder_path()
    model = mt.MultiTaskModel(AutoModel.from_pretrained(encoder_path))
    mt.save(model, AutoTokenizer.from_pretrained(encoder_path), mt.ModelMeta(), folder)
    return folder


def write_documents(sentences: list[str], path: Path) -> int:
    """Documents of PER_DOCUMENT sentences, a line each, over 50 days; returns how many."""
    from datetime import datetime, timedelta, timezone

    import pyarrow as pa
    import pyarrow.parquet as pq

    chunks = [sentences[i : i + PER_DOCUMENT] for i in range(0, len(sentences), PER_DOCUMENT)]
    start = datetime(2019, 1, 1, tzinfo=timezone.utc)
    pq.write_table(
        pa.table(
            {
                "doc_id": [f"doc{i:06d}" for i in range(len(chunks))],
                "text": ["\n".join(chunk) for chunk in chunks],
                "published_at": [start + timedelta(days=i % 50) for i in range(len(chunks))],
                "source": ["backfill"] * len(chunks),
                "kind": ["transcripts"] * len(chunks),
                "language": ["en"] * len(chunks),
            }
        ),
        path,
    )
    return len(chunks)


def run_single(folder: str, path: str, threads: int) -> dict:
    import pyarrow.parquet as pq

    from hypewatch.nlp.scorer import Scorer
    from hypewatch.records import Document
    from hypewatch.scoring import no_counts, score_sentences, sentence_pairs

    t0 = time.perf_counter()
    scorer = Scorer.load(folder, device="cpu", threads=threads)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = pq.read_table(path).to_pylist()
    docs = [
        Document(
            doc_id=r["doc_id"],
            source=r["source"],
            kind=r["kind"],
            url="",
            title=None,
            published_at=r["published_at"],
            fetched_at=r["published_at"],
            language=r["language"],
            tickers=[],
            text=r["text"],
        )
        for r in rows
    ]
    counts = no_counts()
    for start in range(0, len(docs), 64):  # as `hypewatch score`: 64 documents at a time
        score_sentences(sentence_pairs(docs[start : start + 64]), scorer, counts)
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "load_s": load_s,
        "sentences": counts["sentences"],
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_ray(folder: str, path: str, workers: int, out: str) -> dict:
    import ray

    from hypewatch.lake.ray_score import ModelSpec, score_with_ray

    t0 = time.perf_counter()
    for attempt in range(3):  # Ray gives its raylet 30 s to start: on a busy machine, not always enough
        try:
            # One logical CPU more than the cores: each actor holds one; reading needs one.
            ray.init(
                num_cpus=max(os.cpu_count(), workers + 1),
                include_dashboard=False,
                logging_level="ERROR",
                log_to_driver=False,
            )
            break
        except Exception:  # noqa: BLE001 - Ray raises a bare Exception for that
            ray.shutdown()
            if attempt == 2:
                raise
    start_s = time.perf_counter() - t0
    try:
        summary = score_with_ray(path, Path(out), ModelSpec(name=folder), workers=workers)
    finally:
        ray.shutdown()
    return {
        "seconds": summary.seconds,
        "start_s": start_s,
        "sentences": summary.sentences,
        "documents": summary.documents,
    }


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants, now."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total / 2**20


def in_fresh_process(fn, *args) -> dict:
    """Run fn in a new process; also the peak RSS of that process and all it started."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(os.getpid).result()  # the process exists now
        [pid] = list(pool._processes)  # noqa: SLF001 - to sample its tree
        peak, done = [0.0], threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                peak[0] = max(peak[0], tree_rss_mb(pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            result = pool.submit(fn, *args).result()
        finally:
            done.set()
            sampler.join()
    return result | {"tree_rss_mb": peak[0]}


def part_scoring(folder: Path, n: int, workers: list[int]) -> None:
    sentences = real_sentences(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "documents.parquet"
        n_docs = write_documents(sentences, path)
        one = Path(tmp) / "one.parquet"
        write_documents(sentences[:PER_DOCUMENT], one)
        print(
            f"{len(sentences):,} distinct sentences from {TRANSCRIPTS}, {n_docs:,} documents, "
            f"{os.cpu_count()} CPUs; model {folder}"
        )
        from hypewatch.nlp.scorer import Scorer

        Scorer.load(str(folder), device="cpu")  # builds the int8 copy once, before any timing
        contenders = (
            {
                "single process, 1 thread": (run_single, str(folder), str(path), 1),
                f"single process, {os.cpu_count()} threads": (run_single, str(folder), str(path), os.cpu_count()),
            }
            | {f"Ray, {k} actor(s)": (run_ray, str(folder), str(path), k, f"{tmp}/ray-{k}") for k in workers}
            | {"Ray, 1 actor, 1 document": (run_ray, str(folder), str(one), 1, f"{tmp}/ray-one")}
        )
        print(f"\n{'':<30}{'sentences':>10}{'run s':>8}{'sent/s':>8}{'start s':>9}{'peak RSS':>11}")
        results = {}
        for name, (fn, *fn_args) in contenders.items():
            try:
                r = results[name] = in_fresh_process(fn, *fn_args)
            except Exception as exc:  # noqa: BLE001 - one contender failing must not lose the others
                print(f"{name:<30}failed: {str(exc).splitlines()[0]}")
                continue
            start = r.get("start_s", r.get("load_s", 0.0))
            print(
                f"{name:<30}{r['sentences']:>10,}{r['seconds']:>8.1f}{r['sentences'] / r['seconds']:>8.0f}"
                f"{start:>9.1f}{r['tree_rss_mb']:>8.0f} MB",
                flush=True,
            )
    single, ray1, fixed = (
        results.get(name) for name in ("single process, 1 thread", "Ray, 1 actor(s)", "Ray, 1 actor, 1 document")
    )
    if single and ray1 and fixed:
        extra = ray1["seconds"] - fixed["seconds"] - single["seconds"]
        print(
            f"\nRay's overhead against one thread: {extra / single['sentences'] * 1e3:+.2f} ms per sentence "
            f"({extra:+.1f} s on {single['sentences']:,}), plus {fixed['seconds']:.1f} s a run "
            f"and {ray1['start_s']:.1f} s to start Ray"
        )


# --- part 2: import against reading in place ---------------------------------------------------

LAKE_SQL = """
COPY (
    SELECT printf('d%08d', i) AS doc_id, 'wire' AS source, 'news' AS kind, 'https://x/' || i AS url,
           'T' || i AS title, TIMESTAMPTZ '2016-01-01 12:00:00+00' + to_days(CAST(i % 3650 AS INTEGER)) AS published_at,
           TIMESTAMPTZ '2026-01-01 00:00:00+00' AS fetched_at, 'en' AS language, ['NVDA'] AS tickers,
           'text' AS text, NULL::VARCHAR AS author, 'ok' AS status, NULL::VARCHAR AS duplicate_of,
           NULL::VARCHAR AS stub_reason, NULL::VARCHAR AS company, NULL::VARCHAR AS fiscal_period,
           NULL::VARCHAR AS summary, 'm' AS scored_by, TIMESTAMPTZ '2026-01-02 00:00:00+00' AS scored_at,
           strftime(TIMESTAMPTZ '2016-01-01 12:00:00+00' + to_days(CAST(i % 3650 AS INTEGER)), '%Y-%m-%d') AS day
    FROM range({docs}) t(i)
) TO '{lake}/documents' (FORMAT parquet, PARTITION_BY (day));
COPY (
    SELECT printf('d%08d', i // 20) AS doc_id, CAST(i % 20 AS INTEGER) AS sent_no, NULL::INTEGER AS turn_no,
           'Sentence number ' || i || ' of the backfill.' AS text, 'en' AS language,
           (['hype', 'skeptic', 'neutral', 'neutral', 'neutral'])[1 + i % 5] AS label,
           CAST(0.2 AS REAL) AS p_hype, CAST(0.1 AS REAL) AS p_skeptic, CAST(0.7 AS REAL) AS p_neutral,
           i % 97 = 0 AS fatigue, CAST(0.1 AS REAL) AS p_fatigue, 'm' AS model,
           strftime(TIMESTAMPTZ '2016-01-01 12:00:00+00' + to_days(CAST((i // 20) % 3650 AS INTEGER)), '%Y-%m-%d') AS day
    FROM range({sentences}) t(i)
) TO '{lake}/sentences' (FORMAT parquet, PARTITION_BY (day));
"""

SERIES = """
SELECT CAST(timezone('UTC', d.published_at) AS DATE) AS day, count(*) AS n_docs, sum(s.n_hype) AS n_hype
FROM {documents} d JOIN {doc_scores} s USING (doc_id) WHERE d.status = 'ok' GROUP BY ALL ORDER BY day
"""
SENTENCES = """
SELECT d.published_at, s.text FROM {sentences} s JOIN {documents} d USING (doc_id)
WHERE s.label = 'skeptic' AND d.published_at > TIMESTAMPTZ '2025-12-01 00:00:00+00' ORDER BY s.p_skeptic DESC LIMIT 10
"""


def part_lake(n_sentences: int) -> None:
    import duckdb

    from hypewatch.lake.load import import_lake
    from hypewatch.storage import Store

    with tempfile.TemporaryDirectory() as tmp:
        lake = Path(tmp) / "lake"
        lake.mkdir()
        n_docs = n_sentences // 20
        duckdb.connect().execute(LAKE_SQL.format(docs=n_docs, sentences=n_sentences, lake=lake))
        size = sum(p.stat().st_size for p in lake.rglob("*.parquet")) / 2**20
        print(
            f"\nsynthetic lake: {n_sentences:,} sentences, {n_docs:,} documents, 3,650 days, {size:.0f} MB of Parquet"
        )
        t0 = time.perf_counter()
        summary = import_lake(Store(Path(tmp) / "hw.duckdb"), lake)
        print(
            f"hypewatch import: {time.perf_counter() - t0:.1f} s ({summary.sentences:,} sentences); "
            f"database file {(Path(tmp) / 'hw.duckdb').stat().st_size / 2**20:.0f} MB"
        )
        conn = duckdb.connect(str(Path(tmp) / "hw.duckdb"), read_only=True)
        in_db = {"documents": "documents", "doc_scores": "doc_scores", "sentences": "sentences"}
        place = {
            name: f"read_parquet('{lake}/{name}/*/*.parquet', hive_partitioning = false)"
            for name in ("documents", "sentences")
        }
        # In place there is no doc_scores yet: a view computes it from the sentences, as import does.
        place["doc_scores"] = (
            f"(SELECT doc_id, count(*) FILTER (WHERE label = 'hype') AS n_hype "
            f"FROM {place['sentences']} GROUP BY doc_id)"
        )
        for name, sql in (("daily series", SERIES), ("top skeptic sentences", SENTENCES)):
            timings = {}
            for where, tables in (("imported", in_db), ("Parquet in place", place)):
                best = float("inf")
                for _ in range(3):
                    t0 = time.perf_counter()
                    conn.execute(sql.format(**tables)).fetchall()
                    best = min(best, time.perf_counter() - t0)
                timings[where] = best
            print(
                f"{name}: imported {timings['imported'] * 1e3:.0f} ms, Parquet in place "
                f"{timings['Parquet in place'] * 1e3:.0f} ms (best of 3)"
            )
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", nargs="?", type=Path, default=ROOT / "models" / "hypewatch-minilm")
    parser.add_argument("--n", type=int, default=20_000, help="sentences to score")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="Ray actor counts to run")
    parser.add_argument("--lake-sentences", type=int, default=2_000_000, help="part 2's lake (0: skip part 2)")
    parser.add_argument("--skip-scoring", action="store_true", help="part 2 only")
    args = parser.parse_args()
    if not args.skip_scoring:
        if not TRANSCRIPTS.is_dir():
            sys.exit(f"no transcripts under {TRANSCRIPTS}")
        folder = args.model_dir
        with tempfile.TemporaryDirectory() as tmp:
            if not (folder / "hypewatch.json").is_file():
                print(f"no model in {folder}: a stand-in of the same size (MiniLM, untrained heads)")
                folder = build_stand_in_model(Path(tmp) / "stand-in-minilm")
            part_scoring(folder, args.n, args.workers)
    if args.lake_sentences:
        part_lake(args.lake_sentences)


if __name__ == "__main__":
    main()
