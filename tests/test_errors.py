"""One error tree: every named error of the package derives from HypewatchError, and the CLI shows
each as one line."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess

import pytest

import hypewatch
from hypewatch.errors import HypewatchError

PACKAGES = [
    "hypewatch",
    "hypewatch.crawler",
    "hypewatch.nlp",
    "hypewatch.storage",
    "hypewatch.alerts",
    "hypewatch.report",
    "hypewatch.lake",
]


def package_modules() -> list[str]:
    names = set()
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.add(package)
        names |= {
            info.name
            for info in pkgutil.walk_packages(module.__path__, package + ".")
            if not info.name.endswith(".__main__")
        }  # importing __main__ runs the CLI
    return sorted(names)


def test_the_walk_sees_every_stage():
    modules = package_modules()
    assert {
        "hypewatch.cli",
        "hypewatch.crawler.transcripts.layouts.speech",
        "hypewatch.nlp.scorer",
        "hypewatch.storage.db",
        "hypewatch.alerts.send",
        "hypewatch.report.build",
        "hypewatch.lake.load",
    } <= set(modules)


def test_every_named_error_derives_from_hypewatch_error():
    strays = []
    for name in package_modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == name
                # _Private classes are control flow inside one module, never raised out of it.
                and not attr.startswith("_")
                and not issubclass(value, HypewatchError)
            ):
                strays.append(f"{name}.{attr}")
    assert strays == []


def test_hypewatch_error_is_defined_once():
    assert hypewatch.errors.HypewatchError is HypewatchError
    assert HypewatchError.__module__ == "hypewatch.errors"


def test_cuda_on_a_machine_without_it_is_one_line(tmp_path, hypewatch_cmd):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    config = tmp_path / "config.yaml"
    config.write_text("database: hw.duckdb\nmodel:\n  device: cuda\n", encoding="utf-8")
    done = subprocess.run(
        [*hypewatch_cmd, "--config", str(config), "classify"],
        input="Demand is insatiable.\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert done.stderr == "hypewatch: model.device is 'cuda' but no CUDA device is available; set it to auto or cpu\n"
    assert done.stdout == ""

    verbose = subprocess.run(
        [*hypewatch_cmd, "-v", "--config", str(config), "classify"],
        input="Demand is insatiable.\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr
    assert verbose.stderr.rstrip().endswith(
        "hypewatch: model.device is 'cuda' but no CUDA device is available; set it to auto or cpu"
    )
