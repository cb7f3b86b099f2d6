"""Logging to the terminal and to a rotating file beside the database."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from .errors import HypewatchError

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup_logging(verbosity: int) -> None:
    """verbosity: -1 quiet (errors), 0 warnings, 1 info, 2 debug."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    terminal = "%(levelname)s %(name)s: %(message)s"
    handler.setFormatter(logging.Formatter(terminal) if verbosity >= 1 else _OneLine(terminal))
    root.addHandler(handler)
    for noisy in ("httpx", "httpcore", "urllib3", "filelock", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Their warnings ("discarding data: None") name no page; the extractor says what went wrong where.
    for inner in ("trafilatura", "htmldate"):
        logging.getLogger(inner).setLevel(logging.DEBUG if verbosity >= 2 else logging.ERROR)


class _OneLine(logging.Formatter):
    """One line per record: the exception's first line instead of its traceback (which -v shows
    and the log file keeps), so a failed stage of a run does not print a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        exc = record.exc_info[1] if record.exc_info else None
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        if exc is not None:
            line += f": {(str(exc) or type(exc).__name__).splitlines()[0]}"
        return line


class LogFileError(HypewatchError):
    """The log file beside the database cannot be opened for writing."""


def log_to_file(database: Path) -> Path:
    """Keep a full INFO log of runs beside the database: 5 files of 5 MB."""
    path = database.with_name("hypewatch.log")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    except OSError as exc:
        raise LogFileError(
            f"{path}: cannot write the log file: {exc.strerror} (or set log_file: false in the config)"
        ) from None
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.getLogger().addHandler(handler)
    return path
