"""An int8 copy of a hypewatch model for ONNX Runtime: the fast way to score on a CPU.

The model is exported to ONNX and its weights quantized to int8, one scale per output channel;
ONNX Runtime then runs the matrix products on the CPU's integer units (VNNI on recent x86), which
do twice the work per instruction of bf16. The copy is built once per model, in a few seconds,
into the model folder as ``int8-<fingerprint>.onnx``: retraining changes the fingerprint, so a
stale copy is never used.

Activations are quantized per run (one scale for all the rows of a run), so both scorers run the
copy one sentence at a time (ROWS_PER_RUN): a sentence's scores are then its own, whatever it is
scored with. Batched 64 a run, 1.8% of the labels of the unseen AI-era calls changed with their
batch companions (up to 0.34 in p_hype), for 15-25% more speed (282 against 207-242 sentences/s
on two cores, measured in stop 30).
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

from hypewatch.errors import HypewatchError

ROWS_PER_RUN = 1  # activations get one scale per run: one sentence a run keeps its score its own

if TYPE_CHECKING:  # torch only builds the copy: the CPU scorer runs it without torch (hypewatch.nlp.onnx_scorer)
    import torch

logger = logging.getLogger(__name__)

# Two sentences of different lengths, so the traced graph applies the padding mask (and, for a
# model with context, each with a sentence before it).
_TRACE_TEXTS = ["Demand for accelerators keeps outrunning supply this year.", "Thanks."]
_TRACE_PREVIOUS = ["Next question.", "We shipped more GPUs than ever."]
_OPSET = 17


class Int8BuildError(HypewatchError, RuntimeError):
    """The model could not be exported to ONNX or quantized."""


def int8_path(folder: Path, fingerprint: str) -> Path:
    return Path(folder) / f"int8-{fingerprint}.onnx"


def build(folder: Path, target: Path) -> Path:
    """Export the hypewatch model in ``folder`` to ONNX and write its int8 copy to ``target``."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from hypewatch.nlp import model as mt

    model, tokenizer, meta = mt.load(Path(folder))
    # Eager attention traces to plain ONNX operators that every ONNX Runtime build fuses.
    model.encoder.set_attn_implementation("eager")
    inputs = ["input_ids", "attention_mask"] + (["token_type_ids"] if meta.context else [])
    example = tokenizer(_TRACE_TEXTS, _TRACE_PREVIOUS if meta.context else None, padding=True, return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Work beside the target, so the finished file moves into place in one step.
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fp32 = Path(tmp) / "model.onnx"
        partial = Path(tmp) / target.name
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notices
                torch.onnx.export(
                    model,
                    tuple(example[name] for name in inputs),
                    str(fp32),
                    dynamo=False,
                    opset_version=_OPSET,
                    input_names=inputs,
                    output_names=["stance", "fatigue"],
                    dynamic_axes={name: {0: "batch", 1: "length"} for name in inputs}
                    | {"stance": {0: "batch"}, "fatigue": {0: "batch"}},
                )
            with _root_logger_quiet():
                quantize_dynamic(fp32, partial, weight_type=QuantType.QInt8, per_channel=True)
        except Exception as exc:  # the exporter and quantizer raise many kinds
            raise Int8BuildError(f"could not build an int8 copy of the model in {folder}: {exc}") from exc
        os.replace(partial, target)  # a reader never sees half a file
    return target


@contextmanager
def _root_logger_quiet() -> Iterator[None]:
    """The quantizer logs a line per tensor, and advice, on the root logger: no place in a nightly log."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        root.setLevel(level)


def ensure(folder: Path, fingerprint: str) -> Path:
    """The int8 copy of the model in ``folder``, built now if there is none yet.

    A model folder we may not write to gets its copy in the user's cache folder instead.
    """
    target = copy_path(folder, fingerprint)
    if target.is_file():
        return target
    logger.info("building the int8 copy of %s for ONNX Runtime into %s (once per model)", folder, target.parent)
    return build(folder, target)


def copy_path(folder: Path, fingerprint: str) -> Path:
    """Where `ensure` keeps the int8 copy of the model in ``folder`` (built or not)."""
    target = int8_path(folder, fingerprint)
    return target if os.access(folder, os.W_OK) else cache_dir() / target.name


def cache_dir() -> Path:
    """hypewatch's folder in the user cache: int8 copies of read-only models, merged adapters."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hypewatch"


class DamagedCopy(HypewatchError, RuntimeError):
    """An int8 copy ONNX Runtime cannot load (built whole, so a disk or a hand damaged it): built again."""


def open_copy(folder: Path, fingerprint: str, threads: int) -> OnnxRunner:
    """The int8 copy of the model in ``folder``, loaded; built first where there is none, and built
    again, once, where the one there is damaged."""
    path = ensure(folder, fingerprint)
    try:
        return OnnxRunner(path, threads=threads)
    except DamagedCopy as exc:
        logger.warning("%s; building it again", exc)
        path.unlink(missing_ok=True)
        return OnnxRunner(ensure(folder, fingerprint), threads=threads)


class OnnxRunner:
    """Runs an int8 copy with ONNX Runtime, called like the torch model: (ids, mask[, segments]) -> logits."""

    def __init__(self, path: Path, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: no notices in a nightly log
        self.path = path
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - ONNX Runtime's errors share no base class but Exception
            raise DamagedCopy(f"{path}: damaged, ONNX Runtime cannot load it ({type(exc).__name__})") from None

    def __call__(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        segments = None if token_type_ids is None else token_type_ids.numpy()
        stance, fatigue = self.run(input_ids.numpy(), attention_mask.numpy(), segments)
        return torch.from_numpy(stance), torch.from_numpy(fatigue)

    def run(
        self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(stance logits, fatigue logits) of a padded batch, in numpy; `token_type_ids` only for a model with context."""
        feed = {"input_ids": input_ids.astype(np.int64), "attention_mask": attention_mask.astype(np.int64)}
        if token_type_ids is not None:
            feed["token_type_ids"] = token_type_ids.astype(np.int64)
        stance, fatigue = self.session.run(None, feed)
        return stance, fatigue
