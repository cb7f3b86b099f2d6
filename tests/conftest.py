"""Fixtures shared by the whole suite."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


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
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    BertModel(config).save_pretrained(encoder)
    tokenizer.save_pretrained(encoder)
    pools = [(build_demo.HYPE, "hype", False), (build_demo.SKEPTIC, "skeptic", False),
             (build_demo.FATIGUE, "skeptic", True), (build_demo.NEUTRAL, "neutral", False)]
    # Each sentence in three spellings, so the fixed split keeps a copy of each in training.
    examples = [Example(variant, label, fatigue) for pool, label, fatigue in pools for text in pool
                for variant in (text, text.upper(), f"Reportedly, {text}")]
    out = tmp_path_factory.mktemp("tiny-model") / "tiny-hypewatch"
    train(out, TrainConfig(epochs=10, seed=1, encoder=encoder, batch_size=8, learning_rate=1e-3, head_learning_rate=5e-3, patience=12, frozen_layers=0, label_smoothing=0.0), examples=examples, evaluate_heldout=False)  # a 2-layer toy: train all of it, sharply
    return out
