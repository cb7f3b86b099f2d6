"""`hypewatch alerts --test`: one test message to the email digest's address and to every channel,
with one line per result, so a set-up can be checked before an alert depends on it. Nothing is
recorded: the deliveries table holds alerts only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from hypewatch.settings import EMAIL_CHANNEL, Channel, Email

from .channels import ChannelError, OpenChannel
from .email import MSGID_DOMAIN
from .send import SendError, _where, deliver, write_outbox

TEST_TEXT = "This is a test from hypewatch: alerts will reach you here."


@dataclass(frozen=True)
class CheckResult:
    channel: str
    service: str
    ok: bool
    detail: str  # where it went, or why it did not

    def line(self) -> str:
        return f"{self.channel} ({self.service}): {'ok' if self.ok else 'FAILED'}: {self.detail}"


def compose_test_email(email: Email, *, now: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"{email.subject_prefix} test message".strip()
    msg["From"] = email.from_
    if email.to:
        msg["To"] = ", ".join(email.to)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid("test", domain=MSGID_DOMAIN)
    msg.set_content(TEST_TEXT + "\n")
    return msg


def send_test_messages(
    email: Email, channels: Sequence[Channel], *, outbox: Path, now: datetime, environ: Mapping[str, str] | None = None
) -> list[CheckResult]:
    """Send the test messages; never raises for a channel that fails."""
    results = []
    message = compose_test_email(email, now=now)
    service = f"smtp {_where(email.smtp)}" if email.smtp.host else "outbox"
    try:
        if email.smtp.host:
            refused = deliver(message, email.smtp, email.to)
            taken = [r for r in email.to if r not in refused]
            detail = f"accepted for {', '.join(taken)}" + (f"; refused {', '.join(refused)}" if refused else "")
        else:
            detail = f"written to {write_outbox(message, outbox, now=now)}"
        results.append(CheckResult(EMAIL_CHANNEL, service, True, detail))
    except SendError as exc:
        results.append(CheckResult(EMAIL_CHANNEL, service, False, str(exc)))
    for channel in channels:
        try:
            target = OpenChannel(channel, dict(environ) if environ is not None else None)
            sent = target.test(TEST_TEXT)
            results.append(CheckResult(channel.name, sent.service, True, "sent"))
        except ChannelError as exc:
            results.append(CheckResult(channel.name, exc.service or channel.scheme, False, exc.reason))
    return results
