"""Opening the DuckDB file: migrations, lock waits, short write transactions.

DuckDB lets one process write and no other process open the file beside it, so writers hold a
connection only for one short transaction and readers wait a few seconds for the lock.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import duckdb

logger = logging.getLogger(__name__)

#: How long a reader waits for a writer (a run's transactions are short).
LOCK_WAIT_S = 5.0
#: How long a write waits for readers to let go: any DuckDB client holding the file (a long query,
#: an open `duckdb` shell) blocks writers, and a write that gives up must be kept and tried again.
WRITE_WAIT_S = 30.0


class StorageError(Exception):
    """The database cannot be opened or used."""


class DatabaseBusy(StorageError):
    """Another process (a running `hypewatch run`) holds the database."""


class SchemaTooNew(StorageError):
    """The file was written by a newer hypewatch than this one."""


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped with this version, in order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        match = re.fullmatch(r"(\d+)_(\w+)\.sql", entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version() -> int:
    return migrations()[-1][0]


def connect(path: Path, *, read_only: bool = False, wait_s: float = LOCK_WAIT_S) -> duckdb.DuckDBPyConnection:
    """Open the database, waiting up to wait_s for a writer elsewhere to let go of the file."""
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise StorageError(f"{path}: cannot open database: {exc}") from None
            if time.monotonic() >= deadline:
                pid = re.search(r"PID (\d+)", str(exc))
                who = f" (pid {pid[1]})" if pid else ""
                raise DatabaseBusy(
                    f"{path}: the database is busy: a run is writing to it{who}; try again in a moment"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.Error as exc:
            raise StorageError(f"{path}: cannot open database: {exc}") from None


def schema_version(conn: duckdb.DuckDBPyConnection) -> int:
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()[0]
    if not exists:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


def migrate(path: Path, *, upto: int | None = None) -> int:
    """Create or upgrade the file in place; every migration is one transaction. Returns the version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path)
    try:
        current = schema_version(conn)
        newest = latest_version()
        if current > newest:
            raise SchemaTooNew(
                f"{path}: this database has schema version {current}, newer than this hypewatch "
                f"understands ({newest}); upgrade hypewatch to use it"
            )
        for version, name, sql in migrations():
            if version <= current or (upto is not None and version > upto):
                continue
            conn.execute("BEGIN")
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
                )
                conn.execute(sql)
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    [version, name, datetime.now(timezone.utc)],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            logger.info("database %s upgraded to schema %d (%s)", path, version, name)
            current = version
        return current
    finally:
        conn.close()


@contextmanager
def transaction(path: Path, *, wait_s: float = WRITE_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """One short write transaction: it lands whole or not at all, and the file is let go after."""
    conn = connect(path, wait_s=wait_s)
    try:
        conn.execute("BEGIN")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


@contextmanager
def reading(path: Path, *, wait_s: float = LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    if not path.exists():
        raise StorageError(f"{path}: no database yet (run `hypewatch run` first)")
    conn = connect(path, read_only=True, wait_s=wait_s)
    try:
        yield conn
    finally:
        conn.close()
