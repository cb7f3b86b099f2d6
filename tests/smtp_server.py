"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd in a thread), recording what it receives.

with SmtpServer() as server:            # plain SMTP
    ... send to server.host, server.port ...
    [message] = server.messages          # email.message.EmailMessage objects

SmtpServer(refuse="554 5.7.1 Not today") refuses every message at DATA (change .refuse live);
SmtpServer(tls=certs, logins={"alice": "pw"}) offers STARTTLS and AUTH;
SmtpServer(tls=certs, implicit_tls=True) speaks TLS from the first byte (security: ssl).
self_signed(folder) makes the certs; point SSL_CERT_FILE at certs.cert so clients trust them.
"""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Certs:
    cert: Path
    key: Path


def self_signed(folder: Path) -> Certs | None:
    """A certificate for 127.0.0.1 and localhost, made with the openssl CLI (None if it is missing)."""
    if shutil.which("openssl") is None:
        return None
    certs = Certs(folder / "cert.pem", folder / "key.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(certs.key),
            "-out",
            str(certs.cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return certs


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps accepted messages, or refuses them while `refuse` is set."""

    refuse: str | None = None
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return self.refuse
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(
        self,
        *,
        refuse: str | None = None,
        tls: Certs | None = None,
        implicit_tls: bool = False,
        logins: dict[str, str] | None = None,
    ) -> None:
        self.recorder = Recorder(refuse=refuse)
        self.host = HOST
        self.port = _free_port()
        self._accounts = logins
        context = None
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(tls.cert, tls.key)
        kwargs: dict = {}
        if context is not None and not implicit_tls:
            kwargs.update(tls_context=context, require_starttls=True)
        if logins is not None:
            kwargs.update(authenticator=self._authenticate, auth_require_tls=tls is not None)
        self._controller = Controller(
            self.recorder,
            hostname=HOST,
            port=self.port,
            ssl_context=context if implicit_tls else None,
            server_hostname="localhost",
            **kwargs,
        )

    @property
    def messages(self) -> list[EmailMessage]:
        return self.recorder.messages

    @property
    def refuse(self) -> str | None:
        return self.recorder.refuse

    @refuse.setter
    def refuse(self, reply: str | None) -> None:
        self.recorder.refuse = reply

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self._accounts.get(auth_data.login.decode()) == auth_data.password.decode()
        )
        if ok:
            self.recorder.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._controller.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (a dead SMTP server)."""
    return _free_port()
