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

from hypewatch.errors import HypewatchError
from hypewatch.settings import EMAIL_CHANNEL


class JournalDamaged(HypewatchError):
    """The journal cannot be read: which alerts a channel accepted is unknown, so none is sent."""


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
        """What the journal holds; JournalDamaged where it cannot be read (it is written whole,
        so only something outside hypewatch damages it): sending then waits for a person, since
        guessing could send an alert twice."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
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
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise JournalDamaged(
                f"{self.path}: damaged ({type(exc).__name__}: {exc}); it lists alerts delivered while the database "
                "was busy, so none is sent until it is mended or removed (removed, those alerts may be sent again)"
            ) from None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
