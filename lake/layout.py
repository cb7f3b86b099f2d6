"""The Parquet lake: one layout that `hypewatch export` writes, `hypewatch score --engine ray`
reads and writes, and `hypewatch import` loads.

    LAKE/documents/day=2026-11-25/*.parquet    one row per document (metadata and text)
    LAKE/turns/day=.../*.parquet               one row per speaker turn of a transcript
    LAKE/sentences/day=.../*.parquet           one row per sentence, with its scores
    LAKE/doc_scores/day=.../*.parquet          one row per scored document, its measures

Every dataset is partitioned hive-style by `day`, the UTC day of the document's `published_at`;
documents without a date (and their turns and sentences) are under `day=undated`. A plain word,
not Hive's `__HIVE_DEFAULT_PARTITION__`: pandas (through pyarrow) cannot read a partition key with
nulls in it, and every reader can filter a string.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from hypewatch.storage.store import DOCUMENT_SCHEMA as STORED_DOCUMENT_SCHEMA
from hypewatch.storage.store import SENTENCE_SCHEMA as STORED_SENTENCE_SCHEMA
from hypewatch.storage.store import TAG_COLUMNS, TURN_SCHEMA

PARTITION = "day"
UNDATED = "undated"

DOCUMENTS, TURNS, SENTENCES, DOC_SCORES = "documents", "turns", "sentences", "doc_scores"
DATASETS = (DOCUMENTS, TURNS, SENTENCES, DOC_SCORES)

# The crawler's dedup fingerprints stay in the database: they mean nothing outside it (and an
# unsigned 64-bit column is one that Spark cannot read).
INTERNAL_COLUMNS = frozenset({"content_hash", "simhash"})
# Columns an export carries (it writes every column of the database) but a lake need not have:
# topics are recomputed on import, a call's own ticker is guessed where it names one, and where a
# date came from is unknown (NULL) for lakes written before it was recorded.
OPTIONAL_COLUMNS = TAG_COLUMNS | {"ticker", "dated_by"}

DOCUMENT_SCHEMA = pa.schema(
    [f for f in STORED_DOCUMENT_SCHEMA if f.name not in INTERNAL_COLUMNS | OPTIONAL_COLUMNS]
    + [pa.field("scored_by", pa.string()), pa.field("scored_at", pa.timestamp("us", tz="UTC"))]
)
DOC_SCORE_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("n_sentences", pa.int32()),
        ("n_hype", pa.int32()),
        ("n_skeptic", pa.int32()),
        ("n_neutral", pa.int32()),
        ("fatigue_mentions", pa.int32()),
        ("hype_index", pa.float64()),
        ("expected_hype", pa.float64()),
        ("expected_skeptic", pa.float64()),
        ("expected_fatigue", pa.float64()),
    ]
)
SENTENCE_SCHEMA = pa.schema([f for f in STORED_SENTENCE_SCHEMA if f.name not in OPTIONAL_COLUMNS])
SCHEMAS: dict[str, pa.Schema] = {
    DOCUMENTS: DOCUMENT_SCHEMA,
    TURNS: TURN_SCHEMA,
    SENTENCES: SENTENCE_SCHEMA,
    DOC_SCORES: DOC_SCORE_SCHEMA,
}


def partition_name(day: date | datetime | None) -> str:
    """The `day` partition value of a document published at this time (UTC) or on this day."""
    if day is None:
        return UNDATED
    if isinstance(day, datetime):
        day = (day if day.tzinfo else day.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).date()
    return day.isoformat()


def partition_column(days: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """`day` partition values from a date32 column (null: undated)."""
    return pc.fill_null(pc.strftime(days, format="%Y-%m-%d"), UNDATED)


def partition_dirs(root: Path, dataset: str) -> dict[str, Path]:
    """The partitions of one dataset under root, by value."""
    folder = root / dataset
    if not folder.is_dir():
        return {}
    prefix = f"{PARTITION}="
    return {p.name[len(prefix) :]: p for p in sorted(folder.iterdir()) if p.is_dir() and p.name.startswith(prefix)}


def parquet_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.parquet") if p.is_file())
