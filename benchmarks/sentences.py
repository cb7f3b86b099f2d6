"""Sentence splitting of one long line, as speech-to-text gives a whole call.

    python benchmarks/sentences.py [--chars 250000 1000000 4000000]

Each line is made of a real call of ../shared (sp500_2024_25_txt, one line each) repeated to the
length asked. Prints the seconds `split_sentences` takes and, up to 250,000 characters, the
seconds pysbd takes on the whole line at once, which grow with the square of its length: why a
line longer than `LONG_BLOCK_CHARS` is read in windows of `WINDOW_CHARS` (nlp/sentences.py).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from hypewatch.nlp import sentences

CALL = Path(__file__).resolve().parents[2] / "shared/data/transcripts/sp500_2024_25_txt/ADBE_2024_Q1.txt"
WHOLE_UP_TO = 250_000  # pysbd alone takes about a minute here


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, nargs="+", default=[250_000, 1_000_000, 4_000_000])
    args = parser.parse_args()
    call = " ".join(CALL.read_text(encoding="utf-8").split())
    print(f"windows of {sentences.WINDOW_CHARS:,} characters past {sentences.LONG_BLOCK_CHARS:,}")
    for chars in args.chars:
        line = (call + " ") * (chars // len(call) + 1)
        line = line[: line.rfind(" ", 0, chars)]
        start = time.perf_counter()
        found = sentences.split_sentences(line)
        took = time.perf_counter() - start
        row = f"{len(line):>10,} characters: {len(found):>6,} sentences in {took:6.2f} s"
        if len(line) <= WHOLE_UP_TO:
            start = time.perf_counter()
            sentences._segmenter().segment(line)
            row += f"; pysbd on the whole line {time.perf_counter() - start:6.2f} s"
        print(row, flush=True)


if __name__ == "__main__":
    main()
