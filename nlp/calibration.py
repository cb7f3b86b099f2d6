"""Calibrated probabilities: temperature or vector scaling of the stance head, fitted on labeled
sentences the model did not learn from, and the expected calibration error that measures it.

A fine-tuned classifier's probabilities are not frequencies: class weights and label smoothing in
training, and text unlike the training text, push them off. A calibration maps the model's stance
log-probabilities z = log softmax(logits) to calibrated logits:

- **temperature**: z / T, one number; it never changes which label wins, only how sure it is;
- **vector**: w * z + b, a scale and a bias per label; it can also move a label's overall rate
  (the class weights' excess), and so can change labels near a boundary.

The fatigue head gets a temperature of its own (logit / T), which never moves a sentence across
the 0.5 threshold. `fit` tries both stance maps by two-fold cross-fitting on the slice and keeps
the one with the lower held-apart log-loss (negative log-likelihood), unless told which; the
fatigue temperature is kept only where it lowers the held-apart log-loss too.

The calibration is saved in the model folder's hypewatch.json (`calibration`) and applied by the
scorer in every precision (torch and the int8 ONNX copy); a model without one scores as before.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import torch
from torch.nn import functional as F

from hypewatch.errors import HypewatchError
from hypewatch.records import LABELS, Score

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

    def stance_logits(self, logits: torch.Tensor) -> torch.Tensor:
        """Calibrated stance logits from the model's raw ones (any dtype; float32 out)."""
        z = torch.log_softmax(logits.float(), dim=-1)
        return z * torch.tensor(self.scale, device=z.device) + torch.tensor(self.bias, device=z.device)

    def fatigue_logits(self, logits: torch.Tensor) -> torch.Tensor:
        return logits.float() / self.fatigue_temperature

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Calibration | None:
        if not data:
            return None
        try:
            found = cls(**data)
        except TypeError as exc:
            raise CalibrationError(f"malformed calibration in the model's metadata: {exc}") from None
        if (
            found.method not in ("temperature", "vector")
            or len(found.scale) != len(LABELS)
            or len(found.bias) != len(LABELS)
            or found.fatigue_temperature <= 0
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
        return f"{stance}; fatigue temperature {self.fatigue_temperature:.2f}"


# --- measuring ---------------------------------------------------------------------------------------


def expected_calibration_error(
    probabilities: Sequence[Sequence[float]], labels: Sequence[int], bins: int = ECE_BINS
) -> float:
    """Top-label ECE: sentences binned by the confidence of their predicted label; the mean over
    sentences of |accuracy - confidence| of their bin. 0 is perfectly calibrated."""
    p = torch.as_tensor(probabilities, dtype=torch.float64)
    if p.numel() == 0:
        return 0.0
    confidence, predicted = p.max(dim=1)
    correct = (predicted == torch.as_tensor(labels)).double()
    return _binned_gap(confidence, correct, bins)


def classwise_calibration_error(
    probabilities: Sequence[Sequence[float]], labels: Sequence[int], bins: int = ECE_BINS
) -> float:
    """The mean over labels of each label's binned |frequency - probability|: it sees a probability
    of skeptic that is too high on average even where skeptic never wins."""
    p = torch.as_tensor(probabilities, dtype=torch.float64)
    if p.numel() == 0:
        return 0.0
    y = torch.as_tensor(labels)
    return sum(_binned_gap(p[:, c], (y == c).double(), bins) for c in range(p.shape[1])) / p.shape[1]


def binary_calibration_error(probabilities: Sequence[float], labels: Sequence[bool], bins: int = ECE_BINS) -> float:
    """ECE of a yes/no probability (the fatigue flag): binned |frequency - probability|."""
    p = torch.as_tensor(probabilities, dtype=torch.float64)
    return _binned_gap(p, torch.as_tensor(labels, dtype=torch.float64), bins) if p.numel() else 0.0


def _binned_gap(values: torch.Tensor, outcomes: torch.Tensor, bins: int) -> float:
    index = torch.clamp((values * bins).long(), max=bins - 1)
    gap = 0.0
    for b in range(bins):
        members = index == b
        if members.any():
            gap += members.sum().item() * abs(outcomes[members].mean().item() - values[members].mean().item())
    return gap / len(values)


def log_loss(probabilities: Sequence[Sequence[float]], labels: Sequence[int]) -> float:
    p = torch.as_tensor(probabilities, dtype=torch.float64).clamp(_EPS, 1)
    return -p[torch.arange(len(p)), torch.as_tensor(labels)].log().mean().item()


def stance_probabilities(scores: Sequence[Score]) -> list[list[float]]:
    return [[s.p_hype, s.p_skeptic, s.p_neutral] for s in scores]


def apply(calibration: Calibration | None, scores: Sequence[Score], threshold: float = 0.5) -> list[Score]:
    """Scores as the calibration would have given them (None: unchanged)."""
    if calibration is None or not scores:
        return list(scores)
    z = _log_probabilities(stance_probabilities(scores))
    p = torch.softmax(calibration.stance_logits(z), dim=-1).tolist()
    f = torch.sigmoid(calibration.fatigue_logits(_fatigue_logits([s.p_fatigue for s in scores]))).tolist()
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
    z = _log_probabilities(stance_probabilities(scores))
    y = torch.tensor([LABELS.index(label) for label in labels])
    if method == "auto":
        halves = (torch.arange(len(y)) % 2 == 0, torch.arange(len(y)) % 2 == 1)
        held_apart = {
            m: sum(_nll(*_fit_stance(z[a], y[a], m), z[b], y[b]) for a, b in (halves, halves[::-1]))
            for m in ("temperature", "vector")
        }
        method = min(held_apart, key=held_apart.get)
    scale, bias = _fit_stance(z, y, method)
    f = _fatigue_logits([s.p_fatigue for s in scores])
    flags = torch.tensor([float(x) for x in fatigue])
    fatigue_temperature = _fit_fatigue(f, flags) if _fatigue_temperature_helps(f, flags) else 1.0
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


def _log_probabilities(probabilities: Sequence[Sequence[float]]) -> torch.Tensor:
    return torch.as_tensor(probabilities, dtype=torch.float32).clamp(_EPS, 1).log()


def _fatigue_logits(probabilities: Sequence[float]) -> torch.Tensor:
    p = torch.as_tensor(probabilities, dtype=torch.float32).clamp(_EPS, 1 - _EPS)
    return (p / (1 - p)).log()


def _nll(scale: torch.Tensor, bias: torch.Tensor, z: torch.Tensor, y: torch.Tensor) -> float:
    return F.cross_entropy(z * scale + bias, y, reduction="sum").item()


def _fit_stance(z: torch.Tensor, y: torch.Tensor, method: Method) -> tuple[torch.Tensor, torch.Tensor]:
    """Minimise the log-loss of softmax(scale * z + bias) over the map's free parameters."""
    n = z.shape[1]
    if method == "temperature":
        log_t = torch.zeros(1, requires_grad=True)
        _minimise([log_t], lambda: F.cross_entropy(z / log_t.exp(), y))
        return (1 / log_t.exp()).detach().expand(n).clone(), torch.zeros(n)
    scale = torch.ones(n, requires_grad=True)
    bias = torch.zeros(n, requires_grad=True)
    _minimise([scale, bias], lambda: F.cross_entropy(z * scale + bias, y))
    bias = bias.detach() - bias.detach().mean()  # softmax ignores a common shift: keep the bias centred
    return scale.detach(), bias


def _fatigue_temperature_helps(logits: torch.Tensor, targets: torch.Tensor) -> bool:
    """Whether a temperature fitted on one half of the sentences lowers the log-loss of the other
    half, both ways round (fatigue probabilities are often calibrated already: then it only adds noise)."""
    halves = (torch.arange(len(targets)) % 2 == 0, torch.arange(len(targets)) % 2 == 1)
    fitted = unfitted = 0.0
    for a, b in (halves, halves[::-1]):
        t = _fit_fatigue(logits[a], targets[a])
        fitted += F.binary_cross_entropy_with_logits(logits[b] / t, targets[b], reduction="sum").item()
        unfitted += F.binary_cross_entropy_with_logits(logits[b], targets[b], reduction="sum").item()
    return fitted < unfitted


def _fit_fatigue(logits: torch.Tensor, targets: torch.Tensor) -> float:
    if targets.sum() == 0 or targets.sum() == len(targets):
        return 1.0  # one class only: nothing to calibrate against
    log_t = torch.zeros(1, requires_grad=True)
    _minimise([log_t], lambda: F.binary_cross_entropy_with_logits(logits / log_t.exp(), targets))
    return float(log_t.detach().exp())


def _minimise(parameters: list[torch.Tensor], loss_fn) -> None:
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


def fit_examples(scorer, examples: Sequence, *, method: Method | Literal["auto"] = "auto") -> Calibration | None:
    """Fit on labeled examples (`nlp.corpus.Example`) scored by an uncalibrated scorer; None, with a
    log line, when there are too few of them."""
    try:
        return fit(
            scorer.score([e.text for e in examples]),
            [e.label for e in examples],
            [e.fatigue for e in examples],
            method=method,
        )
    except CalibrationError as exc:
        logger.warning("no calibration: %s", exc)
        return None
