"""The labeled corpus: loading, normalising, near-duplicate removal and the fixed held-out split.

The split is decided by a hash of each sentence's normalised text, never by its position, so
sentences appended to the corpus later never move existing ones between train and held-out.
Hash buckets are independent of the label, so each label x fatigue stratum is split in the same
proportion (in expectation); `split_report` shows the realised shares.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal

from hypewatch.errors import HypewatchError
from hypewatch.records import LABELS, Label

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
SPLIT_FILE = DATA_DIR / "split.json"
HELDOUT_SHARE = 0.25  # >= 20% even for unlucky strata of a ~1,500-sentence corpus
VALIDATION_SHARE = 0.10  # carved from train, for early stopping
NEAR_DUPLICATE_JACCARD = 0.8  # on word 1-2-grams, digits folded

Part = Literal["train", "validation", "heldout"]

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_WS = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+")


class CorpusError(HypewatchError, ValueError):
    """A labeled file has a line that is not a valid example."""


@dataclass(frozen=True)
class Example:
    text: str
    label: Label
    fatigue: bool
    register: str = ""
    case: str = ""
    origin: str = ""  # "file:line"
    previous: str = ""  # the sentence before it in its source, which the labelers saw ("" for written ones)

    @property
    def key(self) -> str:
        """Stable identity of the sentence (hash of its normalised text)."""
        return text_key(self.text)

    @property
    def part(self) -> Part:
        return part_of(self.text)


def normalize(text: str) -> str:
    """Unicode-normalised text with plain quotes and single spaces."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).translate(_QUOTES)).strip()


def text_key(text: str) -> str:
    return hashlib.sha1(normalize(text).lower().encode("utf-8")).hexdigest()[:16]


def part_of(text: str) -> Part:
    """Where a sentence belongs, from its hash alone."""
    bucket = int(text_key(text), 16) / 16**16
    if bucket < HELDOUT_SHARE:
        return "heldout"
    if bucket < HELDOUT_SHARE + VALIDATION_SHARE:
        return "validation"
    return "train"


def parse_examples(lines: Iterable[str], origin: str = "<input>") -> list[Example]:
    """Examples from JSON Lines with `text`, `label` and optional `fatigue`, `register`, `case`."""
    examples = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{origin}:{no}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
            raise CorpusError(f"{where}: needs a non-empty string `text`")
        if row.get("label") not in LABELS:
            raise CorpusError(f"{where}: label {row.get('label')!r} is not one of {', '.join(LABELS)}")
        fatigue = row.get("fatigue", False)
        if not isinstance(fatigue, bool):
            raise CorpusError(f"{where}: fatigue must be true or false, not {fatigue!r}")
        examples.append(
            Example(
                text=normalize(row["text"]),
                label=row["label"],
                fatigue=fatigue,
                register=str(row.get("register") or ""),
                case=str(row.get("case") or ""),
                origin=where,
            )
        )
    return examples


def read_examples(path: Path) -> list[Example]:
    with open(path, encoding="utf-8") as f:
        return parse_examples(f, origin=str(path))


def _shingles(text: str) -> set[str]:
    words = [re.sub(r"\d", "0", w) for w in _WORD.findall(text.lower())]
    return set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])}


def _overlaps(a: list[str], b: list[str] | None, threshold: float) -> list[tuple[int, int, float]]:
    """(i, j, Jaccard) for each pair of a[i] and b[j] whose word 1-2-grams overlap by >= threshold,
    in order of i then j; with b None, the pairs i < j within a."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer=_shingles, binary=True).fit(a + (b or []))
    A = vectorizer.transform(a).tocsr()
    B = A if b is None else vectorizer.transform(b).tocsr()
    size_a, size_b = A.sum(axis=1).A1, B.sum(axis=1).A1
    pairs: list[tuple[int, int, float]] = []
    # In slices of rows, and filtered as arrays: most pairs share only a word like "the", and
    # all of them at once would take gigabytes.
    for start in range(0, A.shape[0], 500):
        shared = (A[start : start + 500] @ B.T).tocoo()
        rows = shared.row + start
        jaccard = shared.data / (size_a[rows] + size_b[shared.col] - shared.data)
        keep = jaccard >= threshold
        if b is None:
            keep &= shared.col > rows
        pairs += zip(rows[keep].tolist(), shared.col[keep].tolist(), jaccard[keep].tolist())
    return sorted(pairs)


def dedupe(examples: list[Example], threshold: float = NEAR_DUPLICATE_JACCARD) -> list[Example]:
    """Drop examples whose word 1-2-grams overlap an earlier example's by >= threshold (Jaccard)."""
    if len(examples) < 2:
        return list(examples)
    dropped: set[int] = set()
    for i, j, _ in _overlaps([e.text for e in examples], None, threshold):
        if j in dropped or i in dropped:
            continue
        dropped.add(j)
        if (examples[i].label, examples[i].fatigue) != (examples[j].label, examples[j].fatigue):
            logger.warning(
                "near-duplicates labeled differently: %s and %s (kept the first)",
                examples[i].origin,
                examples[j].origin,
            )
    if dropped:
        logger.info("dropped %d near-duplicate sentences", len(dropped))
    return [e for k, e in enumerate(examples) if k not in dropped]


def near_copies(examples: list[Example], texts: list[str], threshold: float) -> list[tuple[Example, str, float]]:
    """The examples whose word 1-2-grams overlap one of `texts` by >= threshold (Jaccard), with it.

    For keeping the written corpus apart from real sentences it must not copy or paraphrase.
    """
    if not examples or not texts:
        return []
    ex_texts = [e.text for e in examples]
    return [(examples[i], texts[j], jaccard) for i, j, jaccard in _overlaps(ex_texts, texts, threshold)]


def corpus_files(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted(data_dir.glob("*.jsonl"))


def load_corpus(data_dir: Path = DATA_DIR) -> list[Example]:
    """All labeled examples under data_dir, normalised and without near-duplicates."""
    examples = [e for path in corpus_files(data_dir) for e in read_examples(path)]
    if not examples:
        raise CorpusError(f"no labeled examples (*.jsonl) under {data_dir}")
    return dedupe(examples)


def split(examples: list[Example]) -> dict[Part, list[Example]]:
    parts: dict[Part, list[Example]] = {"train": [], "validation": [], "heldout": []}
    for e in examples:
        parts[e.part].append(e)
    return parts


def corpus_hash(examples: list[Example]) -> str:
    """Identity of a training corpus, stored with the model that learned from it."""
    h = hashlib.sha1()
    for e in examples:
        h.update(f"{e.key}\t{e.label}\t{int(e.fatigue)}\n".encode())
    return h.hexdigest()[:16]


def split_report(examples: list[Example]) -> str:
    """Counts per label x fatigue stratum and part, as a small table."""
    counts = Counter((e.label, e.fatigue, e.part) for e in examples)
    lines = [f"{'stratum':<18}{'train':>7}{'valid':>7}{'heldout':>9}{'share':>7}"]
    for label in LABELS:
        for fatigue in (False, True):
            row = [counts[(label, fatigue, p)] for p in ("train", "validation", "heldout")]
            total = sum(row) or 1
            name = f"{label}{'+fatigue' if fatigue else ''}"
            lines.append(f"{name:<18}{row[0]:>7}{row[1]:>7}{row[2]:>9}{row[2] / total:>7.0%}")
    return "\n".join(lines)


def write_split_file(examples: list[Example], path: Path = SPLIT_FILE) -> None:
    """Record which sentences are held out, so a change of the rule shows up in review."""
    heldout = sorted(e.key for e in examples if e.part == "heldout")
    payload = {
        "rule": f"sha1(lower(normalize(text)))[:16] as a fraction < {HELDOUT_SHARE} -> heldout; "
        f"< {HELDOUT_SHARE + VALIDATION_SHARE} -> validation (carved from train)",
        "n_examples": len(examples),
        "heldout": heldout,
    }
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def read_split_file(path: Path = SPLIT_FILE) -> set[str]:
    return set(json.loads(path.read_text(encoding="utf-8"))["heldout"])
