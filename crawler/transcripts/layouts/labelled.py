"""Calls whose text names its speakers: speaker lines, labels and participant lists.

The reader knows the family, not individual sites: section markers ("PRESENTATION", "Questions &
Answers:", "Full Conference Call Transcript"), participant lists (one "Name - Title" line, a name
line followed by an affiliation line, or "Title — Name"), speaker lines ("Name", "Name -- Title",
"Name, Firm - Title [3]", "Name" / "--" / "Title") and inline speakers ("Name: text", "Name:text",
and a first name such as "Krista:" where the page labels everyone so). A line counts as a speaker
only with evidence — it names a participant, an operator announced it, it carries a title, it
recurs, it is set in bold, or the page labels every turn inline — so a capitalised line of prose
stays prose. A page's header (takeaways, risks, summary) before its "Full Conference Call
Transcript" line is kept apart as the publisher's summary."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from hypewatch.crawler.transcripts.cues import find_cues
from hypewatch.crawler.transcripts.model import UNKNOWN_SPEAKER, Label, Layout, Participant, RawTurn
from hypewatch.crawler.transcripts.names import (
    COUNTER,
    TIMESTAMP,
    first_name_label,
    is_name,
    marker_kind,
    name_key,
    parse_label,
    role_from_title,
    same_key,
    special_role,
)
from hypewatch.crawler.transcripts.vocabulary import BOILERPLATE, INTERVIEW_LETTERS, MARKUP, PUBLISHER
from hypewatch.records import Role, Section

_NAME_ABBREV_END = re.compile(r"(?:\b[A-Z]|Jr|Sr|Inc|Co|Corp|Ltd|Bros|Cos|Intl|L\.P|N\.A|S\.A|N\.V|Mr|Ms|Dr)\.$")
_RULE = re.compile(r"^[\s=\-_*~#.+]{3,}$")

# "Name: text", "Name:text" as today's pages print it, "[Name - Title] text", "Name (00:03:10): text",
# "Name: (00:21) text".
_INLINE = re.compile(r"^(?P<label>[A-Z]|[^:\n]{2,90}?)\s*:\s*(?P<text>\S.*)$")
# One capital letter as a label: an interview's "Q:" / "A:", a speech-to-text service's "B:".
_LETTER = re.compile(r"[A-Z]")
_STAMPED_INLINE = re.compile(
    r"^(?P<label>[^:\n]{2,90}?\s*:?\s*[\[(]\d{1,2}:\d{2}(?::\d{2})?[\])])\s*:?\s*(?P<text>\S.*)$"
)
_BRACKET_INLINE = re.compile(r"^(?P<label>\[[^\[\]\n]{2,90}\])\s*:?\s*(?P<text>\S.*)$")
_SENTENCE_END = re.compile(r"[.?!;,…]['\"”’)]?$")


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
    # A recording's time after a name ("Jane Doe (00:03:10):") marks a speaker as a title does.
    stamped: set[int] = set()
    for i, line in enumerate(lines):
        if not line or i in consumed or kinds[i] or i < body_start:
            continue
        label = _label_line(line)
        if label:
            whole[i] = label
            stamped.update([i] if TIMESTAMP.search(line) else [])
            continue
        m = _BRACKET_INLINE.match(line) or _STAMPED_INLINE.match(line) or _INLINE.match(line)
        if m and (
            label := parse_label(m.group("label"))
            or first_name_label(m.group("label"))
            or (Label(m.group("label")) if _LETTER.fullmatch(m.group("label")) else None)
        ):
            inline[i] = (label, m.group("text"))
            stamped.update([i] if TIMESTAMP.search(m.group("label")) else [])
    counts = Counter(name_key(lab.name) for lab in whole.values())
    counts.update(name_key(lab.name) for lab, _ in inline.values())

    def evident(label: Label) -> bool:
        return bool(special_role(label.name)) or label.name in known or counts[name_key(label.name)] >= 2

    # Where "Name: text" (or a name line) is how the page gives its speakers, a name said once is a
    # speaker too.
    inline_layout = sum(evident(label) for label, _ in inline.values()) >= 3
    line_layout = sum(evident(label) for label in whole.values()) >= 3

    def confirmed(label: Label, i: int, is_inline: bool) -> bool:
        if special_role(label.name) or label.name in known:
            return True
        if " " not in label.name:  # "Krista:": a first name, as an operator goes by, said more than once
            once = bool(_LETTER.fullmatch(label.name))  # "D:" speaks once; a lettered call has no headings
            return is_inline and inline_layout and (counts[name_key(label.name)] >= 2 or once)
        titled = label.title is not None and role_from_title(label.title) is not None
        if is_inline:
            return titled or counts[name_key(label.name)] >= 2 or inline_layout or i in stamped
        nxt = _next_nonblank(lines, i)
        followed_by_text = nxt is not None and not kinds[nxt] and (nxt not in whole or _affiliation(lines[nxt]))
        evidence = label.title is not None or counts[name_key(label.name)] >= 2 or i in stamped or line_layout
        return followed_by_text and (evidence or _affiliation(lines[nxt]))

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
        if PUBLISHER.search(line):
            zone = "skip" if in_body else zone
            i += 1
            continue
        label, rest = None, None
        if i in whole and confirmed(whole[i], i, False):
            label = whole[i]
        elif i in inline and confirmed(inline[i][0], i, True):
            label, rest = inline[i]
        if label and zone == "skip" and rest is not None and not evident(label):
            label, rest = None, None  # "Atlas Vision: the company's ..." in a glossary is a term, not a speaker
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

    letters = {t.speaker for t in layout.turns if len(t.speaker) == 1}
    if letters and letters <= set(INTERVIEW_LETTERS):
        for t in layout.turns:
            t.role = INTERVIEW_LETTERS.get(t.speaker, t.role)
    speakers_found = {t.speaker for t in layout.turns if t.speaker != UNKNOWN_SPEAKER}
    layout.recognised = len(speakers_found) >= 2 and len(layout.turns) >= 3
    return layout


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
    bare = COUNTER.sub("", line).rstrip()
    if _SENTENCE_END.search(bare) and not _NAME_ABBREV_END.search(bare):
        return None
    return label


def _prepare(text: str) -> list[str]:
    """Lines, with "Name" / "--" / "Title" triples joined and rules and boilerplate dropped."""
    raw = [line.rstrip() for line in re.split(r"\r\n|\r|\n|\u2028|\u2029", text.replace("\xa0", " "))]
    lines: list[str] = []
    i = 0
    while i < len(raw):
        if i + 2 < len(raw) and raw[i + 1].strip() in {"--", "-", "—", "–"} and raw[i].strip() and raw[i + 2].strip():
            lines.append(f"{raw[i].strip()} -- {raw[i + 2].strip()}")
            i += 3
            continue
        line = MARKUP.sub("", raw[i]).strip()
        if _RULE.match(line) or BOILERPLATE.match(line):
            line = ""
        lines.append(line)
        i += 1
    return lines


class _Names:
    """Names known to be speakers, matched loosely ("Doug Anmuth" = "Douglas T. Anmuth")."""

    def __init__(self, names: list[str]):
        self.keys = [name_key(n) for n in names]

    def __contains__(self, name: str) -> bool:
        key = name_key(name)
        return any(same_key(key, other) for other in self.keys)


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
