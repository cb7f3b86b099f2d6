"""Earnings-call transcripts (JSON, HTML or plain text of any common layout) -> `Transcript`.

    parse_transcript(data, filename=None) -> Transcript

Pure: no I/O. It never raises on odd text: a layout it cannot read gives one turn per paragraph
(role "other") and says so in `Transcript.warnings`, so no speech is lost. Input that is not text
at all (binary, or JSON nested too deep to read) raises TranscriptError.

Conventions
- `fiscal_period` is "Q<n> <year>" with the year the company itself names (fiscal or calendar,
  as the call says it): NVIDIA's "first quarter of fiscal 2025" is "Q1 2025". Half years are
  "H1 2024", a call about a whole year only is "FY 2024".
- `call_date` comes from the header, title or filename only; dates inside the speech are ignored.
- roles come, strongest first, from: a participant list, the title next to the speaker's name,
  the operator announcing a question ("our next question comes from X with Y"), and the order of
  the call (who speaks in prepared remarks, who answers an analyst).
- sections come from markers ("Questions and Answers", "PRESENTATION"); without one, Q&A starts
  at the first analyst's turn, or at the operator's turn introducing it.
"""
from __future__ import annotations

import json
import logging
import re
from datetime import date, datetime
from collections.abc import Iterable
from typing import Any

from crawler.charset import bom_encoding, looks_binary
from crawler.dates import EARLIEST_PUBLISHED
from crawler.transcript_layouts import (
    UNKNOWN_SPEAKER,
    Layout,
    Participant,
    RawTurn,
    find_cues,
    is_name,
    name_key,
    paragraphs,
    parse_label,
    parse_lines,
    role_from_title,
    same_key,
    special_role,
)
from crawler.transcript_speech import announced_names, opens_floor, operator_routine, parse_speech, reads_out
from hypewatch.records import Role, Section, Transcript, Turn

logger = logging.getLogger(__name__)

__all__ = ["TranscriptError", "parse_transcript", "role_from_title"]


class TranscriptError(ValueError):
    """The input is not a transcript at all: binary, or JSON nested too deep to read."""


def parse_transcript(data: bytes | str, filename: str | None = None) -> Transcript:
    """Parse one transcript file or page into speaker turns with roles, sections and metadata."""
    where = filename or "<input>"
    if isinstance(data, bytes) and looks_binary(data):
        raise TranscriptError(f"{where}: binary content, not a transcript")
    text = _decode(data) if isinstance(data, bytes) else data
    kind = _detect(text, filename)
    meta: dict[str, Any] = {}
    warnings: list[str] = []
    if kind == "json":
        try:
            layout, meta = _from_json(json.loads(text))
        except RecursionError:
            # Real transcripts nest a few levels; thousands is a hostile or broken file.
            raise TranscriptError(f"{where}: JSON nested too deeply to be a transcript") from None
        except (ValueError, TypeError) as exc:
            warnings.append(f"not valid JSON ({exc}); read as text")
            layout = read_text(text)
    elif kind == "html":
        page_text, meta["title"], bold = _html_text(text)
        layout = read_text(page_text, bold)
    else:
        layout = read_text(text)
    return _finish(layout, meta, filename, warnings)


def read_text(text: str, speakers: Iterable[str] = ()) -> Layout:
    """The layout of a call given as text: by its speaker lines, else (speech-to-text, no names at
    all) by the hand-over cues in what is said."""
    layout = parse_lines(text, speakers)
    if layout.recognised or any(t.speaker != UNKNOWN_SPEAKER for t in layout.turns):
        return layout
    body = [p for t in layout.turns for p in t.paragraphs]
    speech = parse_speech(body)
    if speech is None:
        return layout
    speech.header = layout.header
    speech.summary = layout.summary
    return speech


# --- formats -----------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    bom = bom_encoding(data)
    if bom:
        return data.decode(bom, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Transcript sites of the 2010s saved Windows-1252 quotes and dashes.
        return data.decode("cp1252", errors="replace")


def _detect(text: str, filename: str | None) -> str:
    ext = (filename or "").lower().rsplit(".", 1)[-1]
    head = text.lstrip()[:2000]
    if ext == "json" or head[:1] in ("{", "["):
        return "json"
    if ext in ("html", "htm", "xhtml") or re.search(r"<(?:!doctype html|html|body|p|div|article)\b", head, re.I):
        return "html"
    return "text"


_NOT_TEXT = ["script", "style", "noscript", "nav", "footer", "aside", "form", "svg", "button", "iframe"]
_BLOCKS = frozenset("p h1 h2 h3 h4 h5 h6 li dt dd tr blockquote pre section article header div".split())


def _html_text(html: str) -> tuple[str, str | None, set[str]]:
    """The page's main text, one line per block element; its title; the names it sets in bold at
    the start of a block (how today's pages mark speakers)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(_NOT_TEXT):
        # Outermost first; one inside a removed one is gone already (removing it again would
        # cost its whole subtree once more: minutes on a hostile page nested thousands deep).
        if not tag.decomposed:
            tag.decompose()
    root = _main_element(soup) or soup.body or soup
    h1 = soup.find("h1")
    text = _block_text(root)
    if h1 and h1.get_text(strip=True) and h1 not in root.descendants:
        text = h1.get_text(" ", strip=True) + "\n" + text
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(lines), title, _bold_names(root)


def _bold_names(root: Any) -> set[str]:
    names = set()
    for tag in root.find_all(["strong", "b"], limit=2000):
        before = tag.previous_sibling
        if before is not None and str(before).strip():
            continue  # bold inside a sentence, not a label
        name = tag.get_text(" ", strip=True).rstrip(":").strip()
        if is_name(name):
            names.add(name)
    return names


def _block_text(root: Any) -> str:
    """`root.get_text()` with a newline around each block element and for each <br>.

    One walk over the tree: bs4's insert_before/insert_after would cost time in proportion to
    the subtree they touch, quadratic on deep nesting.
    """
    from bs4 import CData, NavigableString, Tag

    out: list[str] = []
    stack: list[Any] = list(reversed(root.contents))
    while stack:
        node = stack.pop()
        if node is None:  # the end of a block
            out.append("\n")
        elif isinstance(node, Tag):
            if node.name == "br":
                out.append("\n")
                continue
            if node.name in _BLOCKS:
                out.append("\n")
                stack.append(None)
            stack.extend(reversed(node.contents))
        elif type(node) in (NavigableString, CData):  # not comments, doctypes, scripts (as get_text)
            out.append(str(node))
    return "".join(out)


def _main_element(soup: Any) -> Any:
    candidates = soup.select(
        "article, main, [itemprop=articleBody], [class*=transcript], [id*=transcript], "
        "[class*=article-body], [class*=article-content]"
    )
    if not candidates:
        return None
    return max(candidates, key=lambda el: len(el.get_text(" ", strip=True)))


_SPEAKER_KEYS = ("speaker", "name", "speaker_name", "person", "who")
_TEXT_KEYS = ("speech", "text", "content", "remarks", "body", "transcript", "paragraphs", "statement")
_WHOLE_TEXT_KEYS = ("transcript", "text", "content", "body", "full_text", "transcript_text")
_QA_KEYS = re.compile(r"q_?(?:and|&|n)_?a|question|qa\b", re.I)
_PREPARED_KEYS = re.compile(r"prepared|presentation|remarks|opening", re.I)


def _from_json(obj: Any) -> tuple[Layout, dict[str, Any]]:
    """Turns from a JSON transcript: lists of {speaker, speech} under section-named keys, at any depth,
    or the whole call as one string (today's pages: `transcript` holds the page's text)."""
    if not isinstance(obj, (dict, list)):
        raise TypeError(f"top level is {type(obj).__name__}, not an object or list")
    found = _JsonParts()
    found.walk(obj if isinstance(obj, dict) else {"turns": obj}, None)
    if not found.turns and (found.texts or found.parts):
        layout = _text_layout(found.texts, found.parts)
        layout.header = found.header + layout.header
        layout.participants += found.participants
        return layout, found.meta
    all_text = "\n".join(p for t in found.turns for p in t.paragraphs)
    speakers = {t.speaker for t in found.turns}
    layout = Layout(found.header, found.participants, found.turns, find_cues(all_text), recognised=len(speakers) >= 2)
    return layout, found.meta


def _text_layout(texts: list[str], parts: list[tuple[Section, str]]) -> Layout:
    """The layout of a call held as text: the longest whole-call string, else its sections' strings
    in order (a scraper's split of the same page is a copy, not more of the call)."""
    if texts:
        return read_text(max(texts, key=len))
    layouts = [(section, read_text(text)) for section, text in parts]
    first = layouts[0][1]
    for section, layout in layouts:
        for turn in layout.turns:
            turn.section = turn.section or section
    first.turns = [t for _, layout in layouts for t in layout.turns]
    first.summary = [line for _, layout in layouts for line in layout.summary]
    first.cued = {k: v for _, layout in layouts for k, v in layout.cued.items()}
    first.recognised = any(layout.recognised for _, layout in layouts)
    return first


def _section_of_key(key: str) -> Section | None:
    return "qa" if _QA_KEYS.search(key) else "prepared" if _PREPARED_KEYS.search(key) else None


class _JsonParts:
    def __init__(self) -> None:
        self.turns: list[RawTurn] = []
        self.participants: list[Participant] = []
        self.header: list[str] = []
        self.meta: dict[str, Any] = {}
        self.texts: list[str] = []  # a whole transcript as one string, if that is what it holds
        self.parts: list[tuple[Section, str]] = []  # or its sections as strings

    def walk(self, obj: dict[str, Any], section: Section | None) -> None:
        for key, value in obj.items():
            lkey = key.lower()
            here: Section | None = _section_of_key(lkey) or section
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value) and _is_turn(value[0]):
                for item in value:
                    self._turn(item, here)
            elif "participant" in lkey or lkey in ("speakers", "attendees", "executives", "analysts"):
                group: Role | None = "executive" if lkey == "executives" else "analyst" if lkey == "analysts" else None
                self.participants += [p for p in (_participant(v, group) for v in _as_list(value)) if p]
            elif lkey in ("header_texts", "header", "headers", "meta_texts"):
                self.header += [str(v) for v in _as_list(value)]
            elif isinstance(value, dict):
                self.walk(value, here)
            elif isinstance(value, str) and lkey in _WHOLE_TEXT_KEYS and len(value) > 200:
                self.texts.append(value)
            elif isinstance(value, str) and len(value) > 200 and (own := _section_of_key(lkey)):
                self.parts.append((own, value))
            elif isinstance(value, (str, int, float)):
                self.meta.setdefault(lkey, value)
                if lkey in ("title", "headline", "event", "event_name"):
                    self.header.append(str(value))

    def _turn(self, item: dict[str, Any], section: Section | None) -> None:
        speaker, text = _turn_fields(item)
        if not text.strip():
            return
        label = parse_label(speaker) if speaker else None
        name, title = (label.name, label.title) if label else (speaker or UNKNOWN_SPEAKER, None)
        extra = item.get("title") or item.get("role") or item.get("company")
        self.turns.append(RawTurn(name, str(extra) if extra else title, section, paragraphs(text)))


def _is_turn(item: dict[str, Any]) -> bool:
    keys = {k.lower() for k in item}
    return bool(keys & set(_TEXT_KEYS)) and bool(keys & set(_SPEAKER_KEYS) or "speech" in keys)


def _turn_fields(item: dict[str, Any]) -> tuple[str, str]:
    lowered = {k.lower(): v for k, v in item.items()}
    speaker = next((str(lowered[k]) for k in _SPEAKER_KEYS if lowered.get(k)), "")
    text = next((lowered[k] for k in _TEXT_KEYS if k in lowered), "")
    if isinstance(text, list):
        text = "\n".join(str(t) for t in text)
    return speaker.strip(), str(text or "")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _participant(value: Any, group: Role | None) -> Participant | None:
    if isinstance(value, dict):
        lowered = {k.lower(): v for k, v in value.items()}
        name = next((str(lowered[k]) for k in _SPEAKER_KEYS if lowered.get(k)), "")
        title = " - ".join(str(lowered[k]) for k in ("company", "firm", "affiliation", "title", "role") if lowered.get(k))
        return Participant(name, title or None, group) if name else None
    if isinstance(value, str) and value.strip():
        label = parse_label(value)
        if label:
            return Participant(label.name, label.title, group)
        name, _, title = value.partition("--")
        return Participant(name.strip(), title.strip() or None, group)
    return None


# --- metadata ----------------------------------------------------------------------------------

_EXCHANGES = r"(?:NASDAQ|NasdaqGS|NasdaqGM|NYSE|NYSEAMERICAN|NYSEArca|AMEX|TSX|TSXV|LSE|OTC|OTCQX|ASX|HKEX|XETRA|BATS)"
_TICKER_PAREN = re.compile(
    r"(?P<company>[^\n()]{2,80}?)\s*\(\s*(?:" + _EXCHANGES + r"\s*:\s*)?(?P<ticker>[A-Z][A-Z0-9]{0,5}(?:[.\-][A-Z])?)"
    r"(?:\s+[+\-−]?[\d.]+%)?\s*\)",
)
_TICKER_EXCHANGE = re.compile(_EXCHANGES + r"\s*:\s*(?P<ticker>[A-Z][A-Z0-9]{0,5}(?:\.[A-Z])?)\b")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_YEAR = r"(?:FY\s?|F|fiscal\s+(?:year\s+)?)?'?(?P<year>(?:19|20)\d\d|\d\d)\b"
_PERIODS = [
    re.compile(r"\bQ(?P<q>[1-4])\s*(?:of\s+)?[-'’_ ]?\s*" + _YEAR, re.I),
    re.compile(r"\b(?P<q>[1-4])Q\s*[-'’]?\s*" + _YEAR, re.I),
    re.compile(r"\b" + _YEAR.replace("(?P<year>", "(?P<year>") + r"[-_ ]?Q(?P<q>[1-4])\b", re.I),
    re.compile(
        r"\b(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)[- ]quarter\s+(?:(?:and\s+)?(?:full[- ]year\s+)?"
        r"(?:of\s+)?(?:the\s+)?)?(?:fiscal\s+(?:year\s+)?|FY\s?)?'?(?P<year>(?:19|20)\d\d)\b",
        re.I,
    ),
    re.compile(
        r"\b(?:fiscal\s+(?:year\s+)?|FY\s?)?(?P<year>(?:19|20)\d\d)\s+(?P<ord>first|second|third|fourth)[- ]quarter\b",
        re.I,
    ),
    re.compile(r"\b(?P<h>H[12]|(?:first|second)[- ]half)\s+(?:of\s+)?(?:fiscal\s+)?" + _YEAR, re.I),
    re.compile(r"\b(?:full[- ]year|fiscal[- ]year|annual)\s+(?P<year>(?:19|20)\d\d)\b", re.I),
]
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATES = [
    (re.compile(r"\b(?P<m>" + _MONTHS + r")\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b", re.I), "mdy"),
    (re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m>" + _MONTHS + r")\s+(?P<y>(?:19|20)\d\d)\b", re.I), "dmy"),
    (re.compile(r"\b(?P<d>\d{1,2})-(?P<m>" + _MONTHS.replace("\\.?", "") + r")-(?P<y>\d\d(?:\d\d)?)\b", re.I), "dmy"),
    (re.compile(r"\b(?P<y>(?:19|20)\d\d)[-/_.](?P<m>0?[1-9]|1[0-2])[-/_.](?P<d>[0-3]?\d)\b"), "ymd"),
]
_TITLE_HINT = re.compile(r"earnings|conference call|transcript|results|quarter|\bQ[1-4]\b|\b[1-4]Q\d", re.I)
_CALL = re.compile(r"\b(?:call|transcript|results|conference)\b", re.I)
_TICKER_LEAD = re.compile(r"^(?P<ticker>[A-Z]{1,5}(?:\.[A-Z]{1,2})?)\s+[-–—]\s+(?P<rest>.+)$")
_TICKER_RIC = re.compile(r"\b(?P<ticker>[A-Z]{1,5})\.(?:OQ|O|N|K|A|P|L|TO|AX|HK|T|PA|DE|AS|SW)\b")


def _metadata(layout: Layout, meta: dict[str, Any], filename: str | None) -> dict[str, Any]:
    header = [h for h in layout.header if h.strip()]
    title = (
        meta.get("title")
        or meta.get("headline")
        or next((h for h in header if _CALL.search(h) and _period(h)), None)
        or next((h for h in header if _TITLE_HINT.search(h)), None)
    )
    sources = ([str(title)] if title else []) + header
    joined = "\n".join(sources)
    company = _str(meta.get("company") or meta.get("company_name"))
    ticker = _str(meta.get("ticker") or meta.get("symbol"))
    m = _TICKER_PAREN.search(joined)
    if m:
        company = company or _clean_company(m.group("company"))
        ticker = ticker or m.group("ticker")
    for pattern in (_TICKER_EXCHANGE, _TICKER_RIC):
        if not ticker and (m := pattern.search(joined)):
            ticker = m.group("ticker")
    for line in sources:
        if (m := _TICKER_LEAD.match(line)) and _CALL.search(line):
            ticker = ticker or m.group("ticker")
            company = company or _company_from_title(m.group("rest"))
    for line in header:
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if value.strip() and key in ("company", "company name"):
            company = company or value.strip()
        elif value.strip() and key in ("ticker", "symbol"):
            ticker = ticker or value.strip().split()[0]
    for line in sources:
        company = company or _company_from_title(line)
    company = company or _company_after_exchange_line(header)
    file_ticker, file_period, file_date = _from_filename(filename)
    ticker = ticker or file_ticker

    period = _str(meta.get("fiscal_period"))
    if not period and meta.get("quarter") and meta.get("year"):
        period = f"Q{str(meta['quarter']).strip('Qq')} {meta['year']}"
    opening = "\n".join(p for t in layout.turns[:3] for p in t.paragraphs[:3])[:3000]
    period = period or _period(joined) or file_period or _period(opening)
    call_date = _date(_str(meta.get("date") or meta.get("call_date") or meta.get("event_date")) or "")
    call_date = call_date or _date(joined) or file_date
    return {
        "company": company,
        "ticker": ticker.upper() if ticker else None,
        "fiscal_period": period,
        "call_date": call_date,
        "title": str(title) if title else None,
    }


def _str(value: Any) -> str | None:
    return str(value).strip() if value not in (None, "") else None


_ABBREVIATIONS = {"inc", "corp", "co", "ltd", "plc", "bros", "intl", "mr", "ms", "dr", "st", "n", "s", "a", "v"}


def _clean_company(text: str) -> str | None:
    # Keep what follows the last sentence break: "Image source: The Motley Fool. Nvidia" -> "Nvidia".
    breaks = [m.end() for m in re.finditer(r"(\w+)[.:|]\s+(?=[A-Z])", text) if m.group(1).lower() not in _ABBREVIATIONS]
    text = text[breaks[-1]:] if breaks else text.strip()
    text = re.sub(r"\s+(?:Cl(?:ass)?\.?\s+[A-C])$", "", text).strip(" ,-")
    return text or None


def _company_after_exchange_line(header: list[str]) -> str | None:
    """Today's pages open with "NASDAQ:APOG" and then the company's name on a line of its own."""
    for line, nxt in zip(header, header[1:]):
        if _TICKER_EXCHANGE.fullmatch(line.strip()) and len(nxt.split()) <= 6 and not re.search(r"[:.!?]$|\d", nxt):
            return nxt.strip()
    return None


def _company_from_title(title: str) -> str | None:
    m = re.match(r"^(?:Q[1-4]\s+(?:FY\s?)?\d{2,4}\s+)(?P<c>.+?)\s+Earnings", title, re.I)
    m = m or re.match(r"^(?P<c>[A-Z][^()\n]*?)\s+(?:\(|Q[1-4]\b|[1-4]Q\d|(?:first|second|third|fourth)\s+quarter|FY\s?\d)", title, re.I)
    if not m:
        return None
    company = re.sub(r"^(?:edited\s+)?transcript\s+of\s+", "", m.group("c"), flags=re.I).strip(" ,-–—:")
    return company if company and len(company) < 60 else None


def _period(text: str) -> str | None:
    for pattern in _PERIODS:
        m = pattern.search(text)
        if not m:
            continue
        year = _year(m.group("year"))
        groups = m.groupdict()
        if groups.get("q"):
            return f"Q{groups['q']} {year}"
        if groups.get("ord"):
            return f"Q{_ORDINALS[groups['ord'].lower()]} {year}"
        if groups.get("h"):
            half = "1" if groups["h"].lower() in ("h1", "first half", "first-half") else "2"
            return f"H{half} {year}"
        return f"FY {year}"
    return None


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _date(text: str) -> date | None:
    for pattern, order in _DATES:
        for m in pattern.finditer(text):
            try:
                month = m.group("m")
                if not month.isdigit():
                    month = datetime.strptime(month[:3].title(), "%b").month
                found = date(_year(m.group("y")), int(month), int(m.group("d")))
            except ValueError:
                continue
            if found >= EARLIEST_PUBLISHED.date():  # older is a placeholder, not the call's date
                return found
    return None


def _from_filename(filename: str | None) -> tuple[str | None, str | None, date | None]:
    """Ticker, period and date from names like "ACN_q1_2022.json" or "nvidia-nvda-q1-2025-earnings-call.txt"."""
    if not filename:
        return None, None, None
    stem = re.split(r"[\\/]", filename)[-1].rsplit(".", 1)[0]
    tokens = re.split(r"[-_\s.]+", stem)
    ticker = period = None
    for i, token in enumerate(tokens):
        q = re.fullmatch(r"[qQ]([1-4])", token)
        if not q:
            continue
        if i + 1 < len(tokens) and re.fullmatch(r"(?:fy)?((?:19|20)\d\d)", tokens[i + 1], re.I):
            year, before = tokens[i + 1][-4:], i - 1
        elif i > 0 and re.fullmatch(r"(?:19|20)\d\d", tokens[i - 1]):
            year, before = tokens[i - 1], i - 2
        else:
            continue
        period = f"Q{q.group(1)} {year}"
        if before >= 0 and re.fullmatch(r"[A-Za-z]{1,5}", tokens[before]):
            ticker = tokens[before].upper()
        break
    return ticker, period, _date(stem)


# --- roles and sections ------------------------------------------------------------------------

_QUESTION_CUE = re.compile(
    r"\b(?:first|next|following)\s+question\b|\bquestions?(?![-\w])[^.?!]{0,40}?\bfrom\b|\bline is (?:now )?open\b",
    re.I,
)


class _Roles:
    """Each speaker's role, settled from the strongest evidence available."""

    def __init__(self) -> None:
        self.known: list[tuple[tuple[str, str], Role]] = []

    def get(self, name: str) -> Role | None:
        special = special_role(name)
        if special:
            return special
        key = name_key(name)
        return next((role for other, role in self.known if same_key(key, other)), None)

    def set(self, name: str, role: Role | None) -> None:
        if role and self.get(name) is None:
            self.known.append((name_key(name), role))


def _finish(layout: Layout, meta: dict[str, Any], filename: str | None, warnings: list[str]) -> Transcript:
    info = _metadata(layout, meta, filename)
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

    roles = _Roles()
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
    for name in _operators(turns, roles):
        roles.set(name, "operator")

    sections = _sections(turns, roles)
    if not any(s == "qa" for s in sections):
        warnings.append("no Q&A found: every turn is in prepared remarks")
    else:
        # Before the first question, who speaks (other than the operator) is management.
        for t, s in zip(turns, sections):
            if s == "prepared" and t.speaker != UNKNOWN_SPEAKER:
                roles.set(t.speaker, "executive")
    _roles_from_order(turns, roles, sections)

    out = [
        Turn(t.speaker, _role(t, roles), s, "\n".join(p for p in t.paragraphs if p.strip()))
        for t, s in zip(turns, sections)
    ]
    return Transcript(turns=out, warnings=warnings, **info)


def _role(turn: RawTurn, roles: _Roles) -> Role:
    if turn.speaker == UNKNOWN_SPEAKER:
        return turn.role or "other"  # an unnamed speaker has the role its turn's cue says, if any
    return roles.get(turn.speaker) or "other"


def _text(turn: RawTurn) -> str:
    return " ".join(turn.paragraphs)


# A turn that asks: an analyst's ("Thanks for taking my question. How ...?").
_ASKS = re.compile(
    r"\?|\b(?:can|could|would) you\b|\bI (?:was|am|'m) (?:wondering|curious)\b|\bmy (?:first |second |last |"
    r"follow-up )?question\b|\bthanks? (?:you )?for taking\b",
    re.I,
)


def _roles_from_order(turns: list[RawTurn], roles: _Roles, sections: list[Section]) -> None:
    """Roles from the order of the call, for speakers nothing else placed:
    - who speaks right after a question is announced is the analyst (even when the operator's
      "Jake Roberts" is the transcript's "Jacob Roberge", or IR says "Andrew, please unmute");
    - who first speaks in the Q&A, asks, and was not answering an analyst, is an analyst;
    - between two operator turns, whoever else speaks in an analyst's exchange is management."""
    for prev, t in zip(turns, turns[1:]):
        if t.speaker == UNKNOWN_SPEAKER:
            continue
        said = _text(prev)
        if roles.get(prev.speaker) == "operator" and _QUESTION_CUE.search(said):
            roles.set(t.speaker, "analyst")
        elif any(_first_name(n) == _first_name(t.speaker) for n in announced_names(said)):
            roles.set(t.speaker, "analyst")
    seen: set[str] = set()
    for i, (t, s) in enumerate(zip(turns, sections)):
        first_time = t.speaker not in seen
        seen.add(t.speaker)
        if not first_time or s != "qa" or t.speaker == UNKNOWN_SPEAKER or roles.get(t.speaker):
            continue
        after_analyst = i > 0 and roles.get(turns[i - 1].speaker) == "analyst"
        if not after_analyst and any(_ASKS.search(_text(u)) for u in turns[i:] if u.speaker == t.speaker):
            roles.set(t.speaker, "analyst")
    exchange: list[RawTurn] = []
    for t in turns + [RawTurn("Operator", None, None)]:
        if roles.get(t.speaker) != "operator":
            exchange.append(t)
            continue
        if any(roles.get(e.speaker) == "analyst" for e in exchange):
            for e in exchange:
                if e.speaker != UNKNOWN_SPEAKER:
                    roles.set(e.speaker, "executive")
        exchange = []


def _operators(turns: list[RawTurn], roles: _Roles) -> list[str]:
    """Speakers labelled by first name ("Krista") who say only the operator's routine: short turns,
    one of them with "press star one", "your line is open" and the like."""
    said: dict[str, list[str]] = {}
    for t in turns:
        if t.speaker != UNKNOWN_SPEAKER and roles.get(t.speaker) is None:
            said.setdefault(t.speaker, []).append(_text(t))
    return [
        name for name, texts in said.items()
        if any(operator_routine(x) for x in texts) and max(len(x.split()) for x in texts) <= 150
    ]


def _first_name(name: str) -> str:
    return name.split()[0].lower() if name.split() else ""


def _sections(turns: list[RawTurn], roles: _Roles) -> list[Section]:
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


def _qa_start(turns: list[RawTurn], roles: _Roles) -> int | None:
    """Where the Q&A starts without a marker: the earliest of the first analyst's turn (or the turn
    announcing it), the first turn announcing a question (IR moderating, or reading questions out),
    and the turn after one that opens the floor ("we would now be happy to answer your questions")."""
    found: list[int] = []
    first = next((i for i, t in enumerate(turns) if roles.get(t.speaker) == "analyst"), None)
    if first is not None:
        before = turns[first - 1] if first > 0 else None
        if before and (roles.get(before.speaker) == "operator" or _QUESTION_CUE.search(_text(before))):
            first -= 1
        found.append(first)
    announcing = next((i for i, t in enumerate(turns) if i > 0 and (announced_names(_text(t)) or reads_out(t.paragraphs))), None)
    if announcing is not None:
        found.append(announcing)
    spoken: set[str] = set()
    for i, t in enumerate(turns[:-1]):
        spoken.add(t.speaker)
        nxt = turns[i + 1]
        opens = i > 0 and bool(t.paragraphs) and opens_floor(t.paragraphs[-1])
        if opens and (roles.get(nxt.speaker) in ("operator", "analyst") or (nxt.speaker not in spoken and "?" in _text(nxt))):
            found.append(i + 1)
            break
    return min(found) if found else None
