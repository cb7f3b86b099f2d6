"""Calibrated probabilities: the error measure, the fits, and the model that carries its calibration."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from model_helpers import SENTENCES

from hypewatch.nlp import calibration as cal
from hypewatch.nlp import model as mt
from hypewatch.nlp.corpus import Example, part_of
from hypewatch.nlp.scorer import Scorer
from hypewatch.nlp.train import TrainConfig, train
from hypewatch.records import LABELS, Score


def scores_from_logits(logits: torch.Tensor, fatigue_logits: torch.Tensor | None = None) -> list[Score]:
    p = torch.softmax(logits, dim=-1).tolist()
    f = torch.sigmoid(fatigue_logits).tolist() if fatigue_logits is not None else [0.1] * len(p)
    return [Score(LABELS[max(range(3), key=row.__getitem__)], *row, pf >= 0.5, pf) for row, pf in zip(p, f)]


def synthetic(n: int, *, sharpen: float = 1.0, prior_shift: tuple[float, float, float] = (0, 0, 0), seed: int = 0):
    """Labels drawn from known probabilities; the scores a model would give if it were `sharpen`
    times too confident and shifted its log-odds by `prior_shift`."""
    g = torch.Generator().manual_seed(seed)
    true_logits = torch.randn(n, 3, generator=g) * 1.5
    labels = torch.multinomial(torch.softmax(true_logits, dim=-1), 1, generator=g).squeeze(1)
    true_f = torch.randn(n, generator=g) * 2
    fatigue = torch.bernoulli(torch.sigmoid(true_f), generator=g).bool()
    model_logits = true_logits * sharpen + torch.tensor(prior_shift)
    scores = scores_from_logits(model_logits, true_f * sharpen)
    return scores, [LABELS[i] for i in labels], fatigue.tolist(), torch.softmax(true_logits, dim=-1)


# --- measuring ---------------------------------------------------------------------------------------


def test_ece_of_a_small_case_by_hand():
    # two sentences at confidence 0.9 (one right), two at 0.6 (both right):
    # bins 0.9: |0.5 - 0.9| x 2, 0.6: |1.0 - 0.6| x 2 -> (0.8 + 0.8) / 4
    p = [[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.2, 0.6, 0.2], [0.2, 0.6, 0.2]]
    assert cal.expected_calibration_error(p, [0, 2, 1, 1]) == pytest.approx(0.4)
    assert cal.expected_calibration_error([], []) == 0


def test_ece_is_near_zero_for_true_probabilities_and_large_for_overconfident_ones():
    scores, labels, _, true_p = synthetic(20000)
    y = [LABELS.index(label) for label in labels]
    assert cal.expected_calibration_error(true_p.tolist(), y) < 0.02
    assert cal.classwise_calibration_error(true_p.tolist(), y) < 0.02
    overconfident, _, _, _ = synthetic(20000, sharpen=3.0)
    assert cal.expected_calibration_error(cal.stance_probabilities(overconfident), y) > 0.1


# --- fitting -------------------------------------------------------------------------------------


def test_temperature_scaling_undoes_overconfidence_without_changing_a_label():
    scores, labels, fatigue, _ = synthetic(4000, sharpen=3.0)
    fitted = cal.fit(scores, labels, fatigue, method="temperature")
    assert 1 / fitted.scale[0] == pytest.approx(3.0, rel=0.1)  # the temperature found is the sharpening
    assert fitted.fatigue_temperature == pytest.approx(3.0, rel=0.15)
    assert fitted.fitted_on["ece_before"] > 0.1 > 0.03 > fitted.fitted_on["ece_after"]
    after = cal.apply(fitted, scores)
    assert [s.label for s in after] == [s.label for s in scores]
    assert [s.fatigue for s in after] == [s.fatigue for s in scores]


def test_auto_picks_vector_scaling_when_the_model_overrates_a_label_everywhere():
    # like class weights in training: skeptic's log-odds raised by 1.5 on every sentence
    scores, labels, fatigue, _ = synthetic(4000, prior_shift=(0.0, 1.5, 0.0), seed=1)
    fitted = cal.fit(scores, labels, fatigue)
    assert fitted.method == "vector"
    mean_skeptic = sum(s.p_skeptic for s in cal.apply(fitted, scores)) / len(scores)
    assert mean_skeptic == pytest.approx(labels.count("skeptic") / len(labels), abs=0.02)
    assert sum(s.p_skeptic for s in scores) / len(scores) > mean_skeptic + 0.1

    plain, labels, fatigue, _ = synthetic(4000, sharpen=2.0, seed=2)
    assert cal.fit(plain, labels, fatigue).method == "temperature"  # no excess to remove: one number will do


def test_too_few_sentences_or_a_malformed_entry_are_named():
    scores, labels, fatigue, _ = synthetic(20)
    with pytest.raises(cal.CalibrationError, match="at least 50"):
        cal.fit(scores, labels, fatigue)
    assert cal.Calibration.from_dict(None) is None
    for entry in (
        {"method": "temperature", "scale": [1.0], "bias": [0.0]},
        {"method": "vector", "scale": ["x", 1.0, 1.0], "bias": [0.0, 0.0, 0.0]},
        {"method": "vector", "scale": [1.0, 1.0, float("nan")], "bias": [0.0, 0.0, 0.0]},
        {"method": "vector", "scale": 1.0, "bias": [0.0, 0.0, 0.0]},
        {"method": "temperature", "scale": [1.0] * 3, "bias": [0.0] * 3, "fatigue_temperature": 0},
        {"method": "platt", "scale": [1.0] * 3, "bias": [0.0] * 3},
    ):
        with pytest.raises(cal.CalibrationError, match="malformed"):
            cal.Calibration.from_dict(entry)


# --- the model that carries it --------------------------------------------------------------------


def many_examples(n_variants: int = 60) -> list[Example]:
    return [Example(f"{t} (variant {n})", lab, fat) for n in range(n_variants) for t, lab, fat in SENTENCES]


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory, tiny_encoder):  # noqa: F811
    folder = tmp_path_factory.mktemp("calibrated") / "model"
    report = train(
        folder,
        TrainConfig(epochs=1, seed=5, encoder=tiny_encoder, batch_size=32),
        examples=many_examples(),
        evaluate_heldout=False,
    )
    return folder, report


def test_training_fits_a_calibration_on_the_validation_slice_and_saves_it(calibrated):
    folder, report = calibrated
    meta = json.loads((folder / mt.META_FILE).read_text())
    n_validation = sum(part_of(e.text) == "validation" for e in many_examples())
    assert meta["calibration"]["fitted_on"]["sentences"] == n_validation == report.n_validation >= 50
    assert meta["calibration"]["method"] in ("temperature", "vector")
    assert cal.Calibration.from_dict(meta["calibration"]) == report.calibration
    assert "calibration" in report.format() and "ECE" in report.format()


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_the_scorer_applies_the_saved_calibration_in_every_precision(calibrated, tmp_path, precision):
    folder, _ = calibrated
    texts = [e.text for e in many_examples(3)]
    scorer = Scorer.load(str(folder), device="cpu", precision=precision)
    assert scorer.calibration is not None
    calibrated_scores = scorer.score(texts)

    bare = tmp_path / "bare"  # the same weights without the calibration: scores as before
    shutil.copytree(folder, bare, ignore=shutil.ignore_patterns("int8-*"))
    meta = json.loads((bare / mt.META_FILE).read_text())
    calibration = cal.Calibration.from_dict(meta.pop("calibration"))
    (bare / mt.META_FILE).write_text(json.dumps(meta))
    plain = Scorer.load(str(bare), device="cpu", precision=precision)
    assert plain.calibration is None and plain.model_id != scorer.model_id
    uncalibrated = plain.score(texts)

    expected = cal.apply(calibration, uncalibrated)
    assert (
        max(
            abs(a.p_hype - b.p_hype) + abs(a.p_skeptic - b.p_skeptic) + abs(a.p_fatigue - b.p_fatigue)
            for a, b in zip(calibrated_scores, expected)
        )
        < 1e-3
    )
    assert max(abs(a.p_hype - b.p_hype) for a, b in zip(calibrated_scores, uncalibrated)) > 1e-3  # it did something
