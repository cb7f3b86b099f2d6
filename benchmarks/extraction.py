"""Article-extraction quality: hypewatch's extractor side by side with plain trafilatura.

Runs both over ../shared/data/extraction (real pages with ground-truth bodies) and prints
precision, recall, F1 and pages/s, scored as the Zyte article-extraction benchmark does:
tokens are \\w+ matches, compared as multisets of overlapping 4-token shingles; per page TP, FP
and FN are normalised to sum to 1; precision and recall are averaged over pages.

    .venv/bin/python benchmarks/extraction.py [--data DIR] [--show-worst N]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]

from hypewatch.crawler.extract import extract_article  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction"
_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    expected, got = shingles(true), shingles(pred)
    tp = sum((expected & got).values())
    fp = sum((got - expected).values())
    fn = sum((expected - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision_recall_f1(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    def ratio(tp: float, other: float, fp: float, fn: float) -> float:
        if fp == fn == 0:
            return 1.0
        return 0.0 if tp == other == 0 else tp / (tp + other)

    precision = statistics.mean(ratio(tp, fp, fp, fn) for tp, fp, fn in rows if tp + fp > 0)
    recall = statistics.mean(ratio(tp, fn, fp, fn) for tp, fp, fn in rows if tp + fn > 0)
    return precision, recall, 2 * precision * recall / (precision + recall)


def load_pages(data: Path) -> list[tuple[str, str, str, str]]:
    """(id, url, html, ground-truth body) for every page of the data set."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        (
            page_id,
            entry.get("url"),
            (data / "html" / f"{page_id}.html").read_text(encoding="utf-8"),
            entry["articleBody"],
        )
        for page_id, entry in sorted(truth.items())
    ]


def evaluate(extract: Callable[[str, str], str], pages: list[tuple[str, str, str, str]]) -> dict:
    _, url, html, _ = pages[0]
    extract(html, url)  # warm up: models and caches load once per process, not per page
    started = time.perf_counter()
    predictions = {page_id: extract(html, url) or "" for page_id, url, html, _ in pages}
    elapsed = time.perf_counter() - started
    rows = {page_id: tp_fp_fn(truth, predictions[page_id]) for page_id, _, _, truth in pages}
    precision, recall, f1 = precision_recall_f1(list(rows.values()))
    return {"precision": precision, "recall": recall, "f1": f1, "pages_per_s": len(pages) / elapsed, "rows": rows}


EXTRACTORS: dict[str, Callable[[str, str], str]] = {
    "trafilatura defaults": lambda html, url: trafilatura.extract(html, url=url),
    "trafilatura, no comments": lambda html, url: trafilatura.extract(html, url=url, include_comments=False),
    "hypewatch": lambda html, url: extract_article(html, url).text,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with html/ and ground-truth.json")
    parser.add_argument("--show-worst", type=int, default=0, metavar="N", help="list hypewatch's N worst pages")
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").exists():
        sys.exit(f"no ground-truth.json under {args.data}")
    pages = load_pages(args.data)
    print(f"{len(pages)} pages from {args.data}")
    print(f"{'extractor':<26} {'precision':>9} {'recall':>7} {'F1':>7} {'pages/s':>8}")
    results = {}
    for name, extract in EXTRACTORS.items():
        result = results[name] = evaluate(extract, pages)
        print(
            f"{name:<26} {result['precision']:>9.4f} {result['recall']:>7.4f} {result['f1']:>7.4f} {result['pages_per_s']:>8.1f}"
        )
    urls = {page_id: url for page_id, url, _, _ in pages}
    worst = sorted(results["hypewatch"]["rows"].items(), key=lambda item: item[1][0])[: args.show_worst]
    for page_id, (tp, fp, fn) in worst:
        print(f"  tp={tp:.2f} fp={fp:.2f} fn={fn:.2f}  {urls[page_id]}")


if __name__ == "__main__":
    main()
