"""Which dates can be when a story was published."""

from __future__ import annotations

from datetime import datetime, timezone

#: Dates before this are placeholders (0001-01-01, 1900-01-01, the Unix epoch), not publication
#: dates: nothing this crawler reads about AI infrastructure is older, and one such date would
#: put a document decades before the daily series it is counted in.
EARLIEST_PUBLISHED = datetime(1990, 1, 1, tzinfo=timezone.utc)


def plausible(when: datetime | None, now: datetime) -> datetime | None:
    """`when`, if it can be a publication date seen at `now`; else None."""
    if when is None or when < EARLIEST_PUBLISHED or when > now:
        return None
    return when
