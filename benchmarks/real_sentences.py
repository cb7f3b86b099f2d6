"""The scorer on real sentences nobody wrote for it: transcripts and article pages in ../shared.

    python benchmarks/real_sentences.py [MODEL] [--half dev|test|all] [--errors]

MODEL is anything `model.name` accepts (default: "default", the shipped model in
nlp/shipped/hypewatch-minilm). The labels live in nlp/data/real/real_eval.jsonl by reference only (the sources are
copyrighted); nlp.real_eval recovers the text from ../shared/data. Prints per-class precision /
recall / F1, macro-F1, fatigue F1 and the confusion matrix; --errors also lists the misses, to
read here, never to commit.

The set has a dev half (tune and read errors on it) and a test half (nlp.real_eval.half_of, by
source file). The default is dev; score test only to report a final choice, and never list its
errors: --errors is refused for it. The shipped model learns from both halves, so its figures here
are not on unseen text (a warning says so): measure a recipe on the test half with a model from
`hypewatch train --real ../shared --dev-only`, or with benchmarks/real_folds.py --within test.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def print_by_source(examples: list, predicted: list, files: list[str]) -> None:
    """Per source folder: whole calls of AI companies, other companies' calls and news pages differ
    a lot; "stance on neutral" is the share of neutral sentences the model gave hype or skeptic,
    which is what moves the series on a call that has nothing to do with AI."""
    from hypewatch.nlp.evaluate import EvalReport

    print("\nby source folder          sentences  macro-F1  accuracy  stance on neutral")
    for folder in sorted({str(Path(f).parent) for f in files}):
        pairs = [(e, p) for e, p, f in zip(examples, predicted, files) if str(Path(f).parent) == folder]
        report = EvalReport.compare([e for e, _ in pairs], [p for _, p in pairs], "")
        neutral = [p for e, p in pairs if e.label == "neutral"]
        flagged = sum(p.label != "neutral" for p in neutral) / max(len(neutral), 1)
        print(f"{folder:<26}{len(pairs):>9}  {report.macro_f1:>8.3f}  {report.accuracy:>8.3f}  {flagged:>17.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="default")
    parser.add_argument("--half", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--errors", action="store_true", help="list the misclassified sentences (dev only)")
    args = parser.parse_args()
    if args.errors and args.half != "dev":
        parser.error("--errors reads the sentences; only the dev half may be read")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    from hypewatch.nlp import model as mt
    from hypewatch.nlp.corpus import Example
    from hypewatch.nlp.evaluate import EvalReport, score_examples
    from hypewatch.nlp.real_eval import REFERENCES_FILE, load_real_examples, parse_references
    from hypewatch.nlp.scorer import ModelNotFoundError, Scorer, model_folder

    if not (SHARED / "data").is_dir():
        print(f"skipped: {SHARED / 'data'} is not here")
        return 0
    half = None if args.half == "all" else args.half
    rows = load_real_examples(SHARED, half=half)
    examples = [Example(e["text"], e["label"], e["fatigue"], previous=e["previous"]) for e in rows]
    refs = parse_references(REFERENCES_FILE.read_text(encoding="utf-8").splitlines())
    n_refs = sum(half in (None, r.half) for r in refs)
    print(f"real sentences  {len(examples)} of {n_refs} references resolved ({args.half})")
    try:
        scorer = Scorer.load(args.model, base_dir=ROOT, device="cpu")
    except ModelNotFoundError as exc:
        print(f"skipped: {exc}")
        return 0

    folder = model_folder(args.model, ROOT)
    learned = set(mt.load_meta(folder).training.get("real_files", [])) if mt.is_hypewatch_folder(folder) else set()
    seen = [r for r in rows if r["file"] in learned]
    if seen:
        print(
            f"warning: the model learned from {len({r['file'] for r in seen})} of these source files"
            f" ({len(seen)} sentences): these figures are not on unseen text"
        )
    predicted = score_examples(scorer, examples)
    print(EvalReport.compare(examples, predicted, scorer.model_id).format())
    false_alarms = sum(p.fatigue and not e.fatigue for e, p in zip(examples, predicted))
    print(f"fatigue false alarms  {false_alarms}")
    print_by_source(examples, predicted, [e["file"] for e in rows])
    if args.errors:
        print("\nmisses (gold -> predicted)")
        for e, p in zip(examples, predicted):
            if e.label != p.label or e.fatigue != p.fatigue:
                flags = f"{'F' if e.fatigue else '-'}->{'F' if p.fatigue else '-'}"
                print(f"{e.label:>8} -> {p.label:<8} {flags}  {e.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
