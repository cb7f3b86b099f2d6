"""Parse every transcript in ../shared/data/transcripts and print what the parser found.

    .venv/bin/python benchmarks/transcripts.py [FOLDER]

One row per file: turns, distinct speakers, turns per role, turns per section, share of the
spoken body's words kept in the turns; then files per second.
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.transcripts import parse_transcript  # noqa: E402
from tests.transcripts_helpers import SHARED, transcript_files, words_kept  # noqa: E402


def main(folder: Path) -> None:
    files = transcript_files(folder)
    if not files:
        print(f"no transcripts under {folder}")
        return
    blobs = [(p, p.read_bytes()) for p in files]

    start = time.perf_counter()
    parsed = [parse_transcript(data, p.name) for p, data in blobs]
    elapsed = time.perf_counter() - start

    print(f"{'file':<52} {'turns':>5} {'spkrs':>5}  {'exec/anl/op/oth':<15} {'prep/qa':<8} {'kept':>6}  period   ticker")
    kept_all = []
    for (path, data), t in zip(blobs, parsed):
        roles = Counter(turn.role for turn in t.turns)
        sections = Counter(turn.section for turn in t.turns)
        kept = words_kept(data, path.name, t)
        kept_all.append(kept)
        role_cell = "/".join(str(roles[r]) for r in ("executive", "analyst", "operator", "other"))
        name = f"{path.parent.name}/{path.name}"[-52:]
        print(
            f"{name:<52} {len(t.turns):>5} {len({turn.speaker for turn in t.turns}):>5}  {role_cell:<15} "
            f"{sections['prepared']}/{sections['qa']:<6} {kept:>6.1%}  {t.fiscal_period or '-':<8} {t.ticker or '-'}"
            + (f"  ! {'; '.join(t.warnings)}" if t.warnings else "")
        )
    print(
        f"\n{len(files)} files in {elapsed:.2f} s: {len(files) / elapsed:.1f} files/s; "
        f"words kept min {min(kept_all):.2%}, mean {sum(kept_all) / len(kept_all):.2%}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED)
