"""Language identification of extracted text."""

from __future__ import annotations

import py3langid

#: Below this many letters an identifier guesses more than it knows.
MIN_LETTERS = 40

#: The opening of a text decides its language as well as the whole of it, at a fraction of the cost.
_SAMPLE_CHARS = 5000


def detect_language(text: str | None) -> str | None:
    """The ISO 639-1 code of the language `text` is written in, or None when it is too short to tell."""
    sample = (text or "")[:_SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    lang, _score = py3langid.classify(sample)
    return lang
