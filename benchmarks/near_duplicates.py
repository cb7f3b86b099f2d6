"""Which simhash distance tells a copy of a story from a different story (crawler.dedup.NEAR_DUPLICATE_BITS).

    python benchmarks/near_duplicates.py [--shared ../shared]

Two samples from ../shared/data:
- copies: each real article body of the extraction set (ground truth), as another outlet carries
  it: a new dateline, a byline, a closing line, a few words edited, a paragraph cut; and every pair
  of feed items (all feeds) whose bodies share >= 80% of their word shingles;
- distinct: every other pair of article bodies and of feed items of >= 80 words.
Prints, per kind of copy, the largest distance seen and the share caught within 3, 8 and 11 bits, and
the smallest distance between distinct texts.
"""

from __future__ import annotations

import argparse
import json
import random
from itertools import combinations
from pathlib import Path

from hypewatch.crawler.dedup import SHINGLE_WORDS, hamming_distance, simhash
from hypewatch.crawler.feeds import html_to_text, parse_feed

ROOT = Path(__file__).resolve().parents[1]
MIN_WORDS = 80


def _shingles(text: str) -> set[str]:
    words = text.casefold().split()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def copies(body: str, rng: random.Random) -> dict[str, str]:
    words = body.split()
    edited = list(words)
    for i in rng.sample(range(len(edited)), k=min(5, len(edited))):
        edited[i] = "edited"
    paragraphs = body.split("\n\n")
    return {
        "dateline": "SAN FRANCISCO (Wire) - " + body,
        "byline": "By Example Wire staff\n\n" + body,
        "closing line": body + "\n\nReporting by A. Writer; editing by B. Editor.",
        "dateline+byline+closing": "By Example Wire staff\n\nSAN FRANCISCO (Wire) - "
        + body
        + "\n\nReporting by A. Writer; editing by B. Editor.",
        "5 words edited": " ".join(edited),
        "last paragraph cut": "\n\n".join(paragraphs[:-1]) if len(paragraphs) > 3 else body,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    rng = random.Random(0)
    truth = json.loads((args.shared / "data" / "extraction" / "ground-truth.json").read_text(encoding="utf-8"))
    bodies = [b["articleBody"] for b in truth.values() if len(b.get("articleBody", "").split()) >= MIN_WORDS]
    items = []
    for path in sorted((args.shared / "data" / "feeds").iterdir()):
        try:
            feed = parse_feed(path.read_bytes(), path.name)
        except Exception:  # noqa: BLE001 - a broken sample feed says nothing about distances
            continue
        for item in feed.items:
            text = html_to_text(item.content or item.summary or "")
            if len(text.split()) >= MIN_WORDS:
                items.append(text)
    items = list(dict.fromkeys(items))

    seen: dict[str, list[int]] = {}
    for body in bodies:
        original = simhash(body)
        for kind, copy in copies(body, rng).items():
            seen.setdefault(kind, []).append(hamming_distance(original, simhash(copy)))
    hashes = [(simhash(t), _shingles(t)) for t in items]
    feed_copies, distinct = [], []
    for (ha, sa), (hb, sb) in combinations(hashes, 2):
        (feed_copies if _jaccard(sa, sb) >= 0.8 else distinct if _jaccard(sa, sb) < 0.3 else []).append(
            hamming_distance(ha, hb)
        )
    distinct += [hamming_distance(simhash(a), simhash(b)) for a, b in combinations(bodies, 2)]

    print(f"{len(bodies)} article bodies, {len(items)} feed items of >= {MIN_WORDS} words")
    print("distance of a copy to its original: largest; share caught within 3 / 8 / 11 bits")
    for kind, bits in seen.items():
        caught = " / ".join(f"{sum(b <= t for b in bits) / len(bits):4.0%}" for t in (3, 8, 11))
        print(f"  {kind:28s} {max(bits):3d} bits; {caught}")
    if feed_copies:
        print(f"  {'feed items, >= 80% shared':28s} {max(feed_copies):3d} bits ({len(feed_copies)} pairs)")
    distinct.sort()
    print(
        f"distinct texts ({len(distinct)} pairs): smallest {distinct[0]} bits; 0.1% quantile "
        f"{distinct[len(distinct) // 1000]}; 1% quantile {distinct[len(distinct) // 100]}; "
        f"pairs within 8 bits: {sum(d <= 8 for d in distinct)}, within 3: {sum(d <= 3 for d in distinct)}"
    )


if __name__ == "__main__":
    main()
