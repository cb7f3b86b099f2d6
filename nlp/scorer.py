"""Scoring sentences with the hypewatch model or any Hugging Face sequence-classification model.

`Scorer.load("default")` opens the model shipped inside the package (nlp/shipped). Other names are a
local folder (our format, e.g. models/hypewatch-minilm from `hypewatch train`, or any
sequence-classification model) or a Hugging Face hub id; a
foreign model's labels are mapped to hype / skeptic / neutral through `label_map`. A foreign
model has no fatigue head: its scores carry fatigue=False and p_fatigue=0.0.

Speed on CPU comes from sorting sentences by length so batches carry little padding, scoring each
distinct sentence once, and, by default, running an int8 copy of our model in ONNX Runtime
(`nlp.int8`). bf16 (on CPUs that do it natively) and fp32 stay available: they are slower, and
they score a sentence the same whatever shares its batch. On CUDA the model runs in half precision.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Literal, Mapping, Sequence

import torch
from torch import nn
from torch.ao import quantization

from hypewatch.errors import HypewatchError
from hypewatch.nlp import adapter, int8
from hypewatch.nlp import model as mt
from hypewatch.nlp.calibration import Calibration
from hypewatch.nlp.glossary import Glossary

# The parts that need no torch live beside the torch-free CPU scorer; the old names stay here.
from hypewatch.nlp.onnx_scorer import (  # noqa: F401
    _SUFFIX,
    SHIPPED_MODEL_DIR,
    CachedScorer,
    Pair,
    model_folder,
    precision_variants,
)
from hypewatch.nlp.onnx_scorer import fingerprint as _fingerprint
from hypewatch.nlp.onnx_scorer import local_id as _local_id
from hypewatch.nlp.onnx_scorer import usable_cores as _usable_cores
from hypewatch.records import LABELS, Score

logger = logging.getLogger(__name__)

TRAINED_MODEL_DIR = Path("models") / "hypewatch-minilm"  # where `hypewatch train` puts a user's own model


class ModelNotFoundError(HypewatchError, FileNotFoundError):
    """The configured model is neither built, a local folder, nor loadable from the hub."""


class LabelMapError(HypewatchError, ValueError):
    """A foreign model's labels cannot be mapped to hype / skeptic / neutral."""


class DeviceUnavailable(HypewatchError, RuntimeError):
    """model.device asks for CUDA on a machine without it."""


def hub_unreachable(timeout_s: float = 3.0) -> str | None:
    """Why the Hugging Face hub (HF_ENDPOINT) cannot be reached from here, in a few seconds at
    most; None when it answers, when the hub is switched off (HF_HUB_OFFLINE: its cache only) or
    when a proxy stands between (only the proxy can tell)."""
    import socket
    from urllib.parse import urlsplit
    from urllib.request import getproxies

    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE or getproxies():
        return None
    endpoint = urlsplit(constants.ENDPOINT)
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        socket.create_connection((endpoint.hostname or "", port), timeout=timeout_s).close()
    except OSError as exc:
        return f"{endpoint.hostname}: {exc.strerror or exc}"
    return None


class _Foreign(nn.Module):
    """A sequence-classification model behind the same interface as ours (no fatigue head)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **extra: torch.Tensor):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, **extra).logits, None


def _mapping_matrix(id2label: Mapping[int, str], label_map: Mapping[str, str] | None) -> torch.Tensor:
    """A (model labels x LABELS) 0/1 matrix; p_ours = p_model @ matrix."""
    wanted = {str(k).lower(): v for k, v in (label_map or {}).items()}
    matrix = torch.zeros(len(id2label), len(LABELS))
    for idx, name in sorted(id2label.items()):
        target = wanted.get(str(name).lower(), name.lower() if name.lower() in LABELS else None)
        if target not in LABELS:
            raise LabelMapError(
                f"model label {name!r} has no mapping to {'/'.join(LABELS)}; "
                f"the model's labels are {sorted(id2label.values())}; set label_map"
            )
        matrix[int(idx), LABELS.index(target)] = 1.0
    return matrix


Precision = Literal["auto", "fp32", "bf16", "int8"]


def _effective_precision(device: torch.device, precision: str, ours: bool = True) -> str:
    """What "auto" means here: fp16 on CUDA; on a CPU, int8 for our model, and for a foreign
    model bf16 where the CPU does it natively, else fp32."""
    if device.type == "cuda":
        return "fp32" if precision == "fp32" else "fp16"
    if precision == "auto":
        return "int8" if ours else "bf16" if _native_bf16() else "fp32"
    return precision


def pick_device(device: str) -> torch.device:
    """`model.device` as a torch device: auto is CUDA when present, else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("model.device is 'cuda' but no CUDA device is available; set it to auto or cpu")
    return torch.device(device)


def _native_bf16() -> bool:
    """Whether this CPU does bf16 arithmetic in hardware (AVX512-BF16 or AMX); elsewhere it is slow."""
    cpu = getattr(torch, "cpu", None)
    return any(getattr(cpu, name, lambda: False)() for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"))


class Scorer(CachedScorer):
    """Scores sentences; build one with `Scorer.load` (or the constructor, for an in-memory model)."""

    def __init__(
        self,
        net: nn.Module | int8.OnnxRunner,
        tokenizer,
        *,
        model_id: str,
        mapping: torch.Tensor | None = None,
        fatigue_threshold: float = 0.5,
        max_length: int | None = None,
        device: torch.device = torch.device("cpu"),
        batch_size: int = 64,
        calibration: Calibration | None = None,
        context: int = 0,
        context_kinds: list[str] | None = None,
        glossary: Glossary | None = None,
    ):
        self.net = net.eval() if isinstance(net, nn.Module) else net
        self.calibration = calibration  # applied to the logits of every precision
        self.tokenizer = tokenizer
        self.model_id = model_id
        self.mapping = mapping  # None: the net's stance logits are already in LABELS order
        self.fatigue_threshold = fatigue_threshold
        # Our model's own length when not given: the sentence alone, or the sentence and the one before.
        self.max_length = max_length or mt.ModelMeta(context=context).pair_max_length
        self.device = device
        self.batch_size = batch_size
        self.context = context  # sentences before each one the model reads (nlp.meta.ModelMeta.context)
        self.context_kinds = mt.ModelMeta(context=context, context_kinds=context_kinds).kinds_read_with_context
        self.glossary = glossary  # AI names the model reads marked (nlp.glossary)
        self._cache: OrderedDict[Pair, Score] = OrderedDict()

    @classmethod
    def load(
        cls,
        name: str,
        *,
        device: str = "auto",
        base_dir: Path = Path("."),
        label_map: dict[str, str] | None = None,
        precision: Precision = "auto",
        batch_size: int = 64,
        threads: int | None = None,
    ) -> "Scorer":
        """Open a model by config name: "default", a local folder, or a Hugging Face hub id.

        precision "auto" is fp16 on CUDA; on a CPU, int8 (ONNX Runtime) for our model, and bf16
        or fp32 for a foreign one. `threads` (default: every usable core) is for a process that
        shares the machine with other scorers, such as one of several Ray actors.
        """
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a nightly log wants no "Loading weights" bars
        folder = model_folder(name, base_dir)
        torch_device = pick_device(device)
        if mt.is_hypewatch_folder(folder):
            meta, fingerprint = mt.load_meta(folder), _fingerprint(folder)
            # An adapter is merged into its base once; the merged folder then serves like any model.
            weights = adapter.merged_folder(folder, fingerprint) if adapter.is_adapter(meta) else folder
            if _effective_precision(torch_device, precision) == "int8":
                # The int8 copy stands in for the torch model, whose weights need not be loaded.
                net = int8.open_copy(weights, fingerprint, threads=threads or _usable_cores())
                tokenizer = mt.load_tokenizer(weights)
            else:
                net, tokenizer, _ = mt.load(weights)
            scorer = cls(
                net,
                tokenizer,
                model_id=_local_id(folder, fingerprint),
                fatigue_threshold=meta.fatigue_threshold,
                max_length=meta.pair_max_length,
                device=torch_device,
                batch_size=batch_size,
                calibration=Calibration.from_dict(meta.calibration),
                context=meta.context,
                context_kinds=meta.context_kinds,
                glossary=Glossary.from_dict(meta.glossary),
            )
            scorer._prepare(precision, threads=threads)
            return scorer
        elif name == "default":
            raise ModelNotFoundError(
                f"the shipped model is missing: no {mt.META_FILE} in {folder}; reinstall hypewatch "
                "(pip install -e .), or rebuild it with `hypewatch train --out` that folder"
            )
        else:
            target = str(folder) if folder.is_dir() else name
            # Offline, the hub's client retries for half a minute before it looks in its cache.
            unreachable = None if folder.is_dir() else hub_unreachable()
            try:
                model = AutoModelForSequenceClassification.from_pretrained(
                    target, local_files_only=unreachable is not None
                )
                tokenizer = AutoTokenizer.from_pretrained(target, local_files_only=unreachable is not None)
            except OSError as exc:
                why = (
                    f"the hub cannot be reached ({unreachable}) and the model is not in its cache"
                    if unreachable
                    else str(exc).strip().splitlines()[0]
                )
                raise ModelNotFoundError(
                    f"model {name!r} is neither a local model folder nor loadable from the Hugging Face hub: {why}"
                ) from exc
            mapping = _mapping_matrix(model.config.id2label, label_map)
            source = folder if folder.is_dir() else Path(model.name_or_path)
            tag = repr(sorted((label_map or {}).items()))
            ident = (
                _fingerprint(source, tag) if source.is_dir() else hashlib.sha1((name + tag).encode()).hexdigest()[:12]
            )
            scorer = cls(
                _Foreign(model),
                tokenizer,
                model_id=f"{Path(name).name}-{ident}",
                mapping=mapping,
                max_length=min(getattr(tokenizer, "model_max_length", 512), 512),
                device=torch_device,
                batch_size=batch_size,
            )
        scorer._prepare(precision, ours=False, threads=threads)
        return scorer

    @classmethod
    def identify(
        cls, name: str, *, device: str = "auto", base_dir: Path = Path("."), precision: Precision = "auto"
    ) -> str | None:
        """The model_id that `load` would give, without loading the weights (so a run with nothing
        to score need not load a model); None when only loading can tell (hub ids, other models)."""
        folder = model_folder(name, base_dir)
        if not mt.is_hypewatch_folder(folder):
            return None
        return _local_id(folder) + _SUFFIX[_effective_precision(pick_device(device), precision)]

    def _prepare(self, precision: Precision, ours: bool = True, threads: int | None = None) -> None:
        """Set the precision (our model in int8 arrives as its ONNX copy already)."""
        precision = _effective_precision(self.device, precision, ours)
        self.model_id += _SUFFIX[precision]
        if self.device.type == "cuda":
            self.net = self.net.to(self.device, torch.float16 if precision == "fp16" else torch.float32)
            return
        torch.set_num_threads(threads or _usable_cores())
        if precision == "int8":  # activations scaled per run: one sentence a run keeps its score its own
            self.batch_size = int8.ROWS_PER_RUN
        if isinstance(self.net, int8.OnnxRunner):
            return
        if precision == "bf16":
            # bf16 rounds each value alone, so a sentence scores the same whatever shares its batch
            # (measured: no label flips, |dp| < 0.02 against fp32) at about 1.8x the fp32 speed.
            self.net = self.net.to(torch.bfloat16)
        elif precision == "int8":  # a foreign model: torch's own int8, no export needed
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch's notice that eager quantization moves to torchao
                # Dynamic int8 picks one activation scale per run (batched, labels flipped on ~5%
                # of real sentences with their companions): hence one sentence a run, above.
                self.net = quantization.quantize_dynamic(
                    self.net, {nn.Linear: quantization.per_channel_dynamic_qconfig}, dtype=torch.qint8
                )

    @property
    def has_fatigue(self) -> bool:
        return self.mapping is None

    def _score_distinct(self, pairs: list[Pair]) -> list[Score]:
        if not pairs:
            return []
        # Tokenize once, then batch sentences of similar length together so there is little padding.
        encoded = encode(self.tokenizer, pairs, context=self.context, max_length=self.max_length)
        fields = list(encoded.keys())
        order = sorted(range(len(pairs)), key=lambda i: len(encoded["input_ids"][i]))
        results: list[Score | None] = [None] * len(pairs)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                batch = self.tokenizer.pad({k: [encoded[k][i] for i in idx] for k in fields}, return_tensors="pt").to(
                    self.device
                )
                stance, fatigue = self.net(**batch)
                if self.calibration is not None:  # numpy: the very map the torch-free scorer applies
                    stance = torch.from_numpy(self.calibration.stance_logits(stance.float().cpu().numpy()))
                    fatigue = torch.from_numpy(self.calibration.fatigue_logits(fatigue.float().cpu().numpy()))
                probs = torch.softmax(stance.float(), dim=-1).cpu()
                if self.mapping is not None:
                    probs = probs @ self.mapping
                p_fatigue = torch.sigmoid(fatigue.float()).cpu().tolist() if fatigue is not None else [0.0] * len(idx)
                for i, p, pf in zip(idx, probs.tolist(), p_fatigue):
                    results[i] = Score(
                        label=LABELS[max(range(len(LABELS)), key=p.__getitem__)],
                        p_hype=p[0],
                        p_skeptic=p[1],
                        p_neutral=p[2],
                        fatigue=pf >= self.fatigue_threshold,
                        p_fatigue=pf,
                    )
        return results  # type: ignore[return-value]


def encode(tokenizer, pairs: Sequence[Pair], *, context: int, max_length: int):
    """Token ids and masks of (sentence, previous) pairs as the model reads them: the sentence
    alone, or with context, the sentence then the one before it as segment 1 (token_type_ids),
    the longer of the two cut first. Training and both scorers tokenize the same way."""
    texts = [text for text, _ in pairs]
    if not context:
        return tokenizer(texts, truncation=True, max_length=max_length, return_token_type_ids=False)
    return tokenizer(texts, [previous for _, previous in pairs], truncation="longest_first", max_length=max_length)
