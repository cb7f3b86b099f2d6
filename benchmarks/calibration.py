"""Calibration of the scorer's probabilities: expected calibration error before and after.

    python benchmarks/calibration.py [MODEL] [--real dev|test|all|none] [--precision auto|fp32|int8]

MODEL is anything `model.name` accepts (default: "default", models/hypewatch-minilm). Its sentences
are scored once without calibration; then each calibration is applied to those scores: the
model's own (hypewatch.json, fitted by `hypewatch train` on the validation slice), and temperature
and vector scaling fitted here on the written validation slice. Prints, before and after each, for
the written validation slice, the written held-out split and, with ../shared beside the repo, the
labeled real sentences (nlp.real_eval; the dev half by default):

- ECE: top-label expected calibration error (15 bins); classwise ECE; log-loss;
- macro-F1 (temperature scaling never changes a label; vector scaling may);
- fatigue ECE; mean p_hype / p_skeptic against the share of hype / skeptic sentences;
- on real calls, per source file: how far the call's hype and skeptic shares land from the
  labelers', counted by label and as expected sentences (sums of probabilities).

A model that learned from real files (the shipped one learns from both halves) is not scored on
unseen text there: a warning says so.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def figures(examples, scores) -> dict[str, float]:
    from hypewatch.nlp import calibration as cal
    from hypewatch.nlp.evaluate import EvalReport
    from hypewatch.records import LABELS

    labels = [LABELS.index(e.label) for e in examples]
    p = cal.stance_probabilities(scores)
    n = max(len(examples), 1)
    return {
        "ECE": cal.expected_calibration_error(p, labels),
        "classwise ECE": cal.classwise_calibration_error(p, labels),
        "log-loss": cal.log_loss(p, labels),
        "macro-F1": EvalReport.compare(examples, scores).macro_f1,
        "fatigue ECE": cal.binary_calibration_error([s.p_fatigue for s in scores], [e.fatigue for e in examples]),
        "mean p_hype": sum(s.p_hype for s in scores) / n,
        "hype share": sum(e.label == "hype" for e in examples) / n,
        "mean p_skeptic": sum(s.p_skeptic for s in scores) / n,
        "skeptic share": sum(e.label == "skeptic" for e in examples) / n,
    }


def per_call(rows, examples, scores) -> dict[str, float]:
    """Mean |share - labelers' share| over source files (calls and pages), by label count and by
    expected count, for hype and skeptic."""
    by_file: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_file[row["file"]].append(i)
    errors: dict[str, list[float]] = defaultdict(list)
    for members in by_file.values():
        if len(members) < 20:  # a handful of labeled sentences says little about a call
            continue
        for label, field in (("hype", "p_hype"), ("skeptic", "p_skeptic")):
            gold = sum(examples[i].label == label for i in members) / len(members)
            counted = sum(scores[i].label == label for i in members) / len(members)
            expected = sum(getattr(scores[i], field) for i in members) / len(members)
            errors[f"{label} share, by label"].append(abs(counted - gold))
            errors[f"{label} share, expected"].append(abs(expected - gold))
    return {name: statistics.fmean(values) for name, values in errors.items()} | {
        "files": len(next(iter(errors.values()), []))
    }


def print_table(title: str, columns: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"  {'':<30}" + "".join(f"{name:>13}" for name in columns))
    first = next(iter(columns.values()))
    for row in first:
        if row not in ("hype share", "skeptic share", "files"):
            print(f"  {row:<30}" + "".join(f"{c[row]:>13.4f}" for c in columns.values()))
    for row in ("hype share", "skeptic share"):
        if row in first:
            print(f"  {row + ' (labelers)':<30}{first[row]:>13.4f}")
    if "files" in first:
        print(f"  (over {first['files']:.0f} source files with >= 20 labeled sentences)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="default")
    parser.add_argument("--real", choices=("dev", "test", "all", "none"), default="dev")
    parser.add_argument("--precision", choices=("auto", "fp32", "int8"), default="auto")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    from hypewatch.nlp import calibration as cal
    from hypewatch.nlp import model as mt
    from hypewatch.nlp.corpus import Example, load_corpus, split
    from hypewatch.nlp.evaluate import score_examples
    from hypewatch.nlp.scorer import ModelNotFoundError, Scorer, model_folder

    try:
        scorer = Scorer.load(args.model, base_dir=ROOT, device="cpu", precision=args.precision)
    except ModelNotFoundError as exc:
        print(f"skipped: {exc}")
        return 0
    own, scorer.calibration = scorer.calibration, None  # score once, uncalibrated
    parts = split(load_corpus())
    validation = score_examples(scorer, parts["validation"])
    gold = ([e.label for e in parts["validation"]], [e.fatigue for e in parts["validation"]])
    candidates = {"model's own": own} if own else {}
    candidates |= {method: cal.fit(validation, *gold, method=method) for method in ("temperature", "vector")}
    print(f"model        {scorer.model_id}")
    for name, calibration in candidates.items():
        print(f"{name:<12} {calibration.describe()}")
    print(
        "(temperature and vector: fitted here on the written validation slice;"
        f" auto would keep {cal.fit(validation, *gold).method})"
    )

    def columns(examples, scores, summarise=figures, rows=None):
        found = {"before": summarise(*([rows] if rows else []), examples, scores)}
        for name, calibration in candidates.items():
            found[name] = summarise(*([rows] if rows else []), examples, cal.apply(calibration, scores))
        return found

    print_table(
        f"written validation slice (fitted on): {len(validation)} sentences", columns(parts["validation"], validation)
    )
    heldout = parts["heldout"]
    print_table(f"written held-out split: {len(heldout)} sentences", columns(heldout, score_examples(scorer, heldout)))

    if args.real == "none":
        return 0
    if not (SHARED / "data").is_dir():
        print(f"\nreal sentences skipped: {SHARED / 'data'} is not here")
        return 0
    from hypewatch.nlp.real_eval import load_real_examples

    rows = load_real_examples(SHARED, half=None if args.real == "all" else args.real)
    examples = [Example(r["text"], r["label"], r["fatigue"], previous=r["previous"]) for r in rows]
    folder = model_folder(args.model, ROOT)
    learned = set(mt.load_meta(folder).training.get("real_files", [])) if mt.is_hypewatch_folder(folder) else set()
    seen = {r["file"] for r in rows} & learned
    if seen:
        print(f"\nwarning: the model learned from {len(seen)} of these source files: not unseen text")
    scores = score_examples(scorer, examples)
    print_table(f"real sentences ({args.real}): {len(examples)}", columns(examples, scores))
    print_table("real sources: |share - labelers' share| per file", columns(examples, scores, per_call, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
