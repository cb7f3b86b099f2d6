"""parse_transcript: a file or page in any format and layout -> `Transcript`."""

from __future__ import annotations

import json
import logging
from typing import Any

from hypewatch.crawler.charset import looks_binary, visible
from hypewatch.crawler.transcripts.formats.htmlpage import html_text
from hypewatch.crawler.transcripts.formats.jsondoc import from_json
from hypewatch.crawler.transcripts.formats.pdf import PdfError, is_pdf, pdf_text
from hypewatch.crawler.transcripts.formats.plaintext import decode, detect
from hypewatch.crawler.transcripts.layouts import read_text
from hypewatch.crawler.transcripts.metadata import metadata
from hypewatch.crawler.transcripts.model import UNKNOWN_SPEAKER, Layout, RawTurn
from hypewatch.crawler.transcripts.names import role_from_title
from hypewatch.crawler.transcripts.roles import Roles, company_turns_under_operator, operators, roles_from_order
from hypewatch.crawler.transcripts.sections import split_sections
from hypewatch.crawler.transcripts.text import paragraphs, without_repeat
from hypewatch.errors import HypewatchError
from hypewatch.records import Role, Transcript, Turn

logger = logging.getLogger(__name__)


class TranscriptError(HypewatchError, ValueError):
    """The input is not a transcript at all: binary, or JSON nested too deep to read."""


SCANNED_PDF = "a PDF of scanned pages has none to read"  # why a PDF gave no text, where it gave none


def parse_transcript(data: bytes | str, filename: str | None = None) -> Transcript:
    """Parse one transcript file or page into speaker turns with roles, sections and metadata."""
    where = filename or "<input>"
    warnings: list[str] = []
    if isinstance(data, bytes) and is_pdf(data):
        try:
            text, kind = pdf_text(data), "text"
        except PdfError as exc:
            raise TranscriptError(f"{where}: not a readable PDF ({exc})") from None
        if not text.strip():
            warnings.append(f"no text layer: {SCANNED_PDF} (run OCR on it first)")
    elif isinstance(data, bytes) and looks_binary(data):
        raise TranscriptError(f"{where}: binary content, not a transcript")
    else:
        text = decode(data) if isinstance(data, bytes) else data
        kind = detect(text, filename)
    text = visible(text)
    meta: dict[str, Any] = {}
    if kind == "json":
        try:
            # JSON may escape them ("\u00ad"): its strings are cleaned once parsed.
            layout, meta = from_json(json.loads(text, object_hook=_visible_strings))
        except RecursionError:
            # Real transcripts nest a few levels; thousands is a hostile or broken file.
            raise TranscriptError(f"{where}: JSON nested too deeply to be a transcript") from None
        except (ValueError, TypeError) as exc:
            warnings.append(f"not valid JSON ({exc}); read as text")
            layout = read_text(_once(text, where, warnings))
    elif kind == "html":
        page_text, meta["title"], bold = html_text(text)
        layout = read_text(_once(visible(page_text), where, warnings), bold)  # entities (&shy;) now decoded
    else:
        layout = read_text(_once(text, where, warnings))
    return finish(layout, meta, filename, warnings)


def _visible_strings(obj: dict[str, Any]) -> dict[str, Any]:
    """A parsed JSON object with its strings (lists of strings too) made visible."""
    return {key: _visible_value(value) for key, value in obj.items()}


def _visible_value(value: Any) -> Any:
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, list):
        return [_visible_value(v) for v in value]
    return value  # objects are cleaned by the hook on their own


def _once(text: str, where: str, warnings: list[str]) -> str:
    """The call once, where the file gives it twice in a row."""
    first = without_repeat(text)
    if first is None:
        return text
    warnings.append("the call is given twice in a row: the repeat is left out")
    logger.warning("transcript %s: the call is given twice in a row; the repeat is left out", where)
    return first


def finish(layout: Layout, meta: dict[str, Any], filename: str | None, warnings: list[str]) -> Transcript:
    info = metadata(layout, meta, filename)
    info["summary"] = "\n".join(layout.summary) or None
    warnings = warnings + layout.warnings
    turns = [t for t in layout.turns if any(p.strip() for p in t.paragraphs)]
    if not layout.recognised or not turns:
        every = [p for t in layout.turns for p in ([t.speaker] if t.speaker != UNKNOWN_SPEAKER else []) + t.paragraphs]
        body = paragraphs("\n\n".join(layout.header + every)) if layout.turns or layout.header else []
        warnings.append("unrecognised layout: no speakers found; one turn per paragraph, role 'other'")
        logger.info("transcript %s: unrecognised layout", filename or "<input>")
        fallback = [Turn(UNKNOWN_SPEAKER, "other", "prepared", p) for p in body]
        return Transcript(turns=fallback, warnings=warnings, **info)

    roles = Roles()
    company = info["company"]
    for p in layout.participants:
        roles.set(p.name, p.group or (role_from_title(p.title, company) if p.title else None))
    for t in turns:
        if t.title:
            roles.set(t.speaker, role_from_title(t.title, company))
    for t in turns:
        if t.role and t.speaker != UNKNOWN_SPEAKER:
            roles.set(t.speaker, t.role)
    for name in layout.cued:
        roles.set(name, "analyst")
    for name in operators(turns, roles):
        roles.set(name, "operator")

    sections = split_sections(turns, roles)
    if not any(s == "qa" for s in sections):
        warnings.append("no Q&A found: every turn is in prepared remarks")
    else:
        # Before the first question, who speaks (other than the operator) is management.
        for t, s in zip(turns, sections):
            if s == "prepared" and t.speaker != UNKNOWN_SPEAKER:
                roles.set(t.speaker, "executive")
    roles_from_order(turns, roles, sections)

    out = [
        Turn(t.speaker, _role(t, roles), s, "\n".join(p for p in t.paragraphs if p.strip()))
        for t, s in zip(turns, sections)
    ]
    misread = company_turns_under_operator(turns, [n for n, t in enumerate(out) if t.role == "operator"])
    for n in misread:
        out[n] = Turn(UNKNOWN_SPEAKER, "executive", out[n].section, out[n].text)
    if misread:
        warnings.append(f"{len(misread)} turn(s) given to the operator read as the company's remarks: role executive")
    return Transcript(turns=out, warnings=warnings, **info)


def _role(turn: RawTurn, roles: Roles) -> Role:
    if turn.speaker == UNKNOWN_SPEAKER:
        return turn.role or "other"  # an unnamed speaker has the role its turn's cue says, if any
    return roles.get(turn.speaker) or "other"
