"""What an alert rule watches: `all`, `kind:news`, `source:NAME`, `ticker:NVDA`, or a topic of
any of these: `topic:returns`, `topic:returns,ticker:NVDA`, `topic:capex,kind:transcripts`."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import HypewatchError
from .records import KINDS

BASE_KINDS = ("kind", "source", "ticker")
FORMS = "all, kind:news, kind:transcripts, source:NAME, ticker:TICKER, or topic:NAME alone or with one of those (topic:returns,ticker:NVDA)"


class ScopeError(HypewatchError, ValueError):
    """A scope that is not one of the forms above."""


@dataclass(frozen=True)
class Scope:
    kind: str  # all | kind | source | ticker: which documents
    value: str | None = None
    topic: str | None = None  # only the sentences of this topic, when given


def parse_scope(text: str) -> Scope:
    if text == "all":
        return Scope("all")
    base: tuple[str, str] | None = None
    topic = None
    for part in text.split(","):
        kind, _, value = part.strip().partition(":")
        if not value or kind not in (*BASE_KINDS, "topic"):
            raise ScopeError(f"bad scope {text!r}: use {FORMS}")
        if kind == "topic":
            if topic is not None:
                raise ScopeError(f"bad scope {text!r}: one topic at a time")
            topic = value
        elif base is not None:
            raise ScopeError(
                f"bad scope {text!r}: {base[0]}:{base[1]} and {kind}:{value} cannot be combined; "
                "only a topic goes with another scope"
            )
        else:
            if kind == "kind" and value not in KINDS:
                raise ScopeError(f"bad scope {text!r}: kind: must be news or transcripts")
            base = (kind, value)
    if base is None:
        return Scope("all", None, topic)
    return Scope(base[0], base[1], topic)
