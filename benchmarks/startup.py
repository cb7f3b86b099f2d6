"""Whole-process time of `hypewatch classify`: one sentence, and 3,000 real ones, against
sentence-transformers `encode` of the same encoder in a process of its own.

    python benchmarks/startup.py [--n 3000] [--rounds 3]

Every figure is the wall time of a fresh process (imports, loading, scoring, output), with the
user cache warm (the shipped model merged and its int8 copy built; the first run here makes
sure). "classify" is the command as shipped: on a CPU it scores without torch (nlp.onnx_scorer).
"classify, torch Scorer" is the same command with that path switched off, as it ran before.
sentence-transformers only embeds (no heads, no topics): the floor of work any classifier on
this encoder must do, with the torch import every such process pays.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from score import real_sentences  # benchmarks/score.py, beside this script: sentences split from ../shared

SENTENCE = "Demand for GPUs is insatiable.\n"
CLASSIFY = [sys.executable, "-m", "hypewatch", "classify"]
# The same command with the torch-free path switched off: what classify did before it existed.
CLASSIFY_TORCH = [
    sys.executable,
    "-c",
    "import sys\nfrom hypewatch.nlp import onnx_scorer\n"
    "onnx_scorer.OnnxScorer.open = classmethod(lambda cls, *a, **k: None)\n"
    "from hypewatch.cli import main\nmain(['classify', *sys.argv[1:]])\n",
]
ENCODE = [
    sys.executable,
    "-c",
    "import sys\nfrom sentence_transformers import SentenceTransformer\nfrom hypewatch.nlp.model import default_encoder_path\n"
    "lines = [s for s in open(sys.argv[1], encoding='utf-8').read().splitlines() if s.strip()]\n"
    "SentenceTransformer(str(default_encoder_path()), device='cpu').encode(lines, batch_size=64)\n",
]


def wall(command: list[str], stdin: str = "", *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [*command, *args], input=stdin, text=True, check=True, stdout=subprocess.DEVNULL, cwd=tempfile.gettempdir()
    )  # no config.yaml there: the defaults, as on a fresh install
    return time.perf_counter() - start


def best(rounds: int, contenders: dict[str, tuple]) -> dict[str, float]:
    """Each contender's best wall time; rounds alternate the contenders (the machine may be shared)."""
    times: dict[str, float] = {}
    for _ in range(rounds):
        for name, (command, *args) in contenders.items():
            times[name] = min(times.get(name, float("inf")), wall(command, *args))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="real sentences for the throughput figure")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many runs per contender (one sentence: 5)")
    args = parser.parse_args()
    wall(CLASSIFY, SENTENCE)  # warms the cache (merge + int8 copy) when it is cold

    one = best(5, {"classify": (CLASSIFY, SENTENCE), "classify, torch Scorer": (CLASSIFY_TORCH, SENTENCE)})
    print("one sentence end to end (echo ... | hypewatch classify), best of 5:")
    for name, seconds in one.items():
        print(f"  {name:<28}{seconds:>6.2f} s")

    sentences = real_sentences(args.n)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
        f.write("\n".join(sentences) + "\n")
    baseline = "sentence-transformers encode(batch_size=64)"
    many = best(
        args.rounds,
        {
            "classify": (CLASSIFY, "", f.name),
            "classify, torch Scorer": (CLASSIFY_TORCH, "", f.name),
            baseline: (ENCODE, "", f.name),
        },
    )
    Path(f.name).unlink()
    print(f"\n{len(sentences)} real sentences, whole process, best of {args.rounds}:")
    for name, seconds in many.items():
        print(
            f"  {name:<46}{seconds:>6.2f} s{len(sentences) / seconds:>7.0f} sent/s{many[baseline] / seconds:>6.2f}x s-t"
        )


if __name__ == "__main__":
    main()
