"""Measures shared by the transcript tests and benchmark.

- "No text lost": the spoken body is measured without the parser: for JSON, every turn's text; for
  text and HTML, every line that reads as prose (4 words or more, two of them function words such
  as "the" or "we"), which speaker labels, headers and participant lists are not.
- Role agreement: two parses of the same call aligned word by word (a speech-to-text parse against
  the publisher's labelled edition, or against that edition run together with its names taken out).
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from pathlib import Path

from hypewatch.records import Transcript

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "transcripts"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "transcripts"


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def spoken_words(data: bytes, filename: str) -> Counter[str]:
    """Words of the spoken body of a transcript file, found without the parser."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if filename.endswith(".json"):
        obj = json.loads(text)
        whole = obj.get("transcript") if isinstance(obj, dict) else None
        if not isinstance(whole, str):
            return words("\n".join(_json_texts(obj)))
        text = whole  # today's pages: the whole page as text, measured as text
    if filename.endswith((".html", ".htm")):
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(text, "lxml")
        root = soup.find("article") or soup.find("main") or soup
        text = "\n".join(p.get_text(" ", strip=True) for p in root.find_all(["p", "h2", "h3", "li"]))
    # The publisher's definitions and disclaimer after a wire-service call are not speech; nor are
    # the header of today's pages (takeaways, summary) before the call, and their note after it.
    text = re.split(r"^=+\s*\n(?:Definitions|Disclaimer)\s*$", text, flags=re.M)[0]
    text = re.split(r"^Full Conference Call Transcript\s*$", text, flags=re.M | re.I)[-1]
    text = re.split(r"^This article is a transcript of this conference call", text, flags=re.M)[0]
    lines = [_INLINE_LABEL.sub("", line) for line in re.split(r"\r\n|\r|\n", text)]
    prose = [line for line in lines if _is_prose(line)]
    return words("\n".join(prose))


# "Name: text", "Name:text", "Name (00:04:05): text", "[Name - Title] text"
_INLINE_LABEL = re.compile(r"^(?:\[[^\]]{2,90}\]\s?|(?:[A-Z][\w.'-]*\s?){1,4}(?:[\[(][\d:]+[\])])?:\s?)")
_FUNCTION_WORDS = {
    "the",
    "and",
    "to",
    "we",
    "is",
    "that",
    "you",
    "it",
    "our",
    "this",
    "i",
    "are",
    "was",
    "have",
    "will",
}


def _is_prose(line: str) -> bool:
    tokens = re.findall(r"\w+", line.lower())
    return len(tokens) >= 4 and sum(t in _FUNCTION_WORDS for t in tokens) >= 2


def _json_texts(obj: object) -> list[str]:
    if isinstance(obj, dict):
        if "speech" in obj or "text" in obj:
            return [str(obj.get("speech", obj.get("text")))]
        return [t for v in obj.values() for t in _json_texts(v)]
    if isinstance(obj, list):
        return [t for v in obj for t in _json_texts(v)]
    return []


def words_kept(data: bytes, filename: str, transcript: Transcript) -> float:
    """Share of the spoken body's words that the transcript's turns keep (1.0 = all)."""
    body = spoken_words(data, filename)
    kept = words("\n".join(t.text for t in transcript.turns))
    total = sum(body.values())
    return sum((body & kept).values()) / total if total else 1.0


def transcript_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".txt", ".json", ".html", ".htm"))


LABELLED_FOLDERS = ("motleyfool_json", "motleyfool_txt", "motleyfool_2026_json", "seekingalpha_txt")


def as_speech_to_text(transcript: Transcript) -> str:
    """A labelled call as speech-to-text gives it: every turn's words run together in one block,
    with no speaker names (the layout of ../shared's sp500_2024_25_txt)."""
    return " ".join(" ".join(turn.text.split()) for turn in transcript.turns if turn.text.strip())


def aligned_pairs(reference: Transcript, candidate: Transcript) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """(role, section) of each word both parses share, aligned: (reference's, candidate's)."""

    def tagged(t: Transcript) -> list[tuple[str, str, str]]:
        return [(w, turn.role, turn.section) for turn in t.turns for w in re.findall(r"\w+", turn.text.lower())]

    a, b = tagged(reference), tagged(candidate)
    matcher = difflib.SequenceMatcher(None, [w for w, *_ in a], [w for w, *_ in b], autojunk=False)
    return [(a[m.a + k][1:], b[m.b + k][1:]) for m in matcher.get_matching_blocks() for k in range(m.size)]
