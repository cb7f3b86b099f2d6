"""Logging to the terminal and to a rotating file beside the database."""
from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup_logging(verbosity: int) -> None:
    """verbosity: -1 quiet (errors), 0 warnings, 1 info, 2 debug."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    for noisy in ("httpx", "httpcore", "urllib3", "filelock", "matplotlib", "trafilatura", "htmldate"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def log_to_file(database: Path) -> Path:
    """Keep a full INFO log of runs beside the database: 5 files of 5 MB."""
    path = database.with_name("hypewatch.log")
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.getLogger().addHandler(handler)
    return path
