"""Opening the DuckDB file: migrations, lock waits, short write transactions.

DuckDB lets one process write and no other process open the file beside it, so writers hold a
connection only for one short transaction and readers wait a few seconds for the lock.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from hypewatch.errors import HypewatchError

logger = logging.getLogger(__name__)

#: How long a reader waits for a writer (a run's transactions are short).
LOCK_WAIT_S = 5.0
#: How long a write waits for readers to let go: any DuckDB client holding the file (a long query,
#: an open `duckdb` shell) blocks writers, and a write that gives up must be kept and tried again.
WRITE_WAIT_S = 30.0


class StorageError(HypewatchError):
    """The database cannot be opened or used."""

    #: Worth trying again in a moment: only a busy database is. A full disk, damage: not this run.
    transient = False


class DatabaseBusy(StorageError):
    """Another process holds the database: a run writing (for a reader), or any open connection
    (for a writer: a long query, a DuckDB shell left open)."""

    transient = True


class SchemaTooNew(StorageError):
    """The file was written by a newer hypewatch than this one."""


class DatabaseDamaged(StorageError):
    """The file is cut short, overwritten, or not a DuckDB database at all."""


# Every connection: DuckDB opens a file of another database (SQLite) by fetching the extension
# for it, which would download code to open a file the config named by mistake.
NO_EXTENSION_DOWNLOADS: dict[str, bool] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

# A reader gets the database file and nothing else: no COPY ... TO or EXPORT (writing files), no
# ATTACH (another file, or this one read-write under another name), no read_csv/glob of other
# files, no extensions to download or load, and no SET or RESET to undo any of it.
READ_ONLY_SETTINGS: dict[str, bool] = {
    **NO_EXTENSION_DOWNLOADS,
    "enable_external_access": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "allow_persistent_secrets": False,
    "lock_configuration": True,
}

# The first bytes of every SQLite database: the file a user most likely points `database` at by mistake.
SQLITE_HEADER = b"SQLite format 3\x00"

# DuckDB's words for a file that is cut short, overwritten or foreign.
_DAMAGE_SIGNS = ("not a valid DuckDB database file", "Could not read enough bytes", "Corrupt database file")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped with this version, in order."""
    found = []
    for entry in resources.files("hypewatch.storage").joinpath("migrations").iterdir():
        match = re.fullmatch(r"(\d+)_(\w+)\.sql", entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found)


def measure_macros() -> str:
    """The SQL that creates the series measures' macros (wilson_low, hype_index, share, ...) of the
    migrations, for a connection that has none: an in-memory one computing what the database would."""
    statements = re.findall(
        r"^CREATE (?:OR REPLACE )?MACRO .*?;$",
        "\n".join(sql for _, _, sql in migrations()),
        flags=re.MULTILINE | re.DOTALL,
    )
    return "\n".join(re.sub(r"^CREATE (?:OR REPLACE )?MACRO", "CREATE OR REPLACE TEMP MACRO", s) for s in statements)


def latest_version() -> int:
    return migrations()[-1][0]


def connect(path: Path, *, read_only: bool = False, wait_s: float = LOCK_WAIT_S) -> duckdb.DuckDBPyConnection:
    """Open the database, waiting up to wait_s for a writer elsewhere to let go of the file.

    A read-only connection is also sandboxed (READ_ONLY_SETTINGS).
    """
    deadline = time.monotonic() + wait_s
    delay = 0.05
    config: dict[str, Any] = dict(READ_ONLY_SETTINGS) if read_only else dict(NO_EXTENSION_DOWNLOADS)
    while True:
        try:
            conn = duckdb.connect(str(path), read_only=read_only, config=config)
            break
        except duckdb.IOException as exc:
            if "Could not set lock" not in str(exc):  # not "lock" alone: "block" is in damage errors
                raise _open_error(path, exc) from None
            if time.monotonic() >= deadline:
                pid = re.search(r"PID (\d+)", str(exc))
                who = f" (pid {pid[1]})" if pid else ""
                holder = (
                    # Only a read-write holder keeps a reader out: a run, or a client opened read-write.
                    f"another process{who} is writing to it (a run, or a DuckDB client that opened it"
                    " read-write); try again in a moment"
                    if read_only
                    else f"another process{who} has it open (a query, a DuckDB shell, a run)"
                )
                raise DatabaseBusy(f"{path}: the database is busy: {holder}") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.Error as exc:
            raise _open_error(path, exc) from None
    try:
        _check_length(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def damage_error(path: Path, exc: BaseException) -> DatabaseDamaged | None:
    """DuckDB's error as DatabaseDamaged when it says the file is damaged; None for other errors."""
    message = str(exc)
    if not isinstance(exc, duckdb.Error) or not any(sign in message for sign in _DAMAGE_SIGNS):
        return None
    return DatabaseDamaged(f"the database file {path} is damaged or not a DuckDB file: {message.splitlines()[0]}")


def _open_error(path: Path, exc: duckdb.Error) -> StorageError:
    if _is_sqlite(path):
        return DatabaseDamaged(f"the database file {path} is not a DuckDB file: it is a SQLite database")
    return damage_error(path, exc) or StorageError(f"{path}: cannot open database: {str(exc).splitlines()[0]}")


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _check_length(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    # A file cut short opens fine and fails only at the first query that reaches a missing block,
    # deep inside a run. Each block in use has its own place in the file, so the file is at least
    # that many blocks long (free blocks at its end are cut off by DuckDB itself: not counted).
    rows = conn.execute(
        "SELECT used_blocks, block_size FROM pragma_database_size() WHERE database_name = current_database()"
    ).fetchall()  # to the end: DuckDB refuses the next query while a result is unfinished
    if not rows:
        return
    needed, actual = rows[0][0] * rows[0][1], os.path.getsize(path)
    if actual < needed:
        raise DatabaseDamaged(
            f"the database file {path} is damaged or not a DuckDB file: it holds {actual} bytes, "
            f"less than the {needed} of the blocks it uses (cut short?)"
        )


def schema_version(conn: duckdb.DuckDBPyConnection) -> int:
    exists = scalar(conn, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'")
    if not exists:
        return 0
    return int(scalar(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations"))


def scalar(conn: duckdb.DuckDBPyConnection, query: str, params: object = None) -> Any:
    """The one value of a query that returns one row (a count, a max)."""
    row = conn.execute(query, params).fetchone()
    if row is None:
        raise StorageError(f"no row from a query that always returns one: {query.splitlines()[0][:80]}")
    return row[0]


def migrate(path: Path, *, upto: int | None = None) -> int:
    """Create or upgrade the file in place; every migration is one transaction. Returns the version."""
    ensure_folder(path)
    conn = connect(path)
    try:
        current = schema_version(conn)
        newest = latest_version()
        if current > newest:
            raise _too_new(path, current, newest)
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


def _too_new(path: Path, current: int, newest: int) -> SchemaTooNew:
    return SchemaTooNew(
        f"{path}: this database has schema version {current}, newer than this hypewatch "
        f"understands ({newest}); upgrade hypewatch to use it"
    )


@contextmanager
def transaction(path: Path, *, wait_s: float = WRITE_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """One short write transaction: it lands whole or not at all, and the file is let go after."""
    conn = connect(path, wait_s=wait_s)
    try:
        conn.execute("BEGIN")
        try:
            yield conn
        except BaseException as exc:
            _rollback(conn)
            failed = write_error(path, exc)
            if failed is not None:
                raise failed from None
            raise
        try:
            conn.execute("COMMIT")
        except duckdb.Error as exc:  # a commit that fails (a full disk) has ended the transaction itself
            raise damage_error(path, exc) or StorageError(f"{path}: {_detail(exc)}; nothing of it was stored") from None
    finally:
        conn.close()


def write_error(path: Path, exc: BaseException) -> StorageError | None:
    """DuckDB's error in a write as a named one: damage, or a file it cannot write (a full disk,
    a failing drive); None for other errors (those are bugs, with their traceback under -v)."""
    if (damaged := damage_error(path, exc)) is not None:
        return damaged
    if isinstance(exc, duckdb.IOException) or "Failed to commit" in str(exc):
        return StorageError(f"{path}: {_detail(exc)}; nothing of it was stored")
    return None


def _detail(exc: BaseException) -> str:
    """'Could not write file "x.wal": No space left on device', without DuckDB's class prefix."""
    line = str(exc).splitlines()[0]
    return line.split(" Error: ", 1)[-1].removeprefix("Failed to commit: ")


def _rollback(conn: duckdb.DuckDBPyConnection) -> None:
    try:
        conn.execute("ROLLBACK")
    except duckdb.Error:
        pass  # the failure already ended the transaction; the error that says why is raised


@contextmanager
def reading(path: Path, *, wait_s: float = LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A sandboxed read-only connection (READ_ONLY_SETTINGS); damage met while reading is named."""
    if not path.exists():
        raise StorageError(f"{path}: no database yet (run `hypewatch run` first)")
    conn = connect(path, read_only=True, wait_s=wait_s)
    try:
        yield conn
    except duckdb.Error as exc:
        damaged = damage_error(path, exc)
        if damaged is None:
            raise
        raise damaged from None
    finally:
        conn.close()


def ready_for_reading(path: Path) -> None:
    """Let a reader use the file without write access: upgrade the schema only when it is older.

    Readers that go through Store (the report) would otherwise open the file read-write just to
    find that there is nothing to migrate, and fail on a read-only file.
    """
    with reading(path) as conn:
        current = schema_version(conn)
    newest = latest_version()
    if current > newest:
        raise _too_new(path, current, newest)
    if current == newest:
        return
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        raise StorageError(
            f"{path}: the database has schema version {current}, older than this hypewatch's ({newest}), "
            "and is read-only here; upgrade it once by running `hypewatch run` where it can be written"
        )
    migrate(path)


def ensure_folder(path: Path) -> None:
    """Create the database's folder, or say in one line why it cannot be created or written."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise StorageError(f"{folder}: not a folder, so the database {path.name} cannot be kept in it")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{folder}: cannot create the database folder: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StorageError(f"{folder}: the database folder is not writable")
