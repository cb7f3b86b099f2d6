"""Find the structure of a transcript written as lines of text.

Every text-like source (plain text, HTML stripped to text) ends up here. The parser knows the
family, not individual sites: section markers ("PRESENTATION", "Questions & Answers:"),
participant lists (one "Name - Title" line, or a name line followed by an affiliation line),
speaker lines ("Name", "Name -- Title", "Name, Firm - Title [3]", "Name" / "--" / "Title") and
inline speakers ("Name: text"). A line counts as a speaker only with evidence — it names a
participant, an operator announced it, it carries a title, or it recurs — so a capitalised line
of prose stays prose.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from hypewatch.records import Role, Section

UNKNOWN_SPEAKER = "Unknown"

# Whole-line markers, compared after _marker_key(); a marker is a line on its own.
_MARKERS: dict[str, str] = {}
for _kind, _names in {
    "prepared": [
        "prepared remarks", "presentation", "opening remarks", "prepared comments",
        "management remarks", "management discussion section", "management presentation",
    ],
    "qa": [
        "questions and answers", "questions & answers", "question and answer",
        "question and answer session", "questions and answers session", "question & answer",
        "question & answer session", "q&a", "q & a", "q&a session", "q & a session",
        "questions & answers session",
    ],
    "executive": [
        "executives", "corporate participants", "company participants", "company representatives",
        "corporate speakers", "company speakers", "management participants",
    ],
    "analyst": ["analysts", "conference call participants", "other participants", "analyst participants"],
    "participants": ["call participants", "participants", "speakers", "call speakers"],
    # Publisher material, not speech: skipped until the next marker or speaker.
    "skip": [
        "contents", "table of contents", "definitions", "disclaimer", "overview", "synopsis",
        "industry glossary", "glossary", "stocks mentioned",
    ],
    # The publisher's own digest of the call: kept on the document (`summary`), never in the turns.
    "summary": ["summary", "takeaways", "key takeaways", "risks", "key risks"],
    # The call itself starts here; everything before it is the page's header.
    "body": ["full conference call transcript", "full transcript", "conference call transcript", "call transcript"],
}.items():
    for _name in _names:
        _MARKERS[_name] = _kind

SPECIAL_SPEAKERS: dict[str, Role] = {
    "operator": "operator", "conference operator": "operator", "moderator": "operator",
    "coordinator": "operator", "conference call operator": "operator",
    "unidentified analyst": "analyst", "unknown analyst": "analyst",
    "unidentified company representative": "executive", "unidentified company speaker": "executive",
    "company representative": "executive", "unknown executive": "executive",
    "unidentified participant": "other", "unidentified speaker": "other", "unknown speaker": "other",
    "unidentified audience member": "other", "unknown": "other",
}

_PARTICLES = {"de", "da", "di", "du", "del", "della", "der", "den", "van", "von", "la", "le", "bin", "al", "y", "st."}
# A capitalised line starting with these is a sentence, not a name.
_NOT_FIRST = {
    "thank", "thanks", "good", "yes", "yeah", "okay", "ok", "sure", "great", "hi", "hello", "well", "so",
    "and", "but", "the", "our", "we", "i", "next", "all", "more", "with", "this", "that", "it", "in", "on",
    "for", "as", "at", "to", "from", "if", "when", "what", "how", "why", "ladies", "welcome", "please",
    "image", "related", "see", "read", "click", "share", "follow", "sign", "log", "search", "home",
}
# Words that never appear in a person's name but often in capitalised headings and menus.
_NOT_NAME = {
    "inc", "inc.", "corp", "corp.", "corporation", "company", "call", "earnings", "transcript", "transcripts",
    "conference", "remarks", "session", "question", "questions", "answer", "answers", "participants",
    "executives", "analysts", "presentation", "quarter", "results", "fiscal", "revenue", "data", "center",
    "total", "highlights", "outlook", "guidance", "agenda", "contents", "advisor", "stock", "stocks",
    "news", "investing", "premium", "services", "market", "markets", "group", "holdings", "limited",
    "ltd", "llc", "plc", "technologies", "technology", "systems", "financial", "securities", "capital",
    "bank", "partners", "research", "equity", "disclaimer", "definitions", "overview", "copyright",
    "duration", "minutes", "event", "date", "time", "edited", "final", "page", "source", "analysis",
    "officer", "chief", "president", "vice", "executive", "director", "analyst", "relations", "investor",
    "chairman", "founder", "head", "manager", "treasurer",
}
_NAME_TOKEN = re.compile(r"[^\W\d_]+(?:[.'’\-][^\W\d_]+)*\.?")
_NAME_ABBREV_END = re.compile(r"(?:\b[A-Z]|Jr|Sr|Inc|Co|Corp|Ltd|Bros|Cos|Intl|L\.P|N\.A|S\.A|N\.V|Mr|Ms|Dr)\.$")
_SEPARATORS = (" -- ", " — ", " – ", " - ", " | ", "--", "—", "–")
_BULLET = re.compile(r"^(?:[*•·▪●◦]|-(?=\s))\s*")
_COUNTER = re.compile(r"\s*\[\d+\]\s*$")
_RULE = re.compile(r"^[\s=\-_*~#.+]{3,}$")
_BOILERPLATE = re.compile(r"^(?:Duration:\s*\d+\s*minutes?|\[?Operator sign-?off\]?)$", re.I)
# "Name: text", and "Name:text" as today's pages print it.
_INLINE = re.compile(r"^(?P<label>[^:\n]{2,90}?)\s*:\s*(?P<text>\S.*)$")
# Publisher lines in and around a call page: promotion, disclosure, image credits. Never speech.
_PUBLISHER = re.compile(
    r"^(?:image source:|need a quote from|this article is a transcript of|stocks mentioned$|\*?average returns of all"
    r"|copyright\b|©|all rights reserved|read more\b|related articles?$)"
    r"|\bhas an? ?disclosure policy\.?$|\bhas no position in any of the stocks mentioned",
    re.I,
)
_SENTENCE_END = re.compile(r"[.?!;,…]['\"”’)]?$")

# The operator announcing an analyst: "next question comes from the line of Joe Moore with Morgan Stanley".
# A name token is initials ("C.J.") or a word; a word's trailing full stop ends the sentence, not the name.
_NAME_TOKEN_PAT = r"(?:[A-Z]\.(?:[A-Z]\.)*|[A-Z][\w'’\-]*)"
_NAME_PAT = _NAME_TOKEN_PAT + r"(?:\s+(?:(?:de|da|van|von|del|la|le)\s+)?" + _NAME_TOKEN_PAT + r"){0,3}"
_CUES = [
    re.compile(
        r"(?:\bquestions?(?![-\w])|\bline)[^.?!]{0,40}?\bfrom\s+(?:the line of\s+|line of\s+)?(?P<name>" + _NAME_PAT + r")"
        r"(?:\s*,?\s+(?:with|from|of|at)\s+(?P<firm>[A-Z][^,;?]*?)(?=[.,;?]\s|[.,;?]?$))?"
    ),
    re.compile(
        r"(?:go|move|turn|proceed)\s+(?:over\s+|next\s+)?to\s+(?:the line of\s+)?(?P<name>" + _NAME_PAT + r")"
        r"\s*,?\s+(?:with|from|of|at)\s+(?P<firm>[A-Z][^.,;?]*)"
    ),
    re.compile(
        r"(?P<name>" + _NAME_PAT + r")\s*,?\s+(?:with|from|of|at)\s+(?P<firm>[A-Z][^.,;?]*?)\s*[,.]?\s+"
        r"(?:your line is (?:now )?open|please go ahead|please proceed|you may proceed)"
    ),
]


_FIRMS = re.compile(
    r"\b(?:securities|capital|research|partners|bank|banc|markets|advisors|advisers|investments?|equity|equities|"
    r"asset management|llc|morgan stanley|goldman|jp ?morgan|j\.p\. morgan|bernstein|ubs|citi|citigroup|barclays|"
    r"credit suisse|deutsche|jefferies|evercore|cowen|bofa|bank of america|merrill|wells fargo|rbc|bmo|baird|"
    r"piper|sandler|raymond james|stifel|keybanc|mizuho|needham|oppenheimer|wedbush|susquehanna|moffettnathanson|"
    r"macquarie|nomura|hsbc|btig|suntrust|truist|cantor|loop|rosenblatt|wolfe|melius|davidson|guggenheim|"
    r"william blair|redburn|exane|daiwa|northland|craig-hallum|canaccord|arete|new street|seaport|argus|"
    r"morningstar|clsa|jmp|roth|b\. riley|bnp|societe generale|santander|ing|kepler|berenberg|td cowen|"
    r"bernstein|alliancebernstein|haitong|citic|cfra|gabelli|d\.a\. davidson|benchmark|summit insights)\b",
    re.I,
)
# A name in a cue that is a firm, not a person: "question from Morgan Stanley".
_FIRM_WORDS = re.compile(
    r"\b(?:securities|capital|research|partners|bank|banc|markets|advisors|advisers|investments?|equities|"
    r"management|llc|inc|ltd|group|holdings|associates|company|corporation|international|global|isi)\b",
    re.I,
)
_FIRM_NAMES = {
    "morgan stanley", "goldman sachs", "jp morgan", "jpmorgan", "j.p. morgan", "bank of america", "wells fargo",
    "raymond james", "william blair", "credit suisse", "deutsche bank", "new street", "td cowen", "keybanc",
    "bernstein", "barclays", "jefferies", "citi", "citigroup", "ubs", "mizuho", "needham", "oppenheimer",
    "cantor fitzgerald", "piper sandler", "truist", "baird", "stifel", "nomura", "macquarie", "hsbc", "bmo", "rbc",
    "cowen", "evercore", "susquehanna", "wedbush", "guggenheim", "melius", "rosenblatt", "moffettnathanson",
    "redburn", "bofa", "merrill lynch", "northland", "craig-hallum", "canaccord", "sidoti", "maxim",
}


def is_firm(text: str) -> bool:
    """Whether a capitalised phrase names a firm rather than a person."""
    key = " ".join(text.lower().split())
    return key in _FIRM_NAMES or bool(_FIRM_WORDS.search(key))


_STRONG_EXEC = re.compile(
    r"\b(?:ceo|cfo|coo|cto|cio|cmo|cro|cao|chief|president|chairman|chairwoman|chair|founder|co-founder|"
    r"investor relations|ir|treasurer|controller|general counsel|corporate secretary)\b",
    re.I,
)
_WEAK_EXEC = re.compile(
    r"\b(?:vp|evp|svp|gvp|vice president|head|director|officer|manager|executive|president|board member|"
    r"managing director|finance|operations|communications)\b",
    re.I,
)
_ANALYST = re.compile(r"\b(?:an?alysts?|anlyst|research analyst)\b", re.I)


def role_from_title(title: str, company: str | None = None) -> Role | None:
    """The role a title or affiliation implies: "Morgan Stanley -- Analyst", "EVP & CFO"."""
    if _ANALYST.search(title):
        return "analyst"
    if company:
        first = re.split(r"[\s,.]+", company.strip())[0].lower()
        if len(first) > 2 and re.search(rf"\b{re.escape(first)}\b", title.lower()):
            return "executive"
    firm = _FIRMS.search(title)
    if firm and not _STRONG_EXEC.search(title):
        return "analyst"
    if _STRONG_EXEC.search(title) or _WEAK_EXEC.search(title):
        return "executive"
    return "analyst" if firm else None


@dataclass
class Label:
    name: str
    title: str | None = None


@dataclass
class Participant:
    name: str
    title: str | None
    group: Role | None  # from the list's header ("Executives", "Analysts"), when it says


@dataclass
class RawTurn:
    speaker: str
    title: str | None
    section: Section | None  # from the last marker before it; None where the layout has none
    paragraphs: list[str] = field(default_factory=list)
    role: Role | None = None  # what a cue says of this turn's speaker, where the layout has cues


@dataclass
class Layout:
    header: list[str]  # lines before the body: title, company, date
    participants: list[Participant]
    turns: list[RawTurn]
    cued: dict[str, str | None]  # names the operator announced -> their firm
    recognised: bool
    warnings: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # the publisher's digest (takeaways, risks, summary)


def marker_kind(line: str) -> str | None:
    """The marker a line is ("prepared", "qa", "executive", "analyst", "participants", "skip"), if any."""
    if len(line) > 60:
        return None
    key = re.sub(r"[^a-z&]+", " ", line.lower()).strip()
    return _MARKERS.get(key)


def special_role(name: str) -> Role | None:
    return SPECIAL_SPEAKERS.get(re.sub(r"[^a-z]+", " ", name.lower()).strip())


def is_name(text: str) -> bool:
    """Whether text reads as a person's name ("C.J. Muse", "Tien-tsin Huang", "JENSEN HUANG")."""
    if not text or len(text) > 50 or any(ch.isdigit() for ch in text):
        return False
    if special_role(text):
        return True
    text = re.sub(r",\s*(?:Jr|Sr|II|III|IV)\.?$", "", text)
    if "," in text:
        return False
    tokens = text.split()
    if not tokens or tokens[0].lower().strip(".'’") in _NOT_FIRST:
        return False
    core = [t for t in tokens if t.lower() not in _PARTICLES]
    if not 2 <= len(core) <= 5:
        return False
    for token in core:
        if token.lower() in _NOT_NAME or not token[0].isupper():
            return False
        if not _NAME_TOKEN.fullmatch(token):
            return False
    return True


def parse_label(text: str) -> Label | None:
    """Split a speaker label into name and title: "Name -- Title", "Name, Firm - Title", "Name (Title)"."""
    text = _COUNTER.sub("", _BULLET.sub("", text.strip())).rstrip(":").strip()
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


def _first_name_label(text: str) -> Label | None:
    """"Krista" as a label: one capitalised word that is no heading or common word."""
    word = text.strip()
    ok = (
        re.fullmatch(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?", word) is not None
        and word.lower() not in _NOT_FIRST | _NOT_NAME | _NOT_LABEL
    )
    return Label(word) if ok else None


_NOT_LABEL = {
    "note", "notes", "source", "sources", "update", "updated", "editor", "correction", "disclosure", "date", "time",
    "summary", "takeaways", "risks", "glossary", "contents", "transcript", "revenue", "guidance", "outlook", "margin",
    "margins", "q", "a", "answer", "question", "speaker", "moderator", "host", "caller", "webcast", "audio", "video",
    "photo", "image", "credit", "tags", "topics", "category", "author", "published", "location", "title", "subject",
}


def _is_title(text: str) -> bool:
    return len(text) <= 120 and len(text.split()) <= 16 and not re.search(r"[?!]$", text)


def _display_name(name: str) -> str:
    name = " ".join(name.split())
    return name.title() if name.isupper() and len(name) > 3 else name


def _is_prose(line: str) -> bool:
    words = len(line.split())
    return words > 16 or (words >= 5 and bool(_SENTENCE_END.search(line)) and not _NAME_ABBREV_END.search(line))


def _label_line(line: str) -> Label | None:
    """The label a whole line would be, if it looks like one (no sentence punctuation at the end)."""
    if len(line) > 160:
        return None
    label = parse_label(line)
    if label is None:
        return None
    bare = _COUNTER.sub("", line).rstrip()
    if _SENTENCE_END.search(bare) and not _NAME_ABBREV_END.search(bare):
        return None
    return label


def _prepare(text: str) -> list[str]:
    """Lines, with "Name" / "--" / "Title" triples joined and rules and boilerplate dropped."""
    raw = [line.rstrip() for line in re.split(r"\r\n|\r|\n|\u2028|\u2029", text.replace("\xa0", " "))]
    lines: list[str] = []
    i = 0
    while i < len(raw):
        if (
            i + 2 < len(raw)
            and raw[i + 1].strip() in {"--", "-", "—", "–"}
            and raw[i].strip()
            and raw[i + 2].strip()
        ):
            lines.append(f"{raw[i].strip()} -- {raw[i + 2].strip()}")
            i += 3
            continue
        line = raw[i].strip()
        if _RULE.match(line) or _BOILERPLATE.match(line):
            line = ""
        lines.append(line)
        i += 1
    return lines


def find_cues(text: str) -> dict[str, str | None]:
    """Names the operator announces as askers, with their firms."""
    found: dict[str, str | None] = {}
    for pattern in _CUES:
        for m in pattern.finditer(text):
            name = m.group("name").strip()
            if is_name(name) and not special_role(name):
                firm = (m.group("firm") or "").strip() or None
                if firm:
                    firm = re.split(r"\.\s|\s+(?:please|your line|is now|you may)\b", firm)[0].strip(" .") or None
                found.setdefault(name, firm)
    return found


class _Names:
    """Names known to be speakers, matched loosely ("Doug Anmuth" = "Douglas T. Anmuth")."""

    def __init__(self, names: list[str]):
        self.keys = [name_key(n) for n in names]

    def __contains__(self, name: str) -> bool:
        key = name_key(name)
        return any(same_key(key, other) for other in self.keys)


def name_key(name: str) -> tuple[str, str]:
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


def parse_lines(text: str, speakers: Iterable[str] = ()) -> Layout:
    """Split transcript text into header, participants and speaker turns.

    `speakers` are names the source itself marks as speakers (bold at the start of an HTML block).
    """
    lines = _prepare(text)
    kinds = [marker_kind(line) if line else None for line in lines]
    participants, consumed = _participant_blocks(lines, kinds)
    cued = find_cues("\n".join(line for i, line in enumerate(lines) if i not in consumed))
    known = _Names([p.name for p in participants] + list(cued) + list(speakers))
    # A page that marks where the call starts has nothing but header before that line.
    body_start = next((i for i, kind in enumerate(kinds) if kind == "body"), 0)

    # Candidate labels: a whole line, or the "Name:" before inline text.
    whole: dict[int, Label] = {}
    inline: dict[int, tuple[Label, str]] = {}
    for i, line in enumerate(lines):
        if not line or i in consumed or kinds[i] or i < body_start:
            continue
        label = _label_line(line)
        if label:
            whole[i] = label
            continue
        m = _INLINE.match(line)
        if m and (label := parse_label(m.group("label")) or _first_name_label(m.group("label"))):
            inline[i] = (label, m.group("text"))
    counts = Counter(name_key(lab.name) for lab in whole.values())
    counts.update(name_key(lab.name) for lab, _ in inline.values())

    def evident(label: Label) -> bool:
        return bool(special_role(label.name)) or label.name in known or counts[name_key(label.name)] >= 2

    # Where "Name: text" is how the page gives its speakers, a name said once is a speaker too.
    inline_layout = sum(evident(label) for label, _ in inline.values()) >= 3

    def confirmed(label: Label, i: int, is_inline: bool) -> bool:
        if special_role(label.name) or label.name in known:
            return True
        if " " not in label.name:  # "Krista:": a first name, as an operator goes by, said more than once
            return is_inline and inline_layout and counts[name_key(label.name)] >= 2
        titled = label.title is not None and role_from_title(label.title) is not None
        if is_inline:
            return titled or counts[name_key(label.name)] >= 2 or inline_layout
        nxt = _next_nonblank(lines, i)
        followed_by_text = nxt is not None and not kinds[nxt] and (nxt not in whole or _affiliation(lines[nxt]))
        return followed_by_text and (label.title is not None or counts[name_key(label.name)] >= 2)

    layout = Layout(header=[], participants=participants, turns=[], cued=cued, recognised=False)
    section: Section | None = None
    zone: str | None = None  # "skip": publisher material; "summary": the publisher's digest
    in_body = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if i in consumed:
            # What follows a participant list at the end is the page's trailer, until a speaker.
            zone = "skip" if in_body else zone
            i += 1
            continue
        if not line:
            i += 1
            continue
        kind = kinds[i]
        if kind == "summary" and in_body:
            kind = None  # a "Summary" line inside the call is speech
        if kind:
            zone = kind if kind in ("skip", "summary") else None
            if kind in ("prepared", "qa", "body"):
                section = kind if kind != "body" else section  # type: ignore[assignment]
                in_body = True
            i += 1
            continue
        if _PUBLISHER.search(line):
            zone = "skip" if in_body else zone
            i += 1
            continue
        label, rest = None, None
        if i in whole and confirmed(whole[i], i, False):
            label = whole[i]
        elif i in inline and confirmed(inline[i][0], i, True):
            label, rest = inline[i]
        if label:
            zone, in_body = None, True
            nxt = i + 1
            if label.title is None and rest is None and nxt < len(lines) and _affiliation(lines[nxt]):
                label = Label(label.name, lines[nxt])
                nxt += 1
            layout.turns.append(RawTurn(label.name, label.title, section, [rest] if rest else []))
            i = nxt
            continue
        if zone == "summary":
            layout.summary.append(line)
        elif zone == "skip":
            pass
        elif i < body_start:
            layout.header.append(line)
        elif layout.turns:
            layout.turns[-1].paragraphs.append(line)
        elif in_body or (_is_prose(line) and len(line.split()) >= 20):
            layout.turns.append(RawTurn(UNKNOWN_SPEAKER, None, section, [line]))
        else:
            layout.header.append(line)
        i += 1

    speakers_found = {t.speaker for t in layout.turns if t.speaker != UNKNOWN_SPEAKER}
    layout.recognised = len(speakers_found) >= 2 and len(layout.turns) >= 3
    return layout


def _next_nonblank(lines: list[str], i: int) -> int | None:
    for j in range(i + 1, min(i + 4, len(lines))):
        if lines[j]:
            return j
    return None


def _affiliation(line: str) -> bool:
    """A short line naming a firm or a title, as under a speaker's name in wire-service layouts."""
    if not line or len(line) > 110 or len(line.split()) > 14 or is_name(line):
        return False
    if _SENTENCE_END.search(line) and not _NAME_ABBREV_END.search(line):
        return False
    return role_from_title(line) is not None


def _participant_blocks(lines: list[str], kinds: list[str | None]) -> tuple[list[Participant], set[int]]:
    """Entries under participant headers, and the line numbers they take."""
    participants: list[Participant] = []
    consumed: set[int] = set()
    group: Role | None = None
    active = False
    i = 0
    while i < len(lines):
        kind, line = kinds[i], lines[i]
        if kind in ("executive", "analyst", "participants"):
            active = True
            group = None if kind == "participants" else kind  # type: ignore[assignment]
            consumed.add(i)
            i += 1
            continue
        if kind:
            active = False
        if not active or not line:
            i += 1
            continue
        if special_role(line.rstrip(":")) or _is_prose(line):
            active = False
            # A lone name right before speech is the first speaker, not a participant.
            if participants and participants[-1].title is None and (i - 1) in consumed and lines[i - 1]:
                participants.pop()
                consumed.discard(i - 1)
            continue
        label = parse_label(line)
        if label is None:
            active = False
            continue
        consumed.add(i)
        if label.title is None and i + 1 < len(lines) and _affiliation(lines[i + 1]):
            label = Label(label.name, lines[i + 1])
            consumed.add(i + 1)
            i += 1
        participants.append(Participant(label.name, label.title, group))
        i += 1
    return participants, consumed


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
