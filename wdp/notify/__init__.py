"""The sending layer for reminders (issue 16): "send this message to this address" in, a
delivered message or a plain-English failure out.

- ``Message`` / ``SendResult`` / ``Sender``: what is sent and what became of it (message.py);
- ``SmtpSender``: any SMTP server, STARTTLS or TLS, with a login from the secrets (smtp.py);
- ``NotifySender``: GOV.UK Notify through its official client, a template per kind (gov_notify.py);
- ``sender_from_settings``: Notify when its key is in the secrets, else SMTP when
  ``WDP_SMTP_URL`` is set, else ``NotConfigured`` saying how (config.py).

What is due, the message log and sending each message exactly once belong to the callers. This
package holds no state, reads no database, and imports neither streamlit nor ``wdp.db``.
"""

from wdp.notify.config import HOW_TO_CONFIGURE, read_secrets, secrets_file, sender_from_settings
from wdp.notify.gov_notify import NotifySender
from wdp.notify.message import KINDS, Kind, Message, NotConfigured, Provider, Sender, SendResult
from wdp.notify.smtp import REFERENCE_HEADER, SmtpSender

__all__ = [
    "HOW_TO_CONFIGURE",
    "KINDS",
    "REFERENCE_HEADER",
    "Kind",
    "Message",
    "NotConfigured",
    "NotifySender",
    "Provider",
    "SendResult",
    "Sender",
    "SmtpSender",
    "read_secrets",
    "secrets_file",
    "sender_from_settings",
]
