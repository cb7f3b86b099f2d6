"""Sending to the channels of `alerts.channels` through Apprise, with secrets kept out of sight.

A channel URL names its secrets as `${ENV_VAR}`; they are read from the environment only here,
when sending, and every message that leaves this module (errors, log lines) has them replaced by
their `${ENV_VAR}` again. Apprise's own log lines (which can quote URLs) are captured, cleaned the
same way, and passed on at debug level; they never reach the log file as Apprise wrote them.

Webhook channels (json://, form://, xml:// and their https forms) carry the alert id as an
`Idempotency-Key` header (and as `idempotency_key` in a JSON or form body), so a receiver can drop
the copy that a run killed between sending and recording may send again.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from apprise import Apprise, LogCapture, NotifyFormat
from apprise.logger import LOGGER_NAME

from hypewatch.errors import HypewatchError
from hypewatch.settings import ENV_REFERENCE, Channel

from .message import ChatMessage, MessageTooLong, fit

logger = logging.getLogger(__name__)

WEBHOOK_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_FIELD = "idempotency_key"
#: Room kept below a service's limit for what Apprise adds (a title folded into the body, line ends).
LIMIT_MARGIN = 16
#: Shorter values are not hidden: replacing every "1" of a text would hide nothing and garble all.
MIN_SECRET_LENGTH = 4

# Apprise logs to the "apprise" logger; its lines are captured per send and cleaned of secrets
# before they go anywhere (see _apprise_log).
_apprise_logger = logging.getLogger(LOGGER_NAME)
_apprise_logger.propagate = False
_apprise_logger.addHandler(logging.NullHandler())


class ChannelError(HypewatchError):
    """A channel could not be used or did not take the message; names the channel, never a secret."""

    def __init__(self, channel: str, reason: str, service: str | None = None) -> None:
        super().__init__(f"channel {channel}{f' ({service})' if service else ''}: {reason}")
        self.channel = channel
        self.reason = reason
        self.service = service


@dataclass
class Secrets:
    """The values behind a channel's ${ENV_VAR}s, and how to hide them again."""

    values: dict[str, str]  # variable name -> value

    def redact(self, text: str) -> str:
        for name, value in sorted(self.values.items(), key=lambda kv: -len(kv[1])):
            if len(value) < MIN_SECRET_LENGTH:
                continue
            for spelling in {value, quote(value, safe=""), quote_plus(value), quote(value)}:
                text = text.replace(spelling, f"${{{name}}}")
        return text


def expand(channel: Channel, environ: dict[str, str] | None = None) -> tuple[str, Secrets]:
    """The channel URL with its ${ENV_VAR}s filled in; ChannelError names a variable that is unset."""
    env = os.environ if environ is None else environ
    missing = [name for name in channel.env_names if not env.get(name)]
    if missing:
        raise ChannelError(channel.name, f"environment variable {', '.join(missing)} is not set")
    secrets = Secrets({name: env[name] for name in channel.env_names})
    return ENV_REFERENCE.sub(lambda m: secrets.values[m[1]], channel.url), secrets


@dataclass
class Sent:
    channel: str
    service: str
    left_out: int  # lines cut to fit the service's limit (the message says so)


class OpenChannel:
    """One channel ready to send: its Apprise plugin, size limit and format."""

    def __init__(self, channel: Channel, environ: dict[str, str] | None = None) -> None:
        self.channel = channel
        url, self.secrets = expand(channel, environ)
        with _apprise_log(self.secrets):
            plugin = Apprise.instantiate(url)
        if plugin is None:
            raise ChannelError(
                channel.name,
                f"Apprise cannot use this {channel.scheme}:// URL "
                "(a part is missing or malformed; see Apprise's page for the service)",
            )
        self.plugin = plugin
        self.service = str(getattr(plugin, "service_name", channel.scheme))
        # The service's limit, or the channel's tighter one: what the message promises to keep to.
        self.limit = min(int(plugin.body_maxlen), channel.max_chars or int(plugin.body_maxlen))

    @property
    def markdown(self) -> bool:
        if self.channel.format != "auto":
            return self.channel.format == "markdown"
        if self.channel.scheme in WEBHOOK_SCHEMES:
            return False  # a script reads it: plain text
        formats = self.plugin.notify_format
        formats = formats if isinstance(formats, (tuple, list)) else (formats,)
        return any(f in (NotifyFormat.MARKDOWN, NotifyFormat.HTML) for f in formats)

    def send(self, message: ChatMessage, *, idempotency_key: str | None = None) -> Sent:
        """Deliver one message; ChannelError (secrets removed) when the service does not take it."""
        body_format = NotifyFormat.MARKDOWN if message.markdown else NotifyFormat.TEXT
        try:
            fitted = fit(
                message,
                lambda body: self._fits(message.title, body, body_format),
                service=self.service,
                limit=self.limit,
            )
        except MessageTooLong as exc:
            raise ChannelError(self.channel.name, str(exc), self.service) from None
        self._mark(idempotency_key)
        with _apprise_log(self.secrets) as log:
            try:
                ok = self.plugin.notify(body=fitted.text, title=message.title, body_format=body_format)
            except Exception as exc:  # noqa: BLE001 - a plugin's bug is this channel's failure, not the run's
                raise self._error(f"{type(exc).__name__}: {exc}") from None
        if not ok:
            raise self._error(log.reason() or "the service did not accept the message")
        return Sent(self.channel.name, self.service, fitted.left_out)

    def test(self, text: str) -> Sent:
        message = ChatMessage(title="hypewatch: test message", lines=(text,), footer=None, markdown=self.markdown)
        return self.send(message, idempotency_key="hypewatch-test")

    def _fits(self, title: str, body: str, body_format: NotifyFormat) -> bool:
        """Whether the body, as Apprise will send it (converted, a title folded in), is within the limit."""
        if len(body) > self.limit:
            return False
        max_lines = int(getattr(self.plugin, "body_max_line_count", 0) or 0)
        if max_lines and len(body.splitlines()) + (1 if self.plugin.title_maxlen <= 0 else 0) > max_lines:
            return False  # Apprise would drop the lines past the service's count without a word
        build = getattr(self.plugin, "_build_send_calls", None)
        if build is None:  # another Apprise: our own count has to do
            return len(body) + (len(title) + 2 if self.plugin.title_maxlen <= 0 else 0) <= self.limit
        try:
            with _apprise_log(self.secrets):
                calls = list(build(body=body, title=title, body_format=body_format, overflow="upstream"))
        except Exception:  # noqa: BLE001 - measuring must not fail a send; the plain count decides
            return True
        return len(calls) == 1 and len(calls[0].get("body") or "") <= int(self.plugin.body_maxlen) - LIMIT_MARGIN

    def _mark(self, key: str | None) -> None:
        """Put the idempotency key on a webhook's request (header, and body field where there is one)."""
        if key is None or self.channel.scheme not in WEBHOOK_SCHEMES:
            return
        headers = getattr(self.plugin, "headers", None)
        if isinstance(headers, dict):
            headers[IDEMPOTENCY_HEADER] = key
        extras = getattr(self.plugin, "payload_extras", None)
        if isinstance(extras, dict) and self.channel.scheme.startswith(("json", "form")):
            extras[IDEMPOTENCY_FIELD] = key

    def _error(self, reason: str) -> ChannelError:
        return ChannelError(self.channel.name, self.secrets.redact(reason), self.service)


class _CapturedLog:
    def __init__(self, capture: LogCapture, secrets: Secrets) -> None:
        self.capture = capture
        self.secrets = secrets

    def lines(self) -> list[str]:
        text = self.capture.getvalue() if hasattr(self.capture, "getvalue") else ""
        return [self.secrets.redact(line) for line in text.splitlines() if line.strip()]

    def reason(self) -> str | None:
        """The last warning or error Apprise gave, as the cause of a failed send."""
        problems = [line.split(" ", 1)[1] for line in self.lines() if line.startswith(("WARNING ", "ERROR "))]
        return problems[-1].strip() if problems else None


class _Redacting(logging.Filter):
    """Cleans every record on its way to a handler: the HTTP libraries under Apprise log URLs too."""

    def __init__(self, secrets: Secrets) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.secrets.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _apprise_log:
    """For one call into Apprise: capture its log lines and pass them on, cleaned, at debug level;
    and clean whatever else reaches the log handlers meanwhile (urllib3's lines, say)."""

    def __init__(self, secrets: Secrets) -> None:
        self.secrets = secrets

    def __enter__(self) -> _CapturedLog:
        self._handlers = list(logging.getLogger().handlers)
        self._filter = _Redacting(self.secrets)
        for handler in self._handlers:
            handler.addFilter(self._filter)
        level = logging.DEBUG if logger.isEnabledFor(logging.DEBUG) else logging.INFO
        self._capture = LogCapture(level=level, fmt="%(levelname)s %(message)s")
        self._log = _CapturedLog(self._capture.__enter__(), self.secrets)
        return self._log

    def __exit__(self, *exc: object) -> None:
        self._capture.__exit__(*exc)
        for line in self._log.lines():
            logger.debug("apprise: %s", line)
        for handler in self._handlers:
            handler.removeFilter(self._filter)
