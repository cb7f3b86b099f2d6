"""Sentence splitting for articles and transcript turns.

pysbd does the hard part (abbreviations such as "U.S.", "Inc.", "Mr.", "e.g.", decimals and
money amounts). Around it we handle layout it does not know about: paragraphs, bullet lists and
hard-wrapped lines, plus a few finance abbreviations it splits after ("vs.", "approx.", "5 p.m. ET").
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

from hypewatch.records import Document, Sentence

_BULLET = re.compile(r"^\s*(?:[-*•·▪‣◦–—]|\d{1,2}[.)]|\(?[a-z]\))\s+")
_TERMINAL = re.compile(r"[.!?:;\"'”’)\]]\s*$")
_WS = re.compile(r"[ \t\u00a0]+")
# After these, pysbd starts a new sentence although the text goes on.
_GLUE_BEFORE = re.compile(r"\b(?:vs|approx|cf|incl|est|ca)\.\s*$", re.I)
_NUMBER_SIGN = re.compile(r"\bNos?\.\s*$")
_CLOCK = re.compile(r"\b[ap]\.m\.\s*$", re.I)
_ZONE = re.compile(r"^(?:ET|EST|EDT|CT|CST|CDT|PT|PST|PDT|GMT|UTC|BST|CET|JST)\b")
_WORDLESS = re.compile(r"^[\W_]*$")


#: pysbd's time grows with the square of a block's length (a 250,000-character line: 50 s; a
#: 20 MB file of one line would take days), so a longer block is read a window at a time. Windows
#: cut a few sentences differently (pysbd looks for numbered lists across a whole block), and the
#: labeled real sentences (nlp/data/real) are anchored on whole blocks, the longest a call of
#: 110,846 characters on one line: up to this length a block is still split whole (about 12 s).
LONG_BLOCK_CHARS = 120_000
WINDOW_CHARS = 5_000

#: Sentences at a window's end that are read again at the head of the next: the last may be cut
#: off, and the one before it may end where pysbd saw the cut, not the text.
_CARRIED = 2


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def _segment(block: str) -> list[str]:
    """pysbd's sentences of one block, in time linear in its length."""
    if len(block) <= LONG_BLOCK_CHARS:
        return list(_segmenter().segment(block))
    parts: list[str] = []
    rest = block
    while len(rest) > WINDOW_CHARS:
        cut = rest.rfind(" ", WINDOW_CHARS // 2, WINDOW_CHARS)
        window = rest[: cut if cut > 0 else WINDOW_CHARS]
        found = [p for p in _segmenter().segment(window) if p.strip()]
        if len(found) <= _CARRIED:  # a run-on with no end in sight: give it in window-sized pieces
            parts.append(window)
            rest = rest[len(window) :]
            continue
        start = _offset(window, found, len(found) - _CARRIED)
        if start is None:  # pysbd gave back text that is not the window's: take the window as it cut it
            parts.extend(found)
            rest = rest[len(window) :]
            continue
        parts.extend(found[:-_CARRIED])
        rest = rest[start:]
    return parts + list(_segmenter().segment(rest))


def _offset(text: str, parts: list[str], index: int) -> int | None:
    """Where parts[index] starts in text, the parts found one after another from its beginning."""
    at = 0
    for part in parts[: index + 1]:
        found = text.find(part.strip(), at)
        if found < 0:
            return None
        start, at = found, found + len(part.strip())
    return start if start > 0 else None


def _blocks(text: str) -> list[str]:
    """Paragraphs and bullets as single-line blocks; hard-wrapped lines are joined back."""
    blocks: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _WS.sub(" ", line).strip()
        if not line:
            blocks.append("")  # paragraph break
            continue
        bullet = _BULLET.match(line)
        if bullet:
            blocks.append(line[bullet.end() :])
        elif blocks and blocks[-1] and line[0].islower() and not _TERMINAL.search(blocks[-1]):
            blocks[-1] += " " + line  # a soft wrap inside a sentence
        else:
            blocks.append(line)
    return [b for b in blocks if b]


def _glue(parts: list[str]) -> list[str]:
    out: list[str] = []
    for part in parts:
        # Pieces of a run-on line cut at windows (_segment) stay apart: no sentence is that long.
        if (
            out
            and len(out[-1]) + len(part) < WINDOW_CHARS
            and (
                part[0].islower()
                or _GLUE_BEFORE.search(out[-1])
                or (_NUMBER_SIGN.search(out[-1]) and part[0].isdigit())
                or (_CLOCK.search(out[-1]) and _ZONE.match(part))
            )
        ):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; each paragraph, line and bullet item ends a sentence."""
    sentences: list[str] = []
    for block in _blocks(text):
        parts = [p.strip() for p in _segment(block)]
        sentences.extend(s for s in _glue([p for p in parts if p]) if not _WORDLESS.match(s))
    return sentences


def document_sentences(doc: Document) -> list[Sentence]:
    """Sentences of a document, numbered from 0; a transcript's keep the index of their turn."""
    if doc.turns:
        pieces = [(no, s) for no, turn in enumerate(doc.turns) for s in split_sentences(turn.text)]
    else:
        pieces = [(None, s) for s in split_sentences(doc.text)]
    return [
        Sentence(doc_id=doc.doc_id, sent_no=i, text=text, turn_no=turn_no) for i, (turn_no, text) in enumerate(pieces)
    ]
