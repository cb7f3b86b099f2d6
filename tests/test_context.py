"""A model that reads the sentence before each one (nlp.meta.ModelMeta.context): trained with it,
scored with it by both scorers alike, given it by the score stage within a document only, and
cached per pair of sentences; and a trained model continued (`TrainConfig.continuing`)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from datetime import datetime, timezone

import pytest
from model_helpers import EXAMPLES
from test_onnx_scorer import assert_same_scores

from hypewatch.nlp import meta as mt
from hypewatch.nlp.adapter import SHIPPED_BYTES
from hypewatch.nlp.corpus import Example
from hypewatch.nlp.onnx_scorer import OnnxScorer, fingerprint
from hypewatch.nlp.scorer import Scorer
from hypewatch.nlp.train import TrainConfig, train, with_sentences_before
from hypewatch.records import Document, Kind
from hypewatch.scoring import model_inputs, score_pending, sentence_pairs
from hypewatch.storage import Store

pytestmark = pytest.mark.usefixtures("user_cache")  # conftest: a cache of this module's own

BEFORE = ["Turning to the data center.", "Next question, please.", ""]
REAL = [
    Example("Our AI revenue tripled this year.", "hype", False, register="real", previous="Turning to data centers."),
    Example("That is all we have time for.", "neutral", False, register="real", previous="Thank you all."),
    Example("Returns on these clusters are unproven.", "skeptic", False, register="real", previous="Fair question."),
]
TEXTS = ["Demand for GPUs is insatiable.", "We see AI fatigue among customers.", "Thank you."]


@pytest.fixture(scope="module")
def pair_encoder(tmp_path_factory, tokenizer):
    """The tiny encoder with room for a sentence and the one before it (mt.PAIR_MAX_LENGTH tokens)."""
    import torch
    from model_helpers import TINY
    from transformers import BertConfig, BertModel

    folder = tmp_path_factory.mktemp("pair-encoder")
    torch.manual_seed(0)
    settings = TINY | {"max_position_embeddings": 2 * mt.PAIR_MAX_LENGTH}
    BertModel(BertConfig(vocab_size=tokenizer.vocab_size, **settings)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def with_context(tmp_path_factory, pair_encoder):
    """A tiny model trained the shipped way, reading the sentence before each one."""
    folder = tmp_path_factory.mktemp("context") / "hypewatch-minilm"
    config = TrainConfig(
        epochs=1, seed=3, encoder=str(pair_encoder), batch_size=8, shipped_bytes=SHIPPED_BYTES, context=1
    )
    train(folder, config, examples=EXAMPLES, real=REAL, evaluate_heldout=False)
    return folder


def test_the_model_says_it_reads_the_sentence_before(with_context):
    meta = mt.load_meta(with_context)
    assert meta.context == 1 and meta.pair_max_length == mt.PAIR_MAX_LENGTH
    assert Scorer.load(str(with_context), device="cpu", precision="fp32").context == 1


def test_the_sentence_before_changes_the_score_and_none_is_an_empty_one(with_context):
    scorer = Scorer.load(str(with_context), device="cpu", precision="fp32")
    alone = scorer.score(TEXTS)
    assert scorer.score(TEXTS, previous=["", "", ""]) == alone
    after = scorer.score(TEXTS, previous=BEFORE)
    assert after[2] == alone[2]  # its sentence before is empty
    assert all(abs(a.p_hype - b.p_hype) > 1e-6 for a, b in zip(after[:2], alone[:2]))


def test_a_model_without_context_ignores_the_sentence_before(trained):
    scorer = Scorer.load(str(trained[0]), device="cpu", precision="fp32")
    assert scorer.context == 0
    assert scorer.score(TEXTS, previous=BEFORE) == scorer.score(TEXTS)


def test_the_torch_free_scorer_reads_the_pair_as_the_torch_side_does(with_context):
    slow = Scorer.load(str(with_context), device="cpu", precision="int8", batch_size=2)
    fast = OnnxScorer.open(str(with_context), device="cpu")
    assert fast is not None and fast.context == 1
    long_before = "The quarter was strong across every segment of the business. " * 12  # cut, longest first
    texts, before = TEXTS + [TEXTS[0]], BEFORE + [long_before]
    assert_same_scores(fast.score(texts, previous=before), slow.score(texts, previous=before))
    assert_same_scores(fast.score(texts), slow.score(texts))


def test_previous_sentences_must_match_the_sentences(with_context):
    with pytest.raises(ValueError, match="3 sentences but 2 previous"):
        Scorer.load(str(with_context), device="cpu", precision="fp32").score(TEXTS, previous=BEFORE[:2])


def test_classify_reads_the_previous_field_of_a_json_line(with_context, write_config, hypewatch_cmd, user_cache):
    config = write_config(f"model:\n  name: {with_context}\n  device: cpu\n")
    call = {"kind": "transcripts"}
    lines = [
        {"text": TEXTS[0], "previous": "", **call},
        {"text": TEXTS[0], "previous": BEFORE[0], **call},
        {"text": TEXTS[0]},
        {"text": TEXTS[0], "previous": BEFORE[0]},  # news: read alone, as the score stage reads it
    ]
    done = subprocess.run(
        [*hypewatch_cmd, "--config", str(config), "classify"],
        input="\n".join(json.dumps(line) for line in lines),
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(user_cache.parent)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    alone, after, news, news_after = (json.loads(row) for row in done.stdout.splitlines())
    assert after["previous"] == news_after["previous"] == BEFORE[0]  # the record's fields come back
    fast = OnnxScorer.open(str(with_context), device="cpu")
    assert fast is not None and fast.calibration is None  # too few sentences to fit one: scores as the net gives them
    expected = fast.score([TEXTS[0]] * 2, previous=["", BEFORE[0]])
    assert (alone["p_hype"], after["p_hype"]) == pytest.approx((expected[0].p_hype, expected[1].p_hype), abs=1e-6)
    assert alone["p_hype"] != after["p_hype"]
    assert "`previous` is not read for news" in done.stderr
    assert news_after["p_hype"] == news["p_hype"] == pytest.approx(fast.score([TEXTS[0]])[0].p_hype, abs=1e-6)


def _document(doc_id: str, text: str, kind: Kind = "transcripts") -> Document:
    now = datetime(2026, 11, 20, tzinfo=timezone.utc)
    return Document(doc_id, "wire", kind, f"https://x.org/{doc_id}", doc_id, now, now, "en", [], text)


def test_each_sentence_is_given_the_one_before_it_in_its_own_document_only():
    docs = [_document("a", "Capex rose. Demand is strong."), _document("b", "Demand is strong. Thanks.")]
    pairs = sentence_pairs(docs)
    assert model_inputs(pairs, {"transcripts"}) == [
        ("Capex rose.", ""),
        ("Demand is strong.", "Capex rose."),
        ("Demand is strong.", ""),
        ("Thanks.", "Demand is strong."),
    ]
    assert [before for _, before in model_inputs(pairs, frozenset())] == ["", "", "", ""]


def test_news_is_read_sentence_by_sentence_by_a_model_that_learned_the_sentence_before_from_calls(with_context):
    meta = mt.load_meta(with_context)
    assert meta.context_kinds == ["transcripts"] and meta.kinds_read_with_context == {"transcripts"}
    for scorer in (Scorer.load(str(with_context), device="cpu", precision="fp32"), OnnxScorer.open(str(with_context))):
        assert scorer is not None and scorer.context_kinds == {"transcripts"}
    text = "AI fatigue is spreading. The retailer said holiday foot traffic was the strongest in years."
    pairs = sentence_pairs([_document("n", text, "news"), _document("t", text, "transcripts")])
    assert [before for _, before in model_inputs(pairs, meta.kinds_read_with_context)] == [
        "",
        "",
        "",
        "AI fatigue is spreading.",
    ]


def test_a_model_saved_before_its_context_kinds_were_kept_reads_every_kind_with_context(with_context, tmp_path):
    older = tmp_path / "older"
    older.mkdir()
    meta = mt.load_meta(with_context)
    saved = {k: v for k, v in meta.__dict__.items() if k != "context_kinds"}
    (older / mt.META_FILE).write_text(json.dumps(saved), encoding="utf-8")
    assert mt.load_meta(older).kinds_read_with_context == {"news", "transcripts"}
    assert dataclasses.replace(meta, context=0).kinds_read_with_context == frozenset()


def test_the_score_cache_keys_a_context_model_by_both_sentences(with_context, tmp_path):
    scorer = Scorer.load(str(with_context), device="cpu", precision="fp32")
    store = Store(tmp_path / "hw.duckdb")
    store.add_documents([_document("a", "Capex rose. Demand is strong."), _document("b", "Demand is strong.")])
    first = score_pending(store, scorer)
    assert (first["scored"], first["from_cache"]) == (3, 0)  # the same sentence after another one is scored anew
    with store.read() as conn:
        rows = conn.execute("SELECT doc_id, p_hype FROM sentences WHERE text = 'Demand is strong.' ORDER BY doc_id")
        (_, after_capex), (_, opening) = rows.fetchall()
    assert abs(after_capex - opening) > 1e-6
    store.add_documents([_document("c", "Capex rose. Demand is strong. Margins held at 70%.")])
    fresh = Scorer.load(str(with_context), device="cpu", precision="fp32")  # nothing remembered in memory
    again = score_pending(store, fresh)
    assert (again["scored"], again["from_cache"]) == (1, 2)  # two pairs were scored before, in document a
    with store.read() as conn:
        found = conn.execute("SELECT doc_id, p_hype FROM sentences WHERE sent_no = 1 AND doc_id IN ('a', 'c')")
        assert [p for _, p in found.fetchall()] == pytest.approx([after_capex, after_capex], abs=1e-6)


def test_continuing_a_model_starts_from_its_weights_and_says_so(trained_full, tiny_encoder, tmp_path):
    folder, _ = trained_full
    still = TrainConfig.continuing(str(folder), encoder=str(tiny_encoder), context=0, learning_rate=0.0)
    still = dataclasses.replace(still, head_learning_rate=0.0, calibrate=False, batch_size=8)
    out = tmp_path / "continued"
    train(out, still, examples=EXAMPLES, evaluate_heldout=False)
    original, continued = (Scorer.load(str(f), device="cpu", precision="fp32") for f in (folder, out))
    original.calibration = None  # the original's calibration is not carried over: the same raw scores are
    assert_same_scores(continued.score(TEXTS), original.score(TEXTS))  # a learning rate of 0: the same weights
    training = mt.load_meta(out).training
    assert training["started_from"] == {"model": str(folder), "fingerprint": fingerprint(folder)}
    assert TrainConfig.of(training) == still


def test_a_share_of_written_sentences_is_read_after_another_drawn_at_random_their_labels_kept():
    written = [
        Example(f"Written sentence number {i}.", ("hype", "skeptic", "neutral")[i % 3], i % 5 == 0) for i in range(400)
    ]
    given = with_sentences_before(written, 0.5, seed=13)
    assert given == with_sentences_before(written, 0.5, seed=13)  # seeded: the recipe rebuilds the same model
    before = [g.previous for g in given if g.previous]
    assert 160 < len(before) < 240  # about half
    assert set(before) <= {w.text for w in written} and len(set(before)) > 100
    assert [(g.text, g.label, g.fatigue) for g in given] == [(w.text, w.label, w.fatigue) for w in written]
    assert with_sentences_before(written, 0.0, seed=13) == written
