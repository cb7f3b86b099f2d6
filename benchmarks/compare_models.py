"""Frozen encoder + logistic regression against the fine-tuned model, on the held-out split.

    python benchmarks/compare_models.py [MODEL_DIR]     (default: models/hypewatch-minilm)

The frozen baseline trains on the same train + validation sentences the fine-tuned model saw.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypewatch.records import LABELS, Score  # noqa: E402
from nlp import model as mt  # noqa: E402
from nlp.corpus import load_corpus, split  # noqa: E402
from nlp.evaluate import EvalReport, evaluate  # noqa: E402
from nlp.scorer import Scorer  # noqa: E402


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    from transformers import AutoModel, AutoTokenizer

    path = mt.default_encoder_path()
    tokenizer, encoder = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            enc = tokenizer(texts[i:i + batch_size], padding=True, truncation=True, max_length=128, return_tensors="pt")
            pooled = mt.mean_pool(encoder(**enc).last_hidden_state, enc["attention_mask"])
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out)


def frozen_baseline(train, heldout) -> EvalReport:
    X = embed([e.text for e in train + heldout])
    X_train, X_test = X[: len(train)], X[len(train):]
    stance = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced").fit(X_train, [e.label for e in train])
    fatigue = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced").fit(X_train, [e.fatigue for e in train])
    probs = stance.predict_proba(X_test)
    cols = [list(stance.classes_).index(lab) for lab in LABELS]
    p_fatigue = fatigue.predict_proba(X_test)[:, list(fatigue.classes_).index(True)]
    scores = [
        Score(LABELS[int(np.argmax(p[cols]))], *map(float, p[cols]), fatigue=bool(pf >= 0.5), p_fatigue=float(pf))
        for p, pf in zip(probs, p_fatigue)
    ]
    return EvalReport.compare(heldout, scores, "frozen all-MiniLM-L6-v2 + logistic regression")


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "models" / "hypewatch-minilm"
    parts = split(load_corpus())
    heldout = parts["heldout"]
    print(f"held-out sentences: {len(heldout)}\n")
    t = time.perf_counter()
    print(frozen_baseline(parts["train"] + parts["validation"], heldout).format())
    print(f"({time.perf_counter() - t:.0f} s)\n")
    for quantize in (False, True):
        print(evaluate(Scorer.load(str(folder), device="cpu", precision="int8" if quantize else "fp32"), heldout).format(), "\n")


if __name__ == "__main__":
    main()
