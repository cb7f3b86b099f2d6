"""Topic tagging: precision and recall per topic, phrase lists against embedding similarity.

    python benchmarks/topics.py [--methods phrases,description,examples,head,mix] [--errors]

Samples (nlp/topic_eval.py): `tune` (written, what the phrase lists and every threshold below were
tuned on: in-sample), `tune_real` (three other real calls the phrase lists were extended on:
in-sample), `heldout` (written, kept apart) and `real` (three real calls under ../shared/data
labeled sentence by sentence, kept apart). The real samples are skipped without ../shared.

Methods:
- phrases: the shipped tagger (nlp/topics.py, default topics of nlp/topics.yaml);
- description: cosine similarity of the sentence to the topic's description, in the embedding
  space of all-MiniLM-L6-v2 (the encoder the scorer is fine-tuned from), one threshold per topic
  chosen for the best F1 on `tune`;
- examples: the highest similarity to the description or to any of the topic's phrases;
- head: a logistic-regression head per topic on the same embeddings, trained on `tune`;
- mix: phrases, plus `examples` above a threshold chosen on `tune` for the best F1 of the union.
Then the tagger's speed (CPU time per sentence) on 5,000 real sentences.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
METHODS = ("phrases", "description", "examples", "head", "mix")


def _embedder():
    from sentence_transformers import SentenceTransformer

    from hypewatch.nlp.model import default_encoder_path

    model = SentenceTransformer(str(default_encoder_path()), device="cpu")
    cache: dict[str, np.ndarray] = {}

    def embed(texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            for text, vector in zip(todo, model.encode(todo, batch_size=64, normalize_embeddings=True)):
                cache[text] = vector
        return np.stack([cache[t] for t in texts])

    return embed


def _best_threshold(scores: np.ndarray, truth: np.ndarray, base: np.ndarray | None = None) -> float:
    """The threshold with the best F1 on the tuning sample (of `base | scores >= t` when given)."""
    best, best_f1 = 1.0, -1.0
    for t in np.unique(np.round(scores, 3)):
        pred = scores >= t
        if base is not None:
            pred = pred | base
        tp = np.sum(pred & truth)
        f1 = 2 * tp / (np.sum(pred) + np.sum(truth)) if np.sum(pred) + np.sum(truth) else 0.0
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def _prototype_texts(topic) -> list[str]:
    return [topic.description] + [p.replace("*", "").replace("...", " ") for p in topic.phrases]


def build_methods(names: list[str], wanted: list[str], tune) -> dict:
    from hypewatch.nlp.topics import TopicTagger, default_ai_terms, default_topics

    topics = default_topics()
    tagger = TopicTagger(topics, default_ai_terms())
    methods = {}
    if "phrases" in wanted:
        methods["phrases"] = lambda texts: [tagger.topics_of(t) for t in texts]
    if not set(wanted) - {"phrases"}:
        return methods
    embed = _embedder()
    tune_vectors = embed([r.text for r in tune])
    truth = {n: np.array([n in r.topics for r in tune]) for n in names}

    def similarity(kind: str):
        protos = {t.name: embed([t.description] if kind == "description" else _prototype_texts(t)) for t in topics}
        return lambda vectors: {n: (vectors @ protos[n].T).max(axis=1) for n in names}

    for kind in ("description", "examples"):
        if kind in wanted or (kind == "examples" and "mix" in wanted):
            score = similarity(kind)
            tuned = score(tune_vectors)
            thresholds = {n: _best_threshold(tuned[n], truth[n]) for n in names}
            methods[kind] = _thresholded(embed, score, thresholds, names)
    if "head" in wanted:
        from sklearn.linear_model import LogisticRegression

        heads = {
            n: LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(tune_vectors, truth[n])
            for n in names
        }
        methods["head"] = lambda texts: _rows(names, {n: heads[n].predict(embed(texts)).astype(bool) for n in names})
    if "mix" in wanted:
        score = similarity("examples")
        tuned = score(tune_vectors)
        phrase_hits = {n: np.array([n in tagger.topics_of(r.text) for r in tune]) for n in names}
        thresholds = {n: _best_threshold(tuned[n], truth[n], phrase_hits[n]) for n in names}
        similar = _thresholded(embed, score, thresholds, names)
        methods["mix"] = lambda texts: [
            sorted(set(a) | set(b)) for a, b in zip((tagger.topics_of(t) for t in texts), similar(texts))
        ]
    return {m: methods[m] for m in wanted if m in methods}


def _thresholded(embed, score, thresholds: dict[str, float], names: list[str]):
    def predict(texts: list[str]) -> list[list[str]]:
        scores = score(embed(texts))
        return _rows(names, {n: scores[n] >= thresholds[n] for n in names})

    return predict


def _rows(names: list[str], hits: dict[str, np.ndarray]) -> list[list[str]]:
    count = len(next(iter(hits.values())))
    return [[n for n in names if hits[n][i]] for i in range(count)]


def main() -> None:
    from hypewatch.nlp.topic_eval import HELDOUT_FILE, TUNE_FILE, load_real_sample, load_sample, measure
    from hypewatch.nlp.topics import TopicTagger, default_ai_terms, default_topics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--errors", action="store_true", help="print the phrase tagger's mistakes on the tune sample")
    args = parser.parse_args()
    wanted = [m for m in args.methods.split(",") if m]
    names = [t.name for t in default_topics()]
    samples = {"tune": load_sample(TUNE_FILE), "heldout": load_sample(HELDOUT_FILE)}
    from hypewatch.nlp.topic_eval import REAL_FILE, TUNE_REAL_FILE

    if SHARED.is_dir() and TUNE_REAL_FILE.is_file():
        samples["tune_real"] = load_real_sample(SHARED, TUNE_REAL_FILE)[0]
    if SHARED.is_dir() and REAL_FILE.is_file():
        real, missing = load_real_sample(SHARED)
        samples["real"] = real
        if missing:
            print(f"(real sample: {missing} referenced sentences not found under {SHARED})")
    methods = build_methods(names, wanted, samples["tune"])
    summary = []
    for sample_name, sample in samples.items():
        for method, predict in methods.items():
            report = measure(predict, sample, names)
            note = " (in-sample: tuned on it)" if sample_name.startswith("tune") else ""
            print(f"\n== {method} on {sample_name}, {len(sample)} sentences{note}\n{report.format()}")
            summary.append((sample_name, method, report))
    print(f"\n{'sample':<9}{'method':<13}{'micro P':>8}{'micro R':>8}{'micro F1':>9}{'macro F1':>9}")
    for sample_name, method, report in summary:
        m = report.micro
        print(f"{sample_name:<11}{method:<13}{m.precision:>8.2f}{m.recall:>8.2f}{m.f1:>9.2f}{report.macro_f1:>9.2f}")

    tagger = TopicTagger(default_topics(), default_ai_terms())
    if args.errors:
        print("\nphrase tagger on tune: + topics it gave wrongly, - topics it missed")
        for row in samples["tune"]:
            got = set(tagger.topics_of(row.text))
            if got != row.topics:
                print(f"  +{sorted(got - row.topics)} -{sorted(row.topics - got)}  {row.text}")
    texts = [r.text for r in samples.get("real", [])] or [r.text for s in samples.values() for r in s]
    texts = (texts * (5000 // len(texts) + 1))[:5000]
    start = time.process_time()
    tagger.tag_all(texts)
    print(
        f"\nphrase tagger: {1e6 * (time.process_time() - start) / len(texts):.0f} µs of CPU per sentence "
        f"({len(texts)} sentences; benchmarks/score.py sets it against scoring)"
    )


if __name__ == "__main__":
    main()
