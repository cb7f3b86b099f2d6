"""A transcript file's sentences as a nightly run stores them: the crawler's turns, each split.

Whole-call labels (nlp/data/real/ai_era_whole_calls.jsonl) are anchored on these sentences, so
`hypewatch train --real` resolves them through this function, not through the file's text split as
it is (a few sentences at the turns come out otherwise).
"""

from __future__ import annotations

from pathlib import Path

from hypewatch.crawler.transcripts import parse_transcript
from hypewatch.nlp.sentences import split_sentences


def transcript_sentences(path: Path) -> list[str]:
    """Every sentence of the call in ``path``, in order (TranscriptError where it is no transcript)."""
    turns = parse_transcript(path.read_bytes(), filename=path.name).turns
    return [sentence for turn in turns for sentence in split_sentences(turn.text)]
