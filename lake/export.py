"""`hypewatch export`: the database as a Parquet lake (lake/layout.py), day by day, incremental.

Each export rewrites only the day partitions whose documents changed since the last one: it keeps
a fingerprint per day (count and hash of each document's id, status, fetch and scoring times) in
`_hypewatch_export.json` at the lake's root. A changed day is written whole under new file names,
then the day's older files are removed, then the state file is replaced; an export killed midway
leaves state that still calls the day changed, so the next export writes it again.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads

from hypewatch.errors import HypewatchError
from hypewatch.storage.db import reading
from hypewatch.storage.sql import load_queries

from .layout import (
    DATASETS,
    DOCUMENTS,
    INTERNAL_COLUMNS,
    PARTITION,
    SCHEMAS,
    UNDATED,
    partition_column,
    partition_dirs,
    partition_name,
)

logger = logging.getLogger(__name__)

Q = load_queries("hypewatch.lake", "queries.sql")
STATE_FILE = "_hypewatch_export.json"
# Bump when the layout changes: every day is written again in the new one.
LAYOUT_VERSION = 1
# Days per read connection: a run waiting to write gets the file between slices, and pyarrow
# writes at most 1,024 partitions per call.
DAYS_PER_SLICE = 200
ROWS_PER_BATCH = 65_536


class ExportError(HypewatchError):
    """The lake folder cannot be written or holds something that is not an export."""


@dataclass
class ExportSummary:
    folder: Path
    days_written: list[str] = field(default_factory=list)
    days_unchanged: int = 0
    days_removed: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DATASETS, 0))

    def format(self) -> str:
        rows = ", ".join(f"{n:,} {name}" for name, n in self.rows.items())
        removed = f", {len(self.days_removed)} removed" if self.days_removed else ""
        return (
            f"exported {len(self.days_written)} day(s) to {self.folder} ({rows}); "
            f"{self.days_unchanged} unchanged{removed}"
        )


def export_lake(database: Path, folder: Path, *, full: bool = False) -> ExportSummary:
    """Write what changed in the database since the last export into the lake at `folder`."""
    folder = Path(folder)
    state = {} if full else _read_state(folder)
    export_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
    summary = ExportSummary(folder)
    with reading(database) as conn:
        current = _fingerprints(conn)
    changed = sorted(day for day, fingerprint in current.items() if state.get(day) != fingerprint)
    gone = sorted(set(state) - set(current))
    summary.days_unchanged = len(current) - len(changed)
    _make_folder(folder)
    for start in range(0, len(changed), DAYS_PER_SLICE):
        days = changed[start : start + DAYS_PER_SLICE]
        with reading(database) as conn:
            # What this slice's files hold, read in the same snapshot as the files themselves.
            seen = _fingerprints(conn, days)
            for dataset in DATASETS:
                summary.rows[dataset] += _write(conn, dataset, days, folder, export_id)
        _keep_only(folder, days, export_id)
        state.update(seen)
        for day in set(days) - set(seen):  # its documents moved to another day meanwhile
            state.pop(day, None)
            gone.append(day)
        _write_state(folder, state)
        summary.days_written += days
    if gone:
        _keep_only(folder, gone, export_id)
        for day in gone:
            state.pop(day, None)
        _write_state(folder, state)
        summary.days_removed = sorted(gone)
    return summary


def _fingerprints(conn: duckdb.DuckDBPyConnection, days: list[str] | None = None) -> dict[str, str]:
    dated = [date.fromisoformat(d) for d in days or () if d != UNDATED]
    rows = conn.execute(
        Q["day_fingerprints"],
        {
            "all": days is None,
            "days": dated,
            "undated": days is not None and UNDATED in days,
        },
    ).fetchall()
    return {partition_name(day): f"{LAYOUT_VERSION}:{n}:{fingerprint}" for day, n, fingerprint in rows}


def _write(conn: duckdb.DuckDBPyConnection, dataset: str, days: list[str], folder: Path, export_id: str) -> int:
    params = {"days": [date.fromisoformat(d) for d in days if d != UNDATED], "undated": UNDATED in days}
    reader = conn.sql(Q[f"export_{dataset}"], params=params).to_arrow_reader(ROWS_PER_BATCH)
    schema = _lake_schema(reader.schema, dataset)
    written = 0

    def batches() -> Iterator[pa.RecordBatch]:
        nonlocal written
        for batch in reader:
            written += batch.num_rows
            yield _conform(batch, schema)

    pads.write_dataset(
        batches(),
        folder / dataset,
        schema=schema,
        format="parquet",
        partitioning=[PARTITION],
        partitioning_flavor="hive",
        basename_template=f"part-{export_id}-{{i}}.parquet",
        existing_data_behavior="overwrite_or_ignore",
        max_partitions=DAYS_PER_SLICE + 1,
    )
    return written


def _lake_schema(source: pa.Schema, dataset: str) -> pa.Schema:
    """The database's columns (every one: a column added later is exported too), typed as the
    layout says, internal ones left out, `day` as the partition string."""
    layout = SCHEMAS[dataset]
    fields = [
        layout.field(f.name) if f.name in layout.names else f
        for f in source
        if f.name not in INTERNAL_COLUMNS and f.name != PARTITION
    ]
    return pa.schema([*fields, pa.field(PARTITION, pa.string())])


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    columns = [batch.column(f.name).cast(f.type) for f in schema if f.name != PARTITION]
    return pa.RecordBatch.from_arrays([*columns, partition_column(batch.column(PARTITION))], schema=schema)


def _keep_only(folder: Path, days: list[str], export_id: str) -> None:
    """In these days' partitions, remove every file but this export's (an empty partition goes)."""
    keep = f"part-{export_id}-"
    wanted = set(days)
    for dataset in DATASETS:
        for day, partition in partition_dirs(folder, dataset).items():
            if day not in wanted:
                continue
            for path in partition.iterdir():
                if not path.name.startswith(keep):
                    path.unlink()
            if not any(partition.iterdir()):
                partition.rmdir()


def _read_state(folder: Path) -> dict[str, str]:
    path = folder / STATE_FILE
    if not path.exists():
        if (folder / DOCUMENTS).exists():
            raise ExportError(
                f"{folder}: holds a {DOCUMENTS}/ folder but no {STATE_FILE}: not an export "
                "folder of hypewatch (use --full to write every day into it anyway)"
            )
        return {}
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data["days"].items()}
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        raise ExportError(f"{path}: unreadable export state ({exc}); use --full to write every day again") from None


def _write_state(folder: Path, state: dict[str, str]) -> None:
    path = folder / STATE_FILE
    partial = path.with_name(path.name + ".partial")
    partial.write_text(
        json.dumps({"layout": LAYOUT_VERSION, "days": dict(sorted(state.items()))}, indent=1), encoding="utf-8"
    )
    os.replace(partial, path)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{folder}: cannot create the export folder: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"{folder}: the export folder is not writable")
