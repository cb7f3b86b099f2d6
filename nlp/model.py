"""The hypewatch model: a sentence encoder with a stance head and a fatigue head.

On disk, a fully fine-tuned model is an ordinary Hugging Face folder (encoder config + weights +
tokenizer) plus `heads.safetensors` and `hypewatch.json` (label names, pooling, training
metadata), so the encoder part opens with any transformers tool. A model trained the shipped way
is LoRA adapters of the packaged encoder instead (nlp.adapter); `load` opens both.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase

# The folder's files and metadata live in a module without torch, for the CPU scorer (nlp.onnx_scorer).
from hypewatch.nlp.meta import (  # noqa: F401  (re-exported: nlp.model is where the rest of the code finds them)
    ADAPTER_FILE,
    FORMAT,
    FULL_MODEL_FILES,
    HEADS_FILE,
    META_FILE,
    PAIR_MAX_LENGTH,
    ModelFolderError,
    ModelMeta,
    default_encoder_path,
    is_hypewatch_folder,
    load_meta,
    save_meta,
)
from hypewatch.records import LABELS


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of token vectors over the attention mask, as sentence-transformers does for MiniLM."""
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


class MultiTaskModel(nn.Module):
    """Encoder -> mean pooling -> (stance logits over `labels`, fatigue logit).

    Given `token_type_ids` (a model with context: the sentence, then the sentence before it as
    segment 1), the pooling is over the sentence's own tokens: the one before informs them through
    attention but is not what is scored.
    """

    def __init__(self, encoder: nn.Module, n_labels: int = len(LABELS), dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.stance = nn.Linear(hidden, n_labels)
        self.fatigue = nn.Linear(hidden, 1)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None
    ):
        if token_type_ids is None:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            own = attention_mask
        else:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            own = attention_mask * (1 - token_type_ids)
        pooled = self.dropout(mean_pool(out.last_hidden_state, own))
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
    save_meta(meta, folder)


def load_weights(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of one weights file of a model folder; ModelFolderError naming it when it is
    missing or damaged (a copy that stopped half way)."""
    try:
        return load_file(path)
    except FileNotFoundError:
        raise ModelFolderError(f"{path}: missing: the model folder is incomplete") from None
    except (OSError, SafetensorError) as exc:
        raise ModelFolderError(f"{path}: damaged, not a model's weights ({exc})") from None


def load_tokenizer(folder: Path) -> PreTrainedTokenizerBase:
    """The tokenizer saved in a model folder; ModelFolderError naming the folder when it cannot be read."""
    try:
        return AutoTokenizer.from_pretrained(folder)
    except Exception as exc:  # noqa: BLE001 - the tokenizers library raises a bare Exception for a damaged file
        raise ModelFolderError(f"{folder}: its tokenizer cannot be read ({exc})") from None


def load(folder: Path) -> tuple[MultiTaskModel, PreTrainedTokenizerBase, ModelMeta]:
    meta = load_meta(folder)
    if meta.format != FORMAT:
        from hypewatch.nlp import adapter

        if adapter.is_adapter(meta):
            return adapter.merge(folder)
    try:
        encoder = AutoModel.from_pretrained(folder)
    except (OSError, SafetensorError) as exc:
        raise ModelFolderError(f"{folder}: its weights cannot be read ({str(exc).strip().splitlines()[0]})") from None
    model = MultiTaskModel(encoder, n_labels=len(meta.labels))
    heads = load_weights(folder / HEADS_FILE)
    model.stance.load_state_dict({k[7:]: v for k, v in heads.items() if k.startswith("stance.")})
    model.fatigue.load_state_dict({k[8:]: v for k, v in heads.items() if k.startswith("fatigue.")})
    return model.eval(), load_tokenizer(folder), meta
