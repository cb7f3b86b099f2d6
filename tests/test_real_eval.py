"""The real-sentence evaluation set: labels kept by reference, text recovered from ../shared."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from hypewatch.nlp.corpus import load_corpus, near_copies, parse_examples
from hypewatch.nlp.real_eval import (
    REFERENCES_FILE,
    WHOLE_CALLS_FILE,
    Reference,
    ReferenceError,
    half_of,
    load_real_examples,
    parse_references,
    reanchored_whole_call,
    sentence_sha1,
    source_texts,
    training_examples,
    whole_call_examples,
)
from hypewatch.records import LABELS

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
AUDIT_FILE = REFERENCES_FILE.parent / "audit_2026-11-27.jsonl"
WHOLE_CALLS_BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "whole_calls.py"


def test_the_references_file_keeps_no_text():
    for line in REFERENCES_FILE.read_text(encoding="utf-8").splitlines():
        assert set(json.loads(line)) == {"file", "sha1", "label", "fatigue"}


def test_references_are_well_formed_and_unique():
    refs = parse_references(REFERENCES_FILE.read_text(encoding="utf-8").splitlines())
    assert len(refs) >= 400
    assert {r.label for r in refs} == set(LABELS)
    assert len({(r.file, r.sha1) for r in refs}) == len(refs)


def test_every_audited_label_is_the_one_trained_on():
    # the audit log (nlp/data/GUIDE.md) must describe the references as they are, not as they were
    refs = {(r.file, r.sha1): r for r in parse_references(REFERENCES_FILE.read_text(encoding="utf-8").splitlines())}
    audit = [json.loads(line) for line in AUDIT_FILE.read_text(encoding="utf-8").splitlines()]
    assert len(audit) >= 300
    for row in audit:
        ref = refs[(row["file"], row["sha1"])]
        assert (ref.label, ref.fatigue) == (row["label"], row["fatigue"])
        assert (row["was"], row["fatigue_was"]) != (row["label"], row["fatigue"])


def test_the_halves_keep_each_source_whole_and_both_can_measure():
    refs = parse_references(REFERENCES_FILE.read_text(encoding="utf-8").splitlines())
    dev = [r for r in refs if r.half == "dev"]
    test = [r for r in refs if r.half == "test"]
    assert not {r.file for r in dev} & {r.file for r in test}
    # the files split near even; the dev half has since grown, as only it may be read to label more
    assert len(dev) >= 200 and len(test) >= 200
    assert {r.label for r in dev} == {r.label for r in test} == set(LABELS)
    assert half_of("transcripts/a.txt") == half_of("transcripts/a.txt")


def test_a_half_reads_only_its_own_sources(tmp_path: Path):
    names = [f"transcripts/call{i}.txt" for i in range(20)]
    dev_file = next(n for n in names if half_of(n) == "dev")
    test_file = next(n for n in names if half_of(n) == "test")
    (tmp_path / "data" / "transcripts").mkdir(parents=True)
    (tmp_path / "data" / dev_file).write_text("Demand is strong.\n", encoding="utf-8")  # test_file is absent
    refs = tmp_path / "refs.jsonl"
    rows = [
        {"file": f, "sha1": sentence_sha1("Demand is strong."), "label": "hype", "fatigue": False}
        for f in (dev_file, test_file)
    ]
    refs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    assert load_real_examples(tmp_path, refs, half="dev") == [
        {"text": "Demand is strong.", "label": "hype", "fatigue": False, "file": dev_file, "previous": ""}
    ]
    assert load_real_examples(tmp_path, refs, half="test") == []


def test_both_halves_are_trained_on_unless_dev_only_and_recurring_lines_count_once(tmp_path: Path):
    names = [f"transcripts/call{i}.txt" for i in range(20)]
    dev_files = [n for n in names if half_of(n) == "dev"][:2]
    test_file = next(n for n in names if half_of(n) == "test")
    (tmp_path / "data" / "transcripts").mkdir(parents=True)
    lines = {
        dev_files[0]: [("Your line is now open.", "neutral"), ("Cloud demand is strong.", "hype")],
        dev_files[1]: [("Your line is now open.", "neutral")],
        test_file: [("Orders for servers are slowing.", "skeptic")],
    }
    rows = []
    for name, labeled in lines.items():
        (tmp_path / "data" / name).write_text("".join(s + "\n" for s, _ in labeled), encoding="utf-8")
        rows += [{"file": name, "sha1": sentence_sha1(s), "label": label, "fatigue": False} for s, label in labeled]
    refs = tmp_path / "refs.jsonl"
    refs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    examples = training_examples(tmp_path, refs)
    assert [(e.text, e.label, e.register, e.origin) for e in examples] == [
        ("Your line is now open.", "neutral", "real", dev_files[0]),
        ("Cloud demand is strong.", "hype", "real", dev_files[0]),
        ("Orders for servers are slowing.", "skeptic", "real", test_file),
    ]
    dev_only = training_examples(tmp_path, refs, half="dev")
    assert [e.text for e in dev_only] == ["Your line is now open.", "Cloud demand is strong."]


def test_a_malformed_line_is_named_by_its_place():
    with pytest.raises(ReferenceError, match="refs:2: unknown label 'bullish'"):
        parse_references(
            [
                '{"file": "a.txt", "sha1": "x", "label": "hype", "fatigue": false}',
                '{"file": "a.txt", "sha1": "y", "label": "bullish", "fatigue": false}',
            ],
            "refs",
        )


def test_json_transcripts_give_their_speech_fields():
    raw = json.dumps(
        {
            "header_texts": ["Contents:"],
            "prepared_remarks": [{"speaker": "Operator", "speech": "Welcome."}],
            "q_and_a": [{"speaker": "Analyst", "speech": "Is demand slowing?"}],
        }
    ).encode()
    assert source_texts(raw, "transcripts/motleyfool_json/X_q1_2024.json") == ["Welcome.", "Is demand slowing?"]


def test_references_resolve_against_a_source_folder(tmp_path: Path):
    (tmp_path / "data" / "transcripts").mkdir(parents=True)
    (tmp_path / "data" / "transcripts" / "call.txt").write_text(
        "Operator\nWelcome to the call. Demand for our GPUs is well ahead of supply.\n", encoding="utf-8"
    )
    refs = tmp_path / "refs.jsonl"
    rows = [
        {
            "file": "transcripts/call.txt",
            "sha1": sentence_sha1("Demand for our GPUs is well ahead of supply."),
            "label": "hype",
            "fatigue": False,
        },
        {
            "file": "transcripts/call.txt",
            "sha1": sentence_sha1("A sentence that is not there."),
            "label": "neutral",
            "fatigue": False,
        },
        {"file": "transcripts/gone.txt", "sha1": "0" * 40, "label": "neutral", "fatigue": False},
    ]
    refs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    assert load_real_examples(tmp_path, refs) == [
        {
            "text": "Demand for our GPUs is well ahead of supply.",
            "label": "hype",
            "fatigue": False,
            "file": "transcripts/call.txt",
            "previous": "Welcome to the call.",  # what the labelers saw before it
        }
    ]


@pytest.fixture(scope="module")
def real_rows() -> list[dict]:
    """The real references resolved once for the module: splitting the calls takes a while."""
    return load_real_examples(SHARED)


@pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="../shared/data is not here")
def test_at_least_95_percent_of_the_real_references_resolve(real_rows):
    n_refs = len(REFERENCES_FILE.read_text(encoding="utf-8").splitlines())
    assert len(real_rows) >= 0.95 * n_refs


@pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="../shared/data is not here")
def test_no_written_sentence_copies_a_real_one(real_rows):
    """The corpus is written for the project: apart from call boilerplate, no training sentence
    shares 60% of its words and word pairs with a labeled real sentence of 10 words or more.

    Among ~19,000 labeled call sentences, stock phrasing alone pairs short lines closely ("Operating
    cash flow in the quarter was $1.1 billion." against a written "Operating cash flow was $1.9
    billion in the quarter.", 0.80) and long figure lines up to 0.56; the one written sentence
    found copying a real one, in session 4, stood at 0.61 against a CFO guidance line."""
    written = [e for e in load_corpus() if e.case != "boilerplate"]
    real = [e["text"] for e in real_rows if len(e["text"].split()) >= 10]
    copies = near_copies(written, real, threshold=0.6)
    assert not copies, [(e.origin, round(jaccard, 2)) for e, _, jaccard in copies]


def test_near_copies_finds_a_paraphrase_and_not_a_stranger():
    [close, far] = parse_examples(
        [
            json.dumps(
                {"text": "As the new part ramps, we expect gross margins to ease to the low 70s.", "label": "skeptic"}
            ),
            json.dumps({"text": "Bulls argue demand for accelerators is essentially bottomless.", "label": "hype"}),
        ]
    )
    real = ["As the new part ramps, we expect gross margins to moderate to the low 70s."]
    assert [(e, r) for e, r, _ in near_copies([close, far], real, threshold=0.5)] == [(close, real[0])]


def _whole_call_refs(sentences: list[str], file: str = "transcripts/call.txt") -> list[Reference]:
    return [
        Reference(file, sentence_sha1(text), "hype" if "demand" in text else "neutral", False, no)
        for no, text in enumerate(sentences)
    ]


def test_a_whole_call_is_labeled_sentence_by_sentence_with_the_one_before():
    sentences = ["Good afternoon.", "AI demand is well ahead of supply.", "Next question."]
    examples = whole_call_examples(_whole_call_refs(sentences), sentences)
    assert [(e.text, e.previous, e.label) for e in examples] == [
        ("Good afternoon.", "", "neutral"),
        ("AI demand is well ahead of supply.", "Good afternoon.", "hype"),
        ("Next question.", "AI demand is well ahead of supply.", "neutral"),
    ]


@pytest.mark.parametrize(
    "now_split",
    [
        ["Good afternoon.", "AI demand is well ahead of supply. Next question."],  # cut differently
        ["Good afternoon.", "AI demand is ahead of supply.", "Next question."],  # a sentence changed
        ["Good afternoon.", "AI demand is well ahead of supply.", "Next question.", "Bye."],  # one more
    ],
)
def test_a_whole_call_split_otherwise_than_labeled_is_refused_not_guessed(now_split: list[str]):
    labeled = ["Good afternoon.", "AI demand is well ahead of supply.", "Next question."]
    with pytest.raises(ReferenceError, match="transcripts/call.txt"):
        whole_call_examples(_whole_call_refs(labeled), now_split)


def test_a_whole_call_split_otherwise_is_reanchored_where_its_labels_agree_and_left_to_a_reader_where_not():
    labeled = ["Good afternoon.", "Is demand pausing?", "for the year.", "Thank you.", "AI demand is up.", "Next."]
    refs = _whole_call_refs(labeled)
    refs[1] = replace(refs[1], label="skeptic")
    refs[2] = replace(refs[2], label="skeptic")  # a question's tail, labeled with it
    now_split = [
        "Good afternoon.",
        "Is demand pausing? for the year.",  # two skeptic pieces run into one: skeptic
        "Thank you.",
        "AI demand is up. Next.",  # hype and neutral run into one: a reader decides
        "Thanks.",  # never labeled, and next to it: a reader decides
    ]
    settled, undecided = reanchored_whole_call(refs, now_split)
    assert [(r.sent_no, r.label) for r in settled] == [(0, "neutral"), (1, "skeptic"), (2, "neutral")]
    assert settled[1].sha1 == sentence_sha1("Is demand pausing? for the year.")
    assert undecided == [3, 4]
    with pytest.raises(ReferenceError, match="reanchored_whole_call"):
        whole_call_examples(refs, now_split)
    # Once a reader's labels are in, the call resolves as the nightly run splits it.
    decided = [Reference("transcripts/call.txt", sentence_sha1(now_split[n]), "hype", False, n) for n in undecided]
    labels = [e.label for e in whole_call_examples(settled + decided, now_split)]
    assert labels == ["neutral", "skeptic", "neutral", "hype", "hype"]


def test_a_whole_call_cut_in_two_is_left_to_a_reader_and_an_unchanged_call_is_kept_as_it_is():
    labeled = ["Good afternoon.", "Your question, please. Is AI demand pausing?"]
    refs = _whole_call_refs(labeled)
    refs[1] = replace(refs[1], label="skeptic")
    assert reanchored_whole_call(refs, labeled) == (refs, [])
    cut = ["Good afternoon.", "Your question, please.", "Is AI demand pausing?"]
    settled, undecided = reanchored_whole_call(refs, cut)
    assert [r.sent_no for r in settled] == [0] and undecided == [1, 2]  # the operator's piece is not skeptic


def test_whole_calls_are_labeled_whole_by_reference():
    refs = parse_references(WHOLE_CALLS_FILE.read_text(encoding="utf-8").splitlines())
    for line in WHOLE_CALLS_FILE.read_text(encoding="utf-8").splitlines():
        assert set(json.loads(line)) == {"file", "sent_no", "sha1", "label", "fatigue"}
    by_call: dict[str, list[int]] = {}
    for ref in refs:
        assert ref.sent_no is not None, ref
        by_call.setdefault(ref.file, []).append(ref.sent_no)
    assert sum(half_of(file) == "test" for file in by_call) >= 8  # what benchmarks/whole_calls.py measures
    for file, numbers in by_call.items():
        assert sorted(numbers) == list(range(len(numbers))), file


@pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="../shared/data is not here")
def test_every_whole_call_resolves_as_the_nightly_run_splits_it():
    import importlib.util

    from hypewatch.nlp.sentences import document_sentences

    spec = importlib.util.spec_from_file_location("whole_calls_benchmark", WHOLE_CALLS_BENCHMARK)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    refs = parse_references(WHOLE_CALLS_FILE.read_text(encoding="utf-8").splitlines())
    for file in sorted({r.file for r in refs}):
        sentences = [s.text for s in document_sentences(benchmark.call_document(file, SHARED))]
        examples = whole_call_examples([r for r in refs if r.file == file], sentences)
        assert len(examples) == len(sentences) > 100


@pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="../shared/data is not here")
def test_training_reads_a_whole_call_as_the_nightly_run_splits_it_where_its_labels_were_anchored():
    from hypewatch.transcript_sentences import transcript_sentences

    call = "transcripts/sp500_2024_25_txt/AMAT_2025_Q1.txt"  # its text split as it is cuts 4 sentences otherwise
    labeled = [r for r in parse_references(WHOLE_CALLS_FILE.read_text(encoding="utf-8").splitlines()) if r.file == call]
    as_is = load_real_examples(SHARED, WHOLE_CALLS_FILE, files=lambda f: f == call)
    nightly = load_real_examples(
        SHARED,
        WHOLE_CALLS_FILE,
        files=lambda f: f == call,
        sentences_of=lambda f: transcript_sentences(SHARED / "data" / f),
    )
    assert len(as_is) < len(labeled) == len(nightly)
    sentences = transcript_sentences(SHARED / "data" / call)
    before: dict[str, str] = {}
    for previous, text in zip(["", *sentences], sentences):
        before.setdefault(text, previous)
    # each with the sentence the score stage gives the model with it (a repeated line: its first)
    assert all(row["previous"] == before[row["text"]] for row in nightly)


def test_whole_calls_of_the_dev_half_are_learned_from_and_the_test_half_never(tmp_path: Path, monkeypatch):
    from hypewatch.nlp import real_eval
    from hypewatch.nlp.real_eval import AI_ERA_FOLDER, is_calibration_call

    names = [f"{AI_ERA_FOLDER}CO{i}_2025_Q1.txt" for i in range(60)]
    dev_call = next(n for n in names if half_of(n) == "dev" and not is_calibration_call(n))
    test_call = next(n for n in names if half_of(n) == "test")
    (tmp_path / "data" / AI_ERA_FOLDER).mkdir(parents=True)
    calls = {
        dev_call: [("Good morning.", "neutral"), ("AI bookings doubled.", "hype")],
        test_call: [("Is AI demand pausing?", "skeptic")],
    }
    for name, labeled in calls.items():
        (tmp_path / "data" / name).write_text("".join(s + "\n" for s, _ in labeled), encoding="utf-8")

    def write(path: Path, rows: list[dict]) -> Path:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return path

    sampled = write(
        tmp_path / "sample.jsonl",
        [{"file": dev_call, "sha1": sentence_sha1("AI bookings doubled."), "label": "hype", "fatigue": False}],
    )
    whole = write(
        tmp_path / "whole.jsonl",
        [
            {
                "file": name,
                "sent_no": no,
                "sha1": sentence_sha1(s),
                "label": "neutral" if name == dev_call else label,
                "fatigue": False,
            }
            for name, labeled in calls.items()
            for no, (s, label) in enumerate(labeled)
        ],
    )
    written = write(tmp_path / "real.jsonl", [])
    monkeypatch.setattr(real_eval, "REFERENCES_FILE", written)
    monkeypatch.setattr(real_eval, "AI_ERA_FILE", sampled)
    monkeypatch.setattr(real_eval, "WHOLE_CALLS_FILE", whole)

    examples = training_examples(tmp_path, written)
    # the sample's label stands where both labeled a sentence; the test-half call is never learned from
    assert [(e.text, e.label, e.previous) for e in examples] == [
        ("AI bookings doubled.", "hype", "Good morning."),
        ("Good morning.", "neutral", ""),
    ]
