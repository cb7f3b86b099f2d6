"""Measuring topic tagging: the labeled samples and per-topic precision and recall.

Three samples, labeled by data/topics/GUIDE.md:

- ``data/topics/tune.jsonl``: written sentences the phrase lists were tuned on (in-sample figures);
- ``data/topics/heldout.jsonl``: written sentences kept apart, looked at only to measure;
- ``data/topics/tune_real.jsonl``: sentences of three other real calls under ``shared/data`` (none
  of the held-out calls' companies), by reference like the next; the phrase lists were extended on
  them (in-sample figures);
- ``data/topics/real_heldout.jsonl``: every sentence of three real calls under ``shared/data``
  (none of them read while tuning), kept by reference (file + SHA-1 of the sentence, as
  nlp/real_eval.py does), since the transcripts' text may not be copied into the repo.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hypewatch.errors import HypewatchError
from hypewatch.nlp.real_eval import sentence_sha1, source_sentences

DATA = Path(__file__).parent / "data" / "topics"
TUNE_FILE = DATA / "tune.jsonl"
HELDOUT_FILE = DATA / "heldout.jsonl"
REAL_FILE = DATA / "real_heldout.jsonl"
TUNE_REAL_FILE = DATA / "tune_real.jsonl"


class SampleError(HypewatchError, ValueError):
    """A line of a topic sample is malformed."""


@dataclass(frozen=True)
class LabeledSentence:
    text: str
    topics: frozenset[str]
    origin: str = ""  # for real sentences: the source file


def load_sample(path: Path) -> list[LabeledSentence]:
    rows = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows.append(LabeledSentence(str(row["text"]), frozenset(row["topics"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise SampleError(f"{path}:{no}: not a labeled sentence ({exc})") from None
    return rows


def load_real_sample(shared_dir: Path, path: Path = REAL_FILE) -> tuple[list[LabeledSentence], int]:
    """The referenced real sentences found under shared_dir/data, and how many were not found."""
    data_dir = Path(shared_dir) / "data"
    texts: dict[str, dict[str, str]] = {}
    found, missing = [], 0
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            file, sha1, topics = str(row["file"]), str(row["sha1"]), frozenset(row["topics"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SampleError(f"{path}:{no}: not a reference line ({exc})") from None
        if file not in texts:
            try:
                texts[file] = {sentence_sha1(s): s for s in source_sentences(data_dir, file)}
            except OSError:
                texts[file] = {}
        if sha1 in texts[file]:
            found.append(LabeledSentence(texts[file][sha1], topics, file))
        else:
            missing += 1
    return found, missing


@dataclass
class TopicFigures:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class TopicReport:
    n: int
    per_topic: dict[str, TopicFigures] = field(default_factory=dict)
    exact: int = 0  # sentences whose whole topic set is right

    @property
    def micro(self) -> TopicFigures:
        return TopicFigures(
            sum(f.tp for f in self.per_topic.values()),
            sum(f.fp for f in self.per_topic.values()),
            sum(f.fn for f in self.per_topic.values()),
        )

    @property
    def macro_f1(self) -> float:
        return sum(f.f1 for f in self.per_topic.values()) / len(self.per_topic) if self.per_topic else 0.0

    def format(self) -> str:
        lines = [f"{'topic':<12}{'support':>8}{'precision':>11}{'recall':>8}{'F1':>7}"]
        for name, f in self.per_topic.items():
            lines.append(f"{name:<12}{f.tp + f.fn:>8}{f.precision:>11.2f}{f.recall:>8.2f}{f.f1:>7.2f}")
        m = self.micro
        lines.append(f"{'micro':<12}{m.tp + m.fn:>8}{m.precision:>11.2f}{m.recall:>8.2f}{m.f1:>7.2f}")
        lines.append(f"macro-F1 {self.macro_f1:.2f}; whole topic set right on {self.exact}/{self.n} sentences")
        return "\n".join(lines)


def measure(
    predict: Callable[[list[str]], Sequence[Iterable[str]]], sample: Sequence[LabeledSentence], names: Sequence[str]
) -> TopicReport:
    """Per-topic figures of `predict` (texts -> topic lists) on a labeled sample."""
    report = TopicReport(len(sample), {name: TopicFigures() for name in names})
    for row, got in zip(sample, predict([r.text for r in sample])):
        got = set(got) & set(names)
        want = set(row.topics) & set(names)
        report.exact += got == want
        for name in names:
            f = report.per_topic[name]
            if name in got and name in want:
                f.tp += 1
            elif name in got:
                f.fp += 1
            elif name in want:
                f.fn += 1
    return report
