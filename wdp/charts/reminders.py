"""Tables about reminders: each pathfinder's last and next reminder (the Status page), and the
message log as people read it (the Admin page, a lead's own messages)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from wdp.domain import MessageStatus, ReminderKind

NO_LEAD = "No lead account"


def _day(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return f"{pd.Timestamp(value):%-d %b %Y}"


def _what(kind: str, period: Any) -> str:
    label = ReminderKind.label_for(kind)
    return f"{label} ({period})" if isinstance(period, str) and period else label


def overview_frame(
    calendar: pd.DataFrame,
    contacts: Mapping[str, list[str]],
    last: pd.DataFrame,
    upcoming: Mapping[str, Any],
) -> pd.DataFrame:
    """One row per pathfinder: who is told, the last reminder that went and the next one due
    (``upcoming``: ``wdp.services.reminders.NextReminder`` by pathfinder code)."""
    latest = {r.pathfinder_code: r for r in last.itertuples()}
    rows = []
    for p in calendar.itertuples():
        told = contacts.get(p.pathfinder_code, [])
        sent = latest.get(p.pathfinder_code)
        following = upcoming.get(p.pathfinder_code)
        if not told:
            next_text = NO_LEAD
        elif following is None:
            next_text = (
                "None due (no return expected yet)"
                if pd.isna(p.first_period_start)
                else "None in the next 4 months"
            )
        else:
            next_text = (
                f"{_day(following.day)}: {_what(following.kind, following.reporting_period)}"
            )
        rows.append(
            {
                "Pathfinder": p.pathfinder_name,
                "Leads told": ", ".join(told) or NO_LEAD,
                "Last reminder": (
                    f"{_day(sent.sent_at)}: {_what(sent.kind, sent.reporting_period)}"
                    + (
                        ""
                        if sent.status == "sent"
                        else f" ({MessageStatus.label_for(sent.status)})"
                    )
                    if sent is not None
                    else "None yet"
                ),
                "Next reminder": next_text,
            }
        )
    return pd.DataFrame(
        rows, columns=["Pathfinder", "Leads told", "Last reminder", "Next reminder"]
    )


LOG_COLUMNS = {
    "created_at": "Entered (UTC)",
    "recipient": "To",
    "kind": "Kind",
    "pathfinder_code": "Pathfinder",
    "reporting_period": "Period",
    "status": "Status",
    "attempts": "Attempts",
    "sent_at": "Sent (UTC)",
    "requested_by": "Sent by",
    "subject": "Subject",
    "last_error": "Problem",
    "provider": "Through",
    "provider_id": "Provider's id",
    "reference": "Reference",
}


def log_frame(log: pd.DataFrame) -> pd.DataFrame:
    """The message log in words: labels for kinds and statuses, who sent it ("Schedule" for the
    hourly run), times to the minute."""
    table = log[list(LOG_COLUMNS)].copy()
    table["kind"] = table["kind"].map(ReminderKind.label_for)
    table["status"] = table["status"].map(MessageStatus.shown_for)
    table["requested_by"] = table["requested_by"].fillna("Schedule")
    for column in ("created_at", "sent_at"):
        table[column] = pd.to_datetime(table[column]).dt.floor("min")
    table["last_error"] = table["last_error"].fillna("")
    return table.rename(columns=LOG_COLUMNS)


def own_messages_frame(log: pd.DataFrame) -> pd.DataFrame:
    """A lead's own messages: when, what, and the subject as they received it."""
    sent = log[log["status"].isin(["sent", "unknown"])]
    return pd.DataFrame(
        {
            "Sent (UTC)": pd.to_datetime(sent["sent_at"].fillna(sent["claimed_at"])).dt.floor(
                "min"
            ),
            "Kind": sent["kind"].map(ReminderKind.label_for),
            "Period": sent["reporting_period"],
            "Subject": sent["subject"],
        }
    )
