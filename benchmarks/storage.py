"""Storage benchmark: bulk ingest of 1,000,000 sentence rows and the series queries over them.

Targets: ingest >= 1,000,000 rows/s; each query < 0.1 s.
Run: .venv/bin/python benchmarks/storage.py [--rows 1000000]
"""

from __future__ import annotations

import argparse  # noqa: E402
import tempfile
import time  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from pathlib import Path

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from hypewatch.records import Document  # noqa: E402
from hypewatch.storage import Store  # noqa: E402
from hypewatch.storage.store import SENTENCE_SCHEMA  # noqa: E402

ROLLING = """
SELECT source, day, avg(hype_index) OVER (
    PARTITION BY source ORDER BY day RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW) AS hype_7d
FROM daily_sentiment
"""


def sentence_table(doc_ids: np.ndarray, rows: int, rng: np.random.Generator) -> pa.Table:
    labels = np.array(["hype", "skeptic", "neutral"])[rng.integers(0, 3, rows)]
    p = rng.dirichlet([1, 1, 1], rows).astype(np.float32)
    per_doc = rows // len(doc_ids)
    return pa.table(
        {
            "doc_id": np.repeat(doc_ids, per_doc),
            "sent_no": np.tile(np.arange(per_doc, dtype=np.int32), len(doc_ids)),
            "turn_no": pa.nulls(rows, pa.int32()),
            "text": pa.array(np.full(rows, "Demand for accelerators keeps outrunning supply this year.")),
            "language": pa.array(np.full(rows, "en")),
            "label": labels,
            "p_hype": p[:, 0],
            "p_skeptic": p[:, 1],
            "p_neutral": p[:, 2],
            "fatigue": rng.random(rows) < 0.02,
            "p_fatigue": rng.random(rows).astype(np.float32),
            "model": pa.array(np.full(rows, "bench")),
            "topics": pa.nulls(rows, pa.list_(pa.string())),  # untagged, as before topics existed
            "ai_mentions": pa.nulls(rows, pa.int32()),
        }
    ).cast(SENTENCE_SCHEMA)


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--docs", type=int, default=25_000)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        doc_ids = np.array([f"doc{i:07d}" for i in range(args.docs)])
        docs = [
            Document(
                doc_id=d,
                source=f"source{i % 20}",
                kind="news",
                url=f"https://x.org/{d}",
                title=None,
                published_at=start + timedelta(hours=int(i % (365 * 24))),
                fetched_at=start,
                language="en",
                tickers=["NVDA"] if i % 3 == 0 else [],
                text="",
            )
            for i, d in enumerate(doc_ids)
        ]
        _, doc_s = timed(lambda: store.add_documents(docs))
        table = sentence_table(doc_ids, args.rows - args.rows % args.docs, rng)
        _, insert_s = timed(lambda: store.save_sentence_table(table, doc_ids.tolist(), "bench"))
        with store.read() as conn:
            conn.execute("SELECT count(*) FROM daily_sentiment").fetchall()  # warm the catalog
            results = {}
            for name, query in [
                ("daily_sentiment rollup", "SELECT * FROM daily_sentiment"),
                ("ticker_daily rollup", "SELECT * FROM ticker_daily"),
                ("7-day rolling window per source", ROLLING),
            ]:
                rows, seconds = timed(lambda: conn.execute(query).fetchall())
                results[name] = (len(rows), seconds)
        print(f"documents stored: {len(docs):,} in {doc_s:.2f} s ({len(docs) / doc_s:,.0f} docs/s)")
        print(
            f"sentence ingest: {table.num_rows:,} rows in {insert_s:.2f} s = {table.num_rows / insert_s:,.0f} rows/s "
            f"(one transaction: insert + doc_scores refresh + mark scored; target >= 1,000,000 rows/s)"
        )
        for name, (n, seconds) in results.items():
            print(f"{name}: {n:,} rows in {seconds * 1000:.1f} ms (target < 100 ms)")


if __name__ == "__main__":
    main()
