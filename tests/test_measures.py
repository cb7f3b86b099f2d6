"""The series measures have one definition (the macros of migration 008): the views written with
them give what the views of 006 and 007 gave, and Python's mirror agrees with them."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from test_topic_views import call, news, save

from hypewatch import measures
from hypewatch.alerts.series import Counts, metric
from hypewatch.storage import Store
from hypewatch.storage.db import measure_macros, migrations

VIEWS = [
    "daily_sentiment",
    "ticker_daily",
    "call_tone",
    "call_sentiment",
    "topic_daily",
    "call_topics",
    "call_tone_qoq",
    "capex_vs_returns",
]
COUNTS = [(0, 0), (1, 0), (0, 1), (3, 1), (7, 7), (2, 9), (1000, 1)]


def test_python_agrees_with_the_sql_macros():
    conn = duckdb.connect()
    conn.execute(measure_macros())
    for hype, skeptic in COUNTS:
        sql_index, sql_share = conn.execute(
            "SELECT hype_index($h, $s), share($h, $h + $s)", {"h": hype, "s": skeptic}
        ).fetchone()
        assert measures.hype_index(hype, skeptic) == pytest.approx(sql_index)
        assert measures.share(hype, hype + skeptic) == pytest.approx(sql_share)
        assert metric("hype_index").value(Counts(n_hype=hype, n_skeptic=skeptic), 1) == pytest.approx(sql_index)
    assert conn.execute("SELECT hype_index(0, 0), share(1, 0)").fetchone() == (None, None)


def old_views() -> str:
    """The view definitions of migrations 006 and 007, as they were before the macros."""
    text = "\n".join(sql for version, _, sql in migrations() if version in (6, 7))
    blocks = re.findall(r"^CREATE (?:OR REPLACE )?VIEW (\w+) AS\n.*?;$", text, flags=re.MULTILINE | re.DOTALL)
    statements = re.findall(r"^CREATE (?:OR REPLACE )?VIEW \w+ AS\n.*?;$", text, flags=re.MULTILINE | re.DOTALL)
    latest = dict(zip(blocks, statements))  # 007 replaces some of 006's
    return "\n".join(re.sub(r"^CREATE (?:OR REPLACE )?VIEW", "CREATE OR REPLACE VIEW", s) for s in latest.values())


def snapshot(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return {view: conn.execute(f"SELECT * FROM {view} ORDER BY ALL").fetchall() for view in VIEWS}


def test_the_views_give_what_they_gave_before_the_macros(tmp_path: Path):
    Q1, Q2 = date(2026, 6, 1), date(2026, 9, 1)
    store = save(
        Store(tmp_path / "hw.duckdb"),
        [
            call(
                "Q1 2027",
                Q1,
                [
                    ("executive", "prepared", [("Capex rose to $2 billion.", "hype"), ("AI revenue doubled.", "hype")]),
                    ("analyst", "qa", [("Is the AI spending a bubble?", "skeptic")]),
                ],
            ),
            call(
                "Q2 2027",
                Q2,
                [
                    ("executive", "prepared", [("We raised capex again.", "hype"), ("Orders paused.", "neutral")]),
                    ("analyst", "qa", [("When does the payback come?", "skeptic")]),
                    ("executive", "qa", [("Returns will follow.", "skeptic")]),
                ],
            ),
            news(Q2, ["NVDA"], [("Meta AI usage doubled.", "hype"), ("Rates held.", "neutral")]),
            news(Q2, ["NVDA", "AMD"], [("Capex is a bubble.", "skeptic")], n=1),
        ],
    )
    now = snapshot(store.path)
    assert all(now[view] for view in VIEWS)
    before = tmp_path / "before.duckdb"
    shutil.copy(store.path, before)
    with duckdb.connect(str(before)) as conn:
        conn.execute(old_views())
    was = snapshot(before)
    for view in VIEWS:
        assert _same(now[view], was[view]), view


def _same(a: list[tuple], b: list[tuple]) -> bool:
    if len(a) != len(b):
        return False
    for row_a, row_b in zip(a, b):
        for x, y in zip(row_a, row_b, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                if x != pytest.approx(y, rel=1e-12, abs=1e-12):
                    return False
            elif x != y:
                return False
    return True
