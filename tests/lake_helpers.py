"""A small hypewatch database for the lake tests: news on three days, one undated, an earnings
call with turns, a German page and a syndicated copy; scored by the tests' tiny model in fp32."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import build_demo

from hypewatch.records import Document, Turn
from hypewatch.storage import Store

ROOT = Path(__file__).resolve().parents[1]

DAY = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
POOLS = build_demo.HYPE + build_demo.SKEPTIC + build_demo.FATIGUE + build_demo.NEUTRAL


def news(doc_id: str, published_at: datetime | None, rng: random.Random, *, n: int = 6, **extra) -> Document:
    paragraphs = [" ".join(rng.sample(POOLS, 2)) for _ in range(n // 2)]
    return Document(
        doc_id=doc_id,
        source="wire",
        kind="news",
        url=f"https://wire.example/{doc_id}",
        title=f"Story {doc_id}",
        published_at=published_at,
        fetched_at=DAY + timedelta(days=3),
        language="en",
        tickers=["NVDA"],
        text="\n\n".join(paragraphs),
        **{"dated_by": "feed" if published_at else None, **extra},
    )


def call(doc_id: str, published_at: datetime, rng: random.Random) -> Document:
    roles = [
        ("Operator", "operator", "prepared"),
        ("Jane Doe, CFO", "executive", "prepared"),
        ("Sam Lee, Bank", "analyst", "qa"),
        ("Jane Doe, CFO", "executive", "qa"),
    ]
    turns = [Turn(speaker=s, role=r, section=sec, text=" ".join(rng.sample(POOLS, 3))) for s, r, sec in roles]
    return Document(
        doc_id=doc_id,
        source="calls",
        kind="transcripts",
        url=f"file:///calls/{doc_id}.txt",
        title="NVDA Q3 2026 earnings call",
        published_at=published_at,
        fetched_at=DAY + timedelta(days=3),
        language="en",
        tickers=["NVDA"],
        text="\n\n".join(t.text for t in turns),
        company="NVIDIA",
        fiscal_period="Q3 2026",
        turns=turns,
        dated_by="file",
    )


def documents(seed: int = 7) -> list[Document]:
    rng = random.Random(seed)
    docs = [news(f"n{i}", DAY + timedelta(days=i % 3, hours=i), rng) for i in range(9)]
    docs.append(news("undated", None, rng))
    docs.append(call("call", DAY + timedelta(days=1), rng))
    docs.append(news("german", DAY, rng, n=2))
    docs[-1].language = "de"  # stored, not scored: its sentences carry no label
    docs.append(news("copy", DAY, rng, status="duplicate", duplicate_of="n0"))
    return docs


def scored_database(path: Path, scorer) -> Store:
    from hypewatch.scoring import score_pending

    store = Store(path)
    store.add_documents(documents())
    score_pending(store, scorer)
    return store
