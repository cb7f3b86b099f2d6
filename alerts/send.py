"""Sending the digest of pending alerts: over SMTP, or into the outbox folder.

An alert is marked `sent` only after the server accepted the message (or the .eml file is in
place), and only the alerts that were in that message. A failed send leaves them `pending` with
the reason in `alerts.error`, so the next run sends them (the `failed` status is never set: a
failure is always retried).

Nothing is sent twice: the moment the server accepts, the sent alert ids go into a small journal
file beside the database, and then into the database, waiting for readers like any write. If the
database stays busy (a reader holding it), the journal keeps the fact, and the next send records
it before it looks for pending alerts. What is left is a run killed while the server is still
answering; the digest sent again then carries the same Message-ID (`digest_message_id`), so mail
clients see it as the same message.
"""
from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from hypewatch.config import Email, Smtp
from hypewatch.records import Alert
from storage import StorageError, Store

from .email import DETAILED_ALERTS, compose_digest, load_section
from .series import Q

logger = logging.getLogger(__name__)


class SendError(Exception):
    """The digest could not be delivered; the message names the server or folder and why."""


@dataclass
class SendReport:
    sent: int = 0  # alerts delivered by this call
    pending: int = 0  # alerts still waiting (a failed send)
    via: str | None = None  # "smtp host:port" or the .eml path
    error: str | None = None  # why the send failed, naming host:port or the outbox folder
    warnings: list[str] = field(default_factory=list)  # e.g. some recipients refused
    alert_ids: list[str] = field(default_factory=list)


class SentJournal:
    """Alert ids the server accepted but the database may not know yet: one JSON file beside the
    database, written atomically, deleted once the database has them."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".alerts-sent.json")

    def record(self, alert_ids: list[str], sent_at: datetime, message_id: str) -> None:
        entry = {"alert_ids": alert_ids, "sent_at": sent_at.isoformat(), "message_id": message_id}
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(entry, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def read(self) -> tuple[list[str], datetime] | None:
        try:
            entry = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return list(entry["alert_ids"]), datetime.fromisoformat(entry["sent_at"])

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def settle_journal(store: Store) -> int:
    """Record in the database the sends that the journal holds; returns how many alerts it marked.
    Raises StorageError while the database cannot be written: then nothing may be sent."""
    journal = SentJournal(store.path)
    entry = journal.read()
    if entry is None:
        return 0
    ids, sent_at = entry
    with store.write() as conn:
        conn.execute(Q["mark_sent"], {"alert_ids": ids, "sent_at": sent_at})
    journal.clear()
    logger.info("recorded %d alert(s) sent at %s by an earlier run", len(ids), sent_at.isoformat())
    return len(ids)


def pending_alerts(store: Store) -> list[Alert]:
    with store.read() as conn:
        rows = conn.execute(Q["pending_alerts"]).fetchall()
    return [Alert(rule=r[1], scope=r[2], metric=r[3], day=r[4], value=r[5], baseline=r[6], zscore=r[7],
                  alert_id=r[0], status=r[8], detail=r[9]) for r in rows]


def send_pending(store: Store, email: Email, *, now: datetime, outbox: Path | None = None) -> SendReport:
    """Send one digest of every pending alert; with no smtp.host, write it to `outbox` (already
    resolved by the caller; default email.outbox) as an .eml file. Never raises for a delivery
    failure: the report says what failed."""
    try:
        settle_journal(store)
    except StorageError as exc:
        # Alerts sent earlier may still look pending in the database: sending now could repeat them.
        return SendReport(error=f"alerts not sent: an earlier send is not recorded yet: {exc}")
    alerts = pending_alerts(store)
    if not alerts:
        return SendReport()
    ids = [a.alert_id for a in alerts]
    with store.read() as conn:
        sections = [load_section(conn, a) for a in alerts[:DETAILED_ALERTS]]
    message = compose_digest(sections, email, now=now, more=alerts[DETAILED_ALERTS:])

    warnings: list[str] = []
    try:
        if email.smtp.host:
            refused = deliver(message, email.smtp, email.to)
            warnings = [f"SMTP {_where(email.smtp)} refused recipient {rcpt}: {code} {_text(reply)}"
                        for rcpt, (code, reply) in refused.items()]
            via = f"smtp {_where(email.smtp)}"
        else:
            via = str(write_outbox(message, outbox or email.outbox, now=now))
    except SendError as exc:
        logger.warning("alerts not sent, %d still pending: %s", len(ids), exc)
        try:
            with store.write() as conn:
                conn.execute(Q["mark_error"], {"alert_ids": ids, "error": str(exc)})
        except StorageError as busy:  # the reason is in the run record all the same
            logger.warning("cannot record why the alerts were not sent: %s", busy)
        return SendReport(pending=len(ids), error=str(exc), alert_ids=ids)

    warnings += _record_sent(store, ids, now, message["Message-ID"])
    for warning in warnings:
        logger.warning(warning)
    logger.info("sent %d alert(s) via %s", len(ids), via)
    return SendReport(sent=len(ids), via=via, warnings=warnings, alert_ids=ids)


def _record_sent(store: Store, ids: list[str], now: datetime, message_id: str) -> list[str]:
    """Journal first (a local file, instant), then the database; returns warnings."""
    journal = SentJournal(store.path)
    try:
        journal.record(ids, now, message_id)
        kept = True
    except OSError as exc:
        logger.warning("%s: cannot write the sent-alerts journal (%s); recording in the database only",
                       journal.path, exc.strerror or exc)
        kept = False
    try:
        with store.write() as conn:
            conn.execute(Q["mark_sent"], {"alert_ids": ids, "sent_at": now})
    except StorageError as exc:
        if not kept:
            return [f"{len(ids)} alert(s) sent but not marked sent ({exc}); the next run sends them again, "
                    f"with the same Message-ID {message_id}"]
        return [f"{len(ids)} alert(s) sent but not yet marked sent ({exc}); {journal.path} keeps them, "
                "and the next run records them without sending them again"]
    journal.clear()
    return []


def deliver(message: EmailMessage, smtp: Smtp, to: list[str]) -> dict[str, tuple[int, bytes]]:
    """Hand the message to the SMTP server; returns the recipients it refused (if it took the rest).
    Raises SendError naming host:port."""
    where = _where(smtp)
    if not to:
        raise SendError(f"SMTP {where}: alerts.email.to is empty, nobody to send to")
    password = None
    if smtp.username:
        password = smtp.password()
        if password is None:
            raise SendError(f"SMTP {where}: login as {smtp.username!r} needs a password in the environment "
                            f"variable {smtp.password_env or '(alerts.email.smtp.password_env not set)'}")
    try:
        client = _connect(smtp)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"SMTP {where}: cannot connect: {_reason(exc)}") from None
    try:
        if smtp.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, password)
        return client.send_message(message, to_addrs=to)
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"SMTP {where}: login as {smtp.username!r} refused: {exc.smtp_code} {_text(exc.smtp_error)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = "; ".join(f"{r}: {c} {_text(m)}" for r, (c, m) in exc.recipients.items())
        raise SendError(f"SMTP {where} refused every recipient ({refused})") from None
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"SMTP {where} refused the message: {exc.smtp_code} {_text(exc.smtp_error)}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"SMTP {where}: {_reason(exc)}") from None
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()  # the message is in or out already; a rude goodbye changes nothing


def write_outbox(message: EmailMessage, folder: Path, *, now: datetime) -> Path:
    """Write the message as an .eml file (atomically: a reader never sees half of it)."""
    stem = f"hypewatch-{now.strftime('%Y%m%dT%H%M%SZ')}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stem}.eml"
        n = 1
        while path.exists():
            n += 1
            path = folder / f"{stem}-{n}.eml"
        tmp = path.with_suffix(".eml.tmp")
        tmp.write_bytes(message.as_bytes())
        os.replace(tmp, path)
    except OSError as exc:
        raise SendError(f"outbox {folder}: cannot write the alert email: {exc.strerror or exc}") from None
    return path


def _connect(smtp: Smtp) -> smtplib.SMTP:
    if smtp.security == "ssl":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_s, context=ssl.create_default_context())
    return smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)


def _where(smtp: Smtp) -> str:
    return f"{smtp.host}:{smtp.port}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
