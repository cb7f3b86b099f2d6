"""The CPU scorer without torch (nlp.onnx_scorer): the same scores as the torch side's int8 path,
on a tiny model and on the shipped one, and `hypewatch classify` that never imports torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from model_helpers import EXAMPLES
from test_shipped_model import CLEAR

from hypewatch.nlp import meta as mt
from hypewatch.nlp.onnx_scorer import OnnxScorer, cpu_only, identify, load_scorer
from hypewatch.nlp.scorer import Scorer

pytestmark = pytest.mark.usefixtures("user_cache")  # conftest: a cache of this module's own

TEXTS = [e.text for e in EXAMPLES] + [
    "Thanks.",
    "The quarter's revenue was in line with our guidance, and we expect the build-out of AI data "
    "centers to continue through next year as hyperscalers raise their capital spending plans. " * 4,
    "Demand for GPUs is insatiable.",
]
HEAVY = ("torch", "transformers", "duckdb", "pandas", "sentence_transformers")
CALIBRATION = {
    "method": "vector",
    "scale": [1.3, 0.8, 1.1],
    "bias": [0.2, -0.3, 0.1],
    "fatigue_temperature": 1.7,
    "fitted_on": {"sentences": 99},
}


def assert_same_scores(fast, slow):
    assert [s.label for s in fast] == [s.label for s in slow]
    assert [s.fatigue for s in fast] == [s.fatigue for s in slow]
    gap = max(
        abs(getattr(a, p) - getattr(b, p))
        for a, b in zip(fast, slow)
        for p in ("p_hype", "p_skeptic", "p_neutral", "p_fatigue")
    )
    assert gap < 1e-5


@pytest.fixture(scope="module")
def calibrated(trained, tmp_path_factory):
    """The tiny adapter model with a calibration that moves labels, so a wrong twin would show."""
    folder = tmp_path_factory.mktemp("calibrated") / "hypewatch-minilm"
    shutil.copytree(trained[0], folder)
    meta = mt.load_meta(folder)
    meta.calibration = CALIBRATION
    mt.save_meta(meta, folder)
    return folder


def test_no_copy_yet_means_the_torch_scorer_which_builds_it(calibrated):
    assert OnnxScorer.open(str(calibrated), device="cpu") is None  # nothing merged, no int8 copy yet
    first = load_scorer(str(calibrated), device="cpu")
    assert isinstance(first, Scorer)
    fast = OnnxScorer.open(str(calibrated), device="cpu")
    assert fast is not None and fast.model_id == first.model_id


@pytest.mark.parametrize("model", ["calibrated", "trained_full"])
def test_the_same_scores_as_the_torch_side_int8_path(model, request):
    folder = request.getfixturevalue(model)
    folder = folder[0] if isinstance(folder, tuple) else folder
    slow = Scorer.load(str(folder), device="cpu", precision="int8", batch_size=8)
    fast = OnnxScorer.open(str(folder), device="cpu")
    assert fast is not None and fast.model_id == slow.model_id
    assert_same_scores(fast.score(TEXTS), slow.score(TEXTS))
    assert identify(str(folder), device="cpu") == slow.model_id == Scorer.identify(str(folder), device="cpu")


def test_the_shipped_model_scores_the_same_without_torch():
    slow = Scorer.load("default", device="cpu")
    fast = OnnxScorer.open("default", device="cpu")
    assert fast is not None and fast.calibration is not None
    texts = [t for t, _, _ in CLEAR] + TEXTS
    scores = fast.score(texts)
    assert_same_scores(scores, slow.score(texts))
    assert [s.label for s in scores[: len(CLEAR)]] == [label for _, label, _ in CLEAR]


def test_what_only_torch_does_takes_the_torch_path(trained_full, tmp_path):
    folder = str(trained_full[0])
    load_scorer(folder, device="cpu")  # the int8 copy exists
    assert OnnxScorer.open(folder, device="cpu", precision="fp32") is None
    assert OnnxScorer.open(folder, device="cpu", precision="bf16") is None
    assert OnnxScorer.open(folder, device="cuda") is None
    assert OnnxScorer.open(str(tmp_path), device="cpu") is None  # not one of our model folders


def test_a_cuda_driver_library_means_torch_decides(tmp_path, monkeypatch):
    assert cpu_only("cpu") and not cpu_only("cuda")
    (tmp_path / "libcuda.so.1").touch()
    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path))
    assert not cpu_only("auto")


def test_classify_never_imports_torch_once_the_copy_exists(calibrated, write_config, user_cache):
    load_scorer(str(calibrated), device="cpu")  # builds the copy when this test runs alone
    config = write_config(f"model:\n  name: {calibrated}\n  device: cpu\n")
    # The CLI, then the modules it left loaded.
    program = (
        "import sys\nfrom hypewatch.cli import main\n"
        "try:\n    main(['--config', sys.argv[1], 'classify'])\n"
        "finally:\n    print('MODULES', *sorted(sys.modules), file=sys.stderr)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(user_cache.parent)}
    done = subprocess.run(
        [sys.executable, "-c", program, str(config)],
        input="\n".join(TEXTS[:3]),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    expected = Scorer.load(str(calibrated), device="cpu").score(TEXTS[:3])
    assert [r["label"] for r in rows] == [s.label for s in expected]
    loaded = done.stderr.split("MODULES", 1)[1].split()
    assert "onnxruntime" in loaded and "tokenizers" in loaded
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]


def test_an_int8_score_is_the_sentences_own_whatever_it_is_scored_with(calibrated):
    # int8 activations get one scale per run: batched, a sentence's label could follow its companions
    long = "Capacity additions across every region will accelerate again next year, " * 6
    load_scorer(str(calibrated), device="cpu")  # builds the int8 copy
    for scorer in (
        OnnxScorer.open(str(calibrated), device="cpu"),
        Scorer.load(str(calibrated), device="cpu", precision="int8", batch_size=64),
    ):
        alone = [scorer.score([t])[0] for t in TEXTS]
        scorer._cache.clear()
        assert scorer.score([long, *TEXTS, "Thanks."])[1:-1] == alone


def test_a_damaged_int8_copy_or_merged_copy_is_built_again(trained, tmp_path, caplog):
    """The copies in the user cache are ours: one that a disk or a person damaged is built again,
    with a warning, never an error every night until someone finds the cache."""
    from hypewatch.nlp import adapter, int8
    from hypewatch.nlp.onnx_scorer import fingerprint

    folder = tmp_path / "own-copy"  # copies of its own in the cache, apart from the other tests'
    shutil.copytree(trained[0], folder)
    first = Scorer.load(str(folder), device="cpu", precision="int8").score(TEXTS)
    merged = adapter.merged_path(folder, fingerprint(folder))
    copy = int8.copy_path(merged, fingerprint(folder))
    copy.write_bytes(copy.read_bytes()[:1000])
    assert OnnxScorer.open(str(folder), device="cpu") is None  # left to the torch side, which can build
    with caplog.at_level("WARNING"):
        again = Scorer.load(str(folder), device="cpu", precision="int8").score(TEXTS)
    assert f"{copy}: damaged, ONNX Runtime cannot load it" in caplog.text
    assert_same_scores(again, first)
    fast = OnnxScorer.open(str(folder), device="cpu")
    assert fast is not None
    assert_same_scores(fast.score(TEXTS), first)

    weights = merged / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:5000])
    copy.unlink()  # as when the int8 copy must be built from the merged one
    caplog.clear()
    with caplog.at_level("WARNING"):
        rebuilt = Scorer.load(str(folder), device="cpu", precision="int8").score(TEXTS)
    assert f"{merged}: the merged copy is damaged; building it again" in caplog.text
    assert_same_scores(rebuilt, first)

    tokenizer = merged / "tokenizer.json"
    tokenizer.write_text(tokenizer.read_text(encoding="utf-8")[:1000], encoding="utf-8")
    assert OnnxScorer.open(str(folder), device="cpu") is None
    caplog.clear()
    with caplog.at_level("WARNING"):
        mended = load_scorer(str(folder), device="cpu").score(TEXTS)  # as classify and the score stage load it
    assert f"{merged}: the merged copy is damaged; building it again" in caplog.text
    assert_same_scores(mended, first)
