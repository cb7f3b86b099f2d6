"""Sending pending alerts: the email digest (over SMTP, or into the outbox folder) and one message
per alert to each channel of `alerts.channels`.

Every alert has a delivery per channel (see deliveries.py). A delivery is marked `sent` only after
the channel accepted it (the mail server took the digest, the .eml file is in place, the service
answered 2xx), and only the alerts in what was accepted. A channel that fails leaves its
deliveries pending with the reason, tried again on later runs with a growing gap, and `failed`
after `alerts.max_attempts` runs; the email digest is tried on every run until it gets through.

Nothing is sent twice: acceptances go into a journal file beside the database before the
database (see journal.py), and each send records what the journal holds before it sends
anything. What is left is a run killed while a server is still answering: the digest sent again
carries the same Message-ID (`digest_message_id`), and a webhook the same idempotency key (the
alert id), so receivers see one message.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from hypewatch.errors import HypewatchError
from hypewatch.records import Alert
from hypewatch.settings import EMAIL_CHANNEL, Channel, Email, Smtp
from hypewatch.storage import StorageError, Store

from . import deliveries
from .channels import ChannelError, OpenChannel
from .deliveries import FailedTry, Target, settle_journal
from .email import DETAILED_ALERTS, compose_digest, is_stale, load_evidence, load_section
from .journal import Accepted, SentJournal
from .message import ChatMessage, compose

logger = logging.getLogger(__name__)

__all__ = ["SendError", "SendReport", "SentJournal", "deliver", "pending_alerts", "send_pending", "write_outbox"]


class SendError(HypewatchError):
    """The digest could not be delivered; the message names the server or folder and why."""


@dataclass
class SendReport:
    sent: int = 0  # deliveries made by this call (the digest counts one per alert in it)
    pending: int = 0  # deliveries that failed on this call and are tried again later
    failed: int = 0  # deliveries that failed for the last time on this call
    via: str | None = None  # the digest's way: "smtp host:port" or the .eml path
    errors: list[str] = field(default_factory=list)  # one per channel that failed, naming it
    warnings: list[str] = field(default_factory=list)  # e.g. some recipients refused
    alert_ids: list[str] = field(default_factory=list)  # the alerts in the digest

    @property
    def error(self) -> str | None:
        return "; ".join(self.errors) or None


def pending_alerts(store: Store, *, now: datetime | None = None) -> list[Alert]:
    """The alerts the next email digest holds."""
    return [d.alert for d in deliveries.due(store, EMAIL_CHANNEL, now=now or datetime.now(timezone.utc))]


def send_pending(
    store: Store,
    email: Email,
    *,
    now: datetime,
    outbox: Path | None = None,
    channels: Sequence[Channel] = (),
    max_attempts: int = 5,
    report_link: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> SendReport:
    """Deliver every pending alert: one digest by email (with no smtp.host, an .eml file in
    `outbox`, already resolved by the caller; default email.outbox), and one message per alert to
    each channel that takes its rule. Never raises for a delivery failure: the report says what
    failed."""
    report = SendReport()
    try:
        settle_journal(store)
        deliveries.plan(
            store,
            [Target(EMAIL_CHANNEL)]
            + [Target(c.name, tuple(c.rules) if c.rules is not None else None) for c in channels],
            now=now,
        )
    except StorageError as exc:
        # Alerts sent earlier may still look pending in the database: sending now could repeat them.
        report.errors.append(f"alerts not sent: an earlier send is not recorded yet: {exc}")
        return report
    _send_digest(store, email, now=now, outbox=outbox, report=report)
    for channel in channels:
        _send_channel(
            store, channel, now=now, max_attempts=max_attempts, report_link=report_link, environ=environ, report=report
        )
    for warning in report.warnings:
        logger.warning(warning)
    return report


def _send_digest(store: Store, email: Email, *, now: datetime, outbox: Path | None, report: SendReport) -> None:
    alerts = [d.alert for d in deliveries.due(store, EMAIL_CHANNEL, now=now)]
    if not alerts:
        return
    ids = [a.alert_id for a in alerts]
    with store.read() as conn:
        sections = [load_section(conn, a) for a in alerts[:DETAILED_ALERTS]]
    message = compose_digest(sections, email, now=now, more=alerts[DETAILED_ALERTS:])
    try:
        if email.smtp.host:
            refused = deliver(message, email.smtp, email.to)
            report.warnings += [
                f"SMTP {_where(email.smtp)} refused recipient {rcpt}: {code} {_text(reply)}"
                for rcpt, (code, reply) in refused.items()
            ]
            via = f"smtp {_where(email.smtp)}"
        else:
            via = str(write_outbox(message, outbox or email.outbox, now=now))
    except SendError as exc:
        logger.warning("alerts not sent, %d still pending: %s", len(ids), exc)
        deliveries.commit(store, [], [FailedTry(EMAIL_CHANNEL, tuple(ids), str(exc))], now=now)
        report.pending += len(ids)
        report.errors.append(str(exc))
        report.alert_ids = ids
        return
    accepted = Accepted(EMAIL_CHANNEL, tuple(ids), now, message["Message-ID"])
    deliveries.accept(store, accepted)
    warning = deliveries.commit(store, [accepted], [], now=now)
    if warning:
        report.warnings.append(warning)
    logger.info("sent %d alert(s) via %s", len(ids), via)
    report.sent += len(ids)
    report.via = via
    report.alert_ids = ids


def _send_channel(
    store: Store,
    channel: Channel,
    *,
    now: datetime,
    max_attempts: int,
    report_link: str | None,
    environ: Mapping[str, str] | None,
    report: SendReport,
) -> None:
    """Each due alert to one channel, one message each; the first failure ends the channel's turn
    (a service that is down would fail the rest too) and counts as a failed try for all left."""
    waiting = deliveries.due(store, channel.name, now=now)
    if not waiting:
        return
    accepted: list[Accepted] = []
    error: str | None = None
    try:
        target = OpenChannel(channel, dict(environ) if environ is not None else None)
        messages = _messages(store, [d.alert for d in waiting], markdown=target.markdown, report_link=report_link)
        for item, message in zip(waiting, messages):
            sent = target.send(message, idempotency_key=item.alert.alert_id)
            entry = Accepted(channel.name, (item.alert.alert_id,), now)
            deliveries.accept(store, entry)
            accepted.append(entry)
            if sent.left_out:
                logger.info(
                    "channel %s: alert %s cut to fit %s's limit (%d line(s) left out, and the message says so)",
                    channel.name,
                    item.alert.alert_id,
                    sent.service,
                    sent.left_out,
                )
    except ChannelError as exc:
        error = str(exc)
    done = {e.alert_ids[0] for e in accepted}
    left = [d for d in waiting if d.alert.alert_id not in done]
    failed = []
    if error is not None and left:
        failed = [
            FailedTry(
                channel.name, tuple(d.alert.alert_id for d in left), error, max_attempts, deliveries.RETRY_FIRST_GAP
            )
        ]
        given_up = sum(1 for d in left if d.attempts + 1 >= max_attempts)
        report.failed += given_up
        report.pending += len(left) - given_up
        tries = max(d.attempts for d in left) + 1
        outcome = (
            "given up: marked failed"
            if given_up == len(left)
            else f"try {tries} of {max_attempts}, tried again on a later run"
        )
        report.errors.append(f"{error} ({len(left)} alert(s) not delivered; {outcome})")
    warning = deliveries.commit(store, accepted, failed, now=now)
    if warning:
        report.warnings.append(f"channel {channel.name}: {warning}")
    report.sent += len(accepted)
    if accepted:
        logger.info("sent %d alert(s) to channel %s", len(accepted), channel.name)


def _messages(store: Store, alerts: Sequence[Alert], *, markdown: bool, report_link: str | None) -> list[ChatMessage]:
    with store.read() as conn:
        return [
            compose(a, {} if is_stale(a) else load_evidence(conn, a), markdown=markdown, report_link=report_link)
            for a in alerts
        ]


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
            raise SendError(
                f"SMTP {where}: login as {smtp.username!r} needs a password in the environment "
                f"variable {smtp.password_env or '(alerts.email.smtp.password_env not set)'}"
            )
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
        raise SendError(
            f"SMTP {where}: login as {smtp.username!r} refused: {exc.smtp_code} {_text(exc.smtp_error)}"
        ) from None
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
    tmp: Path | None = None
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
        if tmp is not None:
            tmp.unlink(missing_ok=True)  # half a message (a full disk) is no message to leave behind
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
