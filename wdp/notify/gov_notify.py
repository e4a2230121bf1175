"""Sending a message through GOV.UK Notify, with its official client (notifications-python-client).

Each kind of message has an email template in Notify (``[notify.templates]`` in the secrets file:
one per kind, or a ``default`` for the kinds without their own). The template's ((placeholders))
are filled from ``Message.placeholders()``: ``subject``, ``body`` and ``link`` always, plus the
caller's own values. The caller's ``reference`` is passed as Notify's ``reference``, so a
notification can be found in Notify by it.

Invariants:
- The API key has Notify's shape, ``{key name}-{service id}-{secret}`` (two UUIDs at the end):
  the client signs each request with a JWT made from the secret, issued by the service id. A key
  of another shape is refused when the sender is made, not when the first reminder fails.
- The key never crosses the network in clear: the base URL is https, or http only to this machine
  (a stand-in for tests).
- ``send`` never raises for a send problem. A 5xx, a 429 (rate limit) or no answer at all is
  retryable; a 400 or 403 (a bad address, a team-only key, an unknown template, a revoked key)
  is not, and its error carries Notify's own words.
- Notify does not deduplicate by ``reference``: sending the same message twice sends two emails.
  Exactly-once is the caller's bookkeeping. A timeout after the request went out is reported
  retryable, though Notify may have accepted it; a caller that must be sure can look the
  reference up in Notify before trying again (``find_sent``).
- The official client is not thread-safe, so each send makes its own (cheap: no I/O until sent).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from notifications_python_client.errors import APIError, HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from wdp.notify.message import KINDS, Kind, Message, NotConfigured, SendResult

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_TEMPLATE = "default"  # the template for every kind without its own
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
API_KEY = re.compile(rf"(?P<name>.+)-(?P<service_id>{_UUID})-(?P<secret>{_UUID})")
TEMPLATE_ID = re.compile(_UUID)
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class NotifySender:
    """Sends messages as GOV.UK Notify email notifications, one template per kind."""

    provider: Literal["notify"] = "notify"

    def __init__(
        self,
        api_key: str,
        *,
        templates: Mapping[str, str],
        base_url: str,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if not isinstance(api_key, str) or not API_KEY.fullmatch(api_key.strip()):
            raise NotConfigured(
                "The GOV.UK Notify API key (api_key under [notify] in the secrets file) is not "
                "in Notify's form, a key name then two long ids: copy the whole key from "
                "Notify's API integration page"
            )
        unknown = sorted(set(templates) - {*KINDS, DEFAULT_TEMPLATE})
        if unknown:
            raise NotConfigured(
                f"[notify.templates] in the secrets file names {', '.join(unknown)}, which is "
                f"not a kind of message: use {', '.join(KINDS)} or {DEFAULT_TEMPLATE}"
            )
        bad = sorted(k for k, v in templates.items() if not TEMPLATE_ID.fullmatch(str(v)))
        if bad:
            raise NotConfigured(
                f"[notify.templates] {', '.join(bad)} in the secrets file should be a template "
                "id from GOV.UK Notify (a long id such as 6f1c...-...), copied from the "
                "template's page"
            )
        parts = urlsplit(base_url)
        local = parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS
        if not parts.hostname or not (parts.scheme == "https" or local):
            raise NotConfigured(
                f"WDP_NOTIFY_BASE_URL {base_url!r} should be an https:// address (plain http "
                "only to this machine, for testing)"
            )
        self._api_key = api_key.strip()
        self.templates: dict[str, str] = {k: str(v) for k, v in templates.items()}
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def describe(self) -> str:
        return f"GOV.UK Notify at {self.base_url}"

    def template_for(self, kind: Kind) -> str | None:
        """The Notify template a kind of message is sent with (its own, else the default)."""
        return self.templates.get(kind) or self.templates.get(DEFAULT_TEMPLATE)

    def send(self, message: Message) -> SendResult:
        template = self.template_for(message.kind)
        if template is None:
            return SendResult.failed(
                "notify",
                f"No GOV.UK Notify template is set for {message.kind} messages: add "
                f"{message.kind} (or {DEFAULT_TEMPLATE}) under [notify.templates] in the secrets "
                "file",
                retryable=False,
            )
        client = NotificationsAPIClient(
            self._api_key, base_url=self.base_url, timeout=self.timeout_s
        )
        try:
            response: Any = client.send_email_notification(
                email_address=message.to,
                template_id=template,
                personalisation=message.placeholders(),
                reference=message.reference,
            )
        except HTTPError as error:
            result = self._failure(error)
            log.warning("Notify send of %s failed: %s", message.reference, result.error)
            return result
        except APIError:  # a success status whose body is not JSON (InvalidResponse)
            response = None
        finally:
            client.request_session.close()
        notification_id = response.get("id") if isinstance(response, dict) else None
        if not notification_id:
            # Notify answered "yes" but not with a notification: it may well have sent it, so
            # sending again could send twice. Say so rather than guess.
            return SendResult.failed(
                "notify",
                f"GOV.UK Notify accepted the message but its answer could not be read: look for "
                f"reference {message.reference} in Notify before sending it again",
                retryable=False,
            )
        log.info("Notify accepted %s as %s", message.reference, notification_id)
        return SendResult.sent("notify", str(notification_id))

    def find_sent(self, reference: str) -> str | None:
        """The id of a notification Notify holds under ``reference``: "" when it holds none,
        None when Notify could not be asked (so a caller never guesses "not sent")."""
        client = NotificationsAPIClient(
            self._api_key, base_url=self.base_url, timeout=self.timeout_s
        )
        try:
            response: Any = client.get_all_notifications(reference=reference)
        except (HTTPError, APIError) as error:
            log.warning("Notify lookup of %s failed: %s", reference, error)
            return None
        finally:
            client.request_session.close()
        notifications = response.get("notifications") if isinstance(response, dict) else None
        if not isinstance(notifications, list):
            return None
        for notification in notifications:
            if isinstance(notification, dict) and notification.get("reference") == reference:
                return str(notification.get("id") or "") or None
        return ""

    def _failure(self, error: HTTPError) -> SendResult:
        cause = error.__cause__
        if error.response is None:  # no answer at all: connection refused, timed out, reset
            if isinstance(cause, requests.Timeout):
                reason = f"no answer within {self.timeout_s:g} s"
            elif "refused" in str(cause).lower():
                reason = "connection refused"
            else:
                reason = "the connection failed"
            return SendResult.failed(
                "notify",
                f"Could not reach GOV.UK Notify at {self.base_url}: {reason}",
                retryable=True,
            )
        status = error.status_code
        said = notify_errors(error.response)
        if status == 429:
            what = "is limiting how fast this service sends"
        elif status >= 500:
            what = "had a problem of its own"
        elif status == 403:
            what = "refused the API key (api_key under [notify] in the secrets file)"
        else:
            what = "refused the message"
        return SendResult.failed(
            "notify",
            f"GOV.UK Notify {what} ({status}): {said}",
            retryable=status == 429 or status >= 500,
        )


def notify_errors(response: requests.Response) -> str:
    """Notify's own words from an error response (``{"errors": [{"error", "message"}]}``)."""
    try:
        body = response.json()
    except ValueError:  # not Notify talking (a proxy's error page): its status line will do
        return response.reason or "no explanation"
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list):
        words = [str(e.get("message") or e.get("error")) for e in errors if isinstance(e, dict)]
        if words:
            return "; ".join(words)
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return "no explanation"
