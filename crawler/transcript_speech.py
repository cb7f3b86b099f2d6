"""Turns of a call given as running text with no speaker names (speech-to-text).

The call is cut into sentences, and hand-over cues in what is said mark where a turn ends and,
often, who speaks next:
- the operator's routine ("I will be your conference operator", "press star one", "this concludes");
- a hand-over: "Simona Jankowski, you may begin", "I'll turn the call over to Colette",
  "Operator, could you please poll for questions?";
- an announced question: "Our next question comes from Joe Moore with Morgan Stanley. Please go
  ahead." (Joe Moore speaks next, an analyst), or one read out: "Dan asks, ..." (the moderator
  reads it; no analyst speaks);
- "Thank you, X" opening a turn: X spoke before, someone else speaks now;
- the end of an asker's questions: the answer starts after the last of its question sentences.
Speakers are named only where a cue names them (else "Unknown"), roles given only where a cue
implies one (else "other"), and first names resolve to the full names the call gives ("Colette"
-> "Colette Kress"). Every sentence lands in some turn: nothing is dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from crawler.transcript_layouts import (
    UNKNOWN_SPEAKER,
    Layout,
    RawTurn,
    is_name,
    is_firm,
    name_key,
    role_from_title,
    same_key,
    special_role,
)
from hypewatch.records import Role, Section

OPERATOR = "Operator"

# --- vocabulary ----------------------------------------------------------------------------------
# Names are matched case-sensitively (a capital starts each word); the words around them are not.

_TOKEN = r"(?:[A-Z]\.(?:\s?[A-Z]\.)*|[A-Z][\w'’\-]*)"
_NAME = r"(?:(?:Mr|Ms|Mrs|Dr)\.?\s+)?" + _TOKEN + r"(?:\s+(?:(?:de|da|van|von|del|la|le|di|du)\s+)?" + _TOKEN + r"){0,3}"
_LEAD = r"(?i:(?:and|so|yes|yeah|great|all right|alright|okay|ok|well|sure|hey|hi|good|perfect|now)\s*,?\s+)*"

_ANNOUNCE = [
    # "Our next question comes from the line of Joe Moore with Morgan Stanley."
    re.compile(
        r"(?i:\b(?:first|next|following|last|final|our|your|the|a|another|few|some|several|couple of|two|more)\s+"
        r"(?:[\w-]+\s+){0,2}?questions?\b[^.?!]{0,60}?\bfrom\s+(?:the\s+line\s+of\s+|line\s+of\s+)?)(?P<name>" + _NAME + r")"
        r"(?:\s*,?\s+(?i:with|from|of|at)\s+(?P<firm>[A-Z][^.,;?!]*))?"
    ),
    # "From Robert Fishman of MoffettNathanson, ...": a question read out, by whom it was sent.
    re.compile(r"^(?i:(?:and|first|next|also|now)\s*,?\s+)?(?i:from)\s+(?P<name>" + _NAME + r")\s+(?i:of|at|with)\s+(?P<firm>[A-Z][^.,;?!]*)"),
    # "And Rich Greenfield from LightShed has a similar follow-up question."
    re.compile(
        r"^" + _LEAD + r"(?P<name>" + _NAME + r")\s+(?i:from|of|with|at)\s+(?P<firm>[A-Z][^.,;?!]*?)\s+"
        r"(?i:has|had|asks|is asking|wants)\b[^.?!]{0,40}\bquestion"
    ),
]
# "Tal Liani with Bank of America." then "You may go ahead, sir.": an announcement only with the go-ahead.
_BARE_ANNOUNCE = re.compile(
    r"^(?i:(?:and|next|next up|up next|first)\s*,?\s+)?(?P<name>" + _NAME + r")\s*,?\s+(?i:with|from|of|at)\s+"
    r"(?P<firm>[A-Z][^.?!]{0,60}?)\.?$"
)
_GO_AHEAD = re.compile(
    r"^(?i:(?:and|so|okay|ok|all right|alright)\s*,?\s+)?(?:(?:" + _NAME + r"|(?i:sir|ma'am|madam))\s*,\s*)?"
    r"(?i:please\s+)?(?i:go ahead|proceed|you may (?:now )?(?:go ahead|proceed|begin|ask your question)"
    r"|your (?:line|microphone|mic) is (?:now )?(?:open|live|unmuted)|(?:please )?(?:feel free to )?unmute(?: yourself)?"
    r"|the (?:line|floor) is (?:now )?yours|are you there)\b[^.?!]{0,40}[.?!]?$"
)
# The moderator reading out a question sent in: "Dan asks, ...", "The next question is, ...".
_READ_OUT = re.compile(
    r"^(?:(?P<name>" + _NAME + r")\s+(?i:asks|asked|wants to know|is asking|would like to know|writes)\b"
    r"|(?i:(?:and\s+)?(?:the|our|their|his|her)\s+(?:first|next|second|third|last|final|follow[- ]?up)\s+"
    r"(?P<one>question|one)\s+(?:is|reads)\s*(?:[,:]|from\b|(?=(?:what|how|when|will|is|are|do|does|can|why|where|who|any)\b))))"
)
_HAND_TO = [
    # "I'll turn the call over to Colette", "hand the conference over to your speaker today, Jim Friedland"
    re.compile(
        r"(?i:\b(?:(?:turn|turning)\s+(?:the\s+(?:call|conference|floor|program|presentation|line|meeting)\s+|it\s+|things\s+|this\s+)?"
        r"(?:back\s+over|over|back)\s+to"
        r"|(?:hand|handing|pass|passing)\s+(?:the\s+(?:call|conference|floor|program|presentation|line|meeting)\s+|it\s+|things\s+)?"
        r"(?:back\s+)?(?:over\s+)?(?:off\s+)?to"
        r"|(?:like to|now|let me)\s+introduce)\s+(?:(?:our|my|the|your)\s+[^,.;?!]{0,70}?,\s+)?)(?P<name>" + _NAME + r")"
    ),
    # "Simona Jankowski, you may begin your conference."
    re.compile(
        r"^(?P<name>" + _NAME + r")\s*,\s*(?i:you may (?:now )?(?:begin|proceed|start)|please (?:go ahead|proceed|begin)"
        r"|the (?:floor|call) is yours|over to you)"
    ),
    # "Elon has some opening remarks."
    re.compile(
        r"(?P<name>" + _NAME + r")\s+(?i:has|will make|will give|will share|would like to make|will start with)\s+"
        r"(?i:some\s+|a few\s+|brief\s+)?(?i:opening\s+|introductory\s+)?(?i:remarks|comments)"
    ),
]
_HAND_TO_OPERATOR = re.compile(
    r"(?i:\b(?:turn|hand|pass)\w*\s+(?:the\s+\w+\s+|it\s+)?(?:back\s+over|over|back)\s+to\s+(?:the\s+|our\s+)?"
    r"(?:operator|moderator|coordinator))"
)
# "Sir, you may begin." / "Please go ahead." with no name: the company's speaker takes the floor.
_HAND_TO_SOMEONE = re.compile(
    r"^(?i:(?:sir|ma'am|madam)\s*,\s*)?(?i:you may (?:now )?(?:begin|proceed)(?: your (?:conference|presentation|call))?)[.!]?$"
)
_NOT_NOW = re.compile(r"^(?i:before|after|when|once|until|if)\b|\b(?i:before I|before we|after I|when I)\s+(?i:turn|hand|pass)")
# "Operator, could you please poll for questions?", "Michelle, next question."
_OPERATOR_CALL = re.compile(
    r"^" + _LEAD + r"(?i:(?:thank you|thanks)\s*,?\s+)?(?:(?P<name>" + _NAME + r")|(?i:operator))\s*,\s*"
    r"(?i:(?:[^.?!]{0,40}\b)?(?:poll|queue|open (?:up )?the (?:line|lines|call|floor)|ready for (?:the )?questions"
    r"|(?:take|begin) (?:the )?(?:q|questions)|next question(?:,?\s*please)?\s*[.?!]?$))"
)
_THANK = re.compile(
    r"^" + _LEAD + r"(?i:thank you|thanks)(?i:\s+(?:so much|very much|a lot))?\s*,?\s+(?i:(?:and|to)\s+)?"
    r"(?P<name>" + _NAME + r")(?:\s*(?i:,?\s*and)\s+(?P<name2>" + _NAME + r"))?\s*(?:[.,!;]|$)"
)
_OPERATOR_INTRO = re.compile(
    r"(?i:\b(?:my name is|I'm|I am|this is)\s+)(?P<name>" + _NAME + r")(?i:,?\s+(?:and\s+)?I(?:'ll| will|'m| am)\s+be\s+"
    r"(?:your|the)\s+[\w\s]{0,20}?(?:operator|coordinator|moderator|facilitator))"
)
_OPERATOR_PHRASES = re.compile(
    r"(?i:\b(?:I\s+(?:will|'ll|am|'m)\s+(?:be\s+)?your\s+(?:conference\s+|call\s+|event\s+)?"
    r"(?:operator|coordinator|moderator|facilitator|host)|listen[- ]only mode|thank you for standing by|press (?:star|\*)"
    r"|star (?:one|1)\b|operator instructions|(?:call|conference|program|event|webcast) is being recorded"
    r"|please stand by|you may (?:now )?disconnect|your line is (?:now )?(?:open|live)"
    r"|one moment (?:please )?for (?:our|the|your) (?:first|next)))"
)
# A sentence that starts the moderator's turn (it only ever comes from the moderator).
_MODERATOR_START = re.compile(
    r"^(?i:(?:and\s+)?(?:that|this)\s+(?:concludes|will conclude|ends)\s+(?:today's|our|the|this)\s+"
    r"(?:call|conference|question|program|session|event|q\s?&\s?a|earnings|teleconference|webcast)"
    r"|(?:and\s+)?(?:at this time,?\s+)?(?:there are|we have|I'm showing|I am showing|I show|showing)\s+no\s+(?:further|more)\s+questions"
    r"|one moment (?:please )?for (?:our|the|your) (?:first|next))"
)
_SELF_INTRO = re.compile(r"(?i:\b(?:my name is|I'm|I am|this is)\s+)(?P<name>" + _NAME + r")(?P<rest>[^.?!]{0,100})")
_ANALYST_INTRO = re.compile(r"^(?i:\s*,?\s*(?:on for|sitting in for|filling in for|in for|from|with|at|of)\b)")
_QA_OPEN = re.compile(
    r"(?i:\b(?:now|let's|let us|ready to|happy to|like to|we'll|we will|I'll|go ahead and)\b[^.?!]{0,40}?"
    r"\b(?:open|begin|start|take|go to|move to|turn to|answer|jump into|move into|queue up|poll)\b[^.?!]{0,40}?"
    r"\b(?:questions|q\s?&\s?a|question[- ]and[- ]answer|q and a)\b"
    r"|\bconcludes?\s+(?:our|my|the)\s+prepared\s+(?:remarks|comments))"
)
_FOLLOW_UP = re.compile(
    r"^(?i:(?:and|so|okay|ok|great|thanks|thank you|then|just|maybe|perfect|got it|understood|helpful|"
    r"very helpful|that's helpful)\s*[,.]?\s+)*(?i:(?:and\s+)?(?:then\s+)?(?:as\s+)?(?:a|my|one|the)\s+"
    r"(?:quick\s+|last\s+|brief\s+)?(?:follow[- ]?up|second question|other question|last question)"
    r"|if I (?:could|can|may) (?:just )?(?:ask|follow up|squeeze)|(?:I have|I had|just) (?:a|one) (?:quick )?follow[- ]?up)"
)
_COURTESY = re.compile(
    r"^(?i:(?:and\s+)?(?:thank you|thanks)(?:\s+(?:so much|very much|a lot|again))?(?:,?\s+(?:guys|everyone|all))?"
    r"|that's (?:it|all)(?: for me)?|I'll (?:pass it on|hop|get|jump) back (?:in(?:to)?|in the) (?:the )?queue"
    r"|(?:and\s+)?congrat\w*(?:\s+on\s+[^.?!]{0,50})?)[.!]?$"
)
_GREETING = re.compile(
    r"^(?i:(?:(?:yes|yeah|great|okay|ok)\s*,?\s+)?(?:hi|hey|hello|good (?:morning|afternoon|evening|day)|"
    r"(?:thanks|thank you)(?: so much| very much| a lot)?,? (?:for taking|guys|everyone|all)))\b"
)
_INTRO_LIST = re.compile(
    r"(?i:\b(?:with me|joining me|joined by|joining us|with us|on the call|on today's call|here with me|"
    r"also on the call|also here|also with us|participating)\b)"
)
_LIST_NAME = re.compile(r"[A-Z][\w'’\-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][\w'’\-]+){1,2}")
_LIST_TITLE = re.compile(r"\s*,\s*(?:our\s+|the\s+|[A-Z]\w+'s\s+)?([^,;.]{2,80})")


# --- sentences -----------------------------------------------------------------------------------

# A break before a capital, and (speech-to-text starts sentences in lower case: "... unmute. uh thank
# you") before a lower-case word after a question mark or a full stop that ends a word of 3+ letters.
_SENTENCE_BREAK = re.compile(
    r"(?:(?<=[.?!])[\"”’)\]]*\s+(?=[^a-z\s])|(?<=\?)\s+(?=[a-z])|(?<=[a-z]{3}\.)\s+(?=[a-z]))"
)
# No break after "Mr." or a middle initial ("Timothy R. Curry"), nor after "etc." and the like.
_TITLE_ABBREV = re.compile(
    r"\b(?:Mr|Ms|Mrs|Dr|St)\.$|\b[A-Z][a-z]+\s+[A-Z]\.$|\b(?:[A-Z]\.){2,}$|\b(?i:etc|approx|incl|vs|est|avg|min|max|dept|corp|bros)\.$"
)


def sentences(paragraph: str) -> list[str]:
    """A paragraph cut into sentences (never across "Mr." and the like); joined with spaces, they
    give the paragraph back."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_BREAK.finditer(paragraph):
        piece = paragraph[start:m.end()].strip()
        if _TITLE_ABBREV.search(piece):
            continue
        out.append(piece)
        start = m.end()
    rest = paragraph[start:].strip()
    if rest:
        out.append(rest)
    return out


# Speech-to-text often ends a question with a full stop: "And do you think they're limited to ...".
_QUESTION_FORM = re.compile(
    r"^(?:[^,]{0,40},\s*)?(?:(?:and|so|but|then|also|maybe|just|or)\s+)*(?:do|does|did|can|could|would|will|should|"
    r"is|are|how|what|why|where|which|any)\b|\b(?:do|does|did|can|could|would|should|are)\s+(?:you|we|they)\s+"
    r"(?:think|see|expect|have|plan|anticipate|view|believe|need|consider|help|talk|give|share|comment|walk|elaborate)\b",
    re.I,
)


def _is_courtesy(text: str) -> bool:
    """"Thank you.", "Thanks, Ted.": a sentence that only thanks."""
    return len(text.split()) <= 6 and bool(_COURTESY.match(text) or _THANK.match(text))


def _is_question(text: str) -> bool:
    return text.rstrip(" \"”’)]").endswith("?") or bool(_QUESTION_FORM.search(text))


# --- who is who ----------------------------------------------------------------------------------


class _Cast:
    """The people the cues name, matched loosely: "Colette" and "Ms. Kress" are "Colette Kress"."""

    def __init__(self) -> None:
        self.roles: dict[str, Role | None] = {}
        self.operator_names: set[str] = set()

    def add(self, name: str, role: Role | None) -> str:
        name = self.resolve(name)
        if name != OPERATOR and (self.roles.get(name) is None or role == "operator"):
            self.roles[name] = role
        return name

    def role(self, name: str | None) -> Role | None:
        return None if name is None else "operator" if name == OPERATOR else self.roles.get(name)

    def resolve(self, name: str) -> str:
        name = re.sub(r"^(?:Mr|Ms|Mrs|Dr)\.?\s+", "", " ".join(name.split()))
        if special_role(name) == "operator" or name.lower() in self.operator_names:
            return OPERATOR
        key = name_key(name)
        for known in self.roles:
            if " " in name and " " in known and same_key(key, name_key(known)):
                return known if len(known) >= len(name) else name
        if " " not in name:
            word = name.lower()
            fits = [k for k in self.roles if " " in k and word in (k.split()[0].lower(), k.split()[-1].lower())]
            # Speech-to-text spells a first name as it hears it: "Collette" is "Colette Kress".
            fits = fits or [
                k for k in self.roles
                if " " in k and len(word) >= 5 and SequenceMatcher(None, word, k.split()[0].lower()).ratio() >= 0.8
            ]
            if len(fits) == 1:
                return fits[0]
        return name


def _first_name(name: str) -> str | None:
    person = _person(name)
    return person if person and " " not in person else None


def _person(name: str | None) -> str | None:
    """A name as a cue gives it, if it can be a person's: "Colette", "Joe Moore", not "Morgan Stanley"."""
    if not name:
        return None
    name = re.sub(r"['’]s$", "", name.strip())
    tokens = name.split()
    # "co-CEOs Ted Sarandos", "CFO Spence Newman": a title before the name is not part of it.
    while len(tokens) > 1 and (_TITLE_WORD.fullmatch(tokens[0]) or role_from_title(tokens[0])):
        tokens.pop(0)
    # The name pattern may run on into the next words: "Timothy R. Please go ahead".
    while len(tokens) > 1 and tokens[-1].lower().strip(".,") in _NOT_NAME_TAIL:
        tokens.pop()
    name = " ".join(tokens)
    if not name or is_firm(name) or special_role(name) not in (None, "operator"):
        return None
    if len(tokens) == 1:
        word = tokens[0].strip(".")
        ok = len(word) > 1 and word[0].isupper() and word.lower() not in _NOT_A_FIRST_NAME and not word.isupper()
        return word if ok else None
    return name if is_name(name) else None


_TITLE_WORD = re.compile(r"(?i)(?:co-)?(?:ceo|cfo|coo|cto|cio|cmo|cro|cao|evp|svp|vp|gvp|ir)s?")
_NOT_NAME_TAIL = {"please", "your", "thank", "thanks", "go", "you", "the", "and", "with", "from", "of", "at", "on", "is"}
_NOT_A_FIRST_NAME = {
    "q&a", "slide", "page", "the", "our", "we", "i", "you", "everyone", "all", "operator", "management", "today",
    "question", "questions", "and", "so", "now", "this", "that", "it", "us", "them", "him", "her", "mr", "ms",
    "sir", "madam", "guys", "folks", "team", "investor", "investors", "analysts", "chief", "president",
    "hi", "hey", "hello", "well", "yes", "yeah", "okay", "ok", "great", "sure", "thanks", "thank", "good", "right",
    "perfect", "got", "look", "listen", "again", "first", "second", "next", "last", "one", "also", "just",
}


# --- the walk ------------------------------------------------------------------------------------


@dataclass
class _Turn:
    speaker: str | None  # None: no cue names them
    role: Role | None
    section: Section
    sentences: list[tuple[int, str]] = field(default_factory=list)  # (paragraph number, sentence)
    asking: bool = False  # a question is being put in this turn (an analyst's, or read out)
    asked: bool = False  # ... and a question sentence has come
    guessed: bool = False  # named only because the next speaker thanked them


@dataclass
class _Pending:
    speaker: str | None
    role: Role | None
    asking: bool = False


class _Segmenter:
    def __init__(self, items: list[tuple[int, str]], cast: _Cast, has_operator: bool) -> None:
        self.items = items
        self.cast = cast
        self.has_operator = has_operator
        self.turns: list[_Turn] = []
        self.section: Section = "prepared"
        self.qa_next = False
        self.asker: str | None = None  # who put the question now being answered
        self.asker_live = False  # ... and whether they speak (not a question read out)
        self.pending: _Pending | None = None
        self.cues = 0

    # The moderator announces questions: the operator, else whoever hosts the call.
    def moderator(self) -> tuple[str | None, Role]:
        if self.has_operator:
            return OPERATOR, "operator"
        host = next((t.speaker for t in self.turns if t.speaker and self.cast.role(t.speaker) == "executive"), None)
        return host, "executive"

    def start(self, speaker: str | None, role: Role | None, asking: bool = False) -> _Turn:
        if self.qa_next:
            # "We will now open the call for questions": the Q&A starts with the operator's next turn
            # (a hand-over to a colleague first means the questions come later).
            self.section = "qa" if role == "operator" else self.section
            self.qa_next = False
        turn = _Turn(speaker, role, self.section, asking=asking)
        self.turns.append(turn)
        return turn

    def run(self) -> list[_Turn]:
        for i, (para, text) in enumerate(self.items):
            nxt = self.items[i + 1][1] if i + 1 < len(self.items) else ""
            self.step(para, text, nxt)
        return [t for t in self.turns if t.sentences]

    def step(self, para: int, s: str, nxt: str) -> None:
        announce = self.announcement(s, nxt)
        read_out = _READ_OUT.match(s)
        if read_out and read_out.group("one") == "one" and not self.qa_next:
            read_out = None  # "The first one is ..." reads a question out only right after the floor opens
        elif read_out and not (self.section == "qa" or self.qa_next or announce):
            read_out = None
        thank = _THANK.match(s)
        cur = self.turns[-1] if self.turns else None

        # 1. Does this sentence open a new turn?
        if self.pending:
            if _GO_AHEAD.match(s) or re.match(r"^(?i:thank you|thanks),?\s+(?i:sir|ma'am|madam)\b", s):
                cur.sentences.append((para, s))  # the one handing over, still speaking
                return
            p, self.pending = self.pending, None
            cur = self.start(p.speaker, p.role, p.asking)
        elif cur is None:
            cur = self.start(None, None)
        elif cur.sentences:
            mod, mod_role = self.moderator()
            is_mod = cur.role == mod_role == "operator" or (mod is not None and cur.speaker == mod)
            if (announce or read_out or _MODERATOR_START.match(s)) and not is_mod:
                if cur.speaker is None and all(_is_courtesy(t) for _, t in cur.sentences):
                    cur.speaker, cur.role = mod, mod_role  # "Thanks, Ted." was the moderator's
                else:
                    cur = self.start(mod, mod_role)
                self.cues += 1
            elif (announce or read_out) and self.section == "prepared":
                cur = self.start(cur.speaker, cur.role)  # the moderator's welcome stays in the prepared part
            elif thank and self.opens_turn(cur, thank.group("name")):
                cur = self.after_thanks(cur, thank.group("name"))
            elif _FOLLOW_UP.match(s) and self.asker and self.asker_live and cur.speaker != self.asker \
                    and cur.role != "operator" and self.section == "qa" and not cur.asking:
                cur = self.start(self.asker, "analyst", asking=True)
            elif cur.asking and cur.asked and not self.question_goes_on(s, nxt):
                cur = self.start(None, "executive")  # the answer
                self.cues += 1
        cur.sentences.append((para, s))

        # 2. What the sentence says about who speaks.
        if cur.asking:
            if _is_question(s):
                cur.asked = True
            elif _FOLLOW_UP.match(s):
                cur.asked = False
        if cur.speaker is None:
            self.name_from(cur, s)
        if thank and len(cur.sentences) == 1 and len(self.turns) > 1:
            self.name_previous(thank.group("name"), cur)
        if announce:
            self.section = cur.section = "qa"
            self.qa_next = False
            name, live = announce
            self.asker = self.cast.add(name, "analyst") if name else None
            self.asker_live = live
            if live:
                self.pending = _Pending(self.asker, "analyst", asking=True)
            else:
                cur.asking, cur.asked = True, _is_question(s)
            return
        if read_out:
            self.section = cur.section = "qa"
            self.qa_next = False
            cur.asking, cur.asked = True, _is_question(s)
            self.asker = self.cast.resolve(read_out.group("name")) if _person(read_out.group("name")) else None
            self.asker_live = False
            return
        if _QA_OPEN.search(s) and len(self.turns) > 1:
            self.qa_next = self.section == "prepared"
        self.hand_over(s)

    def announcement(self, s: str, nxt: str) -> tuple[str | None, bool] | None:
        """(asker, whether they speak next) if s announces a question."""
        name = None
        for pattern in _ANNOUNCE:
            if m := pattern.search(s):
                name = _person(m.group("name"))
                if name:
                    break
        else:
            m = _BARE_ANNOUNCE.match(s)
            if not (m and _GO_AHEAD.match(nxt) and (name := _person(m.group("name"))) and " " in name):
                return None
        if _GO_AHEAD.match(nxt):
            return name, True
        if _READ_OUT.match(nxt) or self.read_out_call or s.rstrip().endswith("?"):
            return name, False  # "... from Alan Gould, which is, are you planning ...?"
        # An operator runs a live queue; a host with no operator reads questions out unless the
        # asker is heard greeting ("Hi, thanks for taking my question").
        return name, self.has_operator or bool(_GREETING.match(nxt))

    read_out_call = False  # set for calls whose moderator reads every question out

    def question_goes_on(self, s: str, nxt: str) -> bool:
        if _is_question(s) or _COURTESY.match(s) or _FOLLOW_UP.match(s):
            return True
        # "Q1? You said X last quarter. How should we think about Y?": a short setup between questions.
        return len(s.split()) <= 20 and _is_question(nxt)

    def opens_turn(self, cur: _Turn, name: str) -> bool:
        """Whether "Thank you, <name>" starts a new speaker's turn."""
        person = _person(name) if special_role(name) != "operator" else OPERATOR
        if person is None:
            return False
        who = self.cast.resolve(person)
        if who == OPERATOR:
            return cur.role == "operator"
        if cur.speaker is not None:
            return who == cur.speaker or (" " not in person and cur.speaker.split()[0].lower() == person.lower())
        return who != self.asker  # an unnamed turn thanking the asker is the answer going on

    def name_previous(self, name: str, cur: _Turn) -> None:
        """A turn opening with "Thanks, Simona" follows Simona's turn."""
        prev = self.turns[-2]
        person = _person(name)
        if prev.speaker is not None or person is None:
            return
        who = self.cast.resolve(person)
        if who not in (cur.speaker, self.asker) and self.cast.role(who) != "analyst":
            prev.speaker, prev.guessed = who, True
            prev.role = self.cast.role(who) or prev.role

    def after_thanks(self, cur: _Turn, name: str) -> _Turn:
        person = _person(name) if special_role(name) != "operator" else OPERATOR
        who = self.cast.resolve(person) if person and person != OPERATOR else None
        if cur.speaker is None and who and self.cast.role(who) != "analyst":
            cur.speaker, cur.guessed = who, True  # "Thanks, Colette": Colette spoke before
            cur.role = self.cast.role(cur.speaker) or cur.role
        self.cues += 1
        # Who thanks the operator, an asker or a colleague is the company's: taking the floor or answering.
        return self.start(None, "executive")

    def name_from(self, cur: _Turn, s: str) -> None:
        if len(cur.sentences) > 3:
            return
        if m := _OPERATOR_INTRO.search(s):
            if name := _person(m.group("name")):
                self.cast.operator_names.add(name.lower())
            cur.speaker, cur.role = OPERATOR, "operator"
            return
        if _OPERATOR_PHRASES.search(s) and self.has_operator:
            cur.speaker, cur.role = OPERATOR, "operator"
            return
        m = _SELF_INTRO.search(s)
        if not m or not (name := _person(m.group("name"))) or " " not in self.cast.resolve(name):
            return
        rest = m.group("rest")
        role: Role | None = "analyst" if _ANALYST_INTRO.match(rest) else None
        if role is None and rest.strip().startswith(","):
            role = role_from_title(rest.strip(" ,"))
        cur.speaker = self.cast.add(name, role or cur.role)
        cur.role = self.cast.role(cur.speaker) or cur.role
        self.cues += 1

    def calls_operator(self, name: str | None) -> bool:
        """Whether "<name>, next question" speaks to the operator (by name: "Michelle, next question")."""
        if name is None or special_role(name) == "operator":
            return True  # "Operator, ..."
        person = _person(name)
        if person is None or " " in person or self.cast.role(self.cast.resolve(person)) in ("executive", "analyst"):
            return False
        self.cast.operator_names.add(person.lower())
        return True

    def hand_over(self, s: str) -> None:
        if _NOT_NOW.search(s):
            return
        if _HAND_TO_OPERATOR.search(s):
            self.pending = _Pending(OPERATOR, "operator")
        elif (m := _OPERATOR_CALL.match(s)) and len(s.split()) <= 16 and self.calls_operator(m.group("name")):
            self.pending = _Pending(OPERATOR, "operator")
        else:
            for pattern in _HAND_TO:
                if (m := pattern.search(s)) and (name := _person(m.group("name"))):
                    who = self.cast.resolve(name)
                    role = self.cast.role(who) or ("executive" if self.section == "prepared" else None)
                    self.pending = _Pending(self.cast.add(who, role) if who != OPERATOR else OPERATOR,
                                            "operator" if who == OPERATOR else role)
                    break
            else:
                if _HAND_TO_SOMEONE.match(s) and self.section == "prepared":
                    self.pending = _Pending(None, "executive")
        if self.pending:
            self.cues += 1


def announced_names(text: str) -> list[str]:
    """The askers a text announces ("our next question comes from Andrew from Morgan Stanley")."""
    names = []
    for pattern in _ANNOUNCE:
        for m in pattern.finditer(text):
            if name := _person(m.group("name")):
                names.append(name)
    return names


def reads_out(paragraphs: list[str]) -> bool:
    """Whether a turn reads out a question sent in ("Dan asks, ...", "The next question is ...")."""
    return any(_READ_OUT.match(s) for p in paragraphs for s in sentences(p)[:3])


def operator_routine(text: str) -> bool:
    """Whether a text has the operator's routine ("press star one", "your line is open")."""
    return bool(_OPERATOR_PHRASES.search(text))


def opens_floor(paragraph: str) -> bool:
    """Whether a paragraph opens the call to questions ("we will now open the call for questions")."""
    return bool(_QA_OPEN.search(paragraph))


def _learn_intros(items: list[tuple[int, str]], cast: _Cast) -> None:
    """Names from "With me today are Jensen Huang, President and CEO, and Colette Kress, CFO"."""
    for _, s in items[:80]:
        if not _INTRO_LIST.search(s):
            continue
        for m in _LIST_NAME.finditer(s):
            name = _person(m.group())
            if name and " " in name:
                t = _LIST_TITLE.match(s, m.end())
                cast.add(name, (role_from_title(t.group(1)) if t else None) or "executive")


def parse_speech(body: list[str]) -> Layout | None:
    """Turns from a call's paragraphs by the cues in what is said; None where there are too few cues
    to tell speakers apart (the caller falls back to one turn per paragraph)."""
    items = [(n, s) for n, paragraph in enumerate(body) for s in sentences(paragraph)]
    if len(items) < 5:
        return None
    cast = _Cast()
    _learn_intros(items, cast)
    has_operator = any(
        _OPERATOR_PHRASES.search(s) or _HAND_TO_OPERATOR.search(s)
        or ((m := _OPERATOR_CALL.match(s)) and len(s.split()) <= 16 and (not m.group("name") or _first_name(m.group("name"))))
        or re.search(r"(?i:^operator\s*,|\b(?:thank you|thanks),?\s+operator\b)", s)
        for _, s in items
    )
    text = " ".join(s for _, s in items)
    seg = _Segmenter(items, cast, has_operator)
    seg.read_out_call = bool(re.search(r"\b[A-Z][a-z]+\s+asks\b", text)) and not any(
        _GO_AHEAD.match(s) for _, s in items
    )
    turns = seg.run()
    named = {t.speaker for t in turns if t.speaker}
    if seg.cues < 2 or len(turns) < 3 or not (named or any(t.role for t in turns)):
        return None
    raw = [_raw(t, cast) for t in turns]
    cued = {name: None for name, role in cast.roles.items() if role == "analyst"}
    return Layout(header=[], participants=[], turns=raw, cued=cued, recognised=True)


def _raw(turn: _Turn, cast: _Cast) -> RawTurn:
    speaker = cast.resolve(turn.speaker) if turn.speaker else UNKNOWN_SPEAKER
    if turn.guessed and cast.role(speaker) == "analyst":
        speaker = UNKNOWN_SPEAKER  # thanked by a name that turned out to be an asker's: not this turn's
    role = cast.role(speaker) if speaker != UNKNOWN_SPEAKER else None
    paragraphs: list[str] = []
    last = None
    for para, s in turn.sentences:
        if para == last:
            paragraphs[-1] += " " + s
        else:
            paragraphs.append(s)
        last = para
    return RawTurn(speaker, None, turn.section, paragraphs, role=role or turn.role)
