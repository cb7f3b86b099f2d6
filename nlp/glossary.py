"""Telling the model which names are AI: a glossary of AI product names and terms, each followed
by a mark ("(AI)") in what the model reads.

The labeling guide gives a sentence a stance only when the stance is about AI, and 2024-26 calls
name AI by product ("Firefly generations hit a record", "the MI355 ramp"): a model that never saw
the name cannot know. A model saved with a glossary (nlp.train, the shipped model's second step)
keeps it in its hypewatch.json, and both scorers read every sentence, and the one before it,
through it; the stored text is never changed. Training reads sentences as they are (nlp.train:
TrainConfig.glossary says why). A model without a glossary reads sentences as they are.
Pure functions of text; the default word list is nlp/glossary.yaml.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from hypewatch.errors import HypewatchError
from hypewatch.nlp.topics import WORD_END, WORD_START, TopicError, phrase_body

DEFAULTS_FILE = "glossary.yaml"


class GlossaryError(HypewatchError, ValueError):
    """A glossary (nlp/glossary.yaml, or a model's hypewatch.json entry) cannot be used."""


@dataclass(frozen=True)
class Glossary:
    mark: str
    names: list[str]  # matched in the case written (a capitals word also in lower case)
    terms: list[str]  # matched in any case
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.mark.strip() or not (self.names or self.terms):
            raise GlossaryError("a glossary needs a mark and at least one name or term")
        try:
            # Longest first where two start at one place: "GPT-4o (AI)", not "GPT (AI)-4o".
            names = [phrase_body(p) for p in sorted(self.names, key=len, reverse=True)]
            terms = [f"(?i:{phrase_body(p)})" for p in sorted(self.terms, key=len, reverse=True)]
            pattern = re.compile(WORD_START + "(?:" + "|".join([*names, *terms]) + ")" + WORD_END)
        except (TopicError, re.error) as exc:
            raise GlossaryError(f"glossary: {exc}") from None
        object.__setattr__(self, "_pattern", pattern)

    def read(self, text: str) -> str:
        """The text as the model reads it: each glossary match followed by the mark."""
        return self._pattern.sub(lambda m: f"{m.group(0)} {self.mark}", text)

    def read_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """(sentence, sentence before) pairs as the model reads them."""
        return [(self.read(text), self.read(previous)) for text, previous in pairs]

    def extended(self, additions: Additions) -> Glossary:
        """This glossary with a user's names and terms added."""
        return Glossary(
            self.mark,
            [*self.names, *(n for n in additions.names if n not in self.names)],
            [*self.terms, *(t for t in additions.terms if t not in self.terms)],
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Glossary | None:
        """A model's glossary from its hypewatch.json entry; None where it has none."""
        if not data:
            return None
        try:
            return cls(str(data["mark"]), [str(p) for p in data["names"]], [str(p) for p in data["terms"]])
        except (KeyError, TypeError) as exc:
            raise GlossaryError(f"malformed glossary in the model's metadata: {exc!r}") from None


@cache
def default_glossary() -> Glossary:
    """The glossary that `hypewatch train` gives a model (nlp/glossary.yaml)."""
    text = resources.files("hypewatch.nlp").joinpath(DEFAULTS_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return Glossary(str(data["mark"]), list(data.get("names") or []), list(data.get("terms") or []))


@dataclass(frozen=True)
class Additions:
    """Names and terms a user adds to a model's glossary (the config's `model.ai_names` and
    `model.ai_terms`): this year's product names, which the model reads marked as it reads its own."""

    names: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.names or self.terms)

    @property
    def id(self) -> str:
        """A short name for them, part of the id of the model that reads them: the same additions,
        in any order, give the same id."""
        listed = json.dumps([sorted(set(self.names)), sorted(set(self.terms))], ensure_ascii=False)
        return "ai" + hashlib.sha1(listed.encode()).hexdigest()[:6]
