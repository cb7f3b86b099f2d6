"""What a sentence is about: topics by phrase lists, and how often it names AI.

A topic is a name, a description and a list of phrases; a sentence has the topic when one of its
phrases occurs in it (outside the topic's `exclude` phrases). The phrase lists beat similarity to
the description in the encoder's embedding space on the labeled samples under data/topics/ (see
benchmarks/topics.py), cost a few percent of the scoring time, work with any scoring model, and
show exactly why a sentence got a topic.

How a phrase matches (the same rules for topic phrases and the AI-mention terms):

- **Whole words.** A match may not touch a letter or digit on either side, nor a dot before it:
  "AI" counts in "Meta AI", "AI-driven", "(AI)" and "AI's", and not in "Air", "OpenAI" or
  "Character.ai".
- **Case.** A word written in capitals (two or more letters: "AI", "HBM", "TCO") matches in
  capitals or all in lower case ("ai", as speech-to-text writes it), never in mixed case ("Ai");
  other words match in any case.
- **Plurals.** A phrase ending in a letter also matches with "s" or "es" after it.
- **Spaces and hyphens** between words are interchangeable: "data center" matches "data-center".
- **`*`** ending a word matches any ending: "monetiz*" matches "monetize", "monetization".
- **`...`** between words allows up to four other words between them: "invest* ... data center"
  matches "investing $10 billion in a data center".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

import yaml

from hypewatch.errors import HypewatchError
from hypewatch.records import TopicDefinition

#: Bumped when the matching rules change, so stored topics are recomputed like after an edit.
RULES_VERSION = 1
GAP_WORDS = 4
DEFAULTS_FILE = "topics.yaml"

_CAPITALS = re.compile(r"^(?=(?:[^a-z]*[A-Z]){2})[A-Z0-9.&]+$")  # "AI", "HBM3E", "A.I.", "S&P"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class TopicError(HypewatchError, ValueError):
    """A topic definition or phrase cannot be used."""


def _word_pattern(word: str) -> str:
    wildcard = word.endswith("*")
    word = word.rstrip("*")
    if not word:
        raise TopicError("a lone * is not a word")
    body = re.escape(word)
    if _CAPITALS.match(word):
        body = f"(?:(?-i:{body})|(?-i:{re.escape(word.lower())}))"
    return body + (r"\w*" if wildcard else "")


WORD_START, WORD_END = r"(?<![\w.])", r"(?!\w)"  # whole words: no letter or digit beside, no dot before


def phrase_pattern(phrase: str) -> str:
    """A phrase as a regular expression (to be compiled with re.IGNORECASE)."""
    return rf"{WORD_START}{phrase_body(phrase)}{WORD_END}"


def phrase_body(phrase: str) -> str:
    """A phrase's own pattern, without the whole-word boundaries (for many phrases in one pattern)."""
    if not phrase.strip():
        raise TopicError("an empty phrase")
    parts = []
    for chunk in phrase.split("..."):
        words = chunk.split()
        if not words:
            raise TopicError(f"phrase {phrase!r}: '...' needs a word on each side")
        parts.append(r"[\s\-\u2010-\u2014]+".join(_word_pattern(w) for w in words))
    gap = rf"(?:[\W_]+\w+){{0,{GAP_WORDS}}}?[\W_]+"
    body = gap.join(parts)
    if phrase[-1].isalpha():
        body += "(?:e?s)?"
    return body


_WORD = re.compile(r"\w+")


def compile_phrase(phrase: str) -> re.Pattern[str]:
    try:
        return re.compile(phrase_pattern(phrase), re.IGNORECASE)
    except re.error as exc:
        raise TopicError(f"phrase {phrase!r}: {exc}") from None


def _first_word(phrase: str) -> tuple[str, bool]:
    """The phrase's first word in lower case, and whether it ends in `*` (any ending)."""
    first = phrase.split()[0]
    words = _WORD.findall(first.lower())
    if not words:
        raise TopicError(f"phrase {phrase!r} has no word to look for")
    return words[0], first.endswith("*") and len(words) == 1


Span = tuple[int, int]


class _PhraseIndex:
    """Finds phrases by their first word. One regular expression with a hundred branches tries
    every branch at every character (2 ms a sentence for the default topics, as long as scoring
    it); here each word of the sentence is looked up once, and only the phrases that start with
    it are tried, anchored at that word."""

    def __init__(self) -> None:
        self._exact: dict[str, list[tuple[Any, re.Pattern[str]]]] = {}
        self._prefix: dict[str, list[tuple[Any, re.Pattern[str]]]] = {}
        self._prefix_lengths: list[int] = []

    def add(self, owner: Any, phrases: Iterable[str], where: str) -> None:
        for phrase in sorted(set(phrases)):
            try:
                stem, wildcard = _first_word(phrase)
                pattern = compile_phrase(phrase)
            except TopicError as exc:
                raise TopicError(f"{where}: {exc}") from None
            (self._prefix if wildcard else self._exact).setdefault(stem, []).append((owner, pattern))
        self._prefix_lengths = sorted({len(stem) for stem in self._prefix})

    def matches(self, text: str) -> dict[Any, list[Span]]:
        """Every phrase match in the text, as spans by owner."""
        found: dict[Any, list[Span]] = {}
        for word in _WORD.finditer(text):
            lower, start = word.group().lower(), word.start()
            # a one-word phrase may carry a plural ending ("order" in "orders")
            candidates = [
                *self._exact.get(lower, ()),
                *self._exact.get(lower[:-1], ()),
                *self._exact.get(lower[:-2], ()),
            ]
            for n in self._prefix_lengths:
                if n <= len(lower):
                    candidates.extend(self._prefix.get(lower[:n], ()))
            for owner, pattern in candidates:
                match = pattern.match(text, start)
                if match:
                    found.setdefault(owner, []).append(match.span())
        return found


def _overlaps(span: Span, others: Iterable[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


def _count_apart(spans: Iterable[Span]) -> int:
    """Matches that do not overlap, the longest first where several start at one place."""
    count, reached = 0, -1
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start >= reached:
            count, reached = count + 1, end
    return count


@dataclass(frozen=True)
class Tagging:
    """What the tagger says of one sentence."""

    topics: list[str]
    ai_mentions: int


_AI = "ai-term"


@dataclass
class TopicTagger:
    """Tags sentences with topics and counts their AI mentions. Pure: no I/O, no model."""

    topics: Sequence[TopicDefinition]
    ai_terms: Sequence[str] = ()
    _index: _PhraseIndex = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = [t.name for t in self.topics]
        self._index = _PhraseIndex()
        for topic in self.topics:
            if not _NAME.match(topic.name):
                raise TopicError(f"topic name {topic.name!r}: use lower-case letters, digits and _")
            if names.count(topic.name) > 1:
                raise TopicError(f"topic {topic.name!r} is defined twice")
            self._index.add(topic.name, topic.phrases, f"topic {topic.name!r}")
            self._index.add(("exclude", topic.name), topic.exclude, f"topic {topic.name!r}: exclude")
        self._index.add(_AI, self.ai_terms, "ai_mentions.terms")

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.topics]

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever anything that decides a sentence's topics or mention count changes."""
        spec = {
            "rules": RULES_VERSION,
            "ai_terms": sorted(set(self.ai_terms)),
            "topics": [[t.name, sorted(set(t.phrases)), sorted(set(t.exclude))] for t in self.topics],
        }
        return "topics-" + hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]

    def tag(self, text: str) -> Tagging:
        found = self._index.matches(text)
        topics = [
            name
            for name in self.names
            if any(not _overlaps(span, found.get(("exclude", name), ())) for span in found.get(name, ()))
        ]
        return Tagging(topics, _count_apart(found.get(_AI, ())))

    def topics_of(self, text: str) -> list[str]:
        return self.tag(text).topics

    def ai_mentions(self, text: str) -> int:
        return self.tag(text).ai_mentions

    def tag_all(self, texts: Iterable[str]) -> list[Tagging]:
        return [self.tag(t) for t in texts]


@cache
def _defaults() -> tuple[tuple[TopicDefinition, ...], tuple[str, ...]]:
    """The shipped defaults from topics.yaml, read once."""
    data = yaml.safe_load(resources.files("hypewatch.nlp").joinpath(DEFAULTS_FILE).read_text(encoding="utf-8"))
    topics = tuple(
        TopicDefinition(t["name"], t.get("description", ""), tuple(t.get("phrases", ())), tuple(t.get("exclude", ())))
        for t in data["topics"]
    )
    return topics, tuple(data["ai_terms"])


def default_topics() -> list[TopicDefinition]:
    return list(_defaults()[0])


def default_ai_terms() -> list[str]:
    return list(_defaults()[1])
