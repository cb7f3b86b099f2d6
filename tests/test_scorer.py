"""The scorer's loading paths and scoring, with tiny models that the tests build and train.

`trained` is trained the shipped way (LoRA adapters, merged into the base on load); `trained_full`
fine-tunes every weight and saves a whole model folder (`hypewatch train --full`).
"""

import dataclasses
import math
import shutil

import pytest
import torch
from model_helpers import EXAMPLES, SENTENCES, TINY  # noqa: F401  (others import them from here too)
from safetensors.torch import load_file
from transformers import BertConfig, BertForSequenceClassification

from hypewatch.nlp import model as mt
from hypewatch.nlp.adapter import SHIPPED_BYTES
from hypewatch.nlp.corpus import Example, part_of
from hypewatch.nlp.evaluate import EvalReport, evaluate
from hypewatch.nlp.int8 import OnnxRunner
from hypewatch.nlp.scorer import SHIPPED_MODEL_DIR, LabelMapError, Scorer, model_folder
from hypewatch.nlp.train import TrainConfig, _length_batches, _mean_state, train
from hypewatch.records import LABELS, Score

pytestmark = pytest.mark.usefixtures("user_cache")  # conftest: a cache of this module's own


def test_training_writes_a_model_folder_with_metadata(trained):
    folder, report = trained
    assert report.n_train + report.n_validation + report.n_heldout == len(EXAMPLES)
    assert report.n_heldout == sum(part_of(e.text) == "heldout" for e in EXAMPLES)
    assert report.heldout.n == report.n_heldout
    meta = mt.load(folder)[2]
    assert meta.labels == list(LABELS)
    assert meta.training["corpus_hash"] == report.corpus_hash
    assert meta.training["config"]["seed"] == 3
    assert meta.training["device"] == ("cuda" if torch.cuda.is_available() else "cpu")  # device: auto
    assert "held-out split" in report.format()


def test_the_recipe_is_saved_verbatim(trained, tiny_encoder):
    folder, _ = trained
    training = mt.load_meta(folder).training
    asked = TrainConfig(epochs=1, seed=3, encoder=tiny_encoder, batch_size=8, shipped_bytes=SHIPPED_BYTES)
    assert training["config"] == dataclasses.asdict(asked) and TrainConfig.of(training) == asked
    assert training["config"]["encoder"] == str(tiny_encoder)


def test_the_shipped_model_is_the_default_recipes_model_continued_with_context():
    training = mt.load_meta(SHIPPED_MODEL_DIR).training
    shipped = TrainConfig.of(training)
    assert dataclasses.replace(shipped, shipped_bytes=None, device="auto") == TrainConfig.continuing("default")
    assert training["started_from"]["model"] == "default" and mt.load_meta(SHIPPED_MODEL_DIR).context == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_training_on_cuda_without_cuda_says_so(tiny_encoder, tmp_path):
    with pytest.raises(RuntimeError, match="no CUDA device"):
        train(tmp_path, TrainConfig(epochs=1, encoder=tiny_encoder, device="cuda"), examples=EXAMPLES)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_model_trained_on_cuda_scores_alike_in_fp16_and_on_the_cpu(tiny_encoder, tmp_path):
    report = train(
        tmp_path, TrainConfig(epochs=1, seed=3, encoder=tiny_encoder, batch_size=8, device="cuda"), examples=EXAMPLES
    )
    assert mt.load(tmp_path)[2].training["device"] == "cuda"
    texts = [e.text for e in EXAMPLES[:64]]
    half = Scorer.load(str(tmp_path), device="cuda")  # auto on CUDA: fp16
    assert half.model_id.endswith("-fp16")
    cpu = Scorer.load(str(tmp_path), device="cpu", precision="fp32").score(texts)
    for a, b in zip(half.score(texts), cpu):
        assert a.p_hype == pytest.approx(b.p_hype, abs=0.02) and a.p_fatigue == pytest.approx(b.p_fatigue, abs=0.02)
    assert report.heldout.n == report.n_heldout


def test_training_is_reproducible(trained, trained_full, tiny_encoder, tmp_path):
    folder, _ = trained
    train(
        tmp_path / "shipped",
        TrainConfig(epochs=1, seed=3, encoder=tiny_encoder, batch_size=8, shipped_bytes=SHIPPED_BYTES),
        examples=EXAMPLES,
        evaluate_heldout=False,
    )
    first, again = load_file(folder / mt.ADAPTER_FILE), load_file(tmp_path / "shipped" / mt.ADAPTER_FILE)
    assert first.keys() == again.keys() and all(torch.equal(first[k], again[k]) for k in first)
    full, _ = trained_full
    train(
        tmp_path / "full",
        TrainConfig(epochs=1, seed=3, encoder=tiny_encoder, batch_size=8),
        examples=EXAMPLES,
        evaluate_heldout=False,
    )
    first, again = load_file(full / mt.HEADS_FILE), load_file(tmp_path / "full" / mt.HEADS_FILE)
    assert all(torch.equal(first[k], again[k]) for k in first)


def test_the_shipped_way_saves_only_the_change_and_full_saves_a_whole_model(trained, trained_full):
    shipped, _ = trained
    full, _ = trained_full
    assert sorted(p.name for p in shipped.iterdir()) == [mt.ADAPTER_FILE, mt.META_FILE]
    assert (full / "config.json").is_file() and (full / mt.HEADS_FILE).is_file()
    assert not (full / mt.ADAPTER_FILE).exists()
    assert mt.load_meta(shipped).adapter["method"] == "svd" and not mt.load_meta(full).adapter
    assert (
        mt.load_meta(shipped).training["config"]["learning_rate"]
        == mt.load_meta(full).training["config"]["learning_rate"]
        == 8e-5
    )


def test_real_sentences_are_trained_on_but_never_validated_or_held_out(trained, tiny_encoder, tmp_path):
    _, plain = trained
    held_out = next(e for e in EXAMPLES if e.part == "heldout")
    real = [
        Example("Cloud revenue grew 28% on strong migration demand.", "hype", False, register="real", origin="b.txt"),
        Example("Your line is now open.", "neutral", False, register="real", origin="a.txt"),
        Example(held_out.text, held_out.label, held_out.fatigue, register="real", origin="c.txt"),
    ]  # never trained on
    report = train(
        tmp_path,
        TrainConfig(epochs=1, seed=3, encoder=tiny_encoder, batch_size=8),
        examples=EXAMPLES,
        real=real,
        evaluate_heldout=False,
    )
    assert report.n_train == plain.n_train + 2 and report.n_real == 2
    assert (report.n_validation, report.n_heldout) == (plain.n_validation, plain.n_heldout)
    assert report.corpus_hash != plain.corpus_hash  # the model's identity says what it learned from
    training = mt.load(tmp_path)[2].training
    assert training["n_real"] == 2
    assert training["real_files"] == ["a.txt", "b.txt"]  # what benchmarks/real_sentences.py warns about
    assert "(2 real)" in report.format()


def test_training_batches_group_similar_lengths_and_cover_every_sentence_once():
    lengths = [(i * 37) % 101 for i in range(400)]
    batches = _length_batches(lengths, 16, torch.Generator().manual_seed(1))
    assert sorted(i for b in batches for i in b) == list(range(400))
    assert max(len(b) for b in batches) == 16
    # within a batch the lengths are neighbours in a pool's sorted order, not a random spread
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 10
    assert batches == _length_batches(lengths, 16, torch.Generator().manual_seed(1))
    assert batches != _length_batches(lengths, 16, torch.Generator().manual_seed(2))


def test_the_saved_weights_are_the_mean_of_the_last_epochs(tiny_encoder, tmp_path):
    report = train(
        tmp_path,
        TrainConfig(epochs=3, seed=3, encoder=tiny_encoder, batch_size=8, average_last=2),
        examples=EXAMPLES,
        evaluate_heldout=False,
    )
    assert report.kept == "the mean of epochs 2-3"
    assert mt.load(tmp_path)[2].training["config"]["average_last"] == 2
    best = train(
        tmp_path / "best",
        TrainConfig(epochs=2, seed=3, encoder=tiny_encoder, batch_size=8, average_last=1),
        examples=EXAMPLES,
        evaluate_heldout=False,
    )
    assert best.kept == f"epoch {best.best_epoch}"
    states = [
        {"w": torch.tensor([1.0, 4.0]), "ids": torch.tensor([0, 1])},
        {"w": torch.tensor([3.0, 0.0]), "ids": torch.tensor([0, 1])},
    ]
    mean = _mean_state(states)
    assert torch.equal(mean["w"], torch.tensor([2.0, 2.0])) and torch.equal(mean["ids"], torch.tensor([0, 1]))


def test_a_trained_model_is_found_under_base_dir_and_default_is_the_shipped_one(trained):
    folder, _ = trained
    base_dir = folder.parent.parent
    assert model_folder("models/hypewatch-minilm", base_dir) == folder  # what `hypewatch train` tells users
    assert model_folder("default", base_dir) == SHIPPED_MODEL_DIR
    scorer = Scorer.load("models/hypewatch-minilm", base_dir=base_dir, device="cpu")
    [score] = scorer.score(["Demand keeps outrunning supply."])
    assert isinstance(score, Score) and score.label in LABELS
    assert math.isclose(score.p_hype + score.p_skeptic + score.p_neutral, 1.0, abs_tol=1e-5)
    assert 0.0 <= score.p_fatigue <= 1.0 and score.fatigue == (score.p_fatigue >= 0.5)


def test_model_id_is_stable_and_names_the_precision(trained):
    folder, _ = trained
    fp32 = Scorer.load(str(folder), device="cpu", precision="fp32")
    assert fp32.model_id == Scorer.load(str(folder), device="cpu", precision="fp32").model_id
    assert fp32.model_id.startswith("hypewatch-minilm-")
    assert Scorer.load(str(folder), device="cpu", precision="int8").model_id == fp32.model_id + "-int8"
    assert Scorer.load(str(folder), device="cpu").model_id == fp32.model_id + "-int8"  # auto on a CPU


def test_int8_runs_an_onnx_copy_built_once_beside_the_model(trained_full):
    folder, _ = trained_full
    scorer = Scorer.load(str(folder), device="cpu", precision="int8")
    assert isinstance(scorer.net, OnnxRunner)
    [copy] = folder.glob("int8-*.onnx")
    assert copy.name == f"int8-{scorer.model_id.split('-')[-2]}.onnx"
    built = copy.stat().st_mtime_ns
    Scorer.load(str(folder), device="cpu", precision="int8")
    assert copy.stat().st_mtime_ns == built  # not rebuilt


def test_an_adapter_is_merged_once_into_the_cache_and_its_int8_copy_lives_there(trained, user_cache):
    folder, _ = trained
    scorer = Scorer.load(str(folder), device="cpu", precision="int8")
    fingerprint = scorer.model_id.split("-")[-2]
    merged = user_cache / f"{folder.name}-{fingerprint}"
    assert scorer.net.path == merged / f"int8-{fingerprint}.onnx"
    assert mt.load_meta(merged).merged_from == {"folder": str(folder), "fingerprint": fingerprint}
    assert sorted(p.name for p in folder.iterdir()) == [mt.ADAPTER_FILE, mt.META_FILE]  # nothing written beside it
    built = (merged / "model.safetensors").stat().st_mtime_ns
    Scorer.load(str(folder), device="cpu", precision="fp32")
    assert (merged / "model.safetensors").stat().st_mtime_ns == built  # not merged again


def test_saving_a_model_drops_int8_copies_of_the_weights_it_replaces(trained_full, tmp_path):
    folder, _ = trained_full
    shutil.copytree(folder, tmp_path / "model")
    Scorer.load(str(tmp_path / "model"), device="cpu", precision="int8")
    assert list((tmp_path / "model").glob("int8-*.onnx"))
    mt.save(*mt.load(tmp_path / "model"), tmp_path / "model")
    assert not list((tmp_path / "model").glob("int8-*.onnx"))


def test_int8_scores_are_close_to_fp32_and_padding_is_masked(trained):
    folder, _ = trained
    texts = [e.text for e in EXAMPLES] + ["Thanks.", "The quarter's revenue was in line with our guidance."]
    fp32 = Scorer.load(str(folder), device="cpu", precision="fp32").score(texts)
    int8 = Scorer.load(str(folder), device="cpu", precision="int8")
    together = int8.score(texts)
    assert max(abs(a.p_hype - b.p_hype) + abs(a.p_fatigue - b.p_fatigue) for a, b in zip(fp32, together)) < 0.05
    # a short sentence padded to a long one's length scores as it does alone
    int8._cache.clear()
    alone = int8.score(["Thanks."])[0]
    int8._cache.clear()
    padded = int8.score(["Thanks.", texts[0] * 3])[0]
    assert abs(alone.p_hype - padded.p_hype) < 0.02 and abs(alone.p_neutral - padded.p_neutral) < 0.02


def test_a_model_folder_we_may_not_write_gets_its_int8_copy_elsewhere(trained_full, tmp_path, monkeypatch):
    folder, _ = trained_full
    shutil.copytree(folder, tmp_path / "model", ignore=shutil.ignore_patterns("int8-*"))
    monkeypatch.setattr("hypewatch.nlp.int8.os.access", lambda path, mode: False)  # tests run as root here
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    scorer = Scorer.load(str(tmp_path / "model"), device="cpu", precision="int8")
    assert scorer.net.path.parent == tmp_path / "cache" / "hypewatch" and scorer.net.path.is_file()
    assert not list((tmp_path / "model").glob("int8-*"))


def test_a_foreign_model_in_int8_uses_torch_quantization(foreign):
    folder, _ = foreign
    scorer = Scorer.load(
        str(folder), device="cpu", precision="int8", label_map={"POSITIVE": "hype", "NEGATIVE": "skeptic"}
    )
    assert any("quantized" in type(m).__module__ for m in scorer.net.modules())
    assert scorer.model_id.endswith("-int8")
    auto = Scorer.load(str(folder), device="cpu", label_map={"POSITIVE": "hype", "NEGATIVE": "skeptic"})
    assert not auto.model_id.endswith("-int8")  # int8 is the default for our model only


def test_bf16_scores_a_sentence_the_same_whatever_its_batch(trained):
    folder, _ = trained
    scorer = Scorer.load(str(folder), device="cpu", precision="bf16")
    texts = [e.text for e in EXAMPLES[:24]]
    together = scorer.score(texts)
    scorer._cache.clear()
    alone = [scorer.score([t])[0] for t in texts]
    assert [s.label for s in together] == [s.label for s in alone]
    assert max(abs(a.p_hype - b.p_hype) for a, b in zip(together, alone)) < 0.02
    assert scorer.model_id.endswith("-bf16")


def test_scores_follow_input_order_whatever_the_batching(trained):
    folder, _ = trained
    texts = [e.text for e in EXAMPLES[:20]]
    one_batch = Scorer.load(str(folder), device="cpu", precision="fp32", batch_size=64).score(texts)
    small = Scorer.load(str(folder), device="cpu", precision="fp32", batch_size=3).score(texts[::-1])[::-1]
    for a, b in zip(one_batch, small):
        assert a.label == b.label and math.isclose(a.p_hype, b.p_hype, abs_tol=1e-4)


def test_repeated_sentences_are_scored_once(trained):
    folder, _ = trained
    scorer = Scorer.load(str(folder), device="cpu", precision="fp32")
    seen = []
    scorer.net.register_forward_hook(
        lambda _m, _args, kwargs, _out: seen.append(kwargs["input_ids"].shape[0]), with_kwargs=True
    )
    scores = scorer.score(["Thank you.", "Next question, please.", "Thank you."])
    assert scores[0] == scores[2] and sum(seen) == 2
    scorer.score(["Thank you."])
    assert sum(seen) == 2


def test_evaluate_reports_per_class_figures_and_confusion(trained):
    folder, _ = trained
    report = evaluate(Scorer.load(str(folder), device="cpu", precision="fp32"), EXAMPLES)
    assert report.n == len(EXAMPLES)
    assert sum(map(sum, report.confusion)) == len(EXAMPLES)
    assert [sum(row) for row in report.confusion] == [report.per_class[lab].support for lab in LABELS]
    text = report.format()
    assert "macro-F1" in text and "fatigue F1" in text and "confusion" in text


def test_eval_report_figures():
    gold = [Example("a", "hype", True), Example("b", "skeptic", False), Example("c", "neutral", False)]
    pred = [Score(lab, 0, 0, 0, f, 0) for lab, f in [("hype", True), ("neutral", False), ("neutral", True)]]
    report = EvalReport.compare(gold, pred)
    assert report.per_class["skeptic"].recall == 0.0
    assert report.per_class["neutral"].precision == 0.5
    assert math.isclose(report.macro_f1, (1 + 0 + 2 / 3) / 3)
    assert math.isclose(report.fatigue_f1, 2 / 3)
    assert report.confusion == [[1, 0, 0], [0, 0, 1], [0, 0, 1]]


@pytest.fixture(scope="module")
def foreign(tmp_path_factory, tokenizer):
    """Any sequence-classification model, with its own label names."""
    folder = tmp_path_factory.mktemp("foreign-classifier")
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        num_labels=3,
        id2label={0: "POSITIVE", 1: "NEGATIVE", 2: "NEUTRAL"},
        label2id={"POSITIVE": 0, "NEGATIVE": 1, "NEUTRAL": 2},
        **TINY,
    )
    torch.manual_seed(1)
    model = BertForSequenceClassification(config).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder, model


def test_a_foreign_classifier_is_mapped_through_label_map(foreign, tokenizer):
    folder, model = foreign
    mapping = {"POSITIVE": "hype", "NEGATIVE": "skeptic", "neutral": "neutral"}  # case-insensitive
    scorer = Scorer.load(str(folder), device="cpu", precision="fp32", label_map=mapping)
    text = "Demand for accelerators is bottomless."
    [score] = scorer.score([text])
    with torch.inference_mode():
        expected = torch.softmax(model(**tokenizer([text], return_tensors="pt")).logits, -1)[0].tolist()
    assert [score.p_hype, score.p_skeptic, score.p_neutral] == pytest.approx(expected, abs=1e-5)
    assert score.label == LABELS[max(range(3), key=expected.__getitem__)]
    assert (score.fatigue, score.p_fatigue) == (False, 0.0)  # no fatigue head in a foreign model


def test_several_foreign_labels_may_map_to_one(foreign):
    folder, _ = foreign
    scorer = Scorer.load(
        str(folder),
        device="cpu",
        precision="fp32",
        label_map={"POSITIVE": "hype", "NEGATIVE": "neutral", "NEUTRAL": "neutral"},
    )
    [score] = scorer.score(["Anything at all."])
    assert score.p_skeptic == 0.0 and math.isclose(score.p_hype + score.p_neutral, 1.0, abs_tol=1e-5)


def test_an_unmapped_foreign_label_is_an_error_naming_it(foreign):
    folder, _ = foreign
    with pytest.raises(LabelMapError, match="'NEGATIVE'"):
        Scorer.load(str(folder), device="cpu", label_map={"POSITIVE": "hype"})  # NEUTRAL maps to itself


def test_identify_names_the_model_without_loading_it(trained):
    folder, _ = trained
    for precision in ("fp32", "bf16", "int8"):
        loaded = Scorer.load(str(folder), device="cpu", precision=precision)
        assert Scorer.identify(str(folder), device="cpu", precision=precision) == loaded.model_id
    assert (
        Scorer.identify("models/hypewatch-minilm", base_dir=folder.parent.parent, device="cpu")
        == Scorer.load("models/hypewatch-minilm", base_dir=folder.parent.parent, device="cpu").model_id
    )
    assert Scorer.identify("some-org/some-hub-model") is None
