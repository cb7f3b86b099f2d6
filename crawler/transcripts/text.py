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
    r"|\b(?i:etc|approx|incl|vs|est|avg|min|max|dept|corp|bros)\.$|\b[A-Z]\.\s[A-Z]\.$"
)


# Initials spaced out, "with D. A. Davidson": no break between them, nor after them.
_INITIAL = re.compile(r"\b[A-Z]\.$")
_INITIAL_NEXT = re.compile(r"[A-Z]\.(?:\s|$)")


def sentences(paragraph: str) -> list[str]:
    """A paragraph cut into sentences (never across "Mr." and the like); joined with spaces, they
    give the paragraph back."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_BREAK.finditer(paragraph):
        piece = paragraph[start : m.end()].strip()
        if _TITLE_ABBREV.search(piece) or (_INITIAL.search(piece) and _INITIAL_NEXT.match(paragraph, m.end())):
            continue
        out.append(piece)
        start = m.end()
    rest = paragraph[start:].strip()
    if rest:
        out.append(rest)
    return out


# A call given twice in a row (a speech-to-text export or a page that holds the call twice: two of
# the 166 calls of 2024-25 in the shared sample came so) would count every sentence twice.
_OPENING_CHARS = 80  # how much of the call's opening must recur, character for character
_REPEATED_SHARE = 0.8  # of the sentences from there on, the share the call has already said
_MIN_REPEATED = 10  # sentences: a recurring title line over a short text is not a second copy


def without_repeat(text: str) -> str | None:
    """The text up to where the whole call starts over, where it is given twice in a row; None
    where it is not. The second copy may differ a little (two speech-to-text passes do) or stop short."""
    start = len(text) - len(text.lstrip())
    opening = text[start : start + _OPENING_CHARS]
    if len(opening) < _OPENING_CHARS:
        return None
    for m in re.finditer(re.escape(opening), text[start + len(opening) :]):
        at = start + len(opening) + m.start()
        again = [s for p in paragraphs(text[at:]) for s in sentences(p) if len(s.split()) >= 4]
        if len(again) < _MIN_REPEATED:
            continue
        said = {s for p in paragraphs(text[:at]) for s in sentences(p)}
        if sum(s in said for s in again) >= _REPEATED_SHARE * len(again):
            return text[:at].rstrip()
    return None
