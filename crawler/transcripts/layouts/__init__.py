"""Layouts of a call given as text.

`labelled` reads every layout whose text names its speakers (speaker lines, "Name -- Title",
"Name: text", participant lists, markers). A call whose text names no one is offered to the
readers in UNLABELLED, in order: each gets what `labelled` found (header, summary and the body's
paragraphs) and returns None where it does not recognise the call.

A new layout is one module here listed in UNLABELLED — or, for one more kind of marker or
speaker word, a row in crawler.transcripts.vocabulary — and its fixture in
tests/fixtures/transcripts/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hypewatch.crawler.transcripts.layouts import labelled, speech
from hypewatch.crawler.transcripts.model import UNKNOWN_SPEAKER, Layout

UNLABELLED: list[Callable[[Layout], Layout | None]] = [speech.read]


def read_text(text: str, speakers: Iterable[str] = ()) -> Layout:
    """The layout of a call given as text; `speakers` are names the source marks (bold in HTML)."""
    layout = labelled.parse_lines(text, speakers)
    if layout.recognised or any(t.speaker != UNKNOWN_SPEAKER for t in layout.turns):
        return layout
    for read in UNLABELLED:
        if (found := read(layout)) is not None:
            return found
    return layout
