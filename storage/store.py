"""The project's one door to the database: typed records in, typed records out, writes in bulk.

Every write is one Arrow batch inside one short transaction, so it lands whole or not at all and
readers (`hypewatch sql`, any DuckDB client) get the file between transactions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from hypewatch.records import (
    CrawlRetry,
    CrawlState,
    Document,
    FeedItem,
    HttpCacheEntry,
    KnownDocuments,
    Score,
    ScoredSentence,
    Sentence,
    SentenceTags,
    SourceHealth,
    TopicDefinition,
    Turn,
)

from . import db
from .sql import load_queries

Q = load_queries("hypewatch.storage", "queries.sql")
INSERT_DOC_SCORES = "INSERT INTO doc_scores " + Q["doc_scores_of_batch"]

DOCUMENT_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),
        ("kind", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("language", pa.string()),
        ("tickers", pa.list_(pa.string())),
        ("text", pa.string()),
        ("author", pa.string()),
        ("content_hash", pa.string()),
        ("simhash", pa.uint64()),
        ("status", pa.string()),
        ("duplicate_of", pa.string()),
        ("stub_reason", pa.string()),
        ("company", pa.string()),
        ("fiscal_period", pa.string()),
        ("summary", pa.string()),
        ("ticker", pa.string()),
        ("dated_by", pa.string()),
    ]
)
TURN_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("turn_no", pa.int32()),
        ("speaker", pa.string()),
        ("role", pa.string()),
        ("section", pa.string()),
        ("text", pa.string()),
    ]
)
#: A sentence's score, as stored with the sentence and in the score cache.
SCORE_FIELDS = [
    ("label", pa.string()),
    ("p_hype", pa.float32()),
    ("p_skeptic", pa.float32()),
    ("p_neutral", pa.float32()),
    ("fatigue", pa.bool_()),
    ("p_fatigue", pa.float32()),
]
SENTENCE_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("sent_no", pa.int32()),
        ("turn_no", pa.int32()),
        ("text", pa.string()),
        ("language", pa.string()),
        *SCORE_FIELDS,
        ("model", pa.string()),
        ("topics", pa.list_(pa.string())),
        ("ai_mentions", pa.int32()),
    ]
)
#: What the topic tagger derives from a sentence's text: recomputed by the score stage whenever
#: missing (tag_pending), so the Parquet lake need not carry them.
TAG_COLUMNS = frozenset({"topics", "ai_mentions"})
TAGS_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("sent_no", pa.int32()),
        ("topics", pa.list_(pa.string())),
        ("ai_mentions", pa.int32()),
    ]
)
TOPIC_SCHEMA = pa.schema(
    [
        ("name", pa.string()),
        ("position", pa.int32()),
        ("description", pa.string()),
        ("phrases", pa.list_(pa.string())),
        ("exclude", pa.list_(pa.string())),
        ("fingerprint", pa.string()),
        ("updated_at", pa.timestamp("us", tz="UTC")),
    ]
)
SCORE_CACHE_SCHEMA = pa.schema(
    [
        ("text_hash", pa.string()),
        ("model", pa.string()),
        *SCORE_FIELDS,
    ]
)
HTTP_CACHE_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("etag", pa.string()),
        ("last_modified", pa.string()),
        ("content_hash", pa.string()),
        ("status", pa.int32()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)
RETRY_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("source", pa.string()),
        ("attempts", pa.int32()),
        ("next_attempt_at", pa.timestamp("us", tz="UTC")),
        ("last_error", pa.string()),
        ("status", pa.string()),
        ("item", pa.string()),
        ("updated_at", pa.timestamp("us", tz="UTC")),
    ]
)
SOURCE_RUN_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("crawled_at", pa.timestamp("us", tz="UTC")),
        ("stored", pa.int32()),
        ("failed_run", pa.bool_()),
        ("last_error", pa.string()),
    ]
)
URL_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("url", pa.string()),
        ("source", pa.string()),
        ("seen_at", pa.timestamp("us", tz="UTC")),
    ]
)


def text_hash(text: str) -> str:
    return hashlib.blake2b(" ".join(text.split()).encode("utf-8"), digest_size=12).hexdigest()


def score_key(text: str, previous: str = "", kind: str = "") -> str:
    """What the score cache (score_cache.text_hash) keys a score by: the sentence's text_hash, or,
    for a model that read the sentence before it too (nlp.meta.ModelMeta.context), or that has a
    calibration of its own for the kind of source it came from (nlp.calibration.Calibration.kind_temperature), all of them."""
    if not previous and not kind:
        return text_hash(text)
    key = f"{text_hash(previous)}:{text_hash(text)}" + (f":{kind}" if kind else "")
    return hashlib.blake2b(key.encode("ascii"), digest_size=12).hexdigest()


class Store:
    """A hypewatch database file. Opening it creates or upgrades the schema."""

    def __init__(self, path: Path | str, *, migrate: bool = True, write_wait_s: float = db.WRITE_WAIT_S) -> None:
        self.path = Path(path)
        self.write_wait_s = write_wait_s
        if migrate:
            db.migrate(self.path)

    @contextmanager
    def write(self, *, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction, after waiting up to `wait_s` (default: the store's) for readers."""
        with db.transaction(self.path, wait_s=self.write_wait_s if wait_s is None else wait_s) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with db.reading(self.path) as conn:
            yield conn

    # --- the crawler's memory -------------------------------------------------------------

    def http_cache(self) -> dict[str, HttpCacheEntry]:
        with self.read() as conn:
            rows = conn.execute(Q["http_cache"]).fetchall()
        return {
            r[0]: HttpCacheEntry(
                url=r[0], etag=r[1], last_modified=r[2], content_hash=r[3], fetched_at=r[4], status=r[5]
            )
            for r in rows
        }

    def crawl_retries(self) -> list[CrawlRetry]:
        """Pages still to try again (and those given up, so a later failure counts on from there)."""
        with self.read() as conn:
            rows = conn.execute(Q["crawl_retries"]).fetchall()
        return [
            CrawlRetry(
                url=r[0],
                source=r[1],
                attempts=r[2],
                next_attempt_at=r[3],
                last_error=r[4],
                status=r[5],
                item=_feed_item(r[6]),
            )
            for r in rows
        ]

    def save_crawl_state(self, state: CrawlState) -> None:
        """The HTTP cache, the retry list and what each source gave, of one crawl, in one transaction."""
        latest = {e.url: e for e in state.http_cache}
        cache = _table([e.__dict__ for e in latest.values()], HTTP_CACHE_SCHEMA)
        now = datetime.now(timezone.utc)
        retries = _table(
            [{**r.__dict__, "item": _feed_item_json(r.item), "updated_at": now} for r in state.retries], RETRY_SCHEMA
        )
        done = _table(
            [{"source": s, "url": u} for s, u in {*state.resolved, *((r.source, r.url) for r in state.retries)}],
            pa.schema([("source", pa.string()), ("url", pa.string())]),
        )
        sources = _table(
            [
                {
                    "source": r.source,
                    "crawled_at": r.at,
                    "stored": r.stored,
                    "failed_run": r.failed_run,
                    "last_error": r.last_error,
                }
                for r in state.sources
            ],
            SOURCE_RUN_SCHEMA,
        )
        with self.write() as conn:
            _run_with_batch(conn, cache, Q["delete_http_cache"], Q["insert_http_cache"])
            _run_with_batch(conn, done, Q["delete_crawl_retries"])
            _run_with_batch(conn, retries, Q["insert_crawl_retries"])
            _run_with_batch(conn, sources, Q["update_source_health"], Q["insert_source_health"])

    def source_health(self) -> list[SourceHealth]:
        """What the crawls saw of each source: when it last gave something, since when it fails."""
        with self.read() as conn:
            return [SourceHealth(*row) for row in conn.execute(Q["source_health"]).fetchall()]

    def known_documents(self) -> KnownDocuments:
        with self.read() as conn:
            urls = dict(conn.execute(Q["known_urls"]).fetchall())
            rows = conn.execute(Q["known_hashes"]).fetchall()
        return KnownDocuments(
            urls=urls,
            hashes={h: doc_id for h, doc_id, _, _ in rows},
            simhashes=[(doc_id, s) for _, doc_id, s, _ in rows if s is not None],
        )

    def add_documents(self, docs: Sequence[Document]) -> None:
        """Store documents (replacing any with the same doc_id), their turns and their URLs."""
        if not docs:
            return
        now = datetime.now(timezone.utc)
        doc_rows = [{name: getattr(d, name) for name in DOCUMENT_SCHEMA.names} for d in docs]
        turn_rows = [_turn_row(d.doc_id, no, t) for d in docs for no, t in enumerate(d.turns)]
        url_rows = [
            {"doc_id": d.duplicate_of or d.doc_id, "url": d.seen_as or d.url, "source": d.source, "seen_at": now}
            for d in docs
        ]
        with self.write() as conn:
            _run_with_batch(conn, _table(doc_rows, DOCUMENT_SCHEMA), Q["delete_documents"], Q["insert_documents"])
            doc_ids = _table(
                [{"doc_id": d.doc_id} for d in docs if d.kind == "transcripts"], pa.schema([("doc_id", pa.string())])
            )
            _run_with_batch(conn, doc_ids, Q["delete_turns"])
            _run_with_batch(conn, _table(turn_rows, TURN_SCHEMA), Q["insert_turns"])
            _run_with_batch(conn, _table(url_rows, URL_SCHEMA), Q["insert_document_urls"])

    def add_document_urls(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Record (doc_id, url, source): a story seen again under another URL."""
        now = datetime.now(timezone.utc)
        batch = _table([{"doc_id": d, "url": u, "source": s, "seen_at": now} for d, u, s in rows], URL_SCHEMA)
        if batch.num_rows:
            with self.write() as conn:
                _run_with_batch(conn, batch, Q["insert_document_urls"])

    # --- scoring ----------------------------------------------------------------------------

    def documents_to_score(self, model_id: str, limit: int = 500, scored_alike: Sequence[str] = ()) -> list[Document]:
        """Documents to score with this model: stored and not scored by it, nor by any model in
        `scored_alike` (the same weights at another precision)."""
        models = sorted({model_id, *scored_alike})
        with self.read() as conn:
            cur = conn.execute(Q["documents_to_score"], {"models": models, "limit": limit})
            docs = [Document(**dict(zip([c[0] for c in cur.description], row))) for row in cur.fetchall()]
            if docs:
                turns = conn.execute(Q["turns_of"], {"doc_ids": [d.doc_id for d in docs]}).fetchall()
                by_id = {d.doc_id: d for d in docs}
                for doc_id, _, speaker, role, section, text in turns:
                    by_id[doc_id].turns.append(Turn(speaker=speaker, role=role, section=section, text=text))
        return docs

    def cached_scores(self, keys: Iterable[str], model_id: str) -> dict[str, Score]:
        """Scores this model already gave, by their score_key."""
        hashes = sorted(set(keys))
        if not hashes:
            return {}
        with self.read() as conn:
            rows = conn.execute(Q["cached_scores"], {"model": model_id, "hashes": hashes}).fetchall()
        return {
            r[0]: Score(label=r[1], p_hype=r[2], p_skeptic=r[3], p_neutral=r[4], fatigue=r[5], p_fatigue=r[6])
            for r in rows
        }

    def save_scores(
        self, doc_ids: Sequence[str], sentences: Sequence[ScoredSentence], model_id: str, tagged_by: str | None = None
    ) -> None:
        """Replace the sentences of these documents, refresh their doc_scores and mark them scored
        (and, with `tagged_by`, their sentences tagged with topics by that tagger)."""
        rows = [sentence_row(s, model_id) for s in sentences]
        cache_rows = [
            {
                "text_hash": score_key(s.sentence.text, s.previous, s.calibrated_for),
                "model": model_id,
                **s.score.__dict__,
            }
            for s in sentences
            if s.score is not None
        ]
        self.save_sentence_table(
            _table(rows, SENTENCE_SCHEMA),
            list(doc_ids),
            model_id,
            cache=_table(cache_rows, SCORE_CACHE_SCHEMA),
            tagged_by=tagged_by,
        )

    def save_sentence_table(
        self,
        table: pa.Table,
        doc_ids: list[str],
        model_id: str,
        cache: pa.Table | None = None,
        tagged_by: str | None = None,
    ) -> None:
        """The bulk path under save_scores: one Arrow table of sentence rows, one transaction."""
        ids = pa.table({"doc_id": pa.array(doc_ids, pa.string())})
        with self.write() as conn:
            conn.register("ids", ids)
            conn.register("batch", table)
            try:
                for name in ("delete_sentences", "delete_doc_scores", "insert_sentences"):
                    conn.execute(Q[name])
                conn.execute(INSERT_DOC_SCORES)
                conn.execute(
                    Q["mark_scored"], {"model": model_id, "now": datetime.now(timezone.utc), "tagged_by": tagged_by}
                )
            finally:
                conn.unregister("ids")
                conn.unregister("batch")
            if cache is not None and cache.num_rows:
                _run_with_batch(conn, cache, Q["insert_score_cache"])

    # --- topics -----------------------------------------------------------------------------

    def documents_to_tag(self, fingerprint: str, limit: int = 500) -> list[str]:
        """Scored documents whose sentences carry no topics or another tagger's (definitions changed)."""
        with self.read() as conn:
            rows = conn.execute(Q["documents_to_tag"], {"fingerprint": fingerprint, "limit": limit}).fetchall()
        return [r[0] for r in rows]

    def sentences_of(self, doc_ids: Sequence[str]) -> list[tuple[Sentence, str | None]]:
        """The stored sentences of these documents, with their language."""
        with self.read() as conn:
            rows = conn.execute(Q["sentences_of"], {"doc_ids": list(doc_ids)}).fetchall()
        return [
            (Sentence(doc_id, sent_no, text, turn_no), language) for doc_id, sent_no, turn_no, text, language in rows
        ]

    def save_tags(self, doc_ids: Sequence[str], tags: Sequence[SentenceTags], fingerprint: str) -> None:
        """Set the topics and AI mentions of these documents' sentences (scores stay as they are)
        and mark the documents tagged, in one transaction."""
        batch = _table([t.__dict__ for t in tags], TAGS_SCHEMA)
        ids = pa.table({"doc_id": pa.array(list(doc_ids), pa.string())})
        with self.write() as conn:
            conn.register("ids", ids)
            conn.register("batch", batch)
            try:
                conn.execute(Q["update_sentence_tags"])
                conn.execute(Q["mark_tagged"], {"fingerprint": fingerprint})
            finally:
                conn.unregister("ids")
                conn.unregister("batch")

    def save_topic_definitions(self, definitions: Sequence[TopicDefinition], fingerprint: str) -> bool:
        """Keep `topic_definitions` equal to the topics in use; False when it was already."""
        with self.read() as conn:
            stored = conn.execute(Q["topic_fingerprints"]).fetchall()
        if stored == [(fingerprint,)]:
            return False
        now = datetime.now(timezone.utc)
        rows = [
            {
                "name": t.name,
                "position": i,
                "description": t.description,
                "phrases": list(t.phrases),
                "exclude": list(t.exclude),
                "fingerprint": fingerprint,
                "updated_at": now,
            }
            for i, t in enumerate(definitions)
        ]
        with self.write() as conn:
            conn.execute(Q["delete_topic_definitions"])
            _run_with_batch(conn, _table(rows, TOPIC_SCHEMA), Q["insert_topic_definitions"])
        return True

    # --- runs ---------------------------------------------------------------------------------

    def start_run(self, pid: int, started_at: datetime) -> int:
        with self.write() as conn:
            conn.execute(Q["abandon_runs"])
            run_id = int(db.scalar(conn, Q["next_run_id"]))
            conn.execute(Q["insert_run"], {"run_id": run_id, "started_at": started_at, "pid": pid})
        return run_id

    def finish_run(
        self, run_id: int, *, status: str, counts: dict[str, Any], warnings: list[str], error: str | None
    ) -> None:
        with self.write() as conn:
            conn.execute(
                Q["finish_run"],
                {
                    "run_id": run_id,
                    "finished_at": datetime.now(timezone.utc),
                    "status": status,
                    "counts": json.dumps(counts, default=str),
                    "warnings": warnings,
                    "error": error,
                },
            )


def _table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def _run_with_batch(conn: duckdb.DuckDBPyConnection, batch: pa.Table, *statements: str) -> None:
    if batch.num_rows == 0:
        return
    conn.register("batch", batch)
    try:
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.unregister("batch")


def _feed_item_json(item: FeedItem | None) -> str | None:
    if item is None:
        return None
    return json.dumps({k: v.isoformat() if isinstance(v, datetime) else v for k, v in item.__dict__.items()})


def _feed_item(text: str | None) -> FeedItem | None:
    if text is None:
        return None
    fields = json.loads(text)
    for key in ("published_at", "updated_at"):
        if fields.get(key):
            fields[key] = datetime.fromisoformat(fields[key])
    return FeedItem(**fields)


def _turn_row(doc_id: str, turn_no: int, turn: Turn) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "turn_no": turn_no,
        "speaker": turn.speaker,
        "role": turn.role,
        "section": turn.section,
        "text": turn.text,
    }


def sentence_row(s: ScoredSentence, model_id: str) -> dict[str, Any]:
    """A row of SENTENCE_SCHEMA: of the sentences table, and of the Parquet lake's sentences."""
    score = s.score.__dict__ if s.score is not None else {}
    return {
        "doc_id": s.sentence.doc_id,
        "sent_no": s.sentence.sent_no,
        "turn_no": s.sentence.turn_no,
        "text": s.sentence.text,
        "language": s.language,
        "model": model_id if s.score else None,
        "topics": s.topics,
        "ai_mentions": s.ai_mentions,
        **score,
    }
