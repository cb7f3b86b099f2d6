"""Prepared remarks and Q&A: from markers where the layout has them, else from where the questions
start (the first analyst, the first question announced or read out, or the turn after the floor
is opened)."""

from __future__ import annotations

from hypewatch.crawler.transcripts.cues import QUESTION_CUE, announced_names, opens_floor, reads_out
from hypewatch.crawler.transcripts.model import RawTurn
from hypewatch.crawler.transcripts.roles import Roles
from hypewatch.records import Section


def split_sections(turns: list[RawTurn], roles: Roles) -> list[Section]:
    if any(t.section == "qa" for t in turns):
        sections: list[Section] = []
        current: Section = "prepared"
        for t in turns:
            current = t.section or current
            sections.append(current)
        return sections
    first = _qa_start(turns, roles)
    if first is None:
        return ["prepared"] * len(turns)
    return ["prepared"] * first + ["qa"] * (len(turns) - first)


def _qa_start(turns: list[RawTurn], roles: Roles) -> int | None:
    """Where the Q&A starts without a marker: the earliest of the first analyst's turn (or the turn
    announcing it), the first turn announcing a question (IR moderating, or reading questions out),
    and the turn after one that opens the floor ("we would now be happy to answer your questions")."""
    found: list[int] = []
    first = next((i for i, t in enumerate(turns) if roles.get(t.speaker) == "analyst"), None)
    if first is not None:
        before = turns[first - 1] if first > 0 else None
        if before and (roles.get(before.speaker) == "operator" or QUESTION_CUE.search(before.said)):
            first -= 1
        found.append(first)
    announcing = next(
        (i for i, t in enumerate(turns) if i > 0 and (announced_names(t.said) or reads_out(t.paragraphs))), None
    )
    if announcing is not None:
        found.append(announcing)
    spoken: set[str] = set()
    for i, t in enumerate(turns[:-1]):
        spoken.add(t.speaker)
        nxt = turns[i + 1]
        opens = i > 0 and bool(t.paragraphs) and opens_floor(t.paragraphs[-1])
        asker = roles.get(nxt.speaker) in ("operator", "analyst") or (nxt.speaker not in spoken and "?" in nxt.said)
        if opens and asker:
            found.append(i + 1)
            break
    return min(found) if found else None
