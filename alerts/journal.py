"""Deliveries a channel accepted but the database may not know yet.

The moment a channel accepts a message (the mail server answers 250, the webhook 2xx), the fact
goes into one small JSON file beside the database, written atomically and synced; the database
learns it after, in a write that may have to wait for readers. Every send starts by recording
what the journal holds, so a busy database never makes the next run send anything twice.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hypewatch.settings import EMAIL_CHANNEL


@dataclass(frozen=True)
class Accepted:
    """Alerts one channel accepted at one moment (for email: in one digest, with its Message-ID)."""

    channel: str
    alert_ids: tuple[str, ...]
    sent_at: datetime
    message_id: str | None = None


class SentJournal:
    """`<database>.alerts-sent.json`: a list of Accepted, emptied once the database has them."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".alerts-sent.json")

    def add(self, accepted: Accepted) -> None:
        """Append one entry; raises OSError when the file cannot be written."""
        entries = self.read() + [accepted]
        payload = {
            "entries": [
                {
                    "channel": e.channel,
                    "alert_ids": list(e.alert_ids),
                    "sent_at": e.sent_at.isoformat(),
                    "message_id": e.message_id,
                }
                for e in entries
            ]
        }
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def read(self) -> list[Accepted]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        # A journal written before channels existed holds one email digest, not a list.
        raw = data["entries"] if "entries" in data else [data]
        return [
            Accepted(
                channel=e.get("channel", EMAIL_CHANNEL),
                alert_ids=tuple(e["alert_ids"]),
                sent_at=datetime.fromisoformat(e["sent_at"]),
                message_id=e.get("message_id"),
            )
            for e in raw
        ]

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
