"""Speaker labels: whether a text is a person's name, how a label splits into name and title, what
role a title implies, and when two spellings are the same person."""

from __future__ import annotations

import re

from hypewatch.crawler.transcripts.model import Label
from hypewatch.crawler.transcripts.vocabulary import (
    ANALYST_TITLE,
    FIRM_NAMES,
    FIRM_WORDS,
    FIRMS,
    MARKERS,
    NICKNAMES,
    NOT_FIRST,
    NOT_LABEL,
    NOT_NAME,
    PARTICLES,
    SPECIAL_SPEAKERS,
    STRONG_EXEC,
    WEAK_EXEC,
)
from hypewatch.records import Role

_NAME_TOKEN = re.compile(r"[^\W\d_]+(?:[.'’\-][^\W\d_]+)*\.?")
_SEPARATORS = (" -- ", " — ", " – ", " - ", " | ", "--", "—", "–")
_BULLET = re.compile(r"^(?:[*•·▪●◦]|-(?=\s))\s*")
COUNTER = re.compile(r"\s*\[\d+\]\s*$")
# A recording's time after a label: "Jane Doe (00:03:10):", "Jane Doe [03:10]", "Jane Doe: (00:21)".
TIMESTAMP = re.compile(r"\s*:?\s*[\[(]\d{1,2}:\d{2}(?::\d{2})?[\])]\s*:?\s*$")
_BRACKETED = re.compile(r"^\[([^\[\]]+)\]$")
_QA_LETTER = re.compile(r"^[QA]\s*[-–—]\s+")
# Speech-to-text services that do not know who speaks number or letter them: "Speaker 2 (00:00:20):",
# "Speaker B:".
_NUMBERED = re.compile(r"(?:Speaker|Participant|Unknown Speaker)\s+(?:\d{1,2}|[A-Z])")


def role_from_title(title: str, company: str | None = None) -> Role | None:
    """The role a title or affiliation implies: "Morgan Stanley -- Analyst", "EVP & CFO"."""
    if ANALYST_TITLE.search(title):
        return "analyst"
    if company:
        first = re.split(r"[\s,.]+", company.strip())[0].lower()
        if len(first) > 2 and re.search(rf"\b{re.escape(first)}\b", title.lower()):
            return "executive"
    firm = FIRMS.search(title)
    if firm and not STRONG_EXEC.search(title):
        return "analyst"
    if STRONG_EXEC.search(title) or WEAK_EXEC.search(title):
        return "executive"
    return "analyst" if firm else None


def is_firm(text: str) -> bool:
    """Whether a capitalised phrase names a firm rather than a person."""
    key = " ".join(text.lower().split())
    return key in FIRM_NAMES or bool(FIRM_WORDS.search(key))


def marker_kind(line: str) -> str | None:
    """The marker a line is ("prepared", "qa", "executive", "analyst", "participants", "skip"), if any."""
    if len(line) > 60:
        return None
    key = re.sub(r"[^a-z&]+", " ", line.lower()).strip()
    return MARKERS.get(key)


def special_role(name: str) -> Role | None:
    return SPECIAL_SPEAKERS.get(re.sub(r"[^a-z]+", " ", name.lower()).strip())


def is_name(text: str) -> bool:
    """Whether text reads as a person's name ("C.J. Muse", "Tien-tsin Huang", "JENSEN HUANG")."""
    if _NUMBERED.fullmatch(text):
        return True
    if not text or len(text) > 50 or any(ch.isdigit() for ch in text):
        return False
    if special_role(text):
        return True
    text = re.sub(r",\s*(?:Jr|Sr|II|III|IV)\.?$", "", text)
    if "," in text:
        return False
    tokens = text.split()
    if not tokens or tokens[0].lower().strip(".'’") in NOT_FIRST:
        return False
    core = [t for t in tokens if t.lower() not in PARTICLES]
    if not 2 <= len(core) <= 5:
        return False
    for token in core:
        if token.lower() in NOT_NAME or not token[0].isupper():
            return False
        if not _NAME_TOKEN.fullmatch(token):
            return False
    return True


def parse_label(text: str) -> Label | None:
    """Split a speaker label into name and title: "Name -- Title", "Name, Firm - Title", "Name (Title)",
    also in brackets or with a recording's time after it."""
    text = COUNTER.sub("", _BULLET.sub("", text.strip())).rstrip(":").strip()
    text = TIMESTAMP.sub("", text)
    if bracketed := _BRACKETED.match(text):  # "[Jane Doe - Head of IR]"
        text = bracketed.group(1).strip()
    if (asked := _QA_LETTER.match(text)) and (label := parse_label(text[asked.end() :])):
        return label  # "Q - Vivek Arya", "A - Jane Doe": who asks and who answers
    if not text:
        return None
    if is_name(text):
        return Label(_display_name(text))
    candidates = [text.split(sep, 1) for sep in _SEPARATORS if sep in text]
    paren = re.match(r"^([^()]+?)\s*\(([^()]+)\)$", text)
    if paren:
        candidates.append([paren.group(1), paren.group(2)])
    if "," in text:
        candidates.append(text.split(",", 1))
    for name, title in candidates:
        name, title = name.strip(" ,"), title.strip(" ,-–—")
        if is_name(name) and title and _is_title(title):
            return Label(_display_name(name), title)
    # Today's participant lists put the title first: "Chief Executive Officer — Don Nolan".
    for title, name in candidates[: len(candidates) - bool(paren) - ("," in text)]:
        name, title = name.strip(" ,"), title.strip(" ,-–—")
        if is_name(name) and title and _is_title(title) and role_from_title(title):
            return Label(_display_name(name), title)
    return None


def first_name_label(text: str) -> Label | None:
    """ "Krista" as a label: one capitalised word that is no heading or common word."""
    word = text.strip()
    ok = (
        re.fullmatch(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?", word) is not None
        and word.lower() not in NOT_FIRST | NOT_NAME | NOT_LABEL
    )
    return Label(word) if ok else None


def _is_title(text: str) -> bool:
    return len(text) <= 120 and len(text.split()) <= 16 and not re.search(r"[?!]$", text)


def _display_name(name: str) -> str:
    name = " ".join(name.split())
    return name.title() if name.isupper() and len(name) > 3 else name


def name_key(name: str) -> tuple[str, str]:
    if _NUMBERED.fullmatch(name.strip()) or len(name.strip()) == 1:
        # "Speaker 2" is not "Speaker 3", nor "A:" "B:"
        return (name.lower().split()[0], name.lower().split()[-1])
    tokens = [t for t in re.findall(r"[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*", name.lower())]
    tokens = [t for t in tokens if len(t) > 1 and t not in {"mr", "ms", "mrs", "dr", "sir", "jr", "sr", "ii", "iii"}]
    if not tokens:
        return ("", "")
    return (tokens[0], tokens[-1])


def same_key(a: tuple[str, str], b: tuple[str, str]) -> bool:
    if not a[1] or a[1] != b[1]:
        return False
    if a[0] == a[1] or b[0] == b[1]:  # one side has a surname only
        return True
    return a[0] == b[0] or a[0][:3] == b[0][:3]


def same_first_name(a: str, b: str) -> bool:
    """Whether two first names can be one person's: "Joe" and "Joseph", "Don" and "Donald"."""
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    short, full = (a, b) if len(a) <= len(b) else (b, a)
    return full in NICKNAMES.get(short, ()) or (
        len(short) >= 3 and full.startswith(short) and len(full) - len(short) <= 3
    )
