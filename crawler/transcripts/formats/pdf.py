"""A transcript published as PDF (how many investor-relations sites post their calls): its text,
one paragraph per line, without the running header and footer of every page.

A PDF gives lines as they were set, so a paragraph comes back wrapped: a line that runs the width of
the page goes on in the next one (a word broken with a hyphen is joined again), a shorter one ends
its paragraph, as a speaker's name line does."""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from hypewatch.errors import HypewatchError

PDF_MAGIC = b"%PDF-"
# A page's own number, alone on its line: "3", "Page 3", "Page 3 of 20", "- 3 -", "3/20".
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—\s]*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?[-–—\s]*$", re.I)
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"[.?!]['\"”’)]?$")
# A line this much of the page's width or more was wrapped, not ended.
_FULL_WIDTH = 0.8
# How many lines at a page's top and bottom may be its running header or footer.
_EDGE_LINES = 3


class PdfError(HypewatchError, ValueError):
    """The bytes are a PDF that cannot be read (damaged, encrypted with a password)."""


# Typesetters set "fi", "fl", "ffi" as one glyph, and a PDF's text gives its code point: read as
# letters, "arti\ufb01cial" is "artificial" again for the AI-term matcher and the tokenizer.
_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
)


def is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5] == PDF_MAGIC


def pdf_text(data: bytes) -> str:
    """The text of a PDF, paragraphs as lines; raises PdfError when it cannot be read."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # pypdf logs each flaw it works around; a PDF that cannot be read is one named error here.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfError("encrypted with a password")
        pages = [(page.extract_text() or "").translate(_LIGATURES).splitlines() for page in reader.pages]
    except PdfError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise PdfError(f"{type(exc).__name__}: {exc}") from None
    lines = [line for page in _without_running_lines(pages) for line in page]
    return "\n".join(unwrap(lines))


def _without_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Each page's lines without its number and the header and footer repeated on most pages."""
    pages = [[" ".join(line.split()) for line in page] for page in pages]

    def key(line: str) -> str:
        return _DIGITS.sub("#", line.lower())

    edges: Counter[str] = Counter()
    for page in pages:
        text = [line for line in page if line]
        edges.update({key(line) for line in text[:_EDGE_LINES] + text[-_EDGE_LINES:]})
    running = {k for k, n in edges.items() if n >= 2 and n > len(pages) / 2}
    out = []
    for page in pages:
        text = [line for line in page if line]
        edge = set(range(min(_EDGE_LINES, len(text)))) | set(range(max(0, len(text) - _EDGE_LINES), len(text)))
        out.append(
            [
                line
                for n, line in enumerate(text)
                if not (n in edge and (_PAGE_NUMBER.match(line) or key(line) in running))
            ]
        )
    return out


def unwrap(lines: list[str]) -> list[str]:
    """Lines set to the page's width joined back into paragraphs."""
    widths = sorted(len(line) for line in lines if line)
    if not widths:
        return []
    full = widths[int(len(widths) * 0.9)] * _FULL_WIDTH  # most lines of a transcript are wrapped prose
    paragraphs: list[str] = []
    wrapped = False
    for line in lines:
        # A full line that ends a sentence may end its paragraph (a new one there costs nothing),
        # unless the next goes on in lower case ("... in U.S." / "dollars").
        if wrapped and paragraphs and (not _SENTENCE_END.search(paragraphs[-1]) or line[:1].islower()):
            last = paragraphs[-1]
            if last.endswith("-") and last[-2:-1].isalnum():
                # A line broken at a hyphen: "debt-to-" / "EBITDA", "year-over-" / "year". The
                # hyphen stays (a word a typesetter hyphenated reads "infra-structure", whole).
                paragraphs[-1] = last + line
            else:
                paragraphs[-1] = f"{last} {line}"
        else:
            paragraphs.append(line)
        wrapped = len(line) >= full
    return paragraphs
