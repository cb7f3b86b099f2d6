"""The score stage: documents stored but not yet scored by this model get sentences and scores.

Resumable by construction: a document is marked scored in the same transaction that stores its
sentences, so a run killed midway leaves the rest for the next run and scores nothing twice.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from nlp.sentences import document_sentences
from storage import DatabaseBusy, Store
from storage.store import text_hash

from .progress import progress_bar
from .records import Document, Score, ScoredSentence, Sentence

logger = logging.getLogger(__name__)

BATCH_DOCS = 64


class SentenceScorer(Protocol):
    model_id: str

    def score(self, texts: list[str]) -> list[Score]: ...


def no_counts() -> dict[str, int]:
    return {"documents": 0, "sentences": 0, "scored": 0, "from_cache": 0, "not_english": 0}


def score_pending(store: Store, scorer: SentenceScorer, *, progress: bool = False,
                  batch_docs: int = BATCH_DOCS, warn: Callable[[str], None] = logger.warning) -> dict[str, Any]:
    """Score every stored document this model has not scored, a batch per transaction.

    A database held by a reader past the write's wait stops the stage with a warning: what is
    scored is stored, the rest stays unscored for the next run."""
    from nlp.scorer import precision_variants

    counts = no_counts()
    alike = precision_variants(scorer.model_id)
    with progress_bar("scoring", enabled=progress) as bar:
        while docs := store.documents_to_score(scorer.model_id, limit=batch_docs, scored_alike=alike):
            scored = score_documents(store, scorer, docs, counts)
            try:
                store.save_scores([d.doc_id for d in docs], scored, scorer.model_id)
            except DatabaseBusy as exc:
                warn(f"scoring stopped, the rest is left for the next run: {exc}")
                break
            counts["documents"] += len(docs)
            bar.advance(len(docs))
    return counts


def score_documents(store: Store, scorer: SentenceScorer, docs: list[Document],
                    counts: dict[str, int]) -> list[ScoredSentence]:
    """Sentences of these documents, scored; those this model scored before come from the database."""
    sentences = sentence_pairs(docs)
    known = store.cached_scores([s.text for doc, s in sentences if _is_english(doc)], scorer.model_id)
    return _scored(sentences, scorer, known, counts)


def sentence_pairs(docs: list[Document]) -> list[tuple[Document, Sentence]]:
    """Each document's sentences, with the document they belong to."""
    return [(doc, s) for doc in docs for s in document_sentences(doc)]


def score_sentences(sentences: list[tuple[Document, Sentence]], scorer: SentenceScorer,
                    counts: dict[str, int] | None = None) -> list[ScoredSentence]:
    """score_documents on sentences already split, without a database: a Ray actor's work
    (splitting runs in tasks of its own, on every CPU of the cluster)."""
    return _scored(sentences, scorer, {}, counts if counts is not None else no_counts())


def _scored(sentences: list[tuple[Document, Sentence]], scorer: SentenceScorer, known: dict[str, Score],
            counts: dict[str, int]) -> list[ScoredSentence]:
    english = [s.text for doc, s in sentences if _is_english(doc)]
    fresh = sorted({t for t in english if text_hash(t) not in known})
    for text, score in zip(fresh, scorer.score(fresh)):
        known[text_hash(text)] = score
    counts["sentences"] += len(sentences)
    counts["scored"] += len(fresh)
    counts["from_cache"] += len(english) - len(fresh)
    counts["not_english"] += len(sentences) - len(english)
    return [
        ScoredSentence(s, known[text_hash(s.text)] if _is_english(doc) else None, doc.language)
        for doc, s in sentences
    ]


def _is_english(doc: Document) -> bool:
    return doc.language in (None, "en")
