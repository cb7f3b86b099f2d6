"""One `hypewatch run` at a time per database, even when cron starts a second one.

An advisory lock on a file beside the database: the kernel drops it when the process dies, so a
killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from .errors import HypewatchError


class RunInProgress(HypewatchError):
    """Another run holds the database."""


class RunLock:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".run.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunInProgress(
                f"another run is in progress (pid {holder.get('pid', '?')}, started {holder.get('started', '?')})"
            ) from None
        os.ftruncate(fd, 0)
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "started": started}).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read_holder(fd: int) -> dict[str, object]:
    try:
        return json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}
