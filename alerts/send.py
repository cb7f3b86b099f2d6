"""Sending the digest of pending alerts: over SMTP, or into the outbox folder.

An alert is marked `sent` only after the server accepted the message (or the .eml file is in
place), and only the alerts that were in that message. A failed send leaves them `pending` with
the reason in `alerts.error`, so the next run sends them (the `failed` status is never set: a
failure is always retried); nothing is sent twice. (A crash in the
instant between the server's "250 OK" and the database update would resend once: an email twice
is better than an alert lost.)
"""
from __future__ import annotations

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
from storage import Store

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


def pending_alerts(store: Store) -> list[Alert]:
    with store.read() as conn:
        rows = conn.execute(Q["pending_alerts"]).fetchall()
    return [Alert(rule=r[1], scope=r[2], metric=r[3], day=r[4], value=r[5], baseline=r[6], zscore=r[7],
                  alert_id=r[0], status=r[8], detail=r[9]) for r in rows]


def send_pending(store: Store, email: Email, *, now: datetime, outbox: Path | None = None) -> SendReport:
    """Send one digest of every pending alert; with no smtp.host, write it to `outbox` (already
    resolved by the caller; default email.outbox) as an .eml file. Never raises for a delivery
    failure: the report says what failed."""
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
        with store.write() as conn:
            conn.execute(Q["mark_error"], {"alert_ids": ids, "error": str(exc)})
        return SendReport(pending=len(ids), error=str(exc), alert_ids=ids)

    with store.write() as conn:
        conn.execute(Q["mark_sent"], {"alert_ids": ids, "sent_at": now})
    for warning in warnings:
        logger.warning(warning)
    logger.info("sent %d alert(s) via %s", len(ids), via)
    return SendReport(sent=len(ids), via=via, warnings=warnings, alert_ids=ids)


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
