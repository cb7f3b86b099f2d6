"""Fixtures shared by the whole suite."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a config.yaml into a temp folder and return its path."""

    def write(text: str, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def hypewatch_cmd() -> list[str]:
    """The CLI as a subprocess command line (the installed console script's module)."""
    return [sys.executable, "-m", "hypewatch"]
