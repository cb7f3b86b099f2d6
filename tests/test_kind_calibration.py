"""A kind of source with a temperature of its own (nlp.calibration.Calibration.kind_temperature):
fitted on labeled sentences of that kind kept out of training, applied by the score stage and by
`classify` where the kind is known, never changing a label, and part of the score cache's key."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from test_calibration import synthetic

from hypewatch.nlp import calibration as cal
from hypewatch.nlp import meta as mt
from hypewatch.nlp.corpus import Example
from hypewatch.nlp.real_eval import (
    AI_ERA_FILE,
    AI_ERA_FOLDER,
    WHOLE_CALLS_FILE,
    calibration_examples,
    half_of,
    is_calibration_call,
    parse_references,
)
from hypewatch.nlp.scorer import Scorer
from hypewatch.records import LABELS, Document, Score
from hypewatch.scoring import score_pending
from hypewatch.storage import Store

pytestmark = pytest.mark.usefixtures("user_cache")  # conftest: a cache of this module's own

SENTENCE = "Demand for our GPUs is well ahead of supply."
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def test_a_kind_temperature_softens_that_kind_only_and_keeps_every_label():
    scores, _, _, _ = synthetic(300, sharpen=3.0)
    calibration = cal.Calibration("temperature", [1.0] * 3, [0.0] * 3, kind_temperature={"transcripts": 2.0})
    kinds = ["transcripts", "news", ""] * 100
    tempered = calibration.for_kinds(scores, kinds)
    for before, after, kind in zip(scores, tempered, kinds):
        assert (after.label, after.fatigue, after.p_fatigue) == (before.label, before.fatigue, before.p_fatigue)
        if kind == "transcripts":
            assert max(after.p_hype, after.p_skeptic, after.p_neutral) < max(
                before.p_hype, before.p_skeptic, before.p_neutral
            )
            assert after.p_hype + after.p_skeptic + after.p_neutral == pytest.approx(1.0, abs=1e-5)
        else:
            assert after == before
    with pytest.raises(ValueError, match="3 scores but 2 kinds"):
        calibration.for_kinds(scores[:3], ["news", "news"])


def test_a_kind_temperature_is_saved_read_back_and_checked():
    calibration = cal.Calibration("vector", [1.0, 0.9, 1.1], [0.1, -0.2, 0.1], 1.2, {}, {"transcripts": 1.5})
    assert cal.Calibration.from_dict(json.loads(json.dumps(calibration.to_dict()))) == calibration
    older = {"method": "temperature", "scale": [1.0] * 3, "bias": [0.0] * 3}  # saved before kinds had one
    assert cal.Calibration.from_dict(older).kind_temperature == {}
    assert "transcripts temperature 1.50" in calibration.describe()
    for kinds in ({"podcasts": 1.5}, {"transcripts": 0}, {"transcripts": "warm"}, ["transcripts"]):
        with pytest.raises(cal.CalibrationError, match="malformed"):
            cal.Calibration.from_dict({**older, "kind_temperature": kinds})


class TableScorer:
    """Gives the scores of a table: the fit is tested on known probabilities, not on a model's."""

    context_kinds: frozenset[str] = frozenset()  # reads every sentence alone
    calibration = None

    def __init__(self, table: dict[str, Score]) -> None:
        self.table = table

    def score(self, texts, previous=None):
        return [self.table[t] for t in texts]


def labeled(prefix: str, scores: list[Score], labels: list[str]) -> tuple[list[Example], dict[str, Score]]:
    examples = [Example(f"{prefix} {i}", label, False) for i, label in enumerate(labels)]
    return examples, {e.text: s for e, s in zip(examples, scores)}


def test_the_kind_temperature_found_is_how_much_too_sure_the_model_is_on_that_kind():
    # written sentences come calibrated, call sentences three times too sure of themselves
    written, labels, _, _ = synthetic(3000, seed=4)
    calls, call_labels, _, _ = synthetic(3000, sharpen=3.0, seed=5)
    written_examples, table = labeled("written", written, labels)
    call_examples, call_table = labeled("call", calls, call_labels)
    scorer = TableScorer(table | call_table)

    fitted = cal.fit_examples(scorer, written_examples, kinds={"transcripts": call_examples}, method="temperature")
    assert fitted.kind_temperature["transcripts"] == pytest.approx(3.0, rel=0.15)
    figures = fitted.fitted_on["kinds"]["transcripts"]
    assert figures["sentences"] == 3000 and figures["ece_before"] > 0.1 > 0.03 > figures["ece_after"]

    # a kind as well calibrated as the rest gets none, or one near 1
    same, same_labels, _, _ = synthetic(3000, seed=6)
    same_examples, same_table = labeled("same", same, same_labels)
    plain = cal.fit_examples(TableScorer(table | same_table), written_examples, kinds={"transcripts": same_examples})
    assert plain.kind_temperature.get("transcripts", 1.0) == pytest.approx(1.0, abs=0.1)
    with pytest.raises(cal.CalibrationError, match="at least 50"):
        cal.fit_kind_temperature(calls[:20], call_labels[:20])


# --- in the score stage, the cache and classify -----------------------------------------------------


@pytest.fixture(scope="module")
def warm_for_calls(tmp_path_factory, trained):
    """The tiny shipped-way model, with a temperature of 2.5 for transcripts."""
    folder = tmp_path_factory.mktemp("kinds") / "model"
    shutil.copytree(trained[0], folder)
    meta = mt.load_meta(folder)
    calibration = cal.Calibration.from_dict(meta.calibration) or cal.IDENTITY
    meta.calibration = dataclasses.replace(calibration, kind_temperature={"transcripts": 2.5}).to_dict()
    mt.save_meta(meta, folder)
    return folder


def _document(doc_id: str, kind: str, text: str) -> Document:
    now = datetime(2026, 11, 20, tzinfo=timezone.utc)
    return Document(doc_id, "wire", kind, f"https://x.org/{doc_id}", doc_id, now, now, "en", [], text)


def _probabilities(store: Store, doc_id: str) -> tuple:
    with store.read() as conn:
        return conn.execute(
            "SELECT label, p_hype, p_skeptic, p_neutral, p_fatigue FROM sentences WHERE doc_id = ?", [doc_id]
        ).fetchone()


def test_the_score_stage_tempers_call_sentences_and_caches_them_apart(warm_for_calls, tmp_path):
    scorer = Scorer.load(str(warm_for_calls), device="cpu", precision="fp32")
    store = Store(tmp_path / "hw.duckdb")
    store.add_documents([_document("article", "news", SENTENCE), _document("call", "transcripts", SENTENCE)])
    first = score_pending(store, scorer)
    assert (first["scored"], first["from_cache"]) == (2, 0)  # the same sentence, once per kind
    article, call = _probabilities(store, "article"), _probabilities(store, "call")
    alone = scorer.score([SENTENCE])[0]
    expected = scorer.calibration.for_kinds([alone], ["transcripts"])[0]
    assert article[1:] == pytest.approx((alone.p_hype, alone.p_skeptic, alone.p_neutral, alone.p_fatigue), abs=1e-6)
    assert call[1:] == pytest.approx(
        (expected.p_hype, expected.p_skeptic, expected.p_neutral, expected.p_fatigue), abs=1e-6
    )
    assert call[0] == article[0] and max(call[1:4]) < max(article[1:4])

    # the next night, from the cache, with nothing remembered in memory: tempered once, not twice
    store.add_documents([_document("call2", "transcripts", SENTENCE), _document("article2", "news", SENTENCE)])
    again = score_pending(store, Scorer.load(str(warm_for_calls), device="cpu", precision="fp32"))
    assert (again["scored"], again["from_cache"]) == (0, 2)
    assert _probabilities(store, "call2") == pytest.approx(call, abs=1e-6)
    assert _probabilities(store, "article2") == pytest.approx(article, abs=1e-6)


def test_classify_tempers_a_line_of_kind_transcripts_and_names_an_unknown_kind(
    warm_for_calls, write_config, hypewatch_cmd, user_cache
):
    config = write_config(f"model:\n  name: {warm_for_calls}\n  device: cpu\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(user_cache.parent)}
    lines = [
        SENTENCE,
        json.dumps({"text": SENTENCE, "kind": "transcripts"}),
        json.dumps({"text": SENTENCE, "kind": "news"}),
    ]
    done = subprocess.run(
        [*hypewatch_cmd, "--config", str(config), "classify"],
        input="\n".join(lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    plain, call, news = (json.loads(row) for row in done.stdout.splitlines())
    assert call["kind"] == "transcripts" and plain["p_hype"] == news["p_hype"]
    calibration = cal.Calibration.from_dict(mt.load_meta(warm_for_calls).calibration)
    as_news = Score(plain["label"], plain["p_hype"], plain["p_skeptic"], plain["p_neutral"], False, 0.0)
    expected = calibration.for_kinds([as_news], ["transcripts"])[0]
    assert (call["p_hype"], call["p_neutral"]) == pytest.approx((expected.p_hype, expected.p_neutral), abs=1e-5)
    assert call["label"] == plain["label"]

    wrong = subprocess.run(
        [*hypewatch_cmd, "--config", str(config), "classify"],
        input=json.dumps({"text": SENTENCE, "kind": "transcript"}),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    assert json.loads(wrong.stdout) == {
        "input": "<stdin>:1",
        "error": "kind 'transcript': not one of news, transcripts",
    }


# --- where the fitting sentences come from --------------------------------------------------------


def test_the_calibration_calls_are_ai_era_dev_calls_that_training_never_sees():
    refs = parse_references(AI_ERA_FILE.read_text(encoding="utf-8").splitlines())
    kept = {r.file for r in refs if is_calibration_call(r.file)}
    assert kept and all(f.startswith(AI_ERA_FOLDER) and half_of(f) == "dev" for f in kept)
    assert len({r.file for r in refs if r.half == "dev"} - kept) > 2 * len(kept)  # most dev calls still teach
    assert not is_calibration_call("transcripts/nvidia_fy2025/q1.txt")
    labels = {r.label for r in refs if is_calibration_call(r.file)}
    assert sum(is_calibration_call(r.file) for r in refs) >= 300 and labels == set(LABELS)


@pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="../shared/data is not here")
def test_the_transcripts_temperature_is_fitted_on_whole_calibration_calls_as_well_as_samples():
    whole = {r.file for r in parse_references(WHOLE_CALLS_FILE.read_text(encoding="utf-8").splitlines())}
    whole_calibration = {f for f in whole if is_calibration_call(f)}
    assert len(whole_calibration) >= 8  # labeled whole: a night scores every line of a call
    examples = calibration_examples(SHARED)
    files = Counter(e.origin for e in examples)
    assert whole_calibration <= files.keys() and all(is_calibration_call(f) for f in files)
    # every distinct sentence of a whole call, the plain ones a sample leaves out too
    assert min(files[f] for f in whole_calibration) > 300
    assert sum(e.label == "neutral" for e in examples) > 0.7 * len(examples)


def test_training_keeps_the_calibration_sentences_out(tiny_encoder, tmp_path):
    from model_helpers import EXAMPLES

    from hypewatch.nlp.train import TrainConfig, train

    calls = [
        Example(f"On the call, sentence {i} about GPUs.", LABELS[i % 3], False, register="real") for i in range(12)
    ]
    config = TrainConfig(epochs=1, seed=3, encoder=tiny_encoder, batch_size=8)
    report = train(
        tmp_path / "m",
        config,
        examples=EXAMPLES,
        real=calls,
        calibrate_kinds={"transcripts": calls[:8]},
        evaluate_heldout=False,
    )
    assert report.n_real == 4  # the eight kept to calibrate on are not learned from


def test_a_model_takes_the_kind_temperatures_of_a_sibling_that_kept_the_calls_out(warm_for_calls, trained, tmp_path):
    from hypewatch.nlp.onnx_scorer import fingerprint
    from hypewatch.nlp.train import take_kind_temperatures

    folder = tmp_path / "learned-everything"
    shutil.copytree(trained[0], folder)
    own = cal.Calibration.from_dict(mt.load_meta(folder).calibration) or cal.IDENTITY  # too few sentences for one
    taken = take_kind_temperatures(folder, warm_for_calls)
    saved = cal.Calibration.from_dict(mt.load_meta(folder).calibration)
    assert saved == taken and saved.kind_temperature == {"transcripts": 2.5}
    assert (saved.method, saved.scale, saved.bias) == (own.method, own.scale, own.bias)  # its own map stays
    with pytest.raises(cal.CalibrationError, match="no kind temperatures to take"):
        take_kind_temperatures(warm_for_calls, trained[0])
    assert fingerprint(folder) != fingerprint(trained[0])  # scores cached for the model before are not reused


def test_train_refuses_a_temperature_source_without_any_before_training(trained, hypewatch_cmd, tmp_path, user_cache):
    (tmp_path / "data").mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(user_cache.parent)}
    run = [*hypewatch_cmd, "train", "--out", str(tmp_path / "m"), "--kind-temperatures-from", str(trained[0])]
    alone = subprocess.run(run, capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert alone.returncode == 2 and "--kind-temperatures-from goes with --real DIR" in alone.stderr
    done = subprocess.run([*run, "--real", str(tmp_path)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 1 and "no kind temperatures to take" in done.stderr
    for option in ("--kind-temperatures-from", "--start-from"):
        missing = [*hypewatch_cmd, "train", "--out", str(tmp_path / "m"), "--real", str(tmp_path), option, "nowhere"]
        gone = subprocess.run(missing, capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
        assert gone.returncode == 2 and f"{option} nowhere: not a hypewatch model folder" in gone.stderr
    assert not (tmp_path / "m").exists()  # refused before any training
