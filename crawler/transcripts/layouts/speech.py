"""Calls given as running text with no speaker names (speech-to-text).

The body is cut into sentences and the hand-over cues in what is said (crawler.transcripts.cues)
mark where a turn ends and, often, who speaks next. Speakers are named only where a cue names them
(else "Unknown"), roles given only where a cue implies one (else "other"), and first names
resolve to the full names the call gives ("Colette" -> "Colette Kress", "Collette" too). Every
sentence lands in some turn: nothing is dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from hypewatch.crawler.transcripts import cues as c
from hypewatch.crawler.transcripts.model import OPERATOR, UNKNOWN_SPEAKER, Layout, RawTurn
from hypewatch.crawler.transcripts.names import name_key, role_from_title, same_first_name, same_key, special_role
from hypewatch.crawler.transcripts.text import sentences
from hypewatch.records import Role, Section


def parse_speech(body: list[str]) -> Layout | None:
    """Turns from a call's paragraphs by the cues in what is said; None where there are too few cues
    to tell speakers apart (the caller falls back to one turn per paragraph)."""
    items = [(n, s) for n, paragraph in enumerate(body) for s in sentences(paragraph)]
    if len(items) < 5:
        return None
    cast = _Cast()
    _learn_intros(items, cast)
    said = [s for _, s in items]
    # Where sentences open in capitals, one opening in lower case goes on the one before it.
    cased = sum(s[:1].islower() for s in said) < 0.1 * len(said)
    seg = _Segmenter(
        items, cast, has_operator=_has_operator(said), read_out_call=_reads_questions_out(said), cased=cased
    )
    turns = seg.run()
    named = {t.speaker for t in turns if t.speaker}
    if seg.cues < 2 or len(turns) < 3 or not (named or any(t.role for t in turns)):
        return None
    raw = [_raw(t, cast) for t in turns]
    cued = {name: None for name, role in cast.roles.items() if role == "analyst"}
    return Layout(header=[], participants=[], turns=raw, cued=cued, recognised=True)


def _has_operator(said: list[str]) -> bool:
    """Whether an operator runs the call (else investor relations does)."""

    def operator_says(s: str) -> bool:
        if c.OPERATOR_PHRASES.search(s) or c.HAND_TO_OPERATOR.search(s) or c.TO_THE_OPERATOR.search(s):
            return True
        m = c.OPERATOR_CALL.match(s)  # "Operator, ..." or "Michelle, next question."
        return bool(m and len(s.split()) <= 16 and (not m.group("name") or c.single_first_name(m.group("name"))))

    return any(operator_says(s) for s in said)


def _reads_questions_out(said: list[str]) -> bool:
    """Whether the moderator reads every question out ("Dan asks, ...") and no asker is let speak."""
    return any(c.ASKS_BY_NAME.search(s) for s in said) and not any(c.GO_AHEAD.match(s) for s in said)


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
            # ... and by the short form of a first name: "Donald" is "Don Nolan" (a colleague's; an asker's
            # is compared where a turn thanks them, is_asker, lest a "Michael" of the company be "Mike Price").
            fits = fits or [
                k for k in self.roles if " " in k and self.roles[k] != "analyst" and same_first_name(word, k.split()[0])
            ]
            # Speech-to-text spells a first name as it hears it: "Collette" is "Colette Kress".
            fits = fits or [
                k
                for k in self.roles
                if " " in k and len(word) >= 5 and SequenceMatcher(None, word, k.split()[0].lower()).ratio() >= 0.8
            ]
            if len(fits) == 1:
                return fits[0]
        return name


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
    """Walks the sentences once; each either opens a turn (step 1) or goes on the current one, and
    what it says may name the speaker, open the Q&A, or announce who speaks next (step 2)."""

    def __init__(
        self, items: list[tuple[int, str]], cast: _Cast, has_operator: bool, read_out_call: bool, cased: bool
    ) -> None:
        self.items = items
        self.cast = cast
        self.has_operator = has_operator
        self.read_out_call = read_out_call
        self.turns: list[_Turn] = []
        self.section: Section = "prepared"
        self.qa_next = False
        self.asker: str | None = None  # who put the question now being answered
        self.asker_live = False  # ... and whether they speak (not a question read out)
        self.pending: _Pending | None = None
        self.cues = 0
        self.ahead: list[str] = []  # the sentences after the one being placed
        self.cased = cased  # whether a sentence opening in lower case is the end of the one before

    # The moderator announces questions: the operator, else whoever hosts the call.
    def moderator(self) -> tuple[str | None, Role]:
        if self.has_operator:
            return OPERATOR, "operator"
        host = next((t.speaker for t in self.turns if t.speaker and self.cast.role(t.speaker) == "executive"), None)
        return host, "executive"

    def is_moderator(self, turn: _Turn) -> bool:
        mod, mod_role = self.moderator()
        return turn.role == mod_role == "operator" or (mod is not None and turn.speaker == mod)

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
            self.ahead = [t for _, t in self.items[i + 1 : i + 1 + _LOOKAHEAD]]
            self.step(para, text, self.ahead[0] if self.ahead else "")
        return [t for t in self.turns if t.sentences]

    def step(self, para: int, s: str, nxt: str) -> None:
        announce = self.announcement(s, nxt)
        read_out = self.read_out(s, announce)
        thank = c.THANK.match(s)
        # "Please go ahead.", "... from the line of CJ Muse. from Cantor Fitzgerald.": the one handing over, still.
        # ... unless the operator, just called on, gives the floor at once ("Michelle, next question.",
        # then "You may go ahead."): that is the operator's turn, its announcement lost.
        floor_at_once = self.pending and self.pending.role == "operator" and c.GO_AHEAD.match(s)
        if (
            self.pending
            and not floor_at_once
            and (
                c.GO_AHEAD.match(s)
                or c.THANK_SIR.match(s)
                or (c.is_courtesy(s) and c.GO_AHEAD.match(nxt))
                or _is_tail(s)
            )
        ):
            self.turns[-1].sentences.append((para, s))
            return
        cur = self.turn_for(s, nxt, announce, read_out, thank)
        cur.sentences.append((para, s))
        self.learn(cur, s, announce, read_out, thank)

    def read_out(self, s: str, announce: tuple[str | None, bool] | None) -> re.Match[str] | None:
        m = c.READ_OUT.match(s)
        if m and m.group("name") and not c.person_name(m.group("name")):
            return None  # "We've asked for longer perspectives ...": no one reads a question out
        if m and m.group("one") == "one" and not self.qa_next:
            return None  # "The first one is ..." reads a question out only right after the floor opens
        if m and not (self.section == "qa" or self.qa_next or announce):
            return None
        return m

    def turn_for(
        self,
        s: str,
        nxt: str,
        announce: tuple[str | None, bool] | None,
        read_out: re.Match[str] | None,
        thank: re.Match[str] | None,
    ) -> _Turn:
        """The turn sentence s belongs to: the current one, or one it opens."""
        cur = self.turns[-1] if self.turns else None
        if self.pending:
            p, self.pending = self.pending, None
            return self.start(p.speaker, p.role, p.asking)
        if cur is None:
            return self.start(None, None)
        if not cur.sentences:
            return cur
        mod, mod_role = self.moderator()
        if (announce or read_out or c.MODERATOR_START.match(s)) and not self.is_moderator(cur):
            self.cues += 1
            if cur.speaker is None and all(c.is_courtesy(t) for _, t in cur.sentences):
                cur.speaker, cur.role = mod, mod_role  # "Thanks, Ted." was the moderator's
                return cur
            self.split_closing(cur)
            return self.start(mod, mod_role)
        if (announce or read_out) and self.section == "prepared":
            return self.start(cur.speaker, cur.role)  # the moderator's welcome stays in the prepared part
        if self.asker_greets_operator(cur, s):
            return self.new_asker(cur, "")
        if self.asker_resumes(cur, s):
            self.cues += 1
            turn = self.start(self.asker, "analyst", asking=True)
            if s[:1].islower():  # "Thanks for the question. wanted to ask ...": one sentence, cut by speech-to-text
                turn.sentences.append(cur.sentences.pop())
            return turn
        if self.asks_on(cur, s, announce):
            return self.start(self.asker, "analyst", asking=True)
        if thank and self.opens_turn(cur, thank.group("name")):
            return self.after_thanks(cur, thank.group("name"))
        if cur.asking and not cur.asked and self.answer_opens(s, strong=len(cur.sentences) < 2):
            return self.answer(cur, s)  # the answer to a question put with no question mark
        if cur.asking and cur.asked and not self.question_goes_on(cur, s, nxt):
            return self.answer(cur, s)
        if not cur.asking and cur.role != "operator" and (asker := self.asker_unannounced(s)) is not None:
            return self.new_asker(cur, asker)
        return cur

    def asker_unannounced(self, s: str) -> str | None:
        """The asker (their name, or "" unnamed) who takes the floor with s where no one announced
        them: "This is Ronan Kennedy on for Manav Patnaik.", "Thanks for taking my questions."."""
        if self.has_operator and self.section != "qa" and not self.qa_next:
            return None
        if (name := _introduces_asker(s)) and self.cast.role(self.cast.resolve(name)) != "executive":
            return name
        if not c.TAKING_QUESTIONS.search(s):
            return None
        # ... and asks soon after: an asker also thanks on the way out, after the answer; or is the
        # first to, when the floor has just been opened (no one thanks on the way out yet).
        asks = any(c.ASKS.search(t) for t in self.ahead[:4])
        first = self.qa_next and not any(t.asking for t in self.turns)
        return "" if asks or first else None

    def new_asker(self, cur: _Turn, name: str) -> _Turn:
        """A question's turn opening at s, with the greeting just before it ("Hi. Good morning, Steve.")."""
        self.cues += 1
        greeting: list[tuple[int, str]] = []
        while len(cur.sentences) > 1 and len(greeting) < 2 and _greets(cur.sentences[-1][1]):
            greeting.insert(0, cur.sentences.pop())
        self.section = "qa"
        self.qa_next = False
        self.asker = self.cast.add(name, "analyst") if name else None
        self.asker_live = True
        turn = self.start(self.asker, "analyst", asking=True)
        turn.sentences.extend(greeting)
        return turn

    def answer(self, asking: _Turn, s: str) -> _Turn:
        """The answer's turn, opening with s; an answer that addresses an asker no one named ("Yeah,
        Amit, thank you.") names them."""
        self.cues += 1
        m = c.ADDRESSED.match(s)
        self.name_asker(asking, c.person_name(m.group("name")) if m else None)
        return self.start(None, "executive")

    def name_asker(self, asking: _Turn, person: str | None) -> bool:
        """Name an asker given the floor unnamed by the name the answer opens with ("Yeah, Amit,",
        "Thank you, Amit."), unless that name is an executive's."""
        unnamed = self.asker is None and asking.speaker is None and asking.role == "analyst"
        if not (person and unnamed) or self.cast.role(self.cast.resolve(person)) == "executive":
            return False
        self.asker = asking.speaker = self.cast.add(person, "analyst")
        return True

    def learn(
        self,
        cur: _Turn,
        s: str,
        announce: tuple[str | None, bool] | None,
        read_out: re.Match[str] | None,
        thank: re.Match[str] | None,
    ) -> None:
        """What sentence s says about who speaks, now or next."""
        if cur.asking:
            if c.is_question(s):
                cur.asked = True
            elif c.FOLLOW_UP.match(s):
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
                cur.asking, cur.asked = True, c.is_question(s)
            return
        if read_out:
            self.section = cur.section = "qa"
            self.qa_next = False
            cur.asking, cur.asked = True, c.is_question(s)
            self.asker = self.cast.resolve(read_out.group("name")) if c.person_name(read_out.group("name")) else None
            self.asker_live = False
            return
        if c.QA_OPEN.search(s) and len(self.turns) > 1:
            self.qa_next = self.section == "prepared"
        self.hand_over(s)
        if not self.pending and self.opens_floor(cur, s):
            # "I'm at Dariani with Evercore. You may go ahead.": an announcement whose name
            # speech-to-text garbled still gives the floor to the next asker, unnamed.
            self.section = cur.section = "qa"
            self.qa_next = False
            self.asker, self.asker_live = None, True
            self.pending = _Pending(None, "analyst", asking=True)
            self.cues += 1

    def opens_floor(self, cur: _Turn, s: str) -> bool:
        """Whether s is the moderator giving the floor in the Q&A ("Your line is open.")."""
        if not (c.GO_AHEAD.match(s) and self.is_moderator(cur)):
            return False
        # Before the floor is known to be open, only after words calling the queue ("Our first
        # caller is ...") or a bare name and firm ("Tal Liani with Bank of America."): not the
        # operator handing the call to the company ("Sir, you may begin.").
        return (
            self.section == "qa"
            or self.qa_next
            or any(c.QUEUE_WORDS.search(t) or c.BARE_ANNOUNCE.match(t) for _, t in cur.sentences[:-1])
        )

    def announcement(self, s: str, nxt: str) -> tuple[str | None, bool] | None:
        """(asker, whether they speak next) if s announces a question."""
        name = None
        for pattern in c.ANNOUNCE:
            if m := pattern.search(s):
                name = c.person_name(m.group("name"))
                if name:
                    break
        else:
            m = c.BARE_ANNOUNCE.match(s)
            if not (m and c.GO_AHEAD.match(nxt) and (name := c.person_name(m.group("name"))) and " " in name):
                return None
        if c.GO_AHEAD.match(nxt):
            return name, True
        if c.READ_OUT.match(nxt) or self.read_out_call or s.rstrip().endswith("?"):
            return name, False  # "... from Alan Gould, which is, are you planning ...?"
        # An operator runs a live queue; a host with no operator reads questions out unless the
        # asker is heard greeting ("Hi, thanks for taking my question").
        return name, self.has_operator or bool(c.GREETING.match(nxt))

    def question_goes_on(self, cur: _Turn, s: str, nxt: str) -> bool:
        if _is_tail(s) or c.COURTESY.match(s) or c.FOLLOW_UP.match(s):
            return True
        if _pleasantry(s) and all(_pleasantry(t) for _, t in cur.sentences):
            return False  # "How are you today?" / "Good morning, Joe.": greeted back
        if self.answer_opens(s):
            return False
        if self.cased and s[:1].islower() and cur.sentences[-1][1].rstrip().endswith("?"):
            return True  # "How do we set this company right? and the way to think about it is ..."
        if c.ASKS_MORE.match(s) or c.is_question(s):
            return True
        # "Q1? You said X last quarter. How should we think about Y?": a short setup between questions.
        if len(s.split()) <= 20 and (c.is_question(nxt) or c.ASKS_MORE.match(nxt)):
            return True
        # ... or a longer one, when the question is put again within three sentences ("We're hearing X, yet Y.
        # Can you talk about ECS a little bit?").
        if any(c.ASKS.search(t) and c.is_question(t) for t in self.ahead[:3]) and not self.answer_opens(nxt):
            return True
        # Speech-to-text drops question marks, and askers explain why they ask: what comes before
        # the answer's unmistakable opening ("Yeah, CJ, this is Tim.") is still the question, unless
        # the next asker takes the floor first (the answer had no such opening).
        for t in self.ahead:
            if self.answer_opens(t, strong=True):
                return True
            if c.TAKING_QUESTIONS.search(t) or _introduces_asker(t):
                return False
        return any(c.is_courtesy(t) for t in self.ahead[:2])

    def asks_on(self, cur: _Turn, s: str, announce: tuple[str | None, bool] | None) -> bool:
        """Whether s is the asker back after the answer: "As a follow-up, ...", or "Got it. And then
        on margins, ...?" (taking the answer in, with a question a few sentences on). `announce`:
        what s announces, if anything."""
        answering = not cur.asking and cur.role not in ("operator", "analyst")
        if not (self.section == "qa" and self.asker_live and answering):
            return False
        if self.asker is not None and cur.speaker == self.asker:
            return False
        if (thank := c.THANK.match(s)) and self.is_asker(thank.group("name")):
            return False  # "Thank you, Atif.": the company thanking the asker
        if announce:
            return False  # "Okay. And our next question will be coming from ...": the moderator
        if c.FOLLOW_UP.match(s):
            return True
        opening = " ".join([s, *self.ahead[:2]])  # "Okay. Thank you. And then ..."
        if not (c.ACKNOWLEDGES.match(opening) or c.PRESSES_ON.match(opening)):
            return False
        return any(c.is_question(t) or c.ASKS.search(t) for t in [s, *self.ahead])

    def asker_greets_operator(self, cur: _Turn, s: str) -> bool:
        """Whether s is an asker the operator called by a name speech-to-text lost ("Next is . Hi.
        Yes. Thanks very much, ..."), greeting from the operator's turn."""
        if not (cur.role == "operator" and self.section == "qa") or c.OPERATOR_PHRASES.search(s):
            return False
        if any(c.MODERATOR_START.match(t) for _, t in cur.sentences):
            return False  # the call's closing
        return bool(c.HELLO.match(s) or c.TAKING_QUESTIONS.search(s))

    def split_closing(self, answer: _Turn) -> None:
        """The asker's sign-off at the end of an answer, before the next question is announced
        ("... on our Q4 call. Okay, great. Thanks for all the details."), as the asker's turn."""
        if not (self.section == "qa" and self.asker_live) or answer.asking or answer.role == "operator":
            return
        k = len(answer.sentences)
        while (
            k > 1
            and len(answer.sentences[k - 1][1].split()) <= 15
            and (c.ASKER_CLOSING.match(answer.sentences[k - 1][1]) or c.is_courtesy(answer.sentences[k - 1][1]))
        ):
            k -= 1
        while k < len(answer.sentences) and not c.ASKER_CLOSING.match(answer.sentences[k][1]):
            k += 1  # "Thank you." alone is anyone's; the sign-off opens with the asker's words
        if k == len(answer.sentences):
            return
        closing = self.start(self.asker, "analyst")
        closing.sentences, answer.sentences = answer.sentences[k:], answer.sentences[:k]

    def asker_resumes(self, cur: _Turn, s: str) -> bool:
        """Whether s is the asker's first word on the business after greetings both ways: "Hello?" /
        "Good morning, guys. How are you?", the company's "Hi, Jon." / "Loud and clear.", then the
        question."""
        if not (self.section == "qa" and self.asker_live and len(self.turns) > 1) or cur.asking:
            return False
        asking = self.turns[-2]
        if cur.role == "operator" or not (asking.asking and asking.role == "analyst"):
            return False
        if not all(_pleasantry(t) for _, t in asking.sentences) or len(cur.sentences) > 3:
            return False
        return all(len(t.split()) <= 10 for _, t in cur.sentences) and not _pleasantry(s) and not c.is_courtesy(s)

    def answer_opens(self, s: str, strong: bool = False) -> bool:
        """Whether s opens an answer: it addresses the asker by name ("Yeah, Stacy, ...", "Joe, I
        think ..."), names the one answering ("This is Tim."), or takes the question ("Great question.",
        "Let me take that."); short of strong, a plain "Yeah," / "Sure." as well."""
        if c.TAKES_QUESTION.search(s):
            return True
        m = c.ADDRESSED.match(s)
        if m and self.asker and c.person_name(m.group("name")) and self.is_asker(m.group("name")):
            return True
        return not strong and bool(c.ANSWER_START.match(s))

    def opens_turn(self, cur: _Turn, name: str) -> bool:
        """Whether "Thank you, <name>" starts a new speaker's turn."""
        person = c.person_name(name) if special_role(name) != "operator" else OPERATOR
        if person is None:
            return False
        who = self.cast.resolve(person)
        if who == OPERATOR:
            return cur.role == "operator"
        if cur.speaker is not None:
            return who == cur.speaker or (" " not in person and same_first_name(cur.speaker.split()[0], person))
        return not self.is_asker(person)  # an unnamed turn thanking the asker is the answer going on

    def is_asker(self, person: str) -> bool:
        """Whether a name ("Keith", "Keith Weiss") is the current asker's, even where the call has two Keiths."""
        if self.asker is None:
            return False
        return self.cast.resolve(person) == self.asker or same_first_name(person, self.asker.split()[0])

    def name_previous(self, name: str, cur: _Turn) -> None:
        """A turn opening with "Thanks, Simona" follows Simona's turn."""
        prev = self.turns[-2]
        person = c.person_name(name)
        if prev.speaker is not None or person is None:
            return
        who = self.cast.resolve(person)
        if who != cur.speaker and not self.is_asker(person) and self.cast.role(who) != "analyst":
            prev.speaker, prev.guessed = who, True
            prev.role = self.cast.role(who) or prev.role

    def after_thanks(self, cur: _Turn, name: str) -> _Turn:
        person = c.person_name(name) if special_role(name) != "operator" else OPERATOR
        who = self.cast.resolve(person) if person and person != OPERATOR else None
        if cur.asking and self.name_asker(cur, who):
            pass  # "Thank you, Amit." opening the answer: Amit asked
        elif cur.speaker is None and who and self.cast.role(who) != "analyst" and not self.is_asker(person):
            cur.speaker, cur.guessed = who, True  # "Thanks, Colette": Colette spoke before
            cur.role = self.cast.role(cur.speaker) or cur.role
        self.cues += 1
        # Who thanks the operator, an asker or a colleague is the company's: taking the floor or answering.
        return self.start(None, "executive")

    def name_from(self, cur: _Turn, s: str) -> None:
        if len(cur.sentences) > 3 and cur is not self.turns[0]:  # the call's opening is the operator's, if anyone's
            return
        # An asker's turn is no operator's, though speech-to-text runs "your line is open" into it.
        if not cur.asking and (m := c.OPERATOR_INTRO.search(s)):
            if name := c.person_name(m.group("name")):
                self.cast.operator_names.add(name.lower())
            cur.speaker, cur.role = OPERATOR, "operator"
            return
        if not cur.asking and c.OPERATOR_PHRASES.search(s) and self.has_operator:
            cur.speaker, cur.role = OPERATOR, "operator"
            return
        m = c.SELF_INTRO.search(s)
        if not m or not (name := c.person_name(m.group("name"))) or " " not in self.cast.resolve(name):
            return
        rest = m.group("rest")
        role: Role | None = "analyst" if c.ANALYST_INTRO.match(rest) else None
        if role is None and rest.strip().startswith(","):
            role = role_from_title(rest.strip(" ,"))
        cur.speaker = self.cast.add(name, role or cur.role)
        cur.role = self.cast.role(cur.speaker) or cur.role
        self.cues += 1

    def calls_operator(self, name: str | None) -> bool:
        """Whether "<name>, next question" speaks to the operator (by name: "Michelle, next question")."""
        if name is None or special_role(name) == "operator":
            return True  # "Operator, ..."
        person = c.person_name(name)
        if person is None or " " in person or self.cast.role(self.cast.resolve(person)) in ("executive", "analyst"):
            return False
        self.cast.operator_names.add(person.lower())
        return True

    def hand_over(self, s: str) -> None:
        if c.NOT_NOW.search(s):
            return
        if c.HAND_TO_OPERATOR.search(s):
            self.pending = _Pending(OPERATOR, "operator")
        elif (m := c.OPERATOR_CALL.match(s)) and len(s.split()) <= 16 and self.calls_operator(m.group("name")):
            self.pending = _Pending(OPERATOR, "operator")
        else:
            for pattern in c.HAND_TO:
                if (m := pattern.search(s)) and (
                    name := c.person_name(m.group("name"))
                    or (c.named_in_hand_over(s, m.start()) if pattern is c.HAND_TO[0] else None)
                ):
                    who = self.cast.resolve(name)
                    # The call is turned over to the company's people ("back over to Andy Power for closing
                    # remarks"); an asker is announced, with a firm ("... from the line of X with Y").
                    company = self.section == "prepared" or (
                        pattern is not c.HAND_TO[1] and not c.FIRM_AFTER.match(s, m.end())
                    )
                    role = self.cast.role(who) or ("executive" if company else None)
                    if role is None and pattern is c.HAND_TO[1]:
                        # "Adam, please go ahead" in the Q&A, to no one known: the next asker.
                        self.asker, self.asker_live = self.cast.add(who, "analyst"), True
                        self.pending = _Pending(self.asker, "analyst", asking=True)
                        break
                    self.pending = _Pending(
                        self.cast.add(who, role) if who != OPERATOR else OPERATOR,
                        "operator" if who == OPERATOR else role,
                    )
                    break
            else:
                if (c.HAND_TO_SOMEONE.match(s) and self.section == "prepared") or c.HAND_TO_COMPANY.search(s):
                    self.pending = _Pending(None, "executive")
        if self.pending:
            self.cues += 1
            opening = self.turns[0]
            short = len(opening.sentences) <= 8  # IR's opening, with its safe harbor, runs longer
            if opening is self.turns[-1] and opening.speaker is None and self.has_operator and short:
                opening.speaker, opening.role = OPERATOR, "operator"  # who opens the call and hands it over


_LOOKAHEAD = 5  # sentences: how far a question may run on past its question mark, or wait for one


def _introduces_asker(s: str) -> str | None:
    """The name in "This is Ronan Kennedy on for Manav Patnaik.", "Hi, this is Joe with Acme.", if any."""
    m = c.SELF_INTRO.search(s)
    if m and c.ANALYST_INTRO.match(m.group("rest")) and (name := c.person_name(m.group("name"))) and " " in name:
        return name
    return None


def _greets(s: str) -> bool:
    """A short greeting an asker opens with: "Good morning.", "Hi, everybody, and happy New Year."."""
    return len(s.split()) <= 8 and bool(c.GREETING.match(s)) and not c.is_question(s)


def _pleasantry(s: str) -> bool:
    """A greeting or a check of the line: "Good morning, guys.", "How are you today?", "Hello?"."""
    return _greets(s) or bool(c.PLEASANTRY.match(s)) or c.is_courtesy(s)


def _is_tail(s: str) -> bool:
    """A sentence's end cut off by a full stop or question mark speech-to-text put mid-sentence:
    "Is that what you imply here? for 2025." (a short fragment in lower case)."""
    return s[:1].islower() and len(s.split()) <= 12


def _learn_intros(items: list[tuple[int, str]], cast: _Cast) -> None:
    """Names from "With me today are Jensen Huang, President and CEO, and Colette Kress, CFO"."""
    for _, s in items[:80]:
        if not c.INTRO_LIST.search(s):
            continue
        for m in c.LIST_NAME.finditer(s):
            name = c.person_name(m.group())
            if name and " " in name:
                t = c.LIST_TITLE.match(s, m.end())
                cast.add(name, (role_from_title(t.group(1)) if t else None) or "executive")


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


def read(base: Layout) -> Layout | None:
    """The call `base` holds (a text read for speaker labels, none found), split at its cues."""
    layout = parse_speech([p for t in base.turns for p in t.paragraphs])
    if layout is not None:
        layout.header, layout.summary = base.header, base.summary
    return layout
