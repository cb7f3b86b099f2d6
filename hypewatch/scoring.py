"""The score stage: documents stored but not yet scored by this model get sentences, scores,
topics and AI-mention counts; documents scored before get topics again when the topic
definitions changed, without scoring them again.

Resumable by construction: a document is marked scored (and tagged) in the same transaction that
stores its sentences, so a run killed midway leaves the rest for the next run and scores nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Container
from typing import Any, Protocol

from hypewatch.nlp.calibration import Calibration
from hypewatch.nlp.sentences import document_sentences
from hypewatch.nlp.topics import TopicTagger
from hypewatch.storage import DatabaseBusy, Store
from hypewatch.storage.store import score_key

from .progress import progress_bar
from .records import Document, Score, ScoredSentence, Sentence, SentenceTags

logger = logging.getLogger(__name__)

BATCH_DOCS = 64


class SentenceScorer(Protocol):
    model_id: str
    # The kinds of source whose sentences the model reads after the sentence before them (none for
    # a model without context; the shipped one reads transcripts so, and news sentence by sentence).
    context_kinds: frozenset[str]
    calibration: Calibration | None  # its kind temperatures are applied here, where the source is known

    def score(self, texts: list[str], previous: list[str] | None = None) -> list[Score]: ...


def no_counts() -> dict[str, int]:
    return {"documents": 0, "sentences": 0, "scored": 0, "from_cache": 0, "not_english": 0}


def score_pending(
    store: Store,
    scorer: SentenceScorer,
    tagger: TopicTagger | None = None,
    *,
    progress: bool = False,
    batch_docs: int = BATCH_DOCS,
    warn: Callable[[str], None] = logger.warning,
) -> dict[str, Any]:
    """Score (and tag) every stored document this model has not scored, a batch per transaction.

    A database held by a reader past the write's wait stops the stage with a warning: what is
    scored is stored, the rest stays unscored for the next run."""
    from hypewatch.nlp.onnx_scorer import precision_variants

    counts = no_counts()
    alike = precision_variants(scorer.model_id)
    with progress_bar("scoring", enabled=progress) as bar:
        while docs := store.documents_to_score(scorer.model_id, limit=batch_docs, scored_alike=alike):
            scored = score_documents(store, scorer, docs, counts, tagger)
            try:
                store.save_scores(
                    [d.doc_id for d in docs], scored, scorer.model_id, tagged_by=tagger.fingerprint if tagger else None
                )
            except DatabaseBusy as exc:
                warn(f"scoring stopped, the rest is left for the next run: {exc}")
                break
            counts["documents"] += len(docs)
            bar.advance(len(docs))
    return counts


def score_documents(
    store: Store,
    scorer: SentenceScorer,
    docs: list[Document],
    counts: dict[str, int],
    tagger: TopicTagger | None = None,
) -> list[ScoredSentence]:
    """Sentences of these documents, scored (and tagged); those this model scored before come
    from the database."""
    sentences = sentence_pairs(docs)
    reads = model_inputs(sentences, scorer.context_kinds)
    kinds = calibrated_kinds(sentences, scorer.calibration)
    known = store.cached_scores(
        [
            score_key(text, previous, kind)
            for (doc, _), (text, previous), kind in zip(sentences, reads, kinds)
            if _is_english(doc.language)
        ],
        scorer.model_id,
    )
    return _scored(sentences, reads, kinds, scorer, known, counts, tagger)


def sentence_pairs(docs: list[Document]) -> list[tuple[Document, Sentence]]:
    """Each document's sentences, with the document they belong to."""
    return [(doc, s) for doc in docs for s in document_sentences(doc)]


def model_inputs(sentences: list[tuple[Document, Sentence]], context_kinds: Container[str]) -> list[tuple[str, str]]:
    """What the model reads for each sentence: (its text, the sentence before it in its document),
    the one before "" for the first sentence of a document and for a source whose kind the model
    does not read with context (`context_kinds`)."""
    texts = {(s.doc_id, s.sent_no): s.text for doc, s in sentences if doc.kind in context_kinds}
    return [(s.text, texts.get((s.doc_id, s.sent_no - 1), "")) for _, s in sentences]


def calibrated_kinds(sentences: list[tuple[Document, Sentence]], calibration: Calibration | None) -> list[str]:
    """The kind of each sentence's source where the model has a temperature of its own for that
    kind, else "": part of what its score depends on, and so of its key in the score cache."""
    own = calibration.kind_temperature if calibration is not None else {}
    return [doc.kind if doc.kind in own else "" for doc, _ in sentences]


def score_sentences(
    sentences: list[tuple[Document, Sentence]], scorer: SentenceScorer, counts: dict[str, int] | None = None
) -> list[ScoredSentence]:
    """score_documents on sentences already split, without a database: a Ray actor's work
    (splitting runs in tasks of its own, on every CPU of the cluster). No topics: documents
    imported from its output get them from the next run's score stage (tag_pending)."""
    reads = model_inputs(sentences, scorer.context_kinds)
    kinds = calibrated_kinds(sentences, scorer.calibration)
    return _scored(sentences, reads, kinds, scorer, {}, counts if counts is not None else no_counts())


def _scored(
    sentences: list[tuple[Document, Sentence]],
    reads: list[tuple[str, str]],
    kinds: list[str],
    scorer: SentenceScorer,
    known: dict[str, Score],
    counts: dict[str, int],
    tagger: TopicTagger | None = None,
) -> list[ScoredSentence]:
    inputs = list(zip(reads, kinds))
    english = [given for (doc, _), given in zip(sentences, inputs) if _is_english(doc.language)]
    fresh = sorted({given for given in english if score_key(*given[0], given[1]) not in known})
    fresh_scores = scorer.score([text for (text, _), _ in fresh], previous=[previous for (_, previous), _ in fresh])
    if scorer.calibration is not None:
        fresh_scores = scorer.calibration.for_kinds(fresh_scores, [kind for _, kind in fresh])
    for ((text, previous), kind), score in zip(fresh, fresh_scores):
        known[score_key(text, previous, kind)] = score
    counts["sentences"] += len(sentences)
    counts["scored"] += len(fresh)
    counts["from_cache"] += len(english) - len(fresh)
    counts["not_english"] += len(sentences) - len(english)
    scored = []
    for (doc, s), ((_, previous), kind) in zip(sentences, inputs):
        in_english = _is_english(doc.language)
        tags = tagger.tag(s.text) if tagger is not None and in_english else None
        scored.append(
            ScoredSentence(
                s,
                known[score_key(s.text, previous, kind)] if in_english else None,
                doc.language,
                tags.topics if tags else None,
                tags.ai_mentions if tags else None,
                previous=previous,
                calibrated_for=kind,
            )
        )
    return scored


def tag_pending(
    store: Store, tagger: TopicTagger, *, batch_docs: int = BATCH_DOCS * 4, warn: Callable[[str], None] = logger.warning
) -> int:
    """Give topics and AI-mention counts to the sentences of scored documents that have none, or
    have another tagger's (the topic definitions changed); scores stay. Returns how many documents."""
    done = 0
    while doc_ids := store.documents_to_tag(tagger.fingerprint, limit=batch_docs):
        tags = []
        for sentence, language in store.sentences_of(doc_ids):
            tagging = tagger.tag(sentence.text) if _is_english(language) else None
            tags.append(
                SentenceTags(
                    sentence.doc_id,
                    sentence.sent_no,
                    tagging.topics if tagging else None,
                    tagging.ai_mentions if tagging else None,
                )
            )
        try:
            store.save_tags(doc_ids, tags, tagger.fingerprint)
        except DatabaseBusy as exc:
            warn(f"tagging topics stopped, the rest is left for the next run: {exc}")
            break
        done += len(doc_ids)
    return done


def _is_english(language: str | None) -> bool:
    return language in (None, "en")
