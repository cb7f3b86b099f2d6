"""`hypewatch import`: scored Parquet (lake/layout.py) into the database, in bulk, idempotently.

DuckDB reads the files itself, a slice of day partitions per transaction. Documents the database
lacks are added (with their turns); a document it has keeps its row. Every document the lake
brings scores for gets the lake's sentences and doc_scores in place of its own, and is marked
scored by the lake's model, so the nightly run does not score it again. Importing the same files
again replaces rows with the same rows: nothing is added twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq

from hypewatch.errors import HypewatchError
from hypewatch.storage import Store
from hypewatch.storage.sql import load_queries
from hypewatch.storage.store import INSERT_DOC_SCORES

from .layout import DATASETS, DOCUMENTS, SCHEMAS, SENTENCES, TURNS, parquet_files, partition_dirs

Q = load_queries("hypewatch.lake", "queries.sql")
# Parquet per transaction (compressed; about a million sentences): a slice's temp tables fit in
# memory, and readers get the file between slices. Few and large: each slice has a fixed cost.
SLICE_BYTES = 64 * 2**20
IMPORTED_SOURCE = "import"  # `source` of a document whose Parquet names none


class LakeImportError(HypewatchError):
    """The folder is not a lake that import can read."""


@dataclass
class ImportSummary:
    folder: Path
    documents: int = 0  # in the lake
    new_documents: int = 0  # added to the database
    scored_documents: int = 0  # whose sentences and scores the lake's replaced
    sentences: int = 0

    def format(self) -> str:
        return (
            f"imported {self.folder}: {self.documents:,} documents ({self.new_documents:,} new), "
            f"{self.scored_documents:,} with scores, {self.sentences:,} sentences"
        )


def import_lake(store: Store, folder: Path) -> ImportSummary:
    """Load the lake at `folder` into the store, a slice of days per transaction."""
    folder = Path(folder)
    partitions = {name: partition_dirs(folder, name) for name in DATASETS}
    if not partitions[DOCUMENTS]:
        raise LakeImportError(
            f"{folder}: no {DOCUMENTS}/day=*/ partitions: not a lake written by "
            "`hypewatch export` or `hypewatch score --engine ray`"
        )
    files = {name: {day: parquet_files(path) for day, path in found.items()} for name, found in partitions.items()}
    for name in (DOCUMENTS, TURNS, SENTENCES):
        _check_columns(name, [f for day_files in files[name].values() for f in day_files])
    summary = ImportSummary(folder)
    for days in _slices(files):
        _import_slice(
            store, {name: [str(f) for day in days for f in files[name].get(day, [])] for name in DATASETS}, summary
        )
    return summary


def _slices(files: dict[str, dict[str, list[Path]]]) -> list[list[str]]:
    """The days in order, cut into slices of about SLICE_BYTES of Parquet each."""
    slices: list[list[str]] = [[]]
    size = 0
    for day in sorted(files[DOCUMENTS]):
        day_size = sum(f.stat().st_size for name in DATASETS for f in files[name].get(day, []))
        if slices[-1] and size + day_size > SLICE_BYTES:
            slices.append([])
            size = 0
        slices[-1].append(day)
        size += day_size
    return slices


def _import_slice(store: Store, files: dict[str, list[str]], summary: ImportSummary) -> None:
    now = datetime.now(timezone.utc)
    with store.write() as conn:
        conn.execute(Q["stage_documents"], {"files": files[DOCUMENTS]})
        conn.execute(Q["stage_documents_dated_by"])
        if files[TURNS]:
            conn.execute(Q["stage_turns"], {"files": files[TURNS]})
        else:
            conn.execute(Q["stage_no_turns"])
        if files[SENTENCES]:
            conn.execute(Q["stage_sentences"], {"files": files[SENTENCES]})
        else:
            conn.execute(Q["stage_no_sentences"])
        conn.execute(Q["stage_ids"])
        documents, new, scored, sentences = conn.execute(Q["import_counts"]).fetchone()
        conn.execute(Q["import_new_documents"], {"source": IMPORTED_SOURCE, "now": now})
        conn.execute(Q["import_turns"])
        for name in ("import_delete_sentences", "import_sentences", "import_delete_doc_scores"):
            conn.execute(Q[name])
        conn.execute(INSERT_DOC_SCORES)
        conn.execute(Q["import_mark_scored"], {"now": now})
        conn.execute(Q["drop_stage"])
    summary.documents += documents
    summary.new_documents += new
    summary.scored_documents += scored
    summary.sentences += sentences


def _check_columns(dataset: str, paths: list[Path]) -> None:
    """Every file holds every column of the layout (more is fine): say which file lacks which."""
    wanted = SCHEMAS[dataset].names
    for path in paths:
        try:
            names = set(pq.read_schema(path).names)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a bad file
            raise LakeImportError(f"{path}: not a readable Parquet file: {exc}") from None
        missing = [n for n in wanted if n not in names]
        if missing:
            raise LakeImportError(
                f"{path}: no column {', '.join(missing)} (the {dataset} of a lake need "
                f"{', '.join(wanted)}); score other Parquet with `hypewatch score --engine ray` first"
            )
