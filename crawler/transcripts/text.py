"""Text cut into paragraphs and sentences."""

from __future__ import annotations

import re


def paragraphs(text: str) -> list[str]:
    """Text split into paragraphs: at blank lines, or at every line where there are none."""
    lines = [line.strip() for line in re.split(r"\r\n|\r|\n", text)]
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    if len(blocks) <= 1 and sum(len(b) for b in blocks) > 1:
        return [line for b in blocks for line in b]
    return [" ".join(b) for b in blocks]


# A break before a capital, and (speech-to-text starts sentences in lower case: "... unmute. uh thank
# you") before a lower-case word after a question mark or a full stop that ends a word of 3+ letters.
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.?!])[\"”’)\]]*\s+(?=[^a-z\s])|(?<=\?)\s+(?=[a-z])|(?<=[a-z]{3}\.)\s+(?=[a-z]))")

# No break after "Mr." or a middle initial ("Timothy R. Curry"), nor after "etc." and the like.
_TITLE_ABBREV = re.compile(
    r"\b(?:Mr|Ms|Mrs|Dr|St)\.$|\b[A-Z][a-z]+\s+[A-Z]\.$|\b(?:[A-Z]\.){2,}$"
    r"|\b(?i:etc|approx|incl|vs|est|avg|min|max|dept|corp|bros)\.$"
)


def sentences(paragraph: str) -> list[str]:
    """A paragraph cut into sentences (never across "Mr." and the like); joined with spaces, they
    give the paragraph back."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_BREAK.finditer(paragraph):
        piece = paragraph[start : m.end()].strip()
        if _TITLE_ABBREV.search(piece):
            continue
        out.append(piece)
        start = m.end()
    rest = paragraph[start:].strip()
    if rest:
        out.append(rest)
    return out
