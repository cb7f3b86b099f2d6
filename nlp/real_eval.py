"""Labels on real sentences, stored by reference.

The transcripts and article pages under ``../shared/data`` are copyrighted, so the repo keeps no
text from them: ``data/real/real_eval.jsonl`` holds one line per labeled sentence with the source file
(relative to ``shared/data``), the SHA-1 of the sentence text, the label and the fatigue flag.
The text is recovered by reading the source again, splitting it with the production splitter and
matching hashes. A reference that no longer matches (the source is gone, or the splitter now cuts
that sentence differently) is skipped and counted, never guessed.

Where the sentences of a source come from:

- ``transcripts/*.json``: each turn's ``speech`` field.
- ``transcripts/*.txt``: the body text, line by line (speaker and header lines split into
  "sentences" too, but none of them is labeled).
- ``extraction/html/<page>.html``: the page's ``articleBody`` in ``extraction/ground-truth.json``,
  which does not depend on how well the extractor does on that page.

The set is cut into a **dev** half, for tuning and error reading, and a **test** half, for
measuring a recipe on calls it never learned from. The cut goes by a hash of the source file, so
the sentences of one call or article stay together. The shipped model learns from both halves
(``hypewatch train --real``): with the recipe chosen, more labeled calls are worth more than a
figure on the test half (measured below). Its figures on unseen calls come from leaving part of
the test half out (``benchmarks/real_folds.py --within test``), or from a model trained with
``--dev-only`` and scored on the whole test half (``benchmarks/real_sentences.py --half test``).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal, Sequence, cast

from hypewatch.errors import HypewatchError
from hypewatch.nlp.corpus import Example, normalize
from hypewatch.nlp.sentences import split_sentences
from hypewatch.records import LABELS, Label

logger = logging.getLogger(__name__)

# In its own folder: every *.jsonl directly under data/ is read as training corpus.
REFERENCES_FILE = Path(__file__).parent / "data" / "real" / "real_eval.jsonl"
GROUND_TRUTH = "extraction/ground-truth.json"
DEV_SHARE = 0.5  # of source files, by hash; labeled so far: 8,831 dev / 10,046 test sentences
# Sentences of 2024-25 AI-era calls (issue 24), cut by company as well as by call: the test half
# holds every call of the companies whose hash falls under UNSEEN_COMPANY_SHARE and a share of
# the other companies' calls, so it measures both unseen calls and unseen companies.
AI_ERA_FILE = REFERENCES_FILE.with_name("ai_era_2024_25.jsonl")
AI_ERA_FOLDER = "transcripts/sp500_2024_25_txt/"
# Every sentence of whole AI-era calls as the nightly run splits them (turn by turn): the sampled
# sentences above are drawn for information (mostly AI talk), so their share says nothing about a
# call's. Test-half calls measure a call's hype share as users see it (benchmarks/whole_calls.py);
# dev-half calls are learned from, as they resolve against the file's plain split (all but ~0.3%).
WHOLE_CALLS_FILE = REFERENCES_FILE.with_name("ai_era_whole_calls.jsonl")
UNSEEN_COMPANY_SHARE = 0.15  # ADBE, AMD, NFLX, ORCL of the 24 companies
UNSEEN_CALL_SHARE = 0.3
# Of the AI-era dev calls, by hash: never learned from, they fit the transcripts' own temperature
# (nlp.calibration.fit_kind_temperature): 27 calls of 15 companies, 810 sampled sentences and 8 whole calls.
CALIBRATION_CALL_SHARE = 0.25

Half = Literal["dev", "test"]


class ReferenceError(HypewatchError, ValueError):
    """A line of the references file is malformed."""


@dataclass(frozen=True)
class Reference:
    file: str  # relative to shared/data
    sha1: str
    label: str
    fatigue: bool
    sent_no: int | None = None  # the sentence's place in its call (whole-call references only)

    @property
    def half(self) -> Half:
        return half_of(self.file)


def _share(key: str) -> float:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 16**8


def company_of(file: str) -> str:
    """The ticker of an AI-era call file (`NVDA_2025_Q1.txt`)."""
    return Path(file).name.split("_")[0]


def half_of(file: str) -> Half:
    """The half a source file belongs to, from the SHA-1 of its path (relative to shared/data)."""
    if file.startswith(AI_ERA_FOLDER):
        unseen = _share(f"company:{company_of(file)}") < UNSEEN_COMPANY_SHARE or _share(file) < UNSEEN_CALL_SHARE
        return "test" if unseen else "dev"
    return "dev" if _share(file) < DEV_SHARE else "test"


def is_calibration_call(file: str) -> bool:
    """Whether an AI-era dev call is kept out of training to fit the transcripts' temperature."""
    return (
        file.startswith(AI_ERA_FOLDER)
        and half_of(file) == "dev"
        and _share(f"calibration:{file}") < CALIBRATION_CALL_SHARE
    )


def sentence_sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def parse_references(lines: Iterator[str] | list[str], origin: str = "<input>") -> list[Reference]:
    refs = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            sent_no = None if row.get("sent_no") is None else int(row["sent_no"])
            ref = Reference(str(row["file"]), str(row["sha1"]), str(row["label"]), bool(row["fatigue"]), sent_no)
        except (ValueError, KeyError, TypeError) as exc:
            raise ReferenceError(f"{origin}:{no}: not a reference line ({exc})") from exc
        if ref.label not in LABELS:
            raise ReferenceError(f"{origin}:{no}: unknown label {ref.label!r}; expected one of {LABELS}")
        refs.append(ref)
    return refs


def source_texts(raw: bytes, file: str, ground_truth: dict[str, dict] | None = None) -> list[str]:
    """The text blocks of one source file, each to be split on its own."""
    if file.endswith(".json"):
        data = json.loads(raw)
        return [
            turn["speech"]
            for value in data.values()
            if isinstance(value, list)
            for turn in value
            if isinstance(turn, dict) and isinstance(turn.get("speech"), str)
        ]
    if file.startswith("extraction/"):
        page = (ground_truth or {}).get(Path(file).stem, {})
        return [page.get("articleBody") or ""]
    return [raw.decode("utf-8", errors="replace")]


def source_sentences(data_dir: Path, file: str) -> list[str]:
    """Every sentence of a source file under ``data_dir`` (= shared/data), in order."""
    path = data_dir / file
    ground_truth = _ground_truth(data_dir) if file.startswith("extraction/") else None
    return [s for block in source_texts(path.read_bytes(), file, ground_truth) for s in split_sentences(block)]


@lru_cache(maxsize=4)
def _ground_truth(data_dir: Path) -> dict[str, dict]:
    return json.loads((data_dir / GROUND_TRUTH).read_text(encoding="utf-8"))


def load_real_examples(
    shared_dir: Path,
    references: Path = REFERENCES_FILE,
    half: Half | None = None,
    files: Callable[[str], bool] | None = None,
    sentences_of: Callable[[str], Sequence[str]] | None = None,
) -> list[dict]:
    """Resolve the labeled references against ``shared_dir`` into dicts of text, label, fatigue, file.

    ``half`` keeps only the dev or the test half (default: both), and ``files`` only the sources
    it says yes to; the other sources are not read at all. Each row also has ``previous``, the sentence before it in its file ("" for
    the first): the labelers saw it. ``sentences_of`` splits a file (a path under shared/data) as
    its references were labeled (default: source_sentences, the file's text as it is). References
    whose file is missing or whose sentence no longer appears are skipped, with a warning giving the count.
    """
    data_dir = Path(shared_dir) / "data"
    refs = parse_references(references.read_text(encoding="utf-8").splitlines(), str(references))
    refs = [r for r in refs if (half is None or r.half == half) and (files is None or files(r.file))]
    by_file: dict[str, dict[str, tuple[str, str]]] = {}  # sha1 -> (sentence, the one before it)
    examples, missing = [], 0
    for ref in refs:
        if ref.file not in by_file:
            try:
                sentences = sentences_of(ref.file) if sentences_of else source_sentences(data_dir, ref.file)
            except (OSError, HypewatchError):  # gone, or no longer read as a transcript: its references are missing
                sentences = []
            by_file[ref.file] = {}
            for previous, sentence in zip(["", *sentences], sentences):
                by_file[ref.file].setdefault(sentence_sha1(sentence), (sentence, previous))
        found = by_file[ref.file].get(ref.sha1)
        if found is None:
            missing += 1
            continue
        text, previous = found
        examples.append(
            {"text": text, "label": ref.label, "fatigue": ref.fatigue, "file": ref.file, "previous": previous}
        )
    if missing:
        logger.warning("%d of %d real-sentence references did not resolve under %s", missing, len(refs), data_dir)
    return examples


def training_examples(
    shared_dir: Path,
    references: Path = REFERENCES_FILE,
    half: Half | None = None,
    *,
    calibration_calls: bool = False,
    call_sentences: Callable[[str], Sequence[str]] | None = None,
) -> list[Example]:
    """Every labeled real sentence as a training example, one per distinct sentence (`hypewatch train --real`).

    ``half="dev"`` leaves the test half unseen, to score a model on it. Boilerplate that recurs
    across calls ("Thank you.") is kept once. Every neutral sentence is kept, though whole calls
    are ~95% neutral: in two-fold runs on the dev half, all of them gave macro-F1 0.702 and 0.665
    where 37% of them gave 0.664 and 0.630. Both halves, scoring each half of the test files with
    a model that learned from the dev half and the other one (H200): macro-F1 0.686 over the
    10,046 test sentences, where the dev half alone gave 0.642 and 0.648 (two seeds); skeptic F1
    0.41 against 0.30-0.32, hype F1 0.67 against 0.64 (labels before the audit in data/GUIDE.md;
    learning from the audited labels instead left macro-F1 on unseen calls as it was, 0.660 against 0.665).
    The AI-era sentences (AI_ERA_FILE, and the whole calls of WHOLE_CALLS_FILE) join with their dev
    half only, whatever `half` says: their test half is the measure of today's language on calls and
    companies no model learned from. A sentence labeled in both keeps its first label, the sample's.
    Their calibration calls (is_calibration_call) are left out too, unless `calibration_calls`
    says to learn from them (a model that takes its kind temperatures from a model that did not:
    nlp.train.take_kind_temperatures); see calibration_examples.
    ``call_sentences`` splits a whole call as the nightly run does (its transcript's turns, each
    split), which is what its labels were anchored on; without it, the file's text is split as it
    is, where a few sentences at the turns fall out (122 of 47,560 references).
    """
    rows = load_real_examples(shared_dir, references, half=half)
    if references == REFERENCES_FILE and AI_ERA_FILE.is_file():
        learned = None if calibration_calls else (lambda f: not is_calibration_call(f))
        rows += load_real_examples(shared_dir, AI_ERA_FILE, half="dev", files=learned)
        if WHOLE_CALLS_FILE.is_file():
            rows += load_real_examples(
                shared_dir, WHOLE_CALLS_FILE, half="dev", files=learned, sentences_of=call_sentences
            )
    return distinct_examples(rows)


def calibration_examples(
    shared_dir: Path, *, call_sentences: Callable[[str], Sequence[str]] | None = None
) -> list[Example]:
    """The labeled sentences of the AI-era calibration calls, which no model learns from: what
    `hypewatch train --real` fits the transcripts' temperature on (none where the files are missing).
    The sampled sentences and, where a calibration call is labeled whole (WHOLE_CALLS_FILE), every
    sentence of it: the samples are mostly AI talk, a nightly run scores every line of a call.
    ``call_sentences`` as for training_examples."""
    return distinct_examples(
        row
        for references, split in ((AI_ERA_FILE, None), (WHOLE_CALLS_FILE, call_sentences))
        if references.is_file()
        for row in load_real_examples(shared_dir, references, half="dev", files=is_calibration_call, sentences_of=split)
    )


def whole_call_examples(refs: list[Reference], sentences: list[str]) -> list[Example]:
    """Every sentence of one call, labeled, in order, each with the one before it (what the model
    reads): ``refs`` are the call's whole-call references, ``sentences`` the call as the nightly
    run splits it. A call is measured whole or not at all, so a reference that no longer matches
    (the parser or the splitter now cuts the call differently) or a sentence without a label
    raises ReferenceError naming the first one."""
    by_no = {r.sent_no: r for r in refs}
    where = refs[0].file if refs else "<call>"
    if len(by_no) != len(refs) or set(by_no) != set(range(len(sentences))):
        raise ReferenceError(
            f"{where}: {len(refs)} whole-call references for {len(sentences)} sentences; "
            "the call is no longer split as it was labeled (reanchored_whole_call moves the labels)"
        )
    examples = []
    for no, (previous, text) in enumerate(zip(["", *sentences], sentences)):
        ref = by_no[no]
        if sentence_sha1(text) != ref.sha1:
            raise ReferenceError(
                f"{where}: sentence {no} is no longer the one labeled ({text[:60]!r}; "
                "reanchored_whole_call moves the labels)"
            )
        label = cast(Label, ref.label)  # parse_references checked it
        examples.append(Example(text, label, ref.fatigue, register="real", origin=f"{where}#{no}", previous=previous))
    return examples


def reanchored_whole_call(refs: list[Reference], sentences: list[str]) -> tuple[list[Reference], list[int]]:
    """A whole call's references moved onto ``sentences``, the call as the nightly run splits it
    after the parser or the splitter changed (where `whole_call_examples` refuses it): a sentence
    that is still there keeps its label, and labeled sentences now run into one take the label
    they agree on ("Is demand pausing?" + "for the year.", both skeptic). Returns the references
    of the sentences so settled and, in order, the numbers of the others: pieces that disagree, a
    sentence cut in two (one piece may be the operator's "Your question, please."), a sentence
    never labeled. A reader decides those by the guide, never this function."""
    old = sorted(refs, key=lambda r: r.sent_no or 0)
    new_sha = [sentence_sha1(text) for text in sentences]
    matcher = difflib.SequenceMatcher(None, [r.sha1 for r in old], new_sha, autojunk=False)
    settled: list[Reference] = []
    undecided: list[int] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        labels = {(r.label, r.fatigue) for r in old[a1:a2]}
        for no in range(b1, b2):
            if op == "equal":
                settled.append(replace(old[a1 + no - b1], sent_no=no))
            elif len(labels) == 1 and b2 - b1 == 1:  # pieces that agree, run into one sentence
                settled.append(replace(old[a1], sha1=new_sha[no], sent_no=no))
            else:
                undecided.append(no)
    return settled, undecided


def distinct_examples(rows: Iterable[dict]) -> list[Example]:
    """`load_real_examples` rows as training examples, the first of each distinct sentence."""
    examples: dict[str, Example] = {}
    for row in rows:
        example = Example(
            normalize(row["text"]),
            row["label"],
            row["fatigue"],
            register="real",
            origin=row["file"],
            previous=normalize(row.get("previous", "")),
        )
        examples.setdefault(example.key, example)
    return list(examples.values())
