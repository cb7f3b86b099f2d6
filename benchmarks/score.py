"""Scoring speed and memory: hypewatch's Scorer against sentence-transformers, same encoder;
and what tagging topics adds to scoring.

    python benchmarks/score.py [MODEL_DIR] [--n 5000] [--rounds 2] [--device cpu|cuda]
    (default: the shipped model, nlp/shipped/hypewatch-minilm)

Input: 5,000 distinct real sentences split from ../shared/data/transcripts. Each contender runs
in a fresh process, so its peak RSS is its own. sentence-transformers only embeds (no head), so
it is the floor of work any classifier on this encoder must do. Then macro-F1 of fp32 and int8
on the held-out split. With --device cuda: fp16 (the default there) and fp32 against
sentence-transformers in fp32 and fp16, peak GPU memory too. Each Scorer run then tags the same
sentences with the default topics and AI terms (nlp/topics.py), as the score stage does, and the
table gives that time against its scoring time.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRANSCRIPTS = ROOT.parent / "shared" / "data" / "transcripts"
N_SENTENCES = 5000


def real_sentences(n: int = N_SENTENCES) -> list[str]:
    from hypewatch.nlp.sentences import split_sentences

    texts = []
    for path in sorted(TRANSCRIPTS.rglob("*")):
        if path.suffix == ".txt":
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
        elif path.suffix == ".json":
            call = json.loads(path.read_text(encoding="utf-8"))
            # Today's pages hold the whole call as one string (`transcript`): parse them like the crawler.
            turns = [t for key in ("prepared_remarks", "q_and_a") for t in call.get(key, []) if isinstance(t, dict)]
            texts += [turn["speech"] for turn in turns if isinstance(turn.get("speech"), str)]
            if not turns:
                from hypewatch.crawler.transcripts import parse_transcript

                texts += [turn.text for turn in parse_transcript(path.read_bytes(), path.name).turns]
    sentences = dict.fromkeys(s for text in texts for s in split_sentences(text) if len(s.split()) >= 3)
    return list(sentences)[:n]


def _figures(n: int, seconds: float, device: str) -> dict:
    import torch

    gpu_mb = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else 0.0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"rate": n / seconds, "seconds": seconds, "rss_mb": rss_mb, "gpu_mb": gpu_mb}


def _warm_up(sentences: list[str], device: str) -> list[str]:
    # CUDA picks kernels per batch shape on first use: a cold first pass ran at a tenth of the
    # speed of later ones (H100), so on CUDA one whole pass comes before the timed one.
    return sentences if device == "cuda" else sentences[:64]


def run_scorer(folder: str, sentences: list[str], precision: str, device: str = "cpu", alone: bool = False) -> dict:
    from hypewatch.nlp.scorer import Scorer
    from hypewatch.nlp.topics import TopicTagger, default_ai_terms, default_topics

    scorer = Scorer.load(folder, device=device, precision=precision)
    scorer.score(_warm_up(sentences, device))
    scorer._cache.clear()  # the warm-up must not spare work in the timed run
    # Each with the one before it in the list (its predecessor in its call, but where a repeat was
    # dropped), as the score stage gives a call's sentences to a model that reads context (the
    # shipped one does); `alone` as it gives news to the shipped model.
    previous = None if alone else ["", *sentences[:-1]]
    start = time.perf_counter()
    scorer.score(sentences, previous=previous)  # returns plain floats, so CUDA work is finished when it does
    figures = _figures(len(sentences), time.perf_counter() - start, device)
    tagger = TopicTagger(default_topics(), default_ai_terms())
    start = time.perf_counter()
    tagger.tag_all(sentences)
    return figures | {"topics_s": time.perf_counter() - start}


def run_sentence_transformers(sentences: list[str], device: str = "cpu", half: bool = False) -> dict:
    from sentence_transformers import SentenceTransformer

    from hypewatch.nlp.model import default_encoder_path

    model = SentenceTransformer(str(default_encoder_path()), device=device)
    if half:
        model.half()
    model.encode(_warm_up(sentences, device), batch_size=64)
    start = time.perf_counter()
    model.encode(sentences, batch_size=64)  # numpy out: CUDA work is finished when it returns
    return _figures(len(sentences), time.perf_counter() - start, device)


def in_fresh_process(fn, *args) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", nargs="?", type=Path, default=ROOT / "nlp" / "shipped" / "hypewatch-minilm")
    parser.add_argument("--n", type=int, default=N_SENTENCES, help="how many sentences to score")
    parser.add_argument("--rounds", type=int, default=2, help="best of this many runs per contender")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    args = parser.parse_args()
    device = args.device
    folder = args.model_dir
    if not (folder / "hypewatch.json").is_file():
        sys.exit(f"no model in {folder}: run `hypewatch train` first")
    if not TRANSCRIPTS.is_dir():
        sys.exit(f"no transcripts under {TRANSCRIPTS}")
    sentences = real_sentences(args.n)
    print(f"{len(sentences)} distinct sentences from {TRANSCRIPTS}")

    baseline = "sentence-transformers encode(batch_size=64)"
    if device == "cuda":
        contenders = {
            baseline: (run_sentence_transformers, sentences, "cuda"),
            "sentence-transformers, fp16": (run_sentence_transformers, sentences, "cuda", True),
            "Scorer fp32 (length-bucketed)": (run_scorer, str(folder), sentences, "fp32", "cuda"),
            "Scorer auto (the default on CUDA: fp16)": (run_scorer, str(folder), sentences, "auto", "cuda"),
        }
        compared = {"fp16": "auto"}  # label on the report: precision asked for
    else:
        contenders = {
            baseline: (run_sentence_transformers, sentences),
            "Scorer fp32 (length-bucketed)": (run_scorer, str(folder), sentences, "fp32"),
            "Scorer bf16 (if this CPU has native bf16)": (run_scorer, str(folder), sentences, "bf16"),
            "Scorer auto (the default: int8 in ONNX Runtime)": (run_scorer, str(folder), sentences, "auto"),
            "Scorer auto, each sentence alone (as news is read)": (
                run_scorer,
                str(folder),
                sentences,
                "auto",
                "cpu",
                True,
            ),
        }
        compared = {"bf16": "bf16", "int8": "int8"}
    # The machine may be shared: alternate the contenders and keep each one's best round.
    runs: dict[str, dict] = {}
    for _ in range(args.rounds):
        for name, (fn, *fn_args) in contenders.items():
            r = in_fresh_process(fn, *fn_args)
            best = runs.get(name, r)
            runs[name] = max(r, best, key=lambda x: x["rate"]) | {"rss_mb": max(r["rss_mb"], best["rss_mb"])}
    base = runs[baseline]["rate"]
    print(
        f"\n{'':<54}{'sent/s':>8}{'x s-t':>7}{'peak RSS':>10}"
        + ("  peak GPU" if device == "cuda" else "")
        + "  topics: s, % of scoring"
    )
    for name, r in runs.items():
        gpu = f"{r['gpu_mb']:>7.0f} MB" if device == "cuda" else ""
        topics = f"  {r['topics_s']:.2f} s, +{100 * r['topics_s'] / r['seconds']:.1f}%" if "topics_s" in r else ""
        print(f"{name:<54}{r['rate']:>8.0f}{r['rate'] / base:>7.2f}{r['rss_mb']:>7.0f} MB{gpu}{topics}")

    from hypewatch.nlp.corpus import load_corpus, split
    from hypewatch.nlp.evaluate import evaluate
    from hypewatch.nlp.scorer import Scorer

    heldout = split(load_corpus())["heldout"]
    print(f"\nheld-out split, {len(heldout)} sentences:")
    figures = {
        name: evaluate(Scorer.load(str(folder), device=device, precision=p), heldout)
        for name, p in ({"fp32": "fp32"} | compared).items()
    }
    for precision, report in figures.items():
        print(
            f"  {precision}: macro-F1 {report.macro_f1:.4f}, fatigue F1 {report.fatigue_f1:.4f}"
            f" ({report.macro_f1 - figures['fp32'].macro_f1:+.4f} / {report.fatigue_f1 - figures['fp32'].fatigue_f1:+.4f}"
            " against fp32)"
        )
    sample = sentences[:1000]
    fp32 = _labels(folder, sample, "fp32", device)
    agreement = {name: _share_equal(fp32, _labels(folder, sample, p, device)) for name, p in compared.items()}
    print(
        "labels equal to fp32's on 1,000 real sentences: "
        + ", ".join(f"{name} {share:.1%}" for name, share in agreement.items())
    )
    for name, precision in compared.items():
        alone = _share_equal(
            _labels(folder, sample, precision, device, batch_size=1), _labels(folder, sample, precision, device)
        )
        print(f"{name} labels equal scored one by one and in batches of 64: {alone:.1%}")
    if device == "cuda":
        cpu = _labels(folder, sample, "fp32", "cpu")
        print(
            f"labels equal to the CPU's fp32 labels: fp32 on CUDA {_share_equal(cpu, fp32):.1%}, "
            f"fp16 on CUDA {_share_equal(cpu, _labels(folder, sample, 'auto', device)):.1%}"
        )


def _labels(folder: Path, sentences: list[str], precision: str, device: str, batch_size: int = 64) -> list[str]:
    from hypewatch.nlp.scorer import Scorer

    scorer = Scorer.load(str(folder), device=device, precision=precision, batch_size=batch_size)
    return [s.label for s in scorer.score(sentences)]


def _share_equal(a: list[str], b: list[str]) -> float:
    return sum(x == y for x, y in zip(a, b)) / len(a)


if __name__ == "__main__":
    main()
