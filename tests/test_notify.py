"""The sending layer for reminders (wdp.notify), against real protocol servers on 127.0.0.1: an
SMTP server (aiosmtpd, in a thread; with STARTTLS, TLS and a login on a throw-away certificate)
and an HTTP server standing in for GOV.UK Notify's API, which the official client talks to.
Nothing leaves the machine, and no other process starts (threads only: the unit tier)."""

from __future__ import annotations

import ast
import json
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.mailservers import (
    FROM,
    LEAD,
    LINK,
    NOTIFY_KEY,
    SERVICE_ID,
    SIGNING_SECRET,
    SMTP_USER,
    SMTP_WORD,
    TEMPLATES,
    Mailbox,
    NotifyStandIn,
    free_port,
    notify_sender,
)
from wdp.notify import (
    HOW_TO_CONFIGURE,
    REFERENCE_HEADER,
    Message,
    NotConfigured,
    NotifySender,
    SendResult,
    SmtpSender,
    sender_from_settings,
)
from wdp.notify.smtp import parse_smtp_url

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ("WDP_SMTP_URL", "WDP_SMTP_FROM", "WDP_NOTIFY_BASE_URL", "WDP_SECRETS")


def reminder(to: str = LEAD, **changes: Any) -> Message:
    fields: dict[str, Any] = {
        "to": to,
        "kind": "due_soon",
        "subject": "Your 2018-19 Q2 return for Preston is due on 30 October",
        "body": "Hello,\n\nPreston's 2018-19 Q2 return is due on 30 October. Upload it here:",
        "link": LINK,
        "reference": "due_soon:WDP-PRE:2018-19 Q2:2018-10-23",
        "personalisation": {"pathfinder": "Preston", "due_date": "30 October"},
    }
    return Message(**(fields | changes))


@pytest.fixture(autouse=True)
def _no_settings_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets what it needs; nothing leaks in from the machine's environment."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)


def test_an_email_arrives_with_its_subject_body_link_and_reference(smtp_server) -> None:
    mailbox, port = smtp_server()
    sender = SmtpSender(f"smtp://127.0.0.1:{port}", from_address=FROM)
    message = reminder()

    result = sender.send(message)

    assert result.ok and result.provider == "smtp" and not result.retryable
    [got] = mailbox.received
    assert (got.mail_from, got.rcpt_tos) == ("wdp-reminders@example.nhs.uk", [LEAD])
    email = got.email
    assert email["From"] == FROM and email["To"] == LEAD
    assert email["Subject"] == message.subject
    assert email["Message-ID"] == result.provider_id
    assert result.provider_id.endswith("@example.nhs.uk>")
    assert email[REFERENCE_HEADER] == message.reference
    assert email["X-WDP-Kind"] == "due_soon"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Date"]
    text = got.text()
    assert text.startswith("Hello,\n\nPreston's 2018-19 Q2 return is due on 30 October.")
    assert text.rstrip().endswith("\n\n" + LINK)
    assert not got.encrypted  # this server offers no STARTTLS, and no password was involved


def test_the_link_is_not_repeated_when_the_body_already_has_it(smtp_server) -> None:
    mailbox, port = smtp_server()
    body = f"Upload it at {LINK} before 30 October."
    SmtpSender(f"smtp://127.0.0.1:{port}", from_address=FROM).send(reminder(body=body))
    assert mailbox.received[0].text().count(LINK) == 1


def test_starttls_is_used_whenever_the_server_offers_it(smtp_server, certificate) -> None:
    mailbox, port = smtp_server(tls_context=certificate.server_context())
    sender = SmtpSender(
        f"smtp://127.0.0.1:{port}", from_address=FROM, ssl_context=certificate.client_context()
    )
    assert sender.send(reminder()).ok
    assert mailbox.received[0].encrypted


def test_a_login_goes_over_starttls_and_a_wrong_password_is_permanent(
    smtp_server, certificate
) -> None:
    mailbox = Mailbox()
    _, port = smtp_server(
        mailbox,
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=mailbox.authenticate,
        auth_required=True,
    )
    url = f"smtp+starttls://127.0.0.1:{port}"
    context = certificate.client_context()

    good = SmtpSender(
        url, from_address=FROM, username=SMTP_USER, password=SMTP_WORD, ssl_context=context
    )
    assert good.send(reminder()).ok
    [got] = mailbox.received
    assert got.encrypted and got.login == SMTP_USER

    bad = SmtpSender(
        url, from_address=FROM, username=SMTP_USER, password=SMTP_WORD[::-1], ssl_context=context
    )
    result = bad.send(reminder())
    assert (result.status, result.retryable) == ("failed", False)
    assert "refused the username and password in the secrets file's [smtp] section: 535" in (
        result.error or ""
    )
    assert len(mailbox.received) == 1


def test_a_server_that_insists_on_a_login_refuses_a_sender_without_one(
    smtp_server, certificate
) -> None:
    mailbox = Mailbox()
    _, port = smtp_server(
        mailbox,
        tls_context=certificate.server_context(),
        authenticator=mailbox.authenticate,
        auth_required=True,
    )
    sender = SmtpSender(
        f"smtp://127.0.0.1:{port}", from_address=FROM, ssl_context=certificate.client_context()
    )
    result = sender.send(reminder())
    assert not result.ok and not result.retryable and "530" in (result.error or "")
    assert mailbox.received == []


def test_smtps_speaks_tls_from_the_first_byte(smtp_server, certificate) -> None:
    mailbox = Mailbox()
    _, port = smtp_server(
        mailbox,
        ssl_context=certificate.server_context(),
        authenticator=mailbox.authenticate,
        auth_require_tls=False,  # aiosmtpd only counts STARTTLS; this connection is all TLS
    )
    sender = SmtpSender(
        f"smtps://127.0.0.1:{port}",
        from_address=FROM,
        username=SMTP_USER,
        password=SMTP_WORD,
        ssl_context=certificate.client_context(),
    )
    assert sender.send(reminder()).ok
    [got] = mailbox.received
    assert got.encrypted and got.login == SMTP_USER


def test_a_password_is_never_sent_over_an_unencrypted_connection(smtp_server) -> None:
    mailbox = Mailbox()
    _, port = smtp_server(mailbox, authenticator=mailbox.authenticate, auth_require_tls=False)
    sender = SmtpSender(
        f"smtp://127.0.0.1:{port}", from_address=FROM, username=SMTP_USER, password=SMTP_WORD
    )
    result = sender.send(reminder())
    assert not result.ok and not result.retryable
    assert "does not offer STARTTLS, so the SMTP password was not sent" in (result.error or "")
    assert mailbox.logins == [] and mailbox.received == []


def test_starttls_required_by_the_url_but_not_offered_is_permanent(smtp_server) -> None:
    mailbox, port = smtp_server()
    result = SmtpSender(f"smtp+starttls://127.0.0.1:{port}", from_address=FROM).send(reminder())
    assert not result.ok and not result.retryable
    assert "does not offer STARTTLS, which the URL requires" in (result.error or "")
    assert mailbox.received == []


def test_a_certificate_nobody_vouches_for_is_a_permanent_failure(smtp_server, certificate) -> None:
    mailbox, port = smtp_server(tls_context=certificate.server_context())
    # The system's trusted authorities only: the throw-away certificate is not among them.
    result = SmtpSender(f"smtp+starttls://127.0.0.1:{port}", from_address=FROM).send(reminder())
    assert not result.ok and not result.retryable
    assert "certificate that could not be trusted" in (result.error or "")
    assert mailbox.received == []


def test_smtps_to_a_plain_port_says_which_scheme_is_which(smtp_server) -> None:
    _, port = smtp_server()
    result = SmtpSender(f"smtps://127.0.0.1:{port}", from_address=FROM, timeout_s=5).send(
        reminder()
    )
    assert not result.ok and not result.retryable
    assert "smtps:// is for a port that speaks TLS from the start" in (result.error or "")


@pytest.mark.parametrize(
    ("to", "code", "retryable"),
    [("nobody@example.nhs.uk", 550, False), ("busy@example.nhs.uk", 450, True)],
)
def test_a_refused_address_is_permanent_for_5xx_and_retryable_for_4xx(
    smtp_server, to: str, code: int, retryable: bool
) -> None:
    mailbox, port = smtp_server()
    result = SmtpSender(f"smtp://127.0.0.1:{port}", from_address=FROM).send(reminder(to=to))
    assert (result.status, result.provider, result.retryable) == ("failed", "smtp", retryable)
    assert result.error and f"refused the address {to}: {code} " in result.error
    assert mailbox.received == []


def test_a_server_that_is_down_is_a_retryable_failure() -> None:
    port = free_port()  # nothing listens here
    result = SmtpSender(f"smtp://127.0.0.1:{port}", from_address=FROM).send(reminder())
    assert (result.status, result.retryable) == ("failed", True)
    assert (
        result.error
        == f"No mail server is answering at smtp://127.0.0.1:{port} (connection refused)"
    )


def test_a_server_that_never_answers_times_out_retryably() -> None:
    with socket.socket() as silent:  # accepts the connection (backlog), never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        started = time.monotonic()
        result = SmtpSender(f"smtp://127.0.0.1:{port}", from_address=FROM, timeout_s=0.5).send(
            reminder()
        )
    assert time.monotonic() - started < 5
    assert (result.status, result.retryable) == ("failed", True)
    assert "did not answer within 0.5 s" in (result.error or "")


def test_an_accepted_message_is_sent_even_if_goodbye_fails(smtp_server) -> None:
    mailbox, port = smtp_server(Mailbox(quit_delay_s=2.0))
    result = SmtpSender(f"smtp://127.0.0.1:{port}", from_address=FROM, timeout_s=0.5).send(
        reminder()
    )
    assert result.ok  # reporting a failure now would make the caller send it twice
    assert len(mailbox.received) == 1


@pytest.mark.parametrize(
    ("from_address", "words"),
    [
        ("not an address", "should be one email address"),
        ("a@example.nhs.uk, b@example.nhs.uk", "should be one email address"),
        ("a@example.nhs.uk\r\nBcc: everyone@example.nhs.uk", "is not an email address"),
    ],
)
def test_a_bad_from_address_is_refused_when_the_sender_is_made(
    from_address: str, words: str
) -> None:
    with pytest.raises(NotConfigured, match=f"WDP_SMTP_FROM .* {words}"):
        SmtpSender("smtp://127.0.0.1:2525", from_address=from_address)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://mail.example:25", "should start smtp://, smtp+starttls:// or smtps://"),
        ("smtp://me:pw@127.0.0.1:25", "must not carry a username or password"),
        ("smtp://127.0.0.1:notaport", "the server's name and port only"),
        ("smtp://", "the server's name and port only"),
    ],
)
def test_a_bad_smtp_url_says_what_is_wrong(url: str, words: str) -> None:
    with pytest.raises(NotConfigured, match=words.replace("+", r"\+")):
        parse_smtp_url(url)


def test_each_scheme_has_its_usual_port() -> None:
    assert [
        (s.port, s.security)
        for s in map(parse_smtp_url, ("smtp://m", "smtp+starttls://m", "smtps://m"))
    ] == [(25, "starttls-if-offered"), (587, "starttls"), (465, "tls")]


def test_notify_gets_the_template_personalisation_and_reference_with_a_signed_token(
    notify: NotifyStandIn,
) -> None:
    message = reminder()
    result = notify_sender(notify).send(message)

    [request] = notify.requests
    assert result.ok and result.provider == "notify"
    assert result.provider_id and uuid.UUID(result.provider_id)
    assert request["path"] == "/v2/notifications/email"
    assert request["json"] == {
        "email_address": LEAD,
        "template_id": TEMPLATES["due_soon"],
        "personalisation": {
            "subject": message.subject,
            "body": message.body,
            "link": LINK,
            "pathfinder": "Preston",
            "due_date": "30 October",
        },
        "reference": message.reference,
    }
    scheme, token = request["headers"]["Authorization"].split(" ")
    assert scheme == "Bearer"
    claims = jwt.decode(token, key=SIGNING_SECRET, algorithms=["HS256"])
    assert claims["iss"] == SERVICE_ID and abs(claims["iat"] - time.time()) < 30
    with pytest.raises(jwt.InvalidSignatureError):  # signed with the secret, and only with it
        jwt.decode(token, key=SERVICE_ID, algorithms=["HS256"])


def test_a_kind_without_its_own_template_uses_the_default(notify: NotifyStandIn) -> None:
    assert notify_sender(notify).send(reminder(kind="digest")).ok
    assert notify.requests[0]["json"]["template_id"] == TEMPLATES["default"]


def test_a_kind_with_no_template_at_all_fails_plainly(notify: NotifyStandIn) -> None:
    sender = NotifySender(NOTIFY_KEY, templates={"late": TEMPLATES["late"]}, base_url=notify.url)
    result = sender.send(reminder(kind="digest"))
    assert not result.ok and not result.retryable
    assert result.error == (
        "No GOV.UK Notify template is set for digest messages: add digest (or default) under "
        "[notify.templates] in the secrets file"
    )
    assert notify.requests == []


@pytest.mark.parametrize(
    ("status", "error", "message", "retryable", "words"),
    [
        (500, "Exception", "Internal server error", True, "had a problem of its own (500)"),
        (
            429,
            "RateLimitError",
            "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
            True,
            "is limiting how fast this service sends (429)",
        ),
        (
            400,
            "BadRequestError",
            "Can't send to this recipient using a team-only API key",
            False,
            "refused the message (400)",
        ),
        (
            403,
            "AuthError",
            "Invalid token: API key not found",
            False,
            "refused the API key (api_key under [notify] in the secrets file) (403)",
        ),
    ],
)
def test_notify_errors_are_retryable_for_5xx_and_429_and_permanent_for_400_and_403(
    notify: NotifyStandIn, status: int, error: str, message: str, retryable: bool, words: str
) -> None:
    notify.status = status
    notify.body = {"status_code": status, "errors": [{"error": error, "message": message}]}
    result = notify_sender(notify).send(reminder())
    assert result == SendResult.failed(
        "notify", f"GOV.UK Notify {words}: {message}", retryable=retryable
    )


def test_an_error_page_that_is_not_notify_talking_is_reported_by_its_status(
    notify: NotifyStandIn,
) -> None:
    notify.status, notify.body = 502, b"<html><body>nginx: bad gateway</body></html>"
    result = notify_sender(notify).send(reminder())
    assert result == SendResult.failed(
        "notify", "GOV.UK Notify had a problem of its own (502): Bad Gateway", retryable=True
    )


def test_notify_out_of_reach_is_retryable() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    result = NotifySender(NOTIFY_KEY, templates=TEMPLATES, base_url=url).send(reminder())
    assert result == SendResult.failed(
        "notify", f"Could not reach GOV.UK Notify at {url}: connection refused", retryable=True
    )


def test_a_success_that_cannot_be_read_is_not_sent_again(notify: NotifyStandIn) -> None:
    notify.body = b"<html>ok</html>"
    result = notify_sender(notify).send(reminder())
    assert not result.ok and not result.retryable  # it may well have gone: never guess twice
    assert f"look for reference {reminder().reference} in Notify" in (result.error or "")


@pytest.mark.parametrize(
    ("key", "templates", "base_url", "words"),
    [
        ("just-a-token", TEMPLATES, "https://api.example", "not in Notify's form"),
        (NOTIFY_KEY, {"weekly": TEMPLATES["late"]}, "https://api.example", "weekly, which is not"),
        (NOTIFY_KEY, {"late": "template-1"}, "https://api.example", "late in the secrets file"),
        (NOTIFY_KEY, TEMPLATES, "http://api.example", "should be an https:// address"),
    ],
)
def test_notify_settings_that_cannot_work_are_refused_when_the_sender_is_made(
    key: str, templates: dict[str, str], base_url: str, words: str
) -> None:
    with pytest.raises(NotConfigured, match=words):
        NotifySender(key, templates=templates, base_url=base_url)


# ------------------------------------------------------------------------------------------------
# Choosing a sender from the settings
# ------------------------------------------------------------------------------------------------

NOTIFY_SECRETS = {"notify": {"api_key": NOTIFY_KEY, "templates": TEMPLATES}}


def write_secrets(path: Path, sections: dict[str, dict[str, str]]) -> Path:
    """A secrets file, as TOML (JSON strings are TOML strings)."""
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_notify_is_chosen_over_smtp_when_its_key_is_set(monkeypatch) -> None:
    monkeypatch.setenv("WDP_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("WDP_SMTP_FROM", FROM)
    monkeypatch.setenv("WDP_NOTIFY_BASE_URL", "http://127.0.0.1:9/")
    sender = sender_from_settings(NOTIFY_SECRETS)
    assert isinstance(sender, NotifySender)
    assert sender.describe() == "GOV.UK Notify at http://127.0.0.1:9"


def test_notify_defaults_to_its_public_api() -> None:
    sender = sender_from_settings(NOTIFY_SECRETS)
    assert isinstance(sender, NotifySender)
    assert sender.base_url == "https://api.notifications.service.gov.uk"


def test_smtp_alone_is_chosen_with_its_login_from_the_secrets_file(
    monkeypatch, tmp_path: Path, smtp_server, certificate
) -> None:
    mailbox = Mailbox()
    _, port = smtp_server(
        mailbox, tls_context=certificate.server_context(), authenticator=mailbox.authenticate
    )
    secrets = write_secrets(
        tmp_path / "secrets.toml", {"smtp": {"username": SMTP_USER, "password": SMTP_WORD}}
    )
    monkeypatch.setenv("WDP_SECRETS", str(secrets))
    monkeypatch.setenv("WDP_SMTP_URL", f"smtp+starttls://127.0.0.1:{port}")
    monkeypatch.setenv("WDP_SMTP_FROM", FROM)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))  # how a site trusts its own CA

    sender = sender_from_settings()

    assert isinstance(sender, SmtpSender)
    assert sender.describe() == (
        f"email through smtp+starttls://127.0.0.1:{port} with a username and password, from {FROM}"
    )
    assert sender.send(reminder()).ok
    assert mailbox.received[0].login == SMTP_USER


def test_with_neither_not_configured_says_how_to_set_up_either() -> None:
    with pytest.raises(NotConfigured) as raised:
        sender_from_settings({})
    said = str(raised.value)
    assert said.startswith("Reminders cannot be sent: neither GOV.UK Notify nor an SMTP server")
    assert said.endswith(HOW_TO_CONFIGURE)
    for words in (
        "api_key under [notify]",
        "[notify.templates]",
        "WDP_SMTP_URL",
        "WDP_SMTP_FROM",
        "[smtp]",
        "WDP_SECRETS",
        "secrets.toml.example",
    ):
        assert words in said


def test_a_notify_key_without_every_template_is_an_error_not_a_fall_back(monkeypatch) -> None:
    monkeypatch.setenv("WDP_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("WDP_SMTP_FROM", FROM)
    templates = {"late": TEMPLATES["late"], "due_today": TEMPLATES["due_today"]}
    with pytest.raises(NotConfigured, match="no template for due_soon, rejected, digest messages"):
        sender_from_settings({"notify": {"api_key": NOTIFY_KEY, "templates": templates}})


def test_smtp_without_a_from_address_says_so(monkeypatch) -> None:
    monkeypatch.setenv("WDP_SMTP_URL", "smtp://127.0.0.1:2525")
    with pytest.raises(NotConfigured, match="WDP_SMTP_FROM is not"):
        sender_from_settings({})


def test_an_smtp_username_without_a_password_says_so(monkeypatch) -> None:
    monkeypatch.setenv("WDP_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("WDP_SMTP_FROM", FROM)
    with pytest.raises(NotConfigured, match="both a username and a password"):
        sender_from_settings({"smtp": {"username": SMTP_USER}})


def test_a_named_secrets_file_must_exist_and_be_toml(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WDP_SECRETS", str(tmp_path / "missing.toml"))
    with pytest.raises(NotConfigured, match=r"missing\.toml does not exist"):
        sender_from_settings()
    broken = tmp_path / "broken.toml"
    broken.write_text("[notify\n")
    monkeypatch.setenv("WDP_SECRETS", str(broken))
    with pytest.raises(NotConfigured, match=r"broken\.toml could not be read as TOML"):
        sender_from_settings()


def test_the_example_secrets_file_shows_every_key_the_senders_read() -> None:
    example = (ROOT / ".streamlit" / "secrets.toml.example").read_text()
    for key in (
        "[notify]",
        "api_key",
        "[notify.templates]",
        "due_soon",
        "due_today",
        "late",
        "rejected",
        "digest",
        "default",
        "[smtp]",
        "username",
        "password",
    ):
        assert key in example


# ------------------------------------------------------------------------------------------------
# What a message may be, and what the package may import
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"to": "a@example.nhs.uk, b@example.nhs.uk"}, "not one email address"),
        ({"to": "Lead <lead@example.nhs.uk>"}, "not one email address"),
        ({"subject": "Due\r\nBcc: everyone@example.nhs.uk"}, "subject must be one line"),
        ({"reference": ""}, "reference must be one line"),
        ({"kind": "weekly"}, "not a kind of message"),
        ({"link": "javascript:alert(1)"}, "link must be a web address"),
        ({"body": " "}, "body must not be empty"),
    ],
)
def test_a_malformed_message_is_refused_when_it_is_made(changes: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        reminder(**changes)


def test_a_message_cannot_be_changed_once_made() -> None:
    message = reminder()
    with pytest.raises(TypeError):
        message.personalisation["pathfinder"] = "Elsewhere"  # type: ignore[index]


def test_a_send_result_is_either_sent_with_an_id_or_failed_with_a_reason() -> None:
    with pytest.raises(ValueError):
        SendResult(status="sent", provider="smtp")
    with pytest.raises(ValueError):
        SendResult(status="failed", provider="notify")


def test_the_sending_layer_imports_no_streamlit_database_or_driver() -> None:
    forbidden = ("streamlit", "duckdb", "psycopg", "wdp.db", "wdp.ui", "wdp.services", "etl")
    found = []
    for path in sorted((ROOT / "wdp" / "notify").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [
                f"{path.name}: {name}"
                for name in names
                if any(name == f or name.startswith(f + ".") for f in forbidden)
            ]
    assert found == []


def test_a_long_subject_and_reference_arrive_exactly_as_written(smtp_server) -> None:
    mailbox, port = smtp_server()
    subject = "Your 2018-19 Q2 return for Barking and Dagenham is overdue (it was due on 30 Oct)"
    reference = "late:WDP-BAR:2018-19 Q2:someone.with.a.long.name@example.nhs.uk:week 12"
    message = reminder(subject=subject, reference=reference)
    assert SmtpSender(f"smtp://127.0.0.1:{port}", from_address=FROM).send(message).ok
    [received] = mailbox.received
    assert str(received.email["Subject"]) == subject  # not folded onto a line of its own
    assert str(received.email[REFERENCE_HEADER]) == reference
