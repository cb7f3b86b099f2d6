"""Calibrated probabilities: temperature or vector scaling of the stance head, fitted on labeled
sentences the model did not learn from, and the expected calibration error that measures it.

A fine-tuned classifier's probabilities are not frequencies: class weights and label smoothing in
training, and text unlike the training text, push them off. A calibration maps the model's stance
log-probabilities z = log softmax(logits) to calibrated logits:

- **temperature**: z / T, one number; it never changes which label wins, only how sure it is;
- **vector**: w * z + b, a scale and a bias per label; it can also move a label's overall rate
  (the class weights' excess), and so can change labels near a boundary.

The fatigue head gets a temperature of its own (logit / T), which never moves a sentence across
the 0.5 threshold. A kind of source the validation slice does not speak for can get a stance
temperature of its own on top of the map (`kind_temperature`, e.g. transcripts: calls are mostly
plain talk, and a map fitted on written sentences leaves the model too sure of itself there); it
never changes a label either, and it is fitted on labeled sentences of that kind that the model
did not learn from (`fit_kind_temperature`). `fit` tries both stance maps by two-fold cross-fitting on the slice and keeps
the one with the lower held-apart log-loss (negative log-likelihood), unless told which; the
fatigue temperature is kept only where it lowers the held-apart log-loss too.

The calibration is saved in the model folder's hypewatch.json (`calibration`) and applied by the
scorer in every precision (torch and the int8 ONNX copy); a model without one scores as before.
The kind temperatures are applied by whoever knows the source (the score stage, `classify` given
a kind), to the scorer's probabilities: `Calibration.for_kinds`.
Applying and measuring are numpy, so the torch-free scorer (nlp.onnx_scorer) uses this very map;
only fitting imports torch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from hypewatch.errors import HypewatchError
from hypewatch.records import KINDS, LABELS, Score

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

Method = Literal["temperature", "vector"]
ECE_BINS = 15  # equal-width confidence bins, as in Guo et al. (2017), "On calibration of modern neural networks"
_EPS = 1e-7  # probabilities are clamped to [eps, 1 - eps] before their logs (float32 rounds to 0 and 1)


class CalibrationError(HypewatchError, ValueError):
    """A calibration cannot be fitted (too few sentences) or read (a malformed hypewatch.json entry)."""


@dataclass(frozen=True)
class Calibration:
    method: Method
    scale: list[float]  # per label, in LABELS order (temperature: 1 / T for each)
    bias: list[float]  # per label (temperature: zeros)
    fatigue_temperature: float = 1.0
    fitted_on: dict[str, Any] = field(default_factory=dict)  # sentences, ECE and log-loss before and after
    kind_temperature: dict[str, float] = field(default_factory=dict)  # a source kind's stance temperature

    def stance_logits(self, logits: np.ndarray) -> np.ndarray:
        """Calibrated stance logits from the model's raw ones (any float dtype; float32 out)."""
        z = log_softmax(np.asarray(logits, dtype=np.float32))
        return z * np.asarray(self.scale, dtype=np.float32) + np.asarray(self.bias, dtype=np.float32)

    def fatigue_logits(self, logits: np.ndarray) -> np.ndarray:
        return np.asarray(logits, dtype=np.float32) / np.float32(self.fatigue_temperature)

    def for_kinds(self, scores: Sequence[Score], kinds: Sequence[str]) -> list[Score]:
        """Scores of sentences from sources of these kinds, each tempered by its kind's temperature
        (unchanged for a kind without one). Labels never change: a temperature keeps the order."""
        if len(scores) != len(kinds):
            raise ValueError(f"{len(scores)} scores but {len(kinds)} kinds")
        tempered = [i for i, kind in enumerate(kinds) if kind in self.kind_temperature]
        if not tempered:
            return list(scores)
        out = list(scores)
        z = _log_probabilities(stance_probabilities([scores[i] for i in tempered]))
        t = np.asarray([[self.kind_temperature[kinds[i]]] for i in tempered], dtype=np.float32)
        for i, row in zip(tempered, softmax(z / t).tolist()):
            out[i] = replace(scores[i], p_hype=row[0], p_skeptic=row[1], p_neutral=row[2])
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Calibration | None:
        if not data:
            return None
        try:
            found = cls(**data)
            scale, bias = np.asarray(found.scale, dtype=np.float64), np.asarray(found.bias, dtype=np.float64)
            temperature = float(found.fatigue_temperature)
            kinds = {str(k): float(t) for k, t in dict(found.kind_temperature).items()}
        except (TypeError, ValueError) as exc:
            raise CalibrationError(f"malformed calibration in the model's metadata: {exc}") from None
        if (
            found.method not in ("temperature", "vector")
            or scale.shape != (len(LABELS),)
            or bias.shape != (len(LABELS),)
            or not np.isfinite([*scale, *bias]).all()
            or not 0 < temperature < float("inf")
            or not all(k in KINDS and 0 < t < float("inf") for k, t in kinds.items())
        ):
            raise CalibrationError(f"malformed calibration in the model's metadata: {data!r}")
        return found

    def describe(self) -> str:
        if self.method == "temperature":
            stance = f"temperature {1 / self.scale[0]:.2f}"
        else:
            stance = "vector scaling " + ", ".join(
                f"{lab} x{w:.2f}{b:+.2f}" for lab, w, b in zip(LABELS, self.scale, self.bias)
            )
        kinds = "".join(f"; {kind} temperature {t:.2f}" for kind, t in sorted(self.kind_temperature.items()))
        return f"{stance}; fatigue temperature {self.fatigue_temperature:.2f}{kinds}"


IDENTITY = Calibration("temperature", [1.0] * len(LABELS), [0.0] * len(LABELS))  # scores as they come


# --- measuring ---------------------------------------------------------------------------------------


def expected_calibration_error(
    probabilities: Sequence[Sequence[float]], labels: Sequence[int], bins: int = ECE_BINS
) -> float:
    """Top-label ECE: sentences binned by the confidence of their predicted label; the mean over
    sentences of |accuracy - confidence| of their bin. 0 is perfectly calibrated."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.size == 0:
        return 0.0
    correct = (p.argmax(axis=1) == np.asarray(labels)).astype(np.float64)
    return _binned_gap(p.max(axis=1), correct, bins)


def classwise_calibration_error(
    probabilities: Sequence[Sequence[float]], labels: Sequence[int], bins: int = ECE_BINS
) -> float:
    """The mean over labels of each label's binned |frequency - probability|: it sees a probability
    of skeptic that is too high on average even where skeptic never wins."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.size == 0:
        return 0.0
    y = np.asarray(labels)
    return sum(_binned_gap(p[:, c], (y == c).astype(np.float64), bins) for c in range(p.shape[1])) / p.shape[1]


def binary_calibration_error(probabilities: Sequence[float], labels: Sequence[bool], bins: int = ECE_BINS) -> float:
    """ECE of a yes/no probability (the fatigue flag): binned |frequency - probability|."""
    p = np.asarray(probabilities, dtype=np.float64)
    return _binned_gap(p, np.asarray(labels, dtype=np.float64), bins) if p.size else 0.0


def _binned_gap(values: np.ndarray, outcomes: np.ndarray, bins: int) -> float:
    index = np.minimum((values * bins).astype(np.int64), bins - 1)
    gap = 0.0
    for b in range(bins):
        members = index == b
        if members.any():
            gap += members.sum() * abs(outcomes[members].mean() - values[members].mean())
    return float(gap / len(values))


def log_loss(probabilities: Sequence[Sequence[float]], labels: Sequence[int]) -> float:
    p = np.clip(np.asarray(probabilities, dtype=np.float64), _EPS, 1)
    return float(-np.log(p[np.arange(len(p)), np.asarray(labels)]).mean())


def stance_probabilities(scores: Sequence[Score]) -> list[list[float]]:
    return [[s.p_hype, s.p_skeptic, s.p_neutral] for s in scores]


def apply(calibration: Calibration | None, scores: Sequence[Score], threshold: float = 0.5) -> list[Score]:
    """Scores as the calibration would have given them (None: unchanged)."""
    if calibration is None or not scores:
        return list(scores)
    z = _log_probabilities(stance_probabilities(scores))
    p = softmax(calibration.stance_logits(z)).tolist()
    f = sigmoid(calibration.fatigue_logits(_fatigue_logits([s.p_fatigue for s in scores]))).tolist()
    return [
        Score(
            label=LABELS[max(range(len(LABELS)), key=row.__getitem__)],
            p_hype=row[0],
            p_skeptic=row[1],
            p_neutral=row[2],
            fatigue=pf >= threshold,
            p_fatigue=pf,
        )
        for row, pf in zip(p, f)
    ]


def log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


# --- fitting ---------------------------------------------------------------------------------------


def fit(
    scores: Sequence[Score],
    labels: Sequence[str],
    fatigue: Sequence[bool],
    *,
    method: Method | Literal["auto"] = "auto",
    min_sentences: int = 50,
) -> Calibration:
    """Fit a calibration to uncalibrated scores of labeled sentences the model did not learn from.

    "auto" cross-fits both stance maps on two halves of the sentences (fit on one, log-loss on
    the other, both ways) and keeps the better; the kept map is then fitted on all of them.
    """
    if len(scores) < min_sentences:
        raise CalibrationError(f"calibration needs at least {min_sentences} labeled sentences, got {len(scores)}")
    import torch  # only fitting needs it: applying and measuring are numpy
    from torch.nn import functional as F

    z = torch.from_numpy(_log_probabilities(stance_probabilities(scores)))
    y = torch.tensor([LABELS.index(label) for label in labels])
    if method == "auto":
        halves = (torch.arange(len(y)) % 2 == 0, torch.arange(len(y)) % 2 == 1)
        held_apart = {
            m: sum(_nll(*_fit_stance(z[a], y[a], m), z[b], y[b]) for a, b in (halves, halves[::-1]))
            for m in ("temperature", "vector")
        }
        method = min(held_apart, key=held_apart.get)
    scale, bias = _fit_stance(z, y, method)
    f = torch.from_numpy(_fatigue_logits([s.p_fatigue for s in scores]))
    flags = torch.tensor([float(x) for x in fatigue])
    bce = F.binary_cross_entropy_with_logits
    fatigue_temperature = _fit_temperature(f, flags, bce) if _temperature_helps(f, flags, bce) else 1.0
    calibration = Calibration(method, scale.tolist(), bias.tolist(), fatigue_temperature)
    before, after = stance_probabilities(scores), stance_probabilities(apply(calibration, scores))
    fitted_on = {
        "sentences": len(scores),
        "ece_before": expected_calibration_error(before, y.tolist()),
        "ece_after": expected_calibration_error(after, y.tolist()),
        "log_loss_before": log_loss(before, y.tolist()),
        "log_loss_after": log_loss(after, y.tolist()),
    }
    return Calibration(method, scale.tolist(), bias.tolist(), fatigue_temperature, fitted_on)


def fit_kind_temperature(
    scores: Sequence[Score], labels: Sequence[str], *, min_sentences: int = 50
) -> tuple[float, dict[str, Any]] | None:
    """The stance temperature for sentences of one kind of source, from calibrated scores of
    labeled sentences of that kind the model did not learn from, with what it did to them; None
    where it does not lower the log-loss of one half of them when fitted on the other, both ways
    (then the kind is as well calibrated as the rest)."""
    if len(scores) < min_sentences:
        raise CalibrationError(
            f"a kind's temperature needs at least {min_sentences} labeled sentences, got {len(scores)}"
        )
    import torch
    from torch.nn import functional as F

    z = torch.from_numpy(_log_probabilities(stance_probabilities(scores)))
    y = torch.tensor([LABELS.index(label) for label in labels])
    if not _temperature_helps(z, y, F.cross_entropy):
        return None
    temperature = _fit_temperature(z, y, F.cross_entropy)
    before = stance_probabilities(scores)
    after = softmax(z.numpy() / np.float32(temperature)).tolist()
    return temperature, {
        "sentences": len(scores),
        "ece_before": expected_calibration_error(before, y.tolist()),
        "ece_after": expected_calibration_error(after, y.tolist()),
        "log_loss_before": log_loss(before, y.tolist()),
        "log_loss_after": log_loss(after, y.tolist()),
    }


def _log_probabilities(probabilities: Sequence[Sequence[float]]) -> np.ndarray:
    return np.log(np.clip(np.asarray(probabilities, dtype=np.float32), _EPS, 1))


def _fatigue_logits(probabilities: Sequence[float]) -> np.ndarray:
    p = np.clip(np.asarray(probabilities, dtype=np.float32), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _nll(scale: torch.Tensor, bias: torch.Tensor, z: torch.Tensor, y: torch.Tensor) -> float:
    from torch.nn import functional as F

    return F.cross_entropy(z * scale + bias, y, reduction="sum").item()


def _fit_stance(z: torch.Tensor, y: torch.Tensor, method: Method) -> tuple[torch.Tensor, torch.Tensor]:
    """Minimise the log-loss of softmax(scale * z + bias) over the map's free parameters."""
    import torch
    from torch.nn import functional as F

    n = z.shape[1]
    if method == "temperature":
        return torch.full((n,), 1 / _fit_temperature(z, y, F.cross_entropy)), torch.zeros(n)
    scale = torch.ones(n, requires_grad=True)
    bias = torch.zeros(n, requires_grad=True)
    _minimise([scale, bias], lambda: F.cross_entropy(z * scale + bias, y))
    bias = bias.detach() - bias.detach().mean()  # softmax ignores a common shift: keep the bias centred
    return scale.detach(), bias


def _temperature_helps(logits: torch.Tensor, targets: torch.Tensor, loss: Callable) -> bool:
    """Whether a temperature fitted on one half of the sentences lowers the log-loss of the other
    half, both ways round (probabilities often are calibrated already: then it only adds noise)."""
    import torch

    halves = (torch.arange(len(targets)) % 2 == 0, torch.arange(len(targets)) % 2 == 1)
    fitted = unfitted = 0.0
    for a, b in (halves, halves[::-1]):
        t = _fit_temperature(logits[a], targets[a], loss)
        fitted += loss(logits[b] / t, targets[b], reduction="sum").item()
        unfitted += loss(logits[b], targets[b], reduction="sum").item()
    return fitted < unfitted


def _fit_temperature(logits: torch.Tensor, targets: torch.Tensor, loss: Callable) -> float:
    """The T that minimises loss(logits / T, targets): cross-entropy for the stance, binary for fatigue."""
    import torch

    if targets.unique().numel() < 2:
        return 1.0  # one class only: nothing to calibrate against
    log_t = torch.zeros(1, requires_grad=True)
    _minimise([log_t], lambda: loss(logits / log_t.exp(), targets))
    return float(log_t.detach().exp())


def _minimise(parameters: list[torch.Tensor], loss_fn) -> None:
    import torch

    optimizer = torch.optim.LBFGS(parameters, lr=0.1, max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    optimizer.step(closure)
    for p in parameters:
        if not torch.isfinite(p).all():
            raise CalibrationError("calibration did not converge")


def fit_examples(
    scorer,
    examples: Sequence,
    *,
    kinds: dict[str, Sequence] | None = None,
    method: Method | Literal["auto"] = "auto",
) -> Calibration | None:
    """Fit on labeled examples (`nlp.corpus.Example`) scored by an uncalibrated scorer; None, with a
    log line, when there are too few of them. `kinds` adds a temperature for each kind of source
    given labeled examples of it (fit_kind_temperature) where one helps."""
    from hypewatch.nlp.evaluate import score_examples  # evaluate measures calibration: imported here, not above

    try:
        calibration = fit(
            score_examples(scorer, examples),
            [e.label for e in examples],
            [e.fatigue for e in examples],
            method=method,
        )
    except CalibrationError as exc:
        logger.warning("no calibration: %s", exc)
        return None
    temperatures, figures = {}, {}
    for kind, labeled in (kinds or {}).items():
        try:
            found = fit_kind_temperature(
                apply(calibration, score_examples(scorer, labeled)), [e.label for e in labeled]
            )
        except CalibrationError as exc:
            logger.warning("no %s temperature: %s", kind, exc)
            continue
        if found is None:
            logger.info("no %s temperature: it does not lower the held-apart log-loss", kind)
            continue
        temperatures[kind], figures[kind] = found
    if not temperatures:
        return calibration
    return replace(calibration, kind_temperature=temperatures, fitted_on={**calibration.fitted_on, "kinds": figures})
