"""The words of transcripts, as data: section markers, speakers with a fixed role, the words of
names, titles and firms, publisher lines, and the keys of JSON transcripts.

Extending the parser to a new publisher or language is mostly a matter of these tables."""

from __future__ import annotations

import re

from hypewatch.records import Role

# Whole-line markers, compared by names.marker_kind(); a marker is a line on its own.
MARKERS: dict[str, str] = {}

for _kind, _names in {
    "prepared": [
        "prepared remarks",
        "presentation",
        "opening remarks",
        "prepared comments",
        "management remarks",
        "management discussion section",
        "management presentation",
    ],
    "qa": [
        "questions and answers",
        "questions & answers",
        "question and answer",
        "question and answer session",
        "questions and answers session",
        "question & answer",
        "question & answer session",
        "q&a",
        "q & a",
        "q&a session",
        "q & a session",
        "questions & answers session",
    ],
    "executive": [
        "executives",
        "corporate participants",
        "company participants",
        "company representatives",
        "corporate speakers",
        "company speakers",
        "management participants",
    ],
    "analyst": ["analysts", "conference call participants", "other participants", "analyst participants"],
    "participants": ["call participants", "participants", "speakers", "call speakers"],
    # Publisher material, not speech: skipped until the next marker or speaker.
    "skip": [
        "contents",
        "table of contents",
        "definitions",
        "disclaimer",
        "overview",
        "synopsis",
        "industry glossary",
        "glossary",
        "stocks mentioned",
    ],
    # The publisher's own digest of the call: kept on the document (`summary`), never in the turns.
    "summary": ["summary", "takeaways", "key takeaways", "risks", "key risks"],
    # The call itself starts here; everything before it is the page's header.
    "body": ["full conference call transcript", "full transcript", "conference call transcript", "call transcript"],
}.items():
    for _name in _names:
        MARKERS[_name] = _kind

SPECIAL_SPEAKERS: dict[str, Role] = {
    "operator": "operator",
    "conference operator": "operator",
    "moderator": "operator",
    "coordinator": "operator",
    "conference call operator": "operator",
    "unidentified analyst": "analyst",
    "unknown analyst": "analyst",
    "unidentified company representative": "executive",
    "unidentified company speaker": "executive",
    "company representative": "executive",
    "unknown executive": "executive",
    "unidentified participant": "other",
    "unidentified speaker": "other",
    "unknown speaker": "other",
    "unidentified audience member": "other",
    "unknown": "other",
}

PARTICLES = {"de", "da", "di", "du", "del", "della", "der", "den", "van", "von", "la", "le", "bin", "al", "y", "st."}

# A capitalised line starting with these is a sentence, not a name.
NOT_FIRST = {
    "thank",
    "thanks",
    "good",
    "yes",
    "yeah",
    "okay",
    "ok",
    "sure",
    "great",
    "hi",
    "hello",
    "well",
    "so",
    "and",
    "but",
    "the",
    "our",
    "we",
    "i",
    "next",
    "all",
    "more",
    "with",
    "this",
    "that",
    "it",
    "in",
    "on",
    "for",
    "as",
    "at",
    "to",
    "from",
    "if",
    "when",
    "what",
    "how",
    "why",
    "ladies",
    "welcome",
    "please",
    "image",
    "related",
    "see",
    "read",
    "click",
    "share",
    "follow",
    "sign",
    "log",
    "search",
    "home",
}

# Words that never appear in a person's name but often in capitalised headings and menus.
NOT_NAME = {
    "inc",
    "inc.",
    "corp",
    "corp.",
    "corporation",
    "company",
    "call",
    "earnings",
    "transcript",
    "transcripts",
    "conference",
    "remarks",
    "session",
    "question",
    "questions",
    "answer",
    "answers",
    "participants",
    "executives",
    "analysts",
    "presentation",
    "quarter",
    "results",
    "fiscal",
    "revenue",
    "data",
    "center",
    "total",
    "highlights",
    "outlook",
    "guidance",
    "agenda",
    "contents",
    "advisor",
    "stock",
    "stocks",
    "news",
    "investing",
    "premium",
    "services",
    "market",
    "markets",
    "group",
    "holdings",
    "limited",
    "ltd",
    "llc",
    "plc",
    "technologies",
    "technology",
    "systems",
    "financial",
    "securities",
    "capital",
    "bank",
    "partners",
    "research",
    "equity",
    "disclaimer",
    "definitions",
    "overview",
    "copyright",
    "duration",
    "minutes",
    "event",
    "date",
    "time",
    "edited",
    "final",
    "page",
    "source",
    "analysis",
    "officer",
    "chief",
    "president",
    "vice",
    "executive",
    "director",
    "analyst",
    "relations",
    "investor",
    "chairman",
    "founder",
    "head",
    "manager",
    "treasurer",
    "secretary",
    "counsel",
    "corporate",
    "deputy",
    "general",
    "senior",
    "associate",
    "assistant",
}

# A single capitalised word before a colon that is a heading, not a first name ("Krista:" is).
NOT_LABEL = {
    "note",
    "notes",
    "source",
    "sources",
    "update",
    "updated",
    "editor",
    "correction",
    "disclosure",
    "date",
    "time",
    "summary",
    "takeaways",
    "risks",
    "glossary",
    "contents",
    "transcript",
    "revenue",
    "guidance",
    "outlook",
    "margin",
    "margins",
    "q",
    "a",
    "answer",
    "question",
    "speaker",
    "moderator",
    "host",
    "caller",
    "webcast",
    "audio",
    "video",
    "photo",
    "image",
    "credit",
    "tags",
    "topics",
    "category",
    "author",
    "published",
    "location",
    "title",
    "subject",
}

# Title words a cue may put before a name: "co-CEOs Ted Sarandos", "CFO Spence Newman".
TITLE_WORD = re.compile(r"(?i)(?:co-)?(?:ceo|cfo|coo|cto|cio|cmo|cro|cao|evp|svp|vp|gvp|ir)s?")
# Words a name pattern may run on into: "Timothy R. Please go ahead".
NOT_NAME_TAIL = {"please", "your", "thank", "thanks", "go", "you", "the", "and", "with", "from", "of", "at", "on", "is"}

# Capitalised words a cue's lone name may catch that name nobody: "turn it over to Slide 5".
NOT_A_FIRST_NAME = {
    "q&a",
    "slide",
    "page",
    "the",
    "our",
    "we",
    "i",
    "you",
    "everyone",
    "all",
    "operator",
    "management",
    "today",
    "question",
    "questions",
    "and",
    "so",
    "now",
    "this",
    "that",
    "it",
    "us",
    "them",
    "him",
    "her",
    "mr",
    "ms",
    "sir",
    "madam",
    "guys",
    "folks",
    "team",
    "investor",
    "investors",
    "analysts",
    "chief",
    "president",
    "hi",
    "hey",
    "hello",
    "well",
    "yes",
    "yeah",
    "okay",
    "ok",
    "great",
    "sure",
    "thanks",
    "thank",
    "good",
    "right",
    "perfect",
    "got",
    "look",
    "listen",
    "again",
    "first",
    "second",
    "next",
    "last",
    "one",
    "also",
    "just",
    "dr",
    "mrs",
    "fed",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
}

# Firms that employ analysts: a title or affiliation naming one is an analyst's.
FIRMS = re.compile(
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
FIRM_WORDS = re.compile(
    r"\b(?:securities|capital|research|partners|bank|banc|markets|advisors|advisers|investments?|equities|"
    r"management|llc|inc|ltd|group|holdings|associates|company|corporation|international|global|isi)\b",
    re.I,
)

# ... and firm names that read like a person's ("Morgan Stanley", "Raymond James").
FIRM_NAMES = {
    "morgan stanley",
    "goldman sachs",
    "jp morgan",
    "jpmorgan",
    "j.p. morgan",
    "bank of america",
    "wells fargo",
    "raymond james",
    "william blair",
    "credit suisse",
    "deutsche bank",
    "new street",
    "td cowen",
    "keybanc",
    "bernstein",
    "barclays",
    "jefferies",
    "citi",
    "citigroup",
    "ubs",
    "mizuho",
    "needham",
    "oppenheimer",
    "cantor fitzgerald",
    "piper sandler",
    "truist",
    "baird",
    "stifel",
    "nomura",
    "macquarie",
    "hsbc",
    "bmo",
    "rbc",
    "cowen",
    "evercore",
    "susquehanna",
    "wedbush",
    "guggenheim",
    "melius",
    "rosenblatt",
    "moffettnathanson",
    "redburn",
    "bofa",
    "merrill lynch",
    "northland",
    "craig-hallum",
    "canaccord",
    "sidoti",
    "maxim",
}

# Titles of management: strong ones outweigh a firm's name in the same title, weak ones do not.
STRONG_EXEC = re.compile(
    r"\b(?:ceo|cfo|coo|cto|cio|cmo|cro|cao|chief|president|chairman|chairwoman|chair|founder|co-founder|"
    r"investor relations|ir|treasurer|controller|general counsel|corporate secretary)\b",
    re.I,
)

WEAK_EXEC = re.compile(
    r"\b(?:vp|evp|svp|gvp|vice president|head|director|officer|manager|executive|president|board member|"
    r"managing director|finance|operations|communications)\b",
    re.I,
)

ANALYST_TITLE = re.compile(r"\b(?:an?alysts?|anlyst|research analyst)\b", re.I)

# Publisher lines in and around a call page: promotion, disclosure, image credits. Never speech.
PUBLISHER = re.compile(
    r"^(?:image source:|need a quote from|this article is a transcript of|stocks mentioned$|\*?average returns of all"
    r"|copyright\b|©|all rights reserved)"
    r"|\bhas an? ?disclosure policy\.?$|\bhas no position in any of the stocks mentioned",
    re.I,
)

# Lines a publisher adds inside the call.
BOILERPLATE = re.compile(r"^(?:Duration:\s*\d+\s*minutes?|\[?Operator sign-?off\]?)$", re.I)
# Keys of JSON transcripts: who speaks, what is said, the whole call as one string, the sections.
SPEAKER_KEYS = ("speaker", "name", "speaker_name", "person", "who")
TEXT_KEYS = ("speech", "text", "content", "remarks", "body", "transcript", "paragraphs", "statement")
WHOLE_TEXT_KEYS = ("transcript", "text", "content", "body", "full_text", "transcript_text")
QA_KEYS = re.compile(r"q_?(?:and|&|n)_?a|question|qa(?:\b|_)", re.I)
PREPARED_KEYS = re.compile(r"prepared|presentation|remarks|opening", re.I)
