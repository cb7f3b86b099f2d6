"""Exactly once per alert and channel: the `deliveries` table and its journal.

Each alert gets one delivery row per channel that takes it (the email digest is the channel
`email`). A delivery goes pending -> sent when the channel accepted it, or stays pending with the
error and a backoff after a failed try, and turns `failed` after the channel's last try. Nothing
accepted is sent again: the acceptance goes into the journal file first (instant, local), then
into the database with the failures of the same send, in one transaction; a send starts by
recording what the journal holds, and sends nothing while it cannot.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hypewatch.records import Alert
from hypewatch.storage import StorageError, Store

from .journal import Accepted, SentJournal
from .series import Q

logger = logging.getLogger(__name__)

#: The wait after a channel's first failed try; it doubles after each next one, up to RETRY_MAX_GAP.
#: A nightly run finds every retry due; runs every few minutes back off.
RETRY_FIRST_GAP = timedelta(minutes=15)
RETRY_MAX_GAP = timedelta(hours=12)
#: The email digest is tried on every run until it gets through: it is never `failed`.
EMAIL_ATTEMPTS = 2**31 - 1


@dataclass(frozen=True)
class Target:
    """A channel as the planner sees it: its name and the rules it takes (None: all)."""

    channel: str
    rules: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FailedTry:
    """A channel that did not take these alerts on this run, and why (secrets already removed)."""

    channel: str
    alert_ids: tuple[str, ...]
    error: str
    max_attempts: int = EMAIL_ATTEMPTS
    first_gap: timedelta = timedelta(0)


def plan(store: Store, targets: Sequence[Target], *, now: datetime) -> None:
    """Give every alert still on its way a delivery row for each target that takes it; fail the
    pending deliveries of channels that are no longer configured."""
    with store.write() as conn:
        conn.execute(Q["abandon_removed_channels"], {"channels": [t.channel for t in targets]})
        conn.execute(Q["refresh_alert_status"])
        for target in targets:
            conn.execute(
                Q["plan_deliveries"],
                {
                    "channel": target.channel,
                    "now": now,
                    "all_rules": target.rules is None,
                    "rules": list(target.rules or ("",)),
                },
            )


@dataclass(frozen=True)
class Due:
    alert: Alert
    attempts: int  # failed tries so far


def due(store: Store, channel: str, *, now: datetime) -> list[Due]:
    """The channel's pending deliveries whose backoff is over, oldest alert first."""
    with store.read() as conn:
        rows = conn.execute(Q["due_deliveries"], {"channel": channel, "now": now}).fetchall()
    return [
        Due(
            Alert(
                rule=r[1],
                scope=r[2],
                metric=r[3],
                day=r[4],
                value=r[5],
                baseline=r[6],
                zscore=r[7],
                alert_id=r[0],
                status=r[8],
                detail=r[9],
            ),
            r[10],
        )
        for r in rows
    ]


def record(store: Store, accepted: Sequence[Accepted], failed: Sequence[FailedTry], *, now: datetime) -> None:
    """Mark deliveries sent and failed tries, and sum them up in alerts.status: one transaction.
    Raises StorageError when the database cannot take it."""
    with store.write() as conn:
        for entry in accepted:
            conn.execute(
                Q["mark_sent"], {"channel": entry.channel, "alert_ids": list(entry.alert_ids), "sent_at": entry.sent_at}
            )
        for attempt in failed:
            conn.execute(
                Q["mark_error"],
                {
                    "channel": attempt.channel,
                    "alert_ids": list(attempt.alert_ids),
                    "error": attempt.error,
                    "max_attempts": attempt.max_attempts,
                    "now": now,
                    "first_gap_s": attempt.first_gap.total_seconds(),
                    "max_gap_s": RETRY_MAX_GAP.total_seconds(),
                },
            )
        conn.execute(Q["refresh_alert_status"])


def settle_journal(store: Store) -> int:
    """Record in the database what the journal holds; returns how many deliveries it marked.
    Raises StorageError while the database cannot be written: then nothing may be sent."""
    journal = SentJournal(store.path)
    entries = journal.read()
    if not entries:
        return 0
    record(store, entries, [], now=max(e.sent_at for e in entries))
    journal.clear()
    count = sum(len(e.alert_ids) for e in entries)
    logger.info("recorded %d delivery(ies) accepted by an earlier run", count)
    return count


def accept(store: Store, accepted: Accepted) -> bool:
    """Keep an acceptance in the journal the moment it happens; False (logged) when the file cannot
    be written, and then only the database will know, once `commit` runs."""
    journal = SentJournal(store.path)
    try:
        journal.add(accepted)
    except OSError as exc:
        logger.warning(
            "%s: cannot write the sent-alerts journal (%s); recording in the database only",
            journal.path,
            exc.strerror or exc,
        )
        return False
    return True


def commit(store: Store, accepted: Sequence[Accepted], failed: Sequence[FailedTry], *, now: datetime) -> str | None:
    """Record a send's outcome and empty the journal; returns a warning when the database would not
    take it (the journal then keeps the acceptances for the next run)."""
    if not accepted and not failed:
        return None
    journal = SentJournal(store.path)
    kept = journal.read()  # an earlier send of this run that the database would not take is in it too
    try:
        record(store, kept + [a for a in accepted if a not in kept], failed, now=now)
    except StorageError as exc:
        count = sum(len(e.alert_ids) for e in accepted)
        if not count:
            logger.warning("cannot record why deliveries failed: %s", exc)
            return None
        if journal.path.exists():
            return (
                f"{count} alert(s) sent but not yet marked sent ({exc}); {journal.path} keeps them, "
                "and the next run records them without sending them again"
            )
        return (
            f"{count} alert(s) sent but not marked sent ({exc}); the next run sends them again, with the "
            "same Message-ID or idempotency key, so receivers can drop the copy"
        )
    journal.clear()
    return None
