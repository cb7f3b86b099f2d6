"""Measuring a scorer against labeled sentences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from hypewatch.nlp.calibration import expected_calibration_error, stance_probabilities
from hypewatch.nlp.corpus import Example
from hypewatch.records import LABELS, Score


@dataclass
class ClassFigures:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class EvalReport:
    n: int
    per_class: dict[str, ClassFigures]
    macro_f1: float
    accuracy: float
    fatigue_f1: float
    fatigue_support: int
    confusion: list[list[int]]  # rows: gold label, columns: predicted, in LABELS order
    model_id: str = ""
    ece: float = 0.0  # expected calibration error of the stance probabilities (nlp.calibration)

    @classmethod
    def compare(
        cls,
        gold: Sequence[Example],
        predicted: Sequence[Score],
        model_id: str = "",
    ) -> "EvalReport":
        y_true = [e.label for e in gold]
        y_pred = [s.label for s in predicted]
        p, r, f, support = precision_recall_fscore_support(y_true, y_pred, labels=list(LABELS), zero_division=0)
        return cls(
            n=len(gold),
            per_class={
                label: ClassFigures(float(p[i]), float(r[i]), float(f[i]), int(support[i]))
                for i, label in enumerate(LABELS)
            },
            macro_f1=float(f.mean()),
            accuracy=sum(a == b for a, b in zip(y_true, y_pred)) / max(len(gold), 1),
            fatigue_f1=float(f1_score([e.fatigue for e in gold], [s.fatigue for s in predicted], zero_division=0)),
            fatigue_support=sum(e.fatigue for e in gold),
            confusion=confusion_matrix(y_true, y_pred, labels=list(LABELS)).tolist(),
            model_id=model_id,
            ece=expected_calibration_error(stance_probabilities(predicted), [LABELS.index(y) for y in y_true]),
        )

    def format(self) -> str:
        lines = [f"model      {self.model_id}"] if self.model_id else []
        lines += [
            f"sentences  {self.n}",
            "",
            f"{'label':<10}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}",
        ]
        for label, c in self.per_class.items():
            lines.append(f"{label:<10}{c.precision:>10.3f}{c.recall:>8.3f}{c.f1:>8.3f}{c.support:>9}")
        lines += [
            "",
            f"macro-F1    {self.macro_f1:.3f}",
            f"accuracy    {self.accuracy:.3f}",
            f"fatigue F1  {self.fatigue_f1:.3f}  ({self.fatigue_support} sentences flagged)",
            f"ECE         {self.ece:.3f}  (expected calibration error of the stance probabilities)",
            "",
            "confusion (rows: gold, columns: predicted)",
            " " * 10 + "".join(f"{label:>9}" for label in LABELS),
        ]
        for label, row in zip(LABELS, self.confusion):
            lines.append(f"{label:<10}" + "".join(f"{v:>9}" for v in row))
        return "\n".join(lines)


def score_examples(scorer, examples: Sequence[Example]) -> list[Score]:
    """The scorer's Score of each example, given the sentence before it (which a model with context reads)."""
    return scorer.score([e.text for e in examples], previous=[e.previous for e in examples])


def evaluate(scorer, examples: Sequence[Example]) -> EvalReport:
    """Score the examples and compare with their labels."""
    return EvalReport.compare(examples, score_examples(scorer, examples), scorer.model_id)
