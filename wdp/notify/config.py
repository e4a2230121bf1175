"""Which sender the settings ask for: GOV.UK Notify, else SMTP, else a sentence saying how to set
one up.

Secrets live in the Streamlit-style secrets file (``.streamlit/secrets.toml``, never in git; the
command line reads the file named by ``WDP_SECRETS`` instead when it is set, and the app may pass
``st.secrets``)::

    [notify]
    api_key = "..."            # GOV.UK Notify's API key: chooses Notify
    [notify.templates]         # a template id per kind, or default for the rest
    due_soon = "..."
    default = "..."
    [smtp]
    username = "..."           # only if the mail server wants a login
    password = "..."

Everything else is an environment setting read by ``wdp.config`` (``WDP_SMTP_URL``,
``WDP_SMTP_FROM``, ``WDP_NOTIFY_BASE_URL``).

Invariants: a Notify API key in the secrets chooses Notify, and then every kind of message must
have a template (a half-set-up Notify is an error, never a silent fall back to email); without
one, ``WDP_SMTP_URL`` chooses SMTP; with neither, ``NotConfigured`` explains both ways.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wdp import config
from wdp.notify.gov_notify import DEFAULT_TEMPLATE, NotifySender
from wdp.notify.message import KINDS, NotConfigured, Sender
from wdp.notify.smtp import SmtpSender

HOW_TO_CONFIGURE = (
    "For GOV.UK Notify, put its API key in the secrets file as api_key under [notify], with a "
    f"template id for each kind of message under [notify.templates] ({', '.join(KINDS)}, or "
    f"{DEFAULT_TEMPLATE} for all). For email by SMTP, set WDP_SMTP_URL (e.g. "
    "smtp+starttls://mail.example.nhs.uk:587) and WDP_SMTP_FROM, with any username and password "
    "under [smtp] in the secrets file. The secrets file is .streamlit/secrets.toml, or the file "
    "WDP_SECRETS names; .streamlit/secrets.toml.example shows the keys."
)


def secrets_file() -> Path:
    """The secrets file the command line reads: ``WDP_SECRETS``, else .streamlit/secrets.toml."""
    return config.secrets_setting() or config.DEFAULT_SECRETS_FILE


def read_secrets(path: Path | None = None) -> dict[str, Any]:
    """The secrets file's contents; empty when the default file is absent (nothing secret is
    needed for an SMTP server without a login). A file named by ``WDP_SECRETS`` or by the caller
    must exist, and a file that is not TOML is an error, not an empty set of secrets."""
    explicit = path or config.secrets_setting()
    path = explicit or config.DEFAULT_SECRETS_FILE
    if not path.is_file():
        if explicit:
            raise NotConfigured(f"The secrets file {path} does not exist (WDP_SECRETS names it)")
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise NotConfigured(f"The secrets file {path} could not be read as TOML: {error}") from None


def sender_from_settings(secrets: Mapping[str, Any] | None = None) -> Sender:
    """The sender the settings ask for (``secrets``: ``st.secrets`` in the app; default: the
    secrets file). ``NotConfigured`` says what is missing or wrong, in words a person can act on."""
    secrets = read_secrets() if secrets is None else secrets
    notify = _section(secrets, "notify")
    if notify.get("api_key"):
        templates = _section(notify, "templates")
        missing = [kind for kind in KINDS if kind not in templates]
        if missing and DEFAULT_TEMPLATE not in templates:
            raise NotConfigured(
                "GOV.UK Notify has an API key but no template for "
                f"{', '.join(missing)} messages: add their template ids under [notify.templates] "
                f"in the secrets file (or one {DEFAULT_TEMPLATE} for all)"
            )
        return NotifySender(
            str(notify["api_key"]), templates=templates, base_url=config.notify_base_url()
        )
    url = config.smtp_url()
    if url:
        from_address = config.smtp_from()
        if not from_address:
            raise NotConfigured(
                "WDP_SMTP_URL is set but WDP_SMTP_FROM is not: set it to the address reminders "
                "come from, e.g. WDP programme <wdp@example.nhs.uk>"
            )
        smtp = _section(secrets, "smtp")
        return SmtpSender(
            url,
            from_address=from_address,
            username=_text(smtp.get("username")),
            password=_text(smtp.get("password")),
        )
    raise NotConfigured(
        "Reminders cannot be sent: neither GOV.UK Notify nor an SMTP server is set up. "
        + HOW_TO_CONFIGURE
    )


def _section(secrets: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = secrets.get(name) or {}
    if not isinstance(section, Mapping):
        raise NotConfigured(f"[{name}] in the secrets file should be a section of keys")
    return section


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
