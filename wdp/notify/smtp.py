"""Sending a message through a plain SMTP server (the standard library's smtplib).

The server is named by a URL (``WDP_SMTP_URL``):

- ``smtp://HOST[:PORT]`` (port 25): STARTTLS when the server offers it, plain otherwise;
- ``smtp+starttls://HOST[:PORT]`` (port 587): STARTTLS required;
- ``smtps://HOST[:PORT]`` (port 465): TLS from the first byte.

Invariants:
- A username and password are sent only over an encrypted connection: a server that offers no
  STARTTLS gets no password (the send fails and says so), and a URL carrying credentials is
  refused (they belong in the secrets file, not in an environment variable).
- Certificates are checked against the system's trusted authorities (``SSL_CERT_FILE`` adds an
  organisation's own); a certificate that fails the check is a permanent failure.
- ``send`` never raises for a send problem. 4xx replies, a connection refused or timed out and a
  dropped connection are retryable; 5xx replies (an address refused, a bad password) and
  configuration mistakes are not.
- Once the server has accepted the message it is reported sent, whatever happens while saying
  goodbye, so a caller never sends it twice because QUIT failed.
- Every email carries a Message-ID (the result's ``provider_id``), the caller's reference in
  ``X-WDP-Reference``, its kind in ``X-WDP-Kind`` and ``Auto-Submitted: auto-generated`` (so
  out-of-office replies are not sent back).
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal
from urllib.parse import urlsplit

from wdp.notify.message import Message, NotConfigured, SendResult

log = logging.getLogger(__name__)

REFERENCE_HEADER = "X-WDP-Reference"
KIND_HEADER = "X-WDP-Kind"
DEFAULT_TIMEOUT_S = 30.0

Security = Literal["starttls-if-offered", "starttls", "tls"]
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("starttls-if-offered", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}


@dataclass(frozen=True)
class SmtpServer:
    """Where an SMTP server is and how the connection to it is secured."""

    host: str
    port: int
    security: Security

    @property
    def url(self) -> str:
        scheme = next(s for s, (security, _) in _SCHEMES.items() if security == self.security)
        return f"{scheme}://{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    """The server a ``WDP_SMTP_URL`` names; ``NotConfigured`` says what is wrong with a bad one."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise NotConfigured(
            f"WDP_SMTP_URL {url!r} should start smtp://, smtp+starttls:// or smtps://, "
            "e.g. smtp+starttls://mail.example.nhs.uk:587"
        )
    if parts.username or parts.password:
        raise NotConfigured(
            "WDP_SMTP_URL must not carry a username or password: put them in the secrets file "
            "as username and password under [smtp]"
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1 or (parts.path not in ("", "/")):
        raise NotConfigured(
            f"WDP_SMTP_URL {url!r} should be the server's name and port only, "
            "e.g. smtp://127.0.0.1:2525"
        )
    security, default_port = _SCHEMES[scheme]
    return SmtpServer(host=parts.hostname, port=port or default_port, security=security)


class _Refused(Exception):
    """A send this module itself declines (no STARTTLS to protect a password, and the like)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class SmtpSender:
    """Sends each message in its own SMTP session (reminders are few; nothing is held open).

    Safe to share between threads: nothing but settings lives on the object.
    """

    provider: Literal["smtp"] = "smtp"

    def __init__(
        self,
        url: str,
        *,
        from_address: str,
        username: str | None = None,
        password: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.server = parse_smtp_url(url)
        try:
            sender = EmailMessage()
            sender["From"] = from_address
            address: Address = sender["From"].addresses[0]
        except (ValueError, IndexError) as error:
            raise NotConfigured(
                f"WDP_SMTP_FROM {from_address!r} is not an email address ({error})"
            ) from None
        if "@" not in address.addr_spec or len(sender["From"].addresses) != 1:
            raise NotConfigured(f"WDP_SMTP_FROM {from_address!r} should be one email address")
        if bool(username) != bool(password):
            raise NotConfigured(
                "The secrets file's [smtp] section needs both a username and a password, or neither"
            )
        self.from_address = str(address) if address.display_name else address.addr_spec
        self._envelope_from = address.addr_spec
        self._domain = address.domain
        self._credentials = (username, password) if username and password else None
        self.timeout_s = timeout_s
        self._context = ssl_context or ssl.create_default_context()

    def describe(self) -> str:
        login = " with a username and password" if self._credentials else ""
        return f"email through {self.server.url}{login}, from {self.from_address}"

    def compose(self, message: Message) -> EmailMessage:
        """The email as it will be sent (a new Message-ID each time it is composed)."""
        # Headers on one line (up to SMTP's 998 characters), not folded at 78: Python folds a
        # long subject onto a continuation line, which some readers then show with a leading
        # space.
        email = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
        email["From"] = self.from_address
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=True)
        email["Message-ID"] = make_msgid(domain=self._domain)
        email[REFERENCE_HEADER] = message.reference
        email[KIND_HEADER] = message.kind
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(message.text())
        return email

    def send(self, message: Message) -> SendResult:
        email = self.compose(message)
        message_id = str(email["Message-ID"])
        smtp: smtplib.SMTP | None = None
        try:
            smtp = self._connect()
            self._secure(smtp)
            if self._credentials:
                smtp.login(*self._credentials)
            refused = smtp.send_message(email, from_addr=self._envelope_from, to_addrs=[message.to])
        except (_Refused, smtplib.SMTPException, OSError) as error:
            result = self._failure(error, message)
            log.warning("SMTP send of %s failed: %s", message.reference, result.error)
            return result
        finally:
            if smtp is not None:
                _close_quietly(smtp)
        if refused:  # only when some of several recipients are refused; kept for completeness
            code, reply = refused[message.to]
            return self._refusal(code, reply, f"refused the address {message.to}")
        log.info("SMTP accepted %s as %s", message.reference, message_id)
        return SendResult.sent("smtp", message_id)

    # --------------------------------------------------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        host, port = self.server.host, self.server.port
        if self.server.security == "tls":
            return smtplib.SMTP_SSL(host, port, timeout=self.timeout_s, context=self._context)
        return smtplib.SMTP(host, port, timeout=self.timeout_s)

    def _secure(self, smtp: smtplib.SMTP) -> None:
        """STARTTLS as the URL asks; refuse to send a password over a plain connection."""
        if self.server.security == "tls":
            return
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=self._context)
            smtp.ehlo()
            return
        if self.server.security == "starttls":
            raise _Refused(
                f"The mail server at {self.server.url} does not offer STARTTLS, which the URL "
                "requires: use smtp:// to send without encryption, or a server that offers it",
                retryable=False,
            )
        if self._credentials:
            raise _Refused(
                f"The mail server at {self.server.url} does not offer STARTTLS, so the SMTP "
                "password was not sent over an unencrypted connection: use a server that offers "
                "STARTTLS, or smtps:// if it speaks TLS from the start",
                retryable=False,
            )

    def _failure(self, error: BaseException, message: Message) -> SendResult:
        """A send problem as a result: what happened, in words, and whether to try again."""
        where = self.server.url
        match error:
            case _Refused():
                return SendResult.failed("smtp", str(error), retryable=error.retryable)
            case smtplib.SMTPRecipientsRefused():
                code, reply = next(iter(error.recipients.values()))
                return self._refusal(code, reply, f"refused the address {message.to}")
            case smtplib.SMTPSenderRefused():
                what = f"refused the From address {self._envelope_from} (WDP_SMTP_FROM)"
                return self._refusal(error.smtp_code, error.smtp_error, what)
            case smtplib.SMTPAuthenticationError():
                what = "refused the username and password in the secrets file's [smtp] section"
                return self._refusal(error.smtp_code, error.smtp_error, what)
            case smtplib.SMTPDataError():
                return self._refusal(error.smtp_code, error.smtp_error, "refused the message")
            case smtplib.SMTPConnectError():
                what = "turned the connection away"
                return self._refusal(error.smtp_code, error.smtp_error, what)
            case smtplib.SMTPResponseException():
                what = "answered with an error"
                return self._refusal(error.smtp_code, error.smtp_error, what)
            case smtplib.SMTPNotSupportedError():
                return SendResult.failed(
                    "smtp",
                    f"The mail server at {where} cannot do what sending needs ({error}): check "
                    "WDP_SMTP_URL and the [smtp] username and password in the secrets file",
                    retryable=False,
                )
            case smtplib.SMTPServerDisconnected() if isinstance(error.__context__, TimeoutError):
                # smtplib reports a reply that never came as a disconnection
                return SendResult.failed(
                    "smtp",
                    f"The mail server at {where} did not answer within {self.timeout_s:g} s",
                    retryable=True,
                )
            case smtplib.SMTPServerDisconnected():
                return SendResult.failed(
                    "smtp",
                    f"The mail server at {where} closed the connection before accepting the "
                    "message",
                    retryable=True,
                )
            case smtplib.SMTPException():
                return SendResult.failed(
                    "smtp", f"The mail server at {where}: {error}", retryable=False
                )
            case ssl.SSLCertVerificationError():
                return SendResult.failed(
                    "smtp",
                    f"The mail server at {where} has a certificate that could not be trusted "
                    f"({error.verify_message}): the server's name in WDP_SMTP_URL must match its "
                    "certificate, and an organisation's own authority can be added with "
                    "SSL_CERT_FILE",
                    retryable=False,
                )
            case ssl.SSLError():
                return SendResult.failed(
                    "smtp",
                    f"Could not make an encrypted connection to {where} ({error.reason}): "
                    "smtps:// is for a port that speaks TLS from the start (usually 465), "
                    "smtp+starttls:// for one that starts plain and offers STARTTLS (usually 587)",
                    retryable=False,
                )
            case ConnectionRefusedError():
                return SendResult.failed(
                    "smtp",
                    f"No mail server is answering at {where} (connection refused)",
                    retryable=True,
                )
            case TimeoutError():
                return SendResult.failed(
                    "smtp",
                    f"The mail server at {where} did not answer within {self.timeout_s:g} s",
                    retryable=True,
                )
            case socket.gaierror():
                return SendResult.failed(
                    "smtp",
                    f"The mail server's name {self.server.host!r} could not be looked up "
                    f"({error.strerror})",
                    retryable=True,
                )
            case _:
                reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
                return SendResult.failed(
                    "smtp", f"Could not reach the mail server at {where}: {reason}", retryable=True
                )

    def _refusal(self, code: int, reply: bytes | str, what: str) -> SendResult:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
        temporary = not 500 <= code < 600  # 4xx, or no code at all: worth another go
        return SendResult.failed(
            "smtp",
            f"The mail server at {self.server.url} {what}: {code} {text.strip()}",
            retryable=temporary,
        )


def _close_quietly(smtp: smtplib.SMTP) -> None:
    """Say goodbye; a failure here changes nothing about the message, so it is only logged."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError) as error:
        log.debug("SMTP QUIT failed (%s); closing", error)
        smtp.close()
