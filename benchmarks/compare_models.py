"""Models side by side, in one run: the shipped scorer against a full fine-tune (or any others).

    python benchmarks/compare_models.py [MODEL ...] [--real dev|test|all|none] [--n 3000] [--frozen]

MODEL is anything `model.name` accepts (default: "default", the shipped model, and
models/hypewatch-full when it is there: build it with the same recipe and data as the shipped one
by `hypewatch train --full --real ../shared --out models/hypewatch-full`). For each model: what it
adds to the packaged encoder on disk, macro-F1 / fatigue F1 on the written held-out split in fp32
and int8, int8 labels equal to fp32's on real sentences, scoring speed (int8, the CPU default) on
--n real sentences, and the real-text figures of `benchmarks/real_sentences.py` on --real (a
warning says when a model learned from those files). --frozen adds the frozen encoder with a
logistic regression, the floor any fine-tuning must beat.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

from hypewatch.nlp import model as mt  # noqa: E402
from hypewatch.nlp.corpus import Example, load_corpus, split  # noqa: E402
from hypewatch.nlp.evaluate import EvalReport, evaluate, score_examples  # noqa: E402
from hypewatch.nlp.scorer import Scorer, model_folder  # noqa: E402
from hypewatch.records import LABELS, Score  # noqa: E402


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    from transformers import AutoModel, AutoTokenizer

    path = mt.default_encoder_path()
    tokenizer, encoder = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            enc = tokenizer(
                texts[i : i + batch_size], padding=True, truncation=True, max_length=128, return_tensors="pt"
            )
            pooled = mt.mean_pool(encoder(**enc).last_hidden_state, enc["attention_mask"])
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out)


def frozen_baseline(train, heldout) -> EvalReport:
    from sklearn.linear_model import LogisticRegression

    X = embed([e.text for e in train + heldout])
    X_train, X_test = X[: len(train)], X[len(train) :]
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


def added_bytes(folder: Path) -> int:
    """What the model adds to the packaged encoder: the adapter folder, or the whole fine-tuned folder."""
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file() and not p.name.startswith("int8-"))


def compare(name: str, heldout: list[Example], real_rows: list[dict], sample: list[str]) -> dict:
    folder = model_folder(name, ROOT)
    row: dict = {"model": name, "MB": added_bytes(folder) / 2**20 if folder.is_dir() else float("nan")}
    meta = mt.load_meta(folder)
    row["method"] = meta.training.get("method", "full")
    scorers = {p: Scorer.load(name, base_dir=ROOT, device="cpu", precision=p) for p in ("fp32", "int8")}
    row["id"] = scorers["int8"].model_id
    for precision, scorer in scorers.items():
        report = evaluate(scorer, heldout)
        row[f"held-out {precision}"] = f"{report.macro_f1:.3f} / {report.fatigue_f1:.3f}"
    labels = {p: [s.label for s in scorer.score(sample)] for p, scorer in scorers.items()}
    row["int8 = fp32 labels"] = f"{sum(a == b for a, b in zip(labels['fp32'], labels['int8'])) / len(sample):.1%}"
    timed = Scorer.load(name, base_dir=ROOT, device="cpu")  # a fresh cache: every sentence is scored
    start = time.perf_counter()
    timed.score(sample)
    row["int8 sent/s"] = f"{len(sample) / (time.perf_counter() - start):.0f}"
    if real_rows:
        learned = set(meta.training.get("real_files", []))
        examples = [Example(r["text"], r["label"], r["fatigue"], previous=r["previous"]) for r in real_rows]
        report = EvalReport.compare(examples, score_examples(scorers["int8"], examples), name)
        per_class = " / ".join(f"{report.per_class[lab].f1:.2f}" for lab in LABELS)
        seen = sum(r["file"] in learned for r in real_rows)
        row["real macro-F1 (hype/skeptic/neutral)"] = f"{report.macro_f1:.3f} ({per_class})" + (
            f" [learned from {seen} of {len(real_rows)}]" if seen else ""
        )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*")
    parser.add_argument("--real", choices=("dev", "test", "all", "none"), default="test")
    parser.add_argument("--n", type=int, default=3000, help="real sentences to time and compare labels on")
    parser.add_argument("--frozen", action="store_true", help="also the frozen encoder + logistic regression")
    args = parser.parse_args()
    models = args.models or ["default"] + (
        ["models/hypewatch-full"] if (ROOT / "models" / "hypewatch-full").is_dir() else []
    )

    heldout = split(load_corpus())["heldout"]
    real_rows: list[dict] = []
    sample = [e.text for e in heldout][: args.n]
    if (SHARED / "data").is_dir():
        from score import real_sentences

        from hypewatch.nlp.real_eval import load_real_examples

        sample = real_sentences(args.n)
        if args.real != "none":
            real_rows = load_real_examples(SHARED, half=None if args.real == "all" else args.real)
    print(
        f"held-out: {len(heldout)} written sentences; real: {len(real_rows)} labeled sentences ({args.real});"
        f" speed and int8 agreement on {len(sample)} sentences; {torch.get_num_threads()} CPU threads\n"
    )
    if args.frozen:
        parts = split(load_corpus())
        print(frozen_baseline(parts["train"] + parts["validation"], heldout).format(), "\n")
    rows = [compare(name, heldout, real_rows, sample) for name in models]
    for key in rows[0]:
        print(
            f"{key:<38}"
            + "".join(f"{str(r[key]) if not isinstance(r[key], float) else f'{r[key]:.2f}':<44}" for r in rows)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
