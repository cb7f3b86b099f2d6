"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (`make test`), each worker and every process it starts keep to one core
    of their own. torch and ONNX Runtime size their thread pools by the cores a process may use,
    and two pools spinning on the same cores cost ten times over: a tiny model's training took 9 s
    alone and 88 s beside a second one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ...
    if worker and hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cores[int(worker.removeprefix("gw")) % len(cores)]})


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a config.yaml into a temp folder and return its path."""

    def write(text: str, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def hypewatch_cmd() -> list[str]:
    """The CLI as a subprocess command line (the installed console script's module)."""
    return [sys.executable, "-m", "hypewatch"]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A 2-layer BERT fine-tuned in seconds on the demo's sentences: it tells their tones apart.

    The job's tests point `model.name` at this folder; the real model is built by `hypewatch train`.
    """
    import build_demo
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from hypewatch.nlp import model as mt
    from hypewatch.nlp.corpus import Example
    from hypewatch.nlp.train import TrainConfig, train

    tokenizer = AutoTokenizer.from_pretrained(mt.default_encoder_path())
    encoder = tmp_path_factory.mktemp("tiny-encoder")
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(encoder)
    tokenizer.save_pretrained(encoder)
    pools = [
        (build_demo.HYPE, "hype", False),
        (build_demo.SKEPTIC, "skeptic", False),
        (build_demo.FATIGUE, "skeptic", True),
        (build_demo.NEUTRAL, "neutral", False),
    ]
    # Each sentence in three spellings, so the fixed split keeps a copy of each in training.
    examples = [
        Example(variant, label, fatigue)
        for pool, label, fatigue in pools
        for text in pool
        for variant in (text, text.upper(), f"Reportedly, {text}")
    ]
    out = tmp_path_factory.mktemp("tiny-model") / "tiny-hypewatch"
    train(
        out,
        TrainConfig(
            epochs=10,
            seed=1,
            encoder=encoder,
            batch_size=8,
            learning_rate=1e-3,
            head_learning_rate=5e-3,
            patience=12,
            frozen_layers=0,
            label_smoothing=0.0,
        ),
        examples=examples,
        evaluate_heldout=False,
    )  # a 2-layer toy: train all of it, sharply
    return out


# --- tiny models for the scorer tests (torch is imported only by the tests that use them) ----------


@pytest.fixture(scope="module")
def user_cache(tmp_path_factory):
    """Merged adapters and int8 copies go to a cache of the module's own, not the user's."""
    with pytest.MonkeyPatch.context() as mp:
        cache = tmp_path_factory.mktemp("cache")
        mp.setenv("XDG_CACHE_HOME", str(cache))
        yield cache / "hypewatch"


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from hypewatch.nlp import model as mt

    return AutoTokenizer.from_pretrained(mt.default_encoder_path())


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory, tokenizer):
    """A randomly initialised 2-layer BERT with the MiniLM vocabulary."""
    import torch
    from model_helpers import TINY
    from transformers import BertConfig, BertModel

    folder = tmp_path_factory.mktemp("tiny-encoder")
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=tokenizer.vocab_size, **TINY)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_encoder):
    """A tiny model trained the shipped way: fine-tuned, then cut (nlp.adapter)."""
    from model_helpers import EXAMPLES

    from hypewatch.nlp.adapter import SHIPPED_BYTES
    from hypewatch.nlp.train import TrainConfig, train

    folder = tmp_path_factory.mktemp("base") / "models" / "hypewatch-minilm"
    config = TrainConfig(epochs=1, seed=3, encoder=tiny_encoder, batch_size=8, shipped_bytes=SHIPPED_BYTES)
    return folder, train(folder, config, examples=EXAMPLES)


@pytest.fixture(scope="module")
def trained_full(tmp_path_factory, tiny_encoder):
    """A tiny model fine-tuned and saved whole (`hypewatch train --full`)."""
    from model_helpers import EXAMPLES

    from hypewatch.nlp.train import TrainConfig, train

    folder = tmp_path_factory.mktemp("full") / "hypewatch-full"
    return folder, train(folder, TrainConfig(epochs=1, seed=3, encoder=tiny_encoder, batch_size=8), examples=EXAMPLES)
