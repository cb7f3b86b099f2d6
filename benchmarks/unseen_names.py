"""Does the model know a product name it never saw, once the config lists it (`model.ai_names`)?

    python benchmarks/unseen_names.py [MODEL]

Takes the sentences of the eight whole test calls (benchmarks/whole_calls.py) that name one of
eight products of the glossary, in the sentence or the one before it, and replaces each name by an
invented one ("Firefly" by "Zorvane"), so that the model meets a name as it meets this year's
launches. Scores them three ways, as the score stage scores a call's sentences: the real names,
the invented names unlisted, and the invented names listed as `model.ai_names`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from whole_calls import whole_test_calls  # noqa: E402

# Glossary products of the test calls -> invented names, each spelling the calls use.
INVENTED = {
    "Firefly": "Zorvane",
    "Agentforce": "Quillora",
    "Instinct": "Vexaris",
    "GenStudio": "Marlowix",
    "xScale": "Trebuna",
    "X-scale": "Trebuna",
    "X scale": "Trebuna",
    "Einstein": "Calderon",
    "Gemini": "Orrenta",
    **{f"MI{sep}{n}": f"VX{sep}{n}" for sep in ("", "-") for n in ("300", "308", "325", "350", "355", "400")},
}
_NAME = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(INVENTED, key=len, reverse=True)) + r")\b", re.I)
_BY_LOWER = {k.lower(): v for k, v in INVENTED.items()}


def invent(text: str) -> str:
    return _NAME.sub(lambda m: _BY_LOWER[m.group(0).lower()], text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="default")
    args = parser.parse_args()

    from hypewatch.nlp.evaluate import EvalReport
    from hypewatch.nlp.glossary import Additions
    from hypewatch.nlp.onnx_scorer import load_scorer

    calls, _ = whole_test_calls()
    examples = [e for call in calls.values() for e in call]
    named = [e for e in examples if _NAME.search(e.text) or _NAME.search(e.previous)]
    counts = {lab: sum(e.label == lab for e in named) for lab in ("hype", "skeptic", "neutral")}
    print(f"{len(named)} sentences naming a glossary product (or after one): {counts}")

    listed = Additions(names=tuple(sorted(set(INVENTED.values()))))
    runs = [
        ("real names", lambda t: t, Additions()),
        ("invented names, unlisted", invent, Additions()),
        ("invented names, in model.ai_names", invent, listed),
    ]
    for what, text_of, additions in runs:
        scorer = load_scorer(args.model, device="cpu", additions=additions)
        scores = scorer.score([text_of(e.text) for e in named], previous=[text_of(e.previous) for e in named])
        report = EvalReport.compare(named, scores, scorer.model_id)
        found = sum(s.label == "hype" for s in scores)
        print(
            f"  {what:<36} accuracy {report.accuracy:.3f}  hype F1 {report.per_class['hype'].f1:.3f}"
            f"  (hype given {found}, labelers {counts['hype']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
