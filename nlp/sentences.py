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


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


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
        if out and (
            part[0].islower()
            or _GLUE_BEFORE.search(out[-1])
            or (_NUMBER_SIGN.search(out[-1]) and part[0].isdigit())
            or (_CLOCK.search(out[-1]) and _ZONE.match(part))
        ):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; each paragraph, line and bullet item ends a sentence."""
    sentences: list[str] = []
    for block in _blocks(text):
        parts = [p.strip() for p in _segmenter().segment(block)]
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
