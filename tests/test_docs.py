"""The README documents every command and every option of the CLI (in the style of sqlite-utils'
test_docs.py): a new command or option fails here until the README says how to use it."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from hypewatch.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def long_options(command: click.Command) -> list[str]:
    return [
        o for p in command.params if isinstance(p, click.Option) for o in p.opts if o.startswith("--") and o != "--help"
    ]


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_is_in_the_readme(name: str):
    assert re.search(rf"`hypewatch [^`]*\b{re.escape(name)}\b", README), f"hypewatch {name} is not in README.md"


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_option_of_a_command_is_in_the_readme(name: str):
    missing = [o for o in long_options(main.commands[name]) if not re.search(rf"{re.escape(o)}\b", README)]
    assert missing == [], f"hypewatch {name}: {', '.join(missing)} not in README.md"


def test_every_global_option_is_in_the_readme():
    missing = [o for o in long_options(main) if not re.search(rf"{re.escape(o)}\b", README)]
    assert missing == []
