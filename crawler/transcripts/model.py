"""What the layouts make of a call before roles and sections are settled: labels, participants, raw turns."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypewatch.records import Role, Section

UNKNOWN_SPEAKER = "Unknown"
OPERATOR = "Operator"


@dataclass
class Label:
    name: str
    title: str | None = None


@dataclass
class Participant:
    name: str
    title: str | None
    group: Role | None  # from the list's header ("Executives", "Analysts"), when it says


@dataclass
class RawTurn:
    speaker: str
    title: str | None
    section: Section | None  # from the last marker before it; None where the layout has none
    paragraphs: list[str] = field(default_factory=list)
    role: Role | None = None  # what a cue says of this turn's speaker, where the layout has cues

    @property
    def said(self) -> str:
        return " ".join(self.paragraphs)


@dataclass
class Layout:
    header: list[str]  # lines before the body: title, company, date
    participants: list[Participant]
    turns: list[RawTurn]
    cued: dict[str, str | None]  # names the operator announced -> their firm
    recognised: bool
    warnings: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # the publisher's digest (takeaways, risks, summary)
