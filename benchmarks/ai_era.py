"""The scorer on today's language: labeled sentences of 2024-25 AI-era calls it never learned from.

    python benchmarks/ai_era.py [MODEL ...] [--half test|dev] [--precision int8|fp32]

MODEL is anything `model.name` accepts (default: "default", the shipped model). The labels are
in nlp/data/real/ai_era_2024_25.jsonl by reference (the calls are in ../shared); the test half holds
every call of four companies and 30% of the other companies' calls (nlp.real_eval.half_of), and no
shipped model learns from it. For each model: accuracy, per-class F1, the labelers' and the
model's hype share per call (labeled sentences of that call) with the share of calls within
±0.03, and the expected calibration error of the stance probabilities (nlp.calibration) as the
score stage gives them for transcripts, without the transcripts' own temperature, and without any
calibration; then the same per company.
Targets of issue 24: accuracy >= 0.90, hype F1 >= 0.80, per-call hype share within ±0.03.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CALL_SHARE_TOLERANCE = 0.03


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=["default"])
    parser.add_argument("--half", choices=("test", "dev"), default="test")
    parser.add_argument("--precision", choices=("int8", "fp32"), default="int8")
    args = parser.parse_args()

    from hypewatch.nlp import calibration as calibrate
    from hypewatch.nlp.evaluate import EvalReport, score_examples
    from hypewatch.nlp.real_eval import AI_ERA_FILE, company_of, distinct_examples, load_real_examples
    from hypewatch.nlp.scorer import Scorer

    rows = load_real_examples(SHARED, AI_ERA_FILE, half=args.half)
    first: dict[str, tuple] = {}  # one example per distinct sentence, with the call it came from
    for row in rows:
        example = distinct_examples([row])[0]
        first.setdefault(example.key, (example, row["file"]))
    examples, calls = [e for e, _ in first.values()], [c for _, c in first.values()]
    print(
        f"{len(examples)} labeled sentences of {len(set(calls))} calls, {len({company_of(c) for c in calls})} companies "
        f"({args.half} half of {AI_ERA_FILE.name})"
    )
    for name in args.models:
        scorer = Scorer.load(name, precision=args.precision, device="cpu")
        calibration, scorer.calibration = scorer.calibration, None  # scored once, calibrated after
        raw = score_examples(scorer, examples)
        scores = calibrate.apply(calibration, raw)
        without_kind = EvalReport.compare(examples, scores, "").ece
        uncalibrated = None
        if calibration is not None:  # sentences of calls: the score stage tempers them as transcripts
            scores = calibration.for_kinds(scores, ["transcripts"] * len(scores))
            uncalibrated = EvalReport.compare(examples, raw, "")
        report = EvalReport.compare(examples, scores, scorer.model_id)
        per_call: dict[str, list[tuple[bool, bool, float]]] = defaultdict(list)
        for e, s, call in zip(examples, scores, calls):
            per_call[call].append((e.label == "hype", s.label == "hype", s.p_hype))
        label_gaps = [abs(sum(m for _, m, _ in v) - sum(g for g, _, _ in v)) / len(v) for v in per_call.values()]
        expected_gaps = [abs(sum(p for _, _, p in v) - sum(g for g, _, _ in v)) / len(v) for v in per_call.values()]
        f1 = {lab: report.per_class[lab].f1 for lab in report.per_class}
        print(f"\n{name} ({scorer.model_id}, {args.precision})")
        print(
            f"  accuracy {report.accuracy:.3f}  macro-F1 {report.macro_f1:.3f}  "
            + "  ".join(f"{lab} F1 {v:.3f}" for lab, v in f1.items())
        )
        print(
            f"  per-call hype share, counted labels: mean gap {sum(label_gaps) / len(label_gaps):.3f}, "
            f"within ±{CALL_SHARE_TOLERANCE}: {sum(g <= CALL_SHARE_TOLERANCE for g in label_gaps) / len(label_gaps):.0%}"
        )
        print(
            f"  per-call hype share, summed p_hype: mean gap {sum(expected_gaps) / len(expected_gaps):.3f}, "
            f"within ±{CALL_SHARE_TOLERANCE}: {sum(g <= CALL_SHARE_TOLERANCE for g in expected_gaps) / len(expected_gaps):.0%}"
        )
        print(
            f"  expected calibration error (top label): {report.ece:.3f}"
            + (
                f" (without the transcripts temperature: {without_kind:.3f}; uncalibrated: {uncalibrated.ece:.3f}, accuracy {uncalibrated.accuracy:.3f}, hype F1 "
                f"{uncalibrated.per_class['hype'].f1:.3f})"
                if uncalibrated
                else " (the model has no calibration)"
            )
        )
        print("  confusion (rows: labelers; columns: model; hype/skeptic/neutral):", report.confusion)
        print("  company  sentences  accuracy  hype F1")
        for company in sorted({company_of(c) for c in calls}):
            idx = [i for i, c in enumerate(calls) if company_of(c) == company]
            sub = EvalReport.compare([examples[i] for i in idx], [scores[i] for i in idx], "")
            print(f"  {company:<7}{len(idx):>10}  {sub.accuracy:>8.3f}  {sub.per_class['hype'].f1:>7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
