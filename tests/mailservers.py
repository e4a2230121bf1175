"""Mail servers the reminder tests talk to, on 127.0.0.1: a real SMTP server (aiosmtpd, in a
thread, with STARTTLS, TLS and a login on a throw-away certificate) and an HTTP server standing in
for GOV.UK Notify's API, which the official client talks to. Nothing leaves the machine.

Fixtures (registered for every test by tests/conftest.py): ``smtp_server``, ``certificate``,
``notify``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from wdp.notify import NotifySender

FROM = "WDP programme <wdp-reminders@example.nhs.uk>"
LEAD = "lead.preston@example.nhs.uk"
LINK = "https://wdp.example.nhs.uk/status?period=2018-19+Q2&pathfinder=WDP-PRE"
# A Notify key is "{key name}-{service id}-{secret}"; made here, so no key-like text is in git.
SERVICE_ID = str(uuid.uuid4())
SIGNING_SECRET = str(uuid.uuid4())
NOTIFY_KEY = "-".join(["wdp_test", SERVICE_ID, SIGNING_SECRET])
TEMPLATES = {kind: str(uuid.uuid4()) for kind in ("due_soon", "due_today", "late", "rejected")}
TEMPLATES["default"] = str(uuid.uuid4())
SMTP_USER = "wdp-mailer"
SMTP_WORD = uuid.uuid4().hex  # the SMTP password, made up for each run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------------------------
# A real SMTP server
# ------------------------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    email: EmailMessage
    encrypted: bool
    login: str | None

    def text(self) -> str:
        """The plain-text body as written (SMTP carries lines ending CRLF)."""
        return self.email.get_content().replace("\r\n", "\n")


@dataclass
class Mailbox:
    """An aiosmtpd handler: keeps what arrives; refuses nobody@ (550) and busy@ (450)."""

    received: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    quit_delay_s: float = 0.0
    data_delay_s: float = 0.0  # a slow server: each message takes this long to accept
    # A message to hold_for is kept (received) but not answered until ``release`` is set:
    # ``holding`` is set when it arrives, so a test can stop the sender at that moment.
    hold_for: str | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def references(self) -> list[str]:
        return [str(r.email["X-WDP-Reference"]) for r in self.received]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy@"):
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        email = message_from_bytes(envelope.content, policy=policy.default)
        encrypted = server.transport.get_extra_info("cipher") is not None
        login = session.auth_data.login.decode() if session.authenticated else None
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), email, encrypted, login)
        )
        if self.data_delay_s:
            await asyncio.sleep(self.data_delay_s)
        if self.hold_for is not None and self.hold_for in envelope.rcpt_tos:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope) -> str:
        await asyncio.sleep(self.quit_delay_s)
        return "221 Bye"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            self.logins.append(auth_data.login.decode())
            good = (auth_data.login.decode(), auth_data.password.decode()) == (SMTP_USER, SMTP_WORD)
            # handled=False: aiosmtpd answers a failure with 535 itself
            return AuthResult(success=good, handled=False, auth_data=auth_data if good else None)
        return AuthResult(success=False, handled=False)


@dataclass
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """What a machine that trusts this certificate's issuer checks with."""
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A throw-away self-signed certificate for 127.0.0.1 and localhost (cryptography)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wdp test mail server")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "cert.private").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(folder / "cert.crt", folder / "cert.private")


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Mailbox, int]]]:
    """Start an SMTP server on 127.0.0.1 (options as aiosmtpd's Controller takes them)."""
    controllers: list[Controller] = []

    def start(mailbox: Mailbox | None = None, **options: Any) -> tuple[Mailbox, int]:
        mailbox = mailbox or Mailbox()
        port = free_port()
        controller = Controller(
            mailbox, hostname="127.0.0.1", port=port, server_hostname="mail.test", **options
        )
        controller.start()
        controllers.append(controller)
        return mailbox, port

    yield start
    for controller in controllers:
        controller.stop()


# ------------------------------------------------------------------------------------------------
# A stand-in for GOV.UK Notify's API
# ------------------------------------------------------------------------------------------------


@dataclass
class NotifyStandIn:
    """Answers POST /v2/notifications/email as Notify does, or with ``status``/``body`` set."""

    status: int = 201
    body: Any = None  # None: Notify's own success answer
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # GET /v2/notifications?reference=...: Notify's lookup
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                wanted = query.get("reference", [None])[0]
                found = [
                    {"id": r["id"], "reference": r["json"].get("reference"), "type": "email"}
                    for r in api.requests
                    if r.get("id") and r["json"].get("reference") == wanted
                ]
                data = json.dumps({"notifications": found, "links": {}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                payload = json.loads(self.rfile.read(length))
                api.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": payload}
                )
                body = api.body
                if body is None:
                    body = {
                        "id": str(uuid.uuid4()),
                        "reference": payload.get("reference"),
                        "template": {"id": payload["template_id"], "version": 1},
                        "content": {"subject": "subject", "body": "body"},
                    }
                if api.status < 300 and isinstance(body, dict) and body.get("id"):
                    api.requests[-1]["id"] = body["id"]  # Notify holds it: the lookup finds it
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(api.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        return Handler


@pytest.fixture
def notify() -> Iterator[NotifyStandIn]:
    api = NotifyStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), api.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield api
    server.shutdown()
    server.server_close()


def notify_sender(api: NotifyStandIn, **kwargs: Any) -> NotifySender:
    return NotifySender(NOTIFY_KEY, templates=TEMPLATES, base_url=api.url, **kwargs)
