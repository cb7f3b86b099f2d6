"""Parse every transcript in ../shared/data/transcripts and print what the parser found.

    .venv/bin/python benchmarks/transcripts.py [FOLDER] [--files]

Per folder (one layout each): files, turns, named speakers, files where each role is found, files
with both sections, files whose company and fiscal period were found, the share of the spoken body's
words kept in the turns, and files per second; the share of words by role, and in operator turns too
long to be an operator's. With --files, one row per file as well. Last, how far a speech-to-text
parse (no speaker names) agrees with the labels, word by word (aligned), on roles and sections: for the calls ../shared holds
twice (NVIDIA's fiscal-2025 calls as speech-to-text and with speaker labels), for every labelled
call run together with its names taken out, and for every labelled call exported to PDF.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from hypewatch.crawler.transcripts import parse_transcript  # noqa: E402
from hypewatch.crawler.transcripts.roles import OPERATOR_MOST_WORDS  # noqa: E402
from hypewatch.nlp.sentences import split_sentences  # noqa: E402
from hypewatch.records import Transcript  # noqa: E402

sys.path.append(str(ROOT / "tests"))
from pdf_helpers import transcript_pdf  # noqa: E402
from transcripts_helpers import (  # noqa: E402
    LABELLED_FOLDERS,
    SHARED,
    aligned_pairs,
    as_speech_to_text,
    transcript_files,
    words_kept,
)

ROLES = ("executive", "analyst", "operator", "other")
# The same call twice: speech-to-text (no names) and the publisher's labelled edition.
PAIRS = [
    (f"motleyfool_txt/nvidia-nvda-q{q}-2025-earnings-call-transcript.txt", f"sp500_2024_25_txt/NVDA_2025_Q{q}.txt")
    for q in (1, 2, 3, 4)
]


def main(folder: Path, per_file: bool) -> None:
    files = transcript_files(folder)
    if not files:
        print(f"no transcripts under {folder}")
        return
    blobs = [(p, p.read_bytes()) for p in files]
    parsed: list[Transcript] = []
    seconds: dict[str, float] = defaultdict(float)
    for path, data in blobs:
        start = time.perf_counter()
        parsed.append(parse_transcript(data, path.name))
        seconds[path.parent.name] += time.perf_counter() - start

    rows: dict[str, list[tuple[Path, Transcript, float]]] = defaultdict(list)
    for (path, data), t in zip(blobs, parsed):
        rows[path.parent.name].append((path, t, words_kept(data, path.name, t)))
    if per_file:
        print_files(rows)
    print_folders(rows, seconds)
    print_role_words(rows)
    if all((SHARED / a).exists() and (SHARED / b).exists() for a, b in PAIRS):
        print_agreement()


def print_files(rows: dict[str, list[tuple[Path, Transcript, float]]]) -> None:
    print(
        f"{'file':<52} {'turns':>5} {'spkrs':>5}  {'exec/anl/op/oth':<15} {'prep/qa':<8} {'kept':>6}  period   ticker"
    )
    for folder, items in rows.items():
        for path, t, kept in items:
            roles = Counter(turn.role for turn in t.turns)
            sections = Counter(turn.section for turn in t.turns)
            role_cell = "/".join(str(roles[r]) for r in ROLES)
            name = f"{folder}/{path.name}"[-52:]
            print(
                f"{name:<52} {len(t.turns):>5} {len({turn.speaker for turn in t.turns}):>5}  {role_cell:<15} "
                f"{sections['prepared']}/{sections['qa']:<6} {kept:>6.1%}  {t.fiscal_period or '-':<8} {t.ticker or '-'}"
                + (f"  ! {'; '.join(t.warnings)}" if t.warnings else "")
            )
    print()


def print_folders(rows: dict[str, list[tuple[Path, Transcript, float]]], seconds: dict[str, float]) -> None:
    print(
        f"{'folder':<22} {'files':>5} {'turns':>6} {'named':>6}  {'files with: exec / analyst / operator':<38} "
        f"{'both sections':>13}  {'company / period / date':>23}  {'words kept min / mean':>21} {'files/s':>8}"
    )
    total_files, total_s = 0, 0.0
    for folder, items in rows.items():
        turns = sum(len(t.turns) for _, t, _ in items)
        named = sum(len({x.speaker for x in t.turns if x.speaker != "Unknown"}) for _, t, _ in items)
        has = {r: sum(any(x.role == r for x in t.turns) for _, t, _ in items) for r in ROLES}
        both = sum({x.section for x in t.turns} == {"prepared", "qa"} for _, t, _ in items)
        company = sum(t.company is not None for _, t, _ in items)
        period = sum(t.fiscal_period is not None for _, t, _ in items)
        dated = sum(t.call_date is not None for _, t, _ in items)
        kept = [k for _, _, k in items]
        n = len(items)
        print(
            f"{folder:<22} {n:>5} {turns:>6} {named:>6}  "
            f"{has['executive']:>9} / {has['analyst']:>7} / {has['operator']:>8}{'':<10} {both:>13}  "
            f"{company:>7} / {period:>6} / {dated:>4}  {min(kept):>10.1%} / {sum(kept) / n:>7.1%} {n / seconds[folder]:>8.1f}"
        )
        total_files += n
        total_s += seconds[folder]
    print(f"\n{total_files} files in {total_s:.2f} s: {total_files / total_s:.1f} files/s")


def print_role_words(rows: dict[str, list[tuple[Path, Transcript, float]]]) -> None:
    """Words by role, and in operator turns longer than an operator speaks at once: those hold someone
    else's words, a hand-over the parser missed (most calls have no labels to check roles against)."""
    print(
        f"\n{'folder':<22} words by role: "
        + " / ".join(ROLES)
        + f"   in operator turns over {OPERATOR_MOST_WORDS} words"
    )
    for folder, items in rows.items():
        words: Counter[str] = Counter()
        long_operator = 0
        for _, t, _ in items:
            for turn in t.turns:
                n = len(turn.text.split())
                words[turn.role] += n
                long_operator += n if turn.role == "operator" and n > OPERATOR_MOST_WORDS else 0
        total = sum(words.values()) or 1
        shares = " / ".join(f"{words[r] / total:.1%}" for r in ROLES)
        print(f"{folder:<22} {shares:<37} {long_operator / total:.2%}")


def print_agreement() -> None:
    print("\nspeech-to-text against the labelled edition of the same call (aligned words):")
    for labelled, speech in PAIRS:
        a = parse_transcript((SHARED / labelled).read_bytes(), Path(labelled).name)
        b = parse_transcript((SHARED / speech).read_bytes(), Path(speech).name)
        print(f"  {Path(speech).name:<18} {_agreement(aligned_pairs(a, b))}")
    print("\nlabelled calls run together without their names, against their labels (aligned words):")
    every = []
    for folder in LABELLED_FOLDERS:
        pairs = []
        for path in transcript_files(SHARED / folder):
            labelled = parse_transcript(path.read_bytes(), path.name)
            pairs += aligned_pairs(labelled, parse_transcript(as_speech_to_text(labelled), path.stem + ".txt"))
        print(f"  {folder:<20} {_agreement(pairs)}")
        every += pairs
    print(f"  {'all':<20} {_agreement(every)}")
    print_pdf_agreement()


def print_pdf_agreement() -> None:
    """What a PDF costs: each labelled call written as text (its title, then each speaker's name on a
    line and their paragraphs), and the same text exported to PDF as a publisher sets it (paragraphs
    wrapped to the page, a running header, page numbers), each read back; the PDF's reading against
    the text's."""
    print("\nlabelled calls exported to PDF, against the same call as text (aligned words):")
    every, whole_all, total_all = [], 0, 0
    for folder in LABELLED_FOLDERS:
        pairs, seconds, files, whole, total = [], 0.0, transcript_files(SHARED / folder), 0, 0
        for path in files:
            labelled = parse_transcript(path.read_bytes(), path.name)
            lines = [labelled.title or path.stem]
            for turn in labelled.turns:
                lines += [turn.speaker, *turn.text.split("\n")]
            text = parse_transcript("\n\n".join(lines), path.stem + ".txt")
            data = transcript_pdf(lines, header=f"{labelled.company or path.stem} earnings call")
            start = time.perf_counter()
            read = parse_transcript(data, path.stem + ".pdf")
            seconds += time.perf_counter() - start
            pairs += aligned_pairs(text, read)
            # a sentence cut where a line ended would be scored as two
            said = Counter(s for t in text.turns for s in split_sentences(t.text))
            whole += sum((said & Counter(s for t in read.turns for s in split_sentences(t.text))).values())
            total += sum(said.values())
        print(
            f"  {folder:<20} {_agreement(pairs)}  sentences whole {whole / total:.1%}, {len(files) / seconds:.1f} files/s"
        )
        every, whole_all, total_all = every + pairs, whole_all + whole, total_all + total
    print(f"  {'all':<20} {_agreement(every)}  sentences whole {whole_all / total_all:.1%}")


def _agreement(pairs: list[tuple[tuple[str, str], tuple[str, str]]]) -> str:
    confusion = Counter((x[0], y[0]) for x, y in pairs)
    roles = sum(v for (x, y), v in confusion.items() if x == y) / len(pairs)
    sections = sum(x[1] == y[1] for x, y in pairs) / len(pairs)
    errors = [f"{x}→{y} {v / len(pairs):.1%}" for (x, y), v in confusion.most_common() if x != y]
    top = ", ".join(errors[:3])
    return f"{len(pairs):>6} words: roles {roles:.1%}, sections {sections:.1%}  ({top})"


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(Path(args[0]) if args else SHARED, "--files" in sys.argv)
