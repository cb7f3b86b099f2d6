"""The wheel, installed into a fresh virtual environment, runs the commands outside the checkout.

The fresh environment borrows this one's dependencies (a path line to its site-packages, so nothing
is downloaded or compiled, torch included); only hypewatch itself comes from the wheel.
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from hypewatch.records import LABELS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# What stays out of the copy the wheel is built from: local state of the checkout, never released.
LOCAL_TOP = {".venv", ".git", "build", "data", "models", "outbox", "test-artifacts", ".pytest_cache"}
LOCAL_ANYWHERE = shutil.ignore_patterns("*.egg-info", "__pycache__", "*.duckdb", "*.duckdb.wal")


def LOCAL(folder: str, names: list[str]) -> set[str]:
    top = {name for name in names if name in LOCAL_TOP} if Path(folder) == ROOT else set()
    return top | LOCAL_ANYWHERE(folder, names)


pytestmark = pytest.mark.wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the checkout without local state."""
    base = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, base / "src", ignore=LOCAL)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(base / "dist"),
            str(base / "src"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (built,) = (base / "dist").glob("hypewatch-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_env(wheel: Path, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; returns its python."""
    env = tmp_path_factory.mktemp("venv") / "venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return python


def run(python: Path, cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(python), "-m", "hypewatch", *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done


def test_wheel_holds_one_package_and_its_data(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"hypewatch"}
    for needed in [
        "hypewatch/nlp/data/real/real_eval.jsonl",
        "hypewatch/nlp/data/topics/heldout.jsonl",
        "hypewatch/nlp/shipped/hypewatch-minilm/hypewatch.json",
        "hypewatch/nlp/shipped/hypewatch-minilm/adapter.safetensors",
        "hypewatch/nlp/topics.yaml",
        "hypewatch/storage/migrations/001_core.sql",
        "hypewatch/storage/queries.sql",
        "hypewatch/alerts/queries.sql",
        "hypewatch/alerts/digest.html.j2",
        "hypewatch/report/template.html.j2",
        "hypewatch/lake/queries.sql",
        "hypewatch/starter.yaml",
    ]:
        assert needed in names
    tracked_data = {p.relative_to(ROOT / "nlp").as_posix() for p in (ROOT / "nlp" / "data").rglob("*") if p.is_file()}
    assert {f"hypewatch/nlp/{name}" for name in tracked_data} <= set(names)


def test_installed_wheel_runs_the_commands_outside_the_checkout(wheel_env: Path, tmp_path: Path):
    where = subprocess.run(
        [str(wheel_env), "-c", "import hypewatch.nlp; print(hypewatch.nlp.__file__)"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert not where.startswith(str(ROOT)) and "site-packages" in where

    scored = [
        json.loads(line)
        for line in run(
            wheel_env, tmp_path, "classify", stdin="Demand for GPUs is essentially insatiable.\n"
        ).stdout.splitlines()
    ]
    assert len(scored) == 1 and scored[0]["label"] in LABELS

    shutil.copy(FIXTURES / "pages" / "article.html", tmp_path / "article.html")
    (article,) = [json.loads(line) for line in run(wheel_env, tmp_path, "extract", "article.html").stdout.splitlines()]
    assert article["text"]

    shutil.copy(FIXTURES / "transcripts" / "inline.txt", tmp_path / "call.txt")
    transcript = run(wheel_env, tmp_path, "transcript", "call.txt").stdout
    assert json.loads(transcript.splitlines()[0])

    (tmp_path / "config.yaml").write_text("database: hw.duckdb\n", encoding="utf-8")
    subprocess.run(
        [str(wheel_env), "-c", "from hypewatch.storage import Store; Store('hw.duckdb')"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    listed = run(wheel_env, tmp_path, "sql", "--format", "csv", "SELECT count(*) AS n FROM documents").stdout
    assert listed.split() == ["n", "0"]
