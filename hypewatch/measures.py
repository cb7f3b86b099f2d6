"""The series measures in Python, for the few places that compute them outside SQL.

Their one definition is SQL: the DuckDB macros of storage/migrations/008_measures.sql, which every
view and query uses. These mirror them; tests/test_measures.py checks the two agree.
"""

from __future__ import annotations


def hype_index(hype: float, skeptic: float) -> float | None:
    """(hype - skeptic) / (hype + skeptic) in [-1, 1]; None without a stance sentence."""
    stance = hype + skeptic
    return (hype - skeptic) / stance if stance else None


def share(part: float, whole: float) -> float | None:
    """part / whole; None when whole is 0."""
    return part / whole if whole else None
