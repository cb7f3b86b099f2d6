"""Build scored documents day by day for the alerts tests, stored through the real Store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from hypewatch.records import Document, Score, ScoredSentence, Sentence, make_doc_id
from hypewatch.storage import Store

MODEL = "test-model"


@dataclass
class Corpus:
    docs: list[Document] = field(default_factory=list)
    sentences: list[ScoredSentence] = field(default_factory=list)

    def add(
        self,
        day: date,
        *,
        hype: int = 0,
        skeptic: int = 0,
        neutral: int = 0,
        fatigue: int = 0,
        docs: int = 1,
        source: str = "wire",
        kind: str = "news",
        tickers: tuple[str, ...] = (),
        title: str | None = None,
        url: str | None = None,
        hype_text: str | None = None,
        p: float | None = None,
    ) -> None:
        """`docs` documents published on `day`, each with these sentence counts
        (fatigue sentences are neutral ones flagged as fatigue); `p` fixes their probabilities."""
        for _ in range(docs):
            n = len(self.docs)
            doc_url = url or f"https://{source}.example/{day.isoformat()}/{n}"
            doc = Document(
                doc_id=make_doc_id(f"{doc_url}#{n}"),
                source=source,
                kind=kind,
                url=doc_url,
                title=title or f"Story {n} of {day}",
                published_at=datetime.combine(day, time(12), timezone.utc),
                fetched_at=datetime.now(timezone.utc),
                language="en",
                tickers=list(tickers),
                text="...",
            )
            self.docs.append(doc)
            labels = ["hype"] * hype + ["skeptic"] * skeptic + ["neutral"] * (neutral + fatigue)
            for no, label in enumerate(labels):
                is_fatigue = label == "neutral" and no >= hype + skeptic + neutral
                text = (
                    hype_text
                    if label == "hype" and hype_text
                    else f"{'fatigue' if is_fatigue else label} sentence {no} of doc {n}"
                )
                prob = p or 0.6 + 0.3 * ((n * 7 + no) % 10) / 10  # distinct probabilities for ranking
                score = Score(
                    label=label,
                    p_hype=prob if label == "hype" else 0.05,
                    p_skeptic=prob if label == "skeptic" else 0.05,
                    p_neutral=prob if label == "neutral" else 0.05,
                    fatigue=is_fatigue,
                    p_fatigue=prob if is_fatigue else 0.01,
                )
                self.sentences.append(ScoredSentence(Sentence(doc.doc_id, no, text), score, "en"))

    def save(self, store: Store) -> None:
        store.add_documents(self.docs)
        store.save_scores([d.doc_id for d in self.docs], self.sentences, MODEL)


# A daily wobble so the baseline has a spread: hype_index stays between about 0.4 and 0.7.
HYPE_WOBBLE = [7, 8, 6, 7, 9, 7, 8]
SKEPTIC_WOBBLE = [2, 1, 2, 2, 1, 2, 1]


def steady_then_shift(
    corpus: Corpus,
    first: date,
    days: int,
    shift_from: date | None,
    *,
    source: str = "wire",
    kind: str = "news",
    docs: int = 2,
    tickers: tuple[str, ...] = (),
) -> None:
    """Hype-leaning days, turning skeptic (hype_index about -0.6) from `shift_from` on."""
    for i in range(days):
        day = date.fromordinal(first.toordinal() + i)
        if shift_from is not None and day >= shift_from:
            corpus.add(day, hype=2, skeptic=8, neutral=5, docs=docs, source=source, kind=kind, tickers=tickers)
        else:
            corpus.add(
                day,
                hype=HYPE_WOBBLE[i % 7],
                skeptic=SKEPTIC_WOBBLE[i % 7],
                neutral=5,
                docs=docs,
                source=source,
                kind=kind,
                tickers=tickers,
            )
