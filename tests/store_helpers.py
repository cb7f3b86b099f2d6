"""A small database of news documents, for tests of the command line and its faults."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from hypewatch.records import Document
from hypewatch.storage import Store


def some_documents(path: Path, n: int = 2, text: str = "t") -> Store:
    """A DuckDB file at `path` with `n` news documents d0, d1, ...; d0 names one ticker, the rest two."""
    store = Store(path)
    now = datetime(2026, 11, 20, tzinfo=timezone.utc)
    store.add_documents(
        [
            Document(
                doc_id=f"d{i}",
                source="wire",
                kind="news",
                url=f"https://x.org/{i}",
                title=f"T{i}",
                published_at=now,
                fetched_at=now,
                language="en",
                tickers=["NVDA", "AMD"][: i + 1],
                text=text,
            )
            for i in range(n)
        ]
    )
    return store
