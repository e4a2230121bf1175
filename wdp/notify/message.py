"""What the sending layer is asked to send, and what it answers.

A ``Message`` is one email to one work address, fully worded by the caller; a ``Sender`` turns it
into a ``SendResult`` and never raises for a problem with the send itself (a server down, an
address refused, a key rejected): the result says what happened in plain English and whether
trying again later could help. A ``Message`` that is malformed (two addresses, a subject with a
line break) is a bug in the caller and raises ``ValueError`` when it is made, so nothing
malformed reaches a mail header or a provider.

Invariants:
- ``Message.reference`` is the caller's stable key for this message (the same reminder gets the
  same reference however often it is attempted); it travels with the message (Notify's
  ``reference``, SMTP's ``X-WDP-Reference`` header) so a delivered copy can be matched to its
  record.
- A ``SendResult`` is either sent (with the provider's id for it, never retryable) or failed (with
  an error sentence, retryable or not).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, Protocol, get_args

Kind = Literal["due_soon", "due_today", "late", "rejected", "digest"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Provider = Literal["notify", "smtp"]
Status = Literal["sent", "failed"]
# Values Notify accepts for a template's ((placeholders)): text, numbers, or a list (bullets).
PersonalisationValue = str | int | float | list[str]

# One plain address: no display name, no list, nothing a header could be split on.
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+")
_LINE_BREAK = re.compile(r"[\r\n\x00]")


class NotConfigured(Exception):
    """Sending is not set up, or set up wrongly: the message says what to set, and where."""


@dataclass(frozen=True, kw_only=True)
class Message:
    """One email to one person, worded by the caller.

    ``personalisation`` fills a Notify template's ((placeholders)); the sender also supplies
    ``subject``, ``body`` and ``link`` as placeholders unless the caller's dict names them. SMTP
    sends ``text()``: the body, then the link (unless the body already contains it).
    """

    to: str
    kind: Kind
    subject: str
    body: str
    link: str
    reference: str
    personalisation: Mapping[str, PersonalisationValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _ADDRESS.fullmatch(self.to):
            raise ValueError(f"{self.to!r} is not one email address a reminder can go to")
        if self.kind not in KINDS:
            raise ValueError(f"{self.kind!r} is not a kind of message ({', '.join(KINDS)})")
        for name in ("subject", "reference"):
            value = getattr(self, name)
            if not value.strip() or _LINE_BREAK.search(value):
                raise ValueError(f"A message's {name} must be one line of text, not {value!r}")
        if not self.body.strip():
            raise ValueError("A message's body must not be empty")
        if not self.link.startswith(("https://", "http://")) or _LINE_BREAK.search(self.link):
            raise ValueError(f"A message's link must be a web address, not {self.link!r}")
        # Frozen all the way down: nobody changes what was asked for after it was made.
        object.__setattr__(self, "personalisation", MappingProxyType(dict(self.personalisation)))

    def text(self) -> str:
        """The plain-text email: the body, then the link on its own line if the body lacks it."""
        body = self.body.rstrip()
        return f"{body}\n" if self.link in body else f"{body}\n\n{self.link}\n"

    def placeholders(self) -> dict[str, PersonalisationValue]:
        """A Notify template's personalisation: subject, body and link, then the caller's own
        values (which win)."""
        return {"subject": self.subject, "body": self.body, "link": self.link} | dict(
            self.personalisation
        )


@dataclass(frozen=True, kw_only=True)
class SendResult:
    """What became of one attempt to send a message."""

    status: Status
    provider: Provider
    provider_id: str | None = None  # Notify's notification id, or the SMTP Message-ID
    error: str | None = None  # plain English, for a person to read
    retryable: bool = False  # a failure that trying again later could cure

    def __post_init__(self) -> None:
        if self.status == "sent" and (not self.provider_id or self.error or self.retryable):
            raise ValueError("A sent message has a provider id and no error")
        if self.status == "failed" and not self.error:
            raise ValueError("A failed message says why")

    @classmethod
    def sent(cls, provider: Provider, provider_id: str) -> SendResult:
        return cls(status="sent", provider=provider, provider_id=provider_id)

    @classmethod
    def failed(cls, provider: Provider, error: str, *, retryable: bool) -> SendResult:
        return cls(status="failed", provider=provider, error=error, retryable=retryable)

    @property
    def ok(self) -> bool:
        return self.status == "sent"


class Sender(Protocol):
    """Anything that sends a ``Message``: ``SmtpSender`` or ``NotifySender``."""

    provider: Provider

    def send(self, message: Message) -> SendResult:
        """Send one message; never raises for a problem with the send itself."""
        ...

    def describe(self) -> str:
        """Where messages go, for a person (no secrets): e.g. "GOV.UK Notify" or an SMTP URL."""
        ...
