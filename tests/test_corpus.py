import json

import pytest

from hypewatch.nlp.corpus import (
    SPLIT_FILE,
    CorpusError,
    Example,
    dedupe,
    load_corpus,
    normalize,
    parse_examples,
    part_of,
    read_split_file,
    split,
)
from hypewatch.records import LABELS


def _line(text, label="neutral", fatigue=False):
    return json.dumps({"text": text, "label": label, "fatigue": fatigue, "register": "news_wire", "case": "plain"})


def test_parse_normalises_text_and_keeps_fields():
    [e] = parse_examples([_line("  Bulls  say demand is “bottomless”. ", "hype", True)], origin="x.jsonl")
    assert e == Example('Bulls say demand is "bottomless".', "hype", True, "news_wire", "plain", "x.jsonl:1")


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "x.jsonl:2: not JSON"),
        (json.dumps({"text": "ok", "label": "bullish"}), "x.jsonl:2: label 'bullish'"),
        (json.dumps({"text": "ok", "label": "hype", "fatigue": "yes"}), "x.jsonl:2: fatigue must be"),
        (json.dumps({"label": "hype"}), "x.jsonl:2: needs a non-empty string `text`"),
    ],
)
def test_bad_lines_are_named_by_file_and_line(line, message):
    with pytest.raises(CorpusError, match=message):
        parse_examples([_line("fine"), line], origin="x.jsonl")


def test_near_duplicates_are_removed_keeping_the_first():
    examples = parse_examples(
        [
            _line("Nvidia's data-center revenue rose 73% from a year earlier.", "hype"),
            _line("Nvidia's data-center revenue rose 81% from a year earlier.", "hype"),  # only the figure differs
            _line("Nvidia's data center revenue rose 73 % from a year earlier!", "hype"),
            _line("Critics say the data-center build-out looks like a bubble.", "skeptic"),
        ]
    )
    assert [e.text for e in dedupe(examples)] == [examples[0].text, examples[3].text]


def test_split_depends_on_the_sentence_alone():
    texts = [f"Sentence number {i} about chips and power." for i in range(400)]
    before = {t: part_of(t) for t in texts}
    more = parse_examples(_line(t) for t in texts + [f"An appended sentence {i}." for i in range(200)])
    assert all(e.part == before[e.text] for e in more if e.text in before)
    assert all(part_of(normalize(f"  {t} ")) == p for t, p in before.items())
    assert 0.2 <= sum(p == "heldout" for p in before.values()) / len(texts) <= 0.3


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_shipped_corpus_is_valid_and_has_every_stratum(corpus):
    assert {(e.label, e.fatigue) for e in corpus} == {(lab, f) for lab in LABELS for f in (False, True)}
    assert len({e.key for e in corpus}) == len(corpus)


def test_held_out_split_is_at_least_a_fifth_of_every_label(corpus):
    parts = split(corpus)
    for label in LABELS:
        share = sum(e.label == label for e in parts["heldout"]) / sum(e.label == label for e in corpus)
        assert share >= 0.2, label
    fatigue_share = sum(e.fatigue for e in parts["heldout"]) / sum(e.fatigue for e in corpus)
    assert fatigue_share >= 0.2


def test_recorded_held_out_sentences_are_still_held_out(corpus):
    recorded = read_split_file(SPLIT_FILE)
    assert recorded, "nlp/data/split.json lists no held-out sentences"
    trained_on = {e.key for e in corpus if e.part != "heldout"}
    assert not recorded & trained_on


@pytest.mark.parametrize("word", ["tired", "hear", "fatigue"])
def test_fatigue_words_also_appear_in_sentences_that_are_not_about_ai_fatigue(corpus, word):
    # Without such negatives the fatigue head learns the word, and flags "can you hear me?" on calls.
    training = [e for e in corpus if e.part == "train" and word in e.text.lower()]
    assert sum(not e.fatigue for e in training) >= 2, word
