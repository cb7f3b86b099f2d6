"""Each speaker's role, settled from the strongest evidence available: a participant list, the
title next to a name, the operator announcing a question, what a speaker says (the operator's
routine), and the order of the call (who speaks in prepared remarks, who asks, who answers)."""

from __future__ import annotations

from hypewatch.crawler.transcripts.cues import (
    ASKS,
    GO_AHEAD_SAID,
    GREETING,
    QUESTION_CUE,
    QUEUE_WORDS,
    announced_names,
    operator_routine,
)
from hypewatch.crawler.transcripts.model import UNKNOWN_SPEAKER, RawTurn
from hypewatch.crawler.transcripts.names import name_key, same_key, special_role
from hypewatch.records import Role, Section


class Roles:
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


def roles_from_order(turns: list[RawTurn], roles: Roles, sections: list[Section]) -> None:
    """Roles from the order of the call, for speakers nothing else placed:
    - who speaks right after a question is announced is the analyst (even when the operator's
      "Jake Roberts" is the transcript's "Jacob Roberge", or IR says "Andrew, please unmute");
    - who first speaks in the Q&A, asks, and was not answering an analyst, is an analyst;
    - between two operator turns, whoever else speaks in an analyst's exchange is management."""
    for prev, t in zip(turns, turns[1:]):
        if t.speaker == UNKNOWN_SPEAKER:
            continue
        said = prev.said
        if roles.get(prev.speaker) == "operator" and QUESTION_CUE.search(said):
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
        if not after_analyst and any(_asks(u.said) for u in turns[i:] if u.speaker == t.speaker):
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


def operators(turns: list[RawTurn], roles: Roles) -> list[str]:
    """Speakers labelled by first name ("Krista") who say only the operator's routine: short turns,
    one of them with "press star one", "your line is open" and the like."""
    said: dict[str, list[str]] = {}
    for t in turns:
        if t.speaker != UNKNOWN_SPEAKER and roles.get(t.speaker) is None:
            said.setdefault(t.speaker, []).append(t.said)
    return [
        name
        for name, texts in said.items()
        if any(operator_routine(x) for x in texts) and max(len(x.split()) for x in texts) <= 150
    ]


def _asks(said: str) -> bool:
    """An asker's turn: it asks, and opens with a greeting ("Hi, thanks for taking my question") or
    ends on its question (an answer rarely does either)."""
    return bool(ASKS.search(said)) and (bool(GREETING.match(said)) or said.rstrip(' "”’)').endswith("?"))


def _first_name(name: str) -> str:
    return name.split()[0].lower() if name.split() else ""


# An operator seldom says more at once (benchmarks/transcripts.py counts the words past it).
OPERATOR_MOST_WORDS = 120


def company_turns_under_operator(turns: list[RawTurn], operator_turns: list[int]) -> list[int]:
    """Which of the turns given to the operator are the company's: longer than an operator speaks at
    once, with none of the operator's work in them (the routine, a question announced, the floor given)
    and no question asked. A publisher's "Operator:" over the CFO's remarks ("Thanks, Steve.
    Consolidated revenues ..."), or a hand-over to the company that speech-to-text garbled. Where the
    operator's label does none of that work anywhere in the call, every turn under it is the company's."""

    def runs_queue(said: str) -> bool:
        return (
            operator_routine(said)
            or bool(announced_names(said))
            or bool(QUEUE_WORDS.search(said) or GO_AHEAD_SAID.search(said))
        )

    said = {n: turns[n].said for n in operator_turns}
    remarks = [
        n
        for n in operator_turns
        if len(said[n].split()) > OPERATOR_MOST_WORDS and not runs_queue(said[n]) and "?" not in said[n]
    ]
    if remarks and not any(runs_queue(x) for x in said.values()):
        return list(operator_turns)
    return remarks
