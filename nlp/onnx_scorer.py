"""Scoring on a CPU without torch: the int8 ONNX copy of our model, the `tokenizers` library and numpy.

Importing torch and transformers takes longer than scoring a sentence, and the default way to
score on a CPU (int8 in ONNX Runtime, `nlp.int8`) needs neither once the model's int8 copy
exists. `load_scorer` opens an `OnnxScorer` when it can, and `nlp.scorer.Scorer` (torch) when
anything is missing or asked for that only torch does: the first use of a model (merging its
adapter, building the int8 copy), another precision, a foreign model, CUDA. Both give the same
Score records: same tokens, same length-sorted batches and padding, the same ONNX session and
the same calibration (`nlp.calibration.Calibration`, which applies in numpy).

This module also holds the parts of the scorer that need no torch: where `model.name` points,
a model folder's fingerprint and the ids it gets at each precision.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import sys
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from hypewatch.nlp import adapter, int8
from hypewatch.nlp import meta as mt
from hypewatch.nlp.calibration import Calibration, sigmoid, softmax
from hypewatch.nlp.glossary import Additions, Glossary, GlossaryError
from hypewatch.records import LABELS, Score

if TYPE_CHECKING:
    from hypewatch.nlp.scorer import Scorer

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "shipped" / "hypewatch-minilm"  # model.name: default
CACHE_SIZE = 100_000  # distinct sentences a scorer remembers
TOKENIZER_FILE = "tokenizer.json"
_SUFFIX = {"fp32": "", "fp16": "-fp16", "bf16": "-bf16", "int8": "-int8"}
# Where a CUDA driver library lives on common Linux systems (WSL: /usr/lib/wsl/lib).
_LIBCUDA_DIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/cuda/lib64",
    "/usr/local/cuda/compat",
    "/usr/lib/wsl/lib",
)


def fingerprint(folder: Path, extra: str = "") -> str:
    """Hash of a model folder's config and weights, so a changed model gets a new id."""
    h = hashlib.sha1(extra.encode())
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in {".json", ".safetensors", ".bin"} and "token" not in path.name:
            h.update(path.name.encode())
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
    return h.hexdigest()[:12]


def precision_variants(model_id: str) -> list[str]:
    """The ids the same weights get at every precision (fp32 first). A document scored by any of
    them counts as scored: a backfill scored in fp16 on GPUs is not scored again by a nightly int8
    run (they gave the same label on all of 1,000 real sentences)."""
    base = next((model_id.removesuffix(s) for s in _SUFFIX.values() if s and model_id.endswith(s)), model_id)
    return [base + suffix for suffix in _SUFFIX.values()]


def model_folder(name: str, base_dir: Path) -> Path:
    """Where `model.name` points: "default" is the model shipped inside the package; a relative
    folder is looked up under base_dir first."""
    if name == "default":
        return SHIPPED_MODEL_DIR
    folder = Path(name).expanduser()
    if not folder.is_absolute() and (Path(base_dir) / folder).is_dir():
        folder = Path(base_dir) / folder
    return folder


def local_id(folder: Path, folder_fingerprint: str | None = None) -> str:
    return f"{folder.name}-{folder_fingerprint or fingerprint(folder)}"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def cpu_only(device: str) -> bool:
    """Whether `model.device` means the CPU, told without importing torch: "cpu", or "auto" on a
    machine without an NVIDIA driver. False means only torch can tell (or it is CUDA)."""
    if device == "cpu":
        return True
    return device == "auto" and not _cuda_driver_present()


def _cuda_driver_present() -> bool:
    if not sys.platform.startswith("linux"):
        return True  # no cheap way to tell: torch is asked
    if Path("/proc/driver/nvidia/version").exists():
        return True
    dirs = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if d] + list(_LIBCUDA_DIRS)
    return any(glob.glob(os.path.join(glob.escape(d), "libcuda.so*")) for d in dirs)


def identify(
    name: str,
    *,
    device: str = "auto",
    base_dir: Path = Path("."),
    precision: str = "auto",
    additions: Additions = Additions(),
) -> str | None:
    """`Scorer.identify` (the model_id that loading would give, without loading the weights),
    without torch where the device is surely the CPU."""
    folder = model_folder(name, base_dir)
    if not mt.is_hypewatch_folder(folder):
        return None
    if not cpu_only(device):
        from hypewatch.nlp.scorer import Scorer

        found = Scorer.identify(name, device=device, base_dir=base_dir, precision=precision)  # type: ignore[arg-type]
    else:
        found = local_id(folder) + _SUFFIX["int8" if precision == "auto" else precision]
    return id_with(found, additions)


def id_with(model_id: str, additions: Additions) -> str:
    """The id of a model that reads a user's additions to its glossary: another instrument, so
    documents it scored before are scored again ("hypewatch-minilm-fbf12ecd1994-aidffcd7-int8")."""
    if not additions:
        return model_id
    base = precision_variants(model_id)[0]
    return f"{base}-{additions.id}{model_id[len(base) :]}"


def read_additions(scorer: CachedScorer, additions: Additions) -> None:
    """Make a loaded scorer read a user's names and terms as AI, as it reads its glossary's."""
    if not additions:
        return
    if scorer.glossary is None:
        raise GlossaryError(
            f"model.ai_names / model.ai_terms: {scorer.model_id} reads no glossary of AI names"
            " (hypewatch models trained with one do: model.name: default)"
        )
    scorer.glossary = scorer.glossary.extended(additions)
    scorer.model_id = id_with(scorer.model_id, additions)
    scorer.forget()


def load_scorer(
    name: str,
    *,
    device: str = "auto",
    base_dir: Path = Path("."),
    label_map: dict[str, str] | None = None,
    precision: str = "auto",
    batch_size: int = 64,
    threads: int | None = None,
    additions: Additions = Additions(),
) -> OnnxScorer | Scorer:
    """`Scorer.load`, without torch when our model's int8 copy is ready and the device is the CPU;
    reading `additions` as AI names too."""
    scorer: OnnxScorer | Scorer | None = OnnxScorer.open(
        name, device=device, base_dir=base_dir, precision=precision, threads=threads
    )
    if scorer is None:
        from hypewatch.nlp.scorer import Scorer

        scorer = Scorer.load(
            name,
            device=device,
            base_dir=base_dir,
            label_map=label_map,
            precision=precision,  # type: ignore[arg-type]
            batch_size=batch_size,
            threads=threads,
        )
    read_additions(scorer, additions)
    return scorer


Pair = tuple[str, str]  # a sentence and the one before it; "" where there is none or the model reads none


class CachedScorer:
    """`score` for both scorers: repeated inputs are scored once, and the last CACHE_SIZE distinct
    ones are remembered (a day's boilerplate recurs across calls)."""

    _cache: OrderedDict[Pair, Score]
    context: int = 0  # sentences before each one the model reads (nlp.meta.ModelMeta.context)
    # The kinds of source whose sentences it reads after the one before (ModelMeta.kinds_read_with_context):
    # where the sentence before is given to `score` is the caller's choice (hypewatch.scoring.model_inputs).
    context_kinds: frozenset[str] = frozenset()
    glossary: Glossary | None = None  # AI names the model reads marked (nlp.glossary)
    model_id: str

    def _score_distinct(self, pairs: list[Pair]) -> list[Score]:
        raise NotImplementedError

    def forget(self) -> None:
        """Drop the remembered scores (what the model reads changed)."""
        self._cache.clear()

    def score(self, texts: Sequence[str], previous: Sequence[str] | None = None) -> list[Score]:
        """One Score per text, in order. `previous` is the sentence before each one ("" for the
        first of a document): a model with context reads it, any other ignores it."""
        if previous is not None and len(previous) != len(texts):
            raise ValueError(f"{len(texts)} sentences but {len(previous)} previous sentences")
        if self.context and previous is not None:
            pairs = list(zip(texts, previous))
        else:
            pairs = [(t, "") for t in texts]
        todo = [p for p in dict.fromkeys(pairs) if p not in self._cache]
        read = self.glossary.read_pairs(todo) if self.glossary else todo
        for pair, score in zip(todo, self._score_distinct(read)):
            self._cache[pair] = score
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return [self._cache[p] for p in pairs]


class OnnxScorer(CachedScorer):
    """Scores sentences with our model's int8 copy in ONNX Runtime; `OnnxScorer.open` builds one."""

    has_fatigue = True  # our model always has the fatigue head

    def __init__(
        self,
        runner: int8.OnnxRunner,
        tokenizer: Any,
        tokenizer_folder: Path,
        *,
        model_id: str,
        max_length: int = 128,
        fatigue_threshold: float = 0.5,
        calibration: Calibration | None = None,
        context: int = 0,
        context_kinds: list[str] | None = None,
        glossary: Glossary | None = None,
    ):
        self.net = runner
        self.tokenizer = tokenizer  # a `tokenizers.Tokenizer`
        self.tokenizer.no_padding()  # batches are padded here, after sorting by length
        # Longest first, as transformers' tokenizers cut a pair (nlp.scorer, nlp.train).
        self.tokenizer.enable_truncation(max_length, strategy="longest_first")
        self.pad_id = _pad_id(self.tokenizer, tokenizer_folder)
        self.model_id = model_id
        self.max_length = max_length
        self.fatigue_threshold = fatigue_threshold
        self.batch_size = int8.ROWS_PER_RUN
        self.calibration = calibration
        self.context = context
        self.context_kinds = mt.ModelMeta(context=context, context_kinds=context_kinds).kinds_read_with_context
        self.glossary = glossary
        self._cache: OrderedDict[Pair, Score] = OrderedDict()

    @classmethod
    def open(
        cls,
        name: str,
        *,
        device: str = "auto",
        base_dir: Path = Path("."),
        precision: str = "auto",
        threads: int | None = None,
    ) -> OnnxScorer | None:
        """The scorer for `model.name`, or None where torch is needed (see the module's docstring).

        A model whose base encoder changed is refused here as on the torch side (adapter.BaseMismatchError).
        """
        folder = model_folder(name, base_dir)
        if precision not in ("auto", "int8") or not mt.is_hypewatch_folder(folder) or not cpu_only(device):
            return None
        meta = mt.load_meta(folder)
        folder_fingerprint = fingerprint(folder)
        weights = folder
        if adapter.is_adapter(meta):
            adapter.check_base(folder, meta, adapter.base_folder(meta))
            weights = adapter.merged_path(folder, folder_fingerprint)
        elif meta.format != mt.FORMAT:
            return None
        onnx_file, tokenizer_file = int8.copy_path(weights, folder_fingerprint), weights / TOKENIZER_FILE
        if not (onnx_file.is_file() and tokenizer_file.is_file()):
            return None
        from tokenizers import Tokenizer

        try:
            runner = int8.OnnxRunner(onnx_file, threads=threads or usable_cores())
            tokenizer = Tokenizer.from_file(str(tokenizer_file))
        except Exception:  # noqa: BLE001 - a damaged copy; the tokenizers library raises a bare Exception
            # The torch side builds a damaged copy of ours again, and names what is wrong in a user's folder.
            return None
        return cls(
            runner,
            tokenizer,
            weights,
            model_id=local_id(folder, folder_fingerprint) + _SUFFIX["int8"],
            max_length=meta.pair_max_length,
            fatigue_threshold=meta.fatigue_threshold,
            calibration=Calibration.from_dict(meta.calibration),
            context=meta.context,
            context_kinds=meta.context_kinds,
            glossary=Glossary.from_dict(meta.glossary),
        )

    def _score_distinct(self, pairs: list[Pair]) -> list[Score]:
        if not pairs:
            return []
        encoded = self.tokenizer.encode_batch(pairs if self.context else [text for text, _ in pairs])
        ids = [e.ids for e in encoded]
        # One sentence a run (int8.ROWS_PER_RUN), as nlp.scorer.Scorer runs the copy: its
        # activations are scaled per run, and a sentence's scores must not depend on its companions.
        order = sorted(range(len(pairs)), key=lambda i: len(ids[i]))
        results: list[Score | None] = [None] * len(pairs)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            width = max(len(ids[i]) for i in idx)
            input_ids = np.full((len(idx), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            segments = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                input_ids[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
                segments[row, : len(ids[i])] = encoded[i].type_ids
            stance, fatigue = self.net.run(input_ids, mask, segments if self.context else None)
            if self.calibration is not None:
                stance = self.calibration.stance_logits(stance)
                fatigue = self.calibration.fatigue_logits(fatigue)
            probs = softmax(stance.astype(np.float32)).tolist()
            p_fatigue = sigmoid(fatigue.astype(np.float32)).tolist()
            for i, p, pf in zip(idx, probs, p_fatigue):
                results[i] = Score(
                    label=LABELS[max(range(len(LABELS)), key=p.__getitem__)],
                    p_hype=p[0],
                    p_skeptic=p[1],
                    p_neutral=p[2],
                    fatigue=pf >= self.fatigue_threshold,
                    p_fatigue=pf,
                )
        return results  # type: ignore[return-value]


def _pad_id(tokenizer: Any, folder: Path) -> int:
    """The id transformers pads with: the pad token of tokenizer_config.json ([PAD] for BERT)."""
    try:
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    pad = config.get("pad_token") or "[PAD]"
    if isinstance(pad, dict):  # older files store an AddedToken
        pad = pad.get("content", "[PAD]")
    found = tokenizer.token_to_id(pad)
    return 0 if found is None else found
