"""Duplicate detection: exact copies by content hash, republished stories by simhash.

A wire story carried by several outlets differs in a headline, a dateline or a closing line;
its simhash stays within a few bits of the original's.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter

import numpy as np

#: Shingle length in words: long enough to keep some word order, short enough that an edit disturbs few.
SHINGLE_WORDS = 2

_WORD = re.compile(r"\w+")


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_hash(text: str) -> str:
    """A hex SHA-256 of `text` that ignores case, Unicode spelling variants and whitespace."""
    return hashlib.sha256(_normalise(text).encode("utf-8")).hexdigest()


def simhash(text: str) -> int:
    """The 64-bit simhash of `text` over word shingles, as an unsigned integer in [0, 2**64).

    Near-identical texts get hashes a few bits apart; compare them with `is_near_duplicate`.
    (Unsigned: store it as UBIGINT, or subtract 2**63 to fit a signed BIGINT.)
    """
    words = _WORD.findall(_normalise(text))
    shingles = Counter(" ".join(words[i : i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1)))
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big") for s in shingles],
        dtype=np.uint64,
    )
    counts = np.fromiter(shingles.values(), dtype=np.int64, count=len(shingles))
    bits = ((hashes[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)).astype(np.int64)
    weights = ((2 * bits - 1) * counts[:, None]).sum(axis=0)
    return sum(1 << bit for bit in np.flatnonzero(weights > 0).tolist())


def hamming_distance(a: int, b: int) -> int:
    """How many of the 64 bits differ between two simhashes."""
    return (a ^ b).bit_count()


#: Two stories whose simhashes differ in at most this many bits are one story (the crawler's one
#: threshold). Measured by benchmarks/near_duplicates.py on ../shared (59 real article bodies, 436
#: feed items): a copy with a new dateline, byline and closing line lands within 8 bits (all of them;
#: 68% within 3), with 5 words edited 97% within 8; distinct texts lie 14 or more bits apart (1% of
#: 96,537 pairs within 22).
NEAR_DUPLICATE_BITS = 8


def is_near_duplicate(a: int, b: int, max_distance: int = NEAR_DUPLICATE_BITS) -> bool:
    """Whether two simhashes are close enough to be the same story."""
    return hamming_distance(a, b) <= max_distance
