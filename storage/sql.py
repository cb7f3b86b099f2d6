"""Named SQL queries kept in .sql files, so no SQL is scattered through Python strings.

A file holds blocks that start with `-- name: query_name`; `load_queries` returns them by name.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


@cache
def load_queries(package: str, filename: str) -> dict[str, str]:
    text = resources.files(package).joinpath(filename).read_text(encoding="utf-8")
    blocks = re.split(r"^--\s*name:\s*(\w+)\s*$", text, flags=re.MULTILINE)
    return {name: sql.strip() for name, sql in zip(blocks[1::2], blocks[2::2])}
