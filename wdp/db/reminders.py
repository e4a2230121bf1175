"""Reminders: the message log, opt-outs and the rules' settings (SQL for
``wdp.services.reminders``; tables in ``wdp.db.schema`` migration 11).

A message's life in ``reminder_message``, each step one short transaction and a row changed only
when it is still in the state the step expects (so of two runs at once, one wins each step):

    reserve  -> pending   (its reference is the key: a message is reserved once, ever)
    claim    -> sending   (one run, ``claimed_by``, from ``claimed_at``)
    finish   -> sent | pending (a failure worth trying again, from ``next_attempt_at``) | failed
    settle   -> sent | unknown | pending (a run stopped while sending: see the service)

Times are naive UTC values passed in by the caller, so a test can move the clock. The SQL is
kept to what both DuckDB and PostgreSQL accept (on PostgreSQL storage these are plain tables).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from wdp.db.named import changed, read, write

STORE = "plain"  # on PostgreSQL, plain tables with their keys and checks (wdp.db.schema)

Connection = duckdb.DuckDBPyConnection

_COLUMNS = (
    "reference, recipient, kind, pathfinder_code, reporting_period, subject, body, link, "
    "personalisation, requested_by, status, attempts, created_at, next_attempt_at, claimed_at, "
    "claimed_by, sent_at, provider, provider_id, last_error"
)


@dataclass(frozen=True)
class LoggedMessage:
    """One row of the message log."""

    reference: str
    recipient: str
    kind: str
    pathfinder_code: str | None
    reporting_period: str | None
    subject: str
    body: str
    link: str
    personalisation: str
    requested_by: str | None
    status: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    claimed_at: dt.datetime | None
    claimed_by: str | None
    sent_at: dt.datetime | None
    provider: str | None
    provider_id: str | None
    last_error: str | None

    def personalisation_values(self) -> dict[str, Any]:
        return dict(json.loads(self.personalisation))


# ------------------------------------------------------------------------------------------------
# Who is told
# ------------------------------------------------------------------------------------------------


@read
def reminder_recipients(con: Connection) -> pd.DataFrame:
    """Enabled leads and directors, with any opt-out (reason, by whom, when)."""
    return con.execute(
        """
        SELECT a.email, a.role, a.pathfinder_code, a.is_demo,
               o.reason AS opted_out_reason, o.opted_out_by, o.opted_out_at
        FROM account a LEFT JOIN reminder_opt_out o ON o.email = a.email
        WHERE a.role IN ('lead', 'director') AND NOT a.disabled
        ORDER BY a.role, a.pathfinder_code, a.email
        """
    ).df()


@write
def opt_out_of_reminders(
    con: Connection, *, email: str, reason: str, by: str, now: dt.datetime
) -> None:
    con.execute(
        "INSERT INTO reminder_opt_out (email, reason, opted_out_by, opted_out_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, "
        "opted_out_by = excluded.opted_out_by, opted_out_at = excluded.opted_out_at",
        [email, reason, by, now],
    )


@write
def opt_back_in_to_reminders(con: Connection, email: str) -> bool:
    return changed(con, "DELETE FROM reminder_opt_out WHERE email = ?", [email]) == 1


# ------------------------------------------------------------------------------------------------
# The rules' settings
# ------------------------------------------------------------------------------------------------


@read
def reminder_settings_saved(con: Connection) -> pd.DataFrame:
    """The settings an admin changed: name, value, by whom, when."""
    return con.execute(
        "SELECT name, value, changed_by, changed_at FROM reminder_setting ORDER BY name"
    ).df()


@write
def save_reminder_setting(
    con: Connection, *, name: str, value: str, by: str, now: dt.datetime
) -> None:
    con.execute(
        "INSERT INTO reminder_setting (name, value, changed_by, changed_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
        "changed_by = excluded.changed_by, changed_at = excluded.changed_at",
        [name, value, by, now],
    )


# ------------------------------------------------------------------------------------------------
# The message log
# ------------------------------------------------------------------------------------------------


@read
def reminder_log(
    con: Connection,
    *,
    pathfinder_code: str | None = None,
    recipient: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    since: dt.datetime | None = None,
) -> pd.DataFrame:
    """The message log, newest first, filtered by whichever arguments are given (a lead's
    database shows only their own pathfinder's messages)."""
    return con.execute(
        f"""
        SELECT {_COLUMNS} FROM reminder_message
        WHERE (CAST(? AS VARCHAR) IS NULL OR pathfinder_code = ?)
          AND (CAST(? AS VARCHAR) IS NULL OR recipient = ?)
          AND (CAST(? AS VARCHAR) IS NULL OR kind = ?)
          AND (CAST(? AS VARCHAR) IS NULL OR status = ?)
          AND (CAST(? AS TIMESTAMP) IS NULL OR created_at >= ?)
        ORDER BY created_at DESC, reference
        """,
        [
            pathfinder_code,
            pathfinder_code,
            recipient,
            recipient,
            kind,
            kind,
            status,
            status,
            since,
            since,
        ],
    ).df()


@read
def logged_reminder(con: Connection, reference: str) -> LoggedMessage | None:
    row = con.execute(
        f"SELECT {_COLUMNS} FROM reminder_message WHERE reference = ?", [reference]
    ).fetchone()
    return LoggedMessage(*row) if row else None


@read
def logged_references(con: Connection) -> set[str]:
    """Every reference in the log, whatever became of it."""
    return {r[0] for r in con.execute("SELECT reference FROM reminder_message").fetchall()}


@read
def reminders_to_try(con: Connection, now: dt.datetime) -> list[LoggedMessage]:
    """Messages reserved and not sent, whose time to be tried has come (oldest first)."""
    rows = con.execute(
        f"""
        SELECT {_COLUMNS} FROM reminder_message
        WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
        ORDER BY created_at, reference
        """,
        [now],
    ).fetchall()
    return [LoggedMessage(*r) for r in rows]


@read
def stale_reminder_claims(con: Connection, before: dt.datetime) -> list[LoggedMessage]:
    """Messages a run claimed before ``before`` and never finished (it stopped while sending)."""
    rows = con.execute(
        f"""
        SELECT {_COLUMNS} FROM reminder_message
        WHERE status = 'sending' AND claimed_at < ?
        ORDER BY claimed_at, reference
        """,
        [before],
    ).fetchall()
    return [LoggedMessage(*r) for r in rows]


@read
def last_reminder_by_pathfinder(con: Connection) -> pd.DataFrame:
    """Each pathfinder's most recent message that went (or may have gone): when, what, to whom."""
    return con.execute(
        """
        SELECT pathfinder_code, kind, recipient, reporting_period,
               coalesce(sent_at, claimed_at) AS sent_at, status
        FROM (
            SELECT *, row_number() OVER (
                PARTITION BY pathfinder_code
                ORDER BY coalesce(sent_at, claimed_at) DESC, reference) AS n
            FROM reminder_message
            WHERE pathfinder_code IS NOT NULL AND status IN ('sent', 'unknown')) latest
        WHERE n = 1
        """
    ).df()


@write
def reserve_reminder(
    con: Connection,
    *,
    reference: str,
    recipient: str,
    kind: str,
    pathfinder_code: str | None,
    reporting_period: str | None,
    subject: str,
    body: str,
    link: str,
    personalisation: Mapping[str, Any],
    requested_by: str | None,
    now: dt.datetime,
) -> bool:
    """Enter a message in the log, to be sent; False when its reference is there already
    (whatever became of it), so it is never entered, or sent, twice."""
    return (
        changed(
            con,
            "INSERT INTO reminder_message (reference, recipient, kind, pathfinder_code, "
            "reporting_period, subject, body, link, personalisation, requested_by, status, "
            "attempts, created_at, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) "
            "ON CONFLICT (reference) DO NOTHING",
            [
                reference,
                recipient,
                kind,
                pathfinder_code,
                reporting_period,
                subject,
                body,
                link,
                json.dumps(dict(personalisation), sort_keys=True),
                requested_by,
                now,
                now,
            ],
        )
        == 1
    )


@write
def claim_reminder(con: Connection, reference: str, *, run: str, now: dt.datetime) -> bool:
    """Take a pending message for sending by ``run``; False when another run has it, or it has
    gone, or its time has not come."""
    return (
        changed(
            con,
            "UPDATE reminder_message SET status = 'sending', claimed_at = ?, claimed_by = ?, "
            "attempts = attempts + 1 WHERE reference = ? AND status = 'pending' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
            [now, run, reference, now],
        )
        == 1
    )


@write
def finish_reminder(
    con: Connection,
    reference: str,
    *,
    claimed_by: str,
    status: str,
    now: dt.datetime,
    provider: str | None = None,
    provider_id: str | None = None,
    error: str | None = None,
    next_attempt_at: dt.datetime | None = None,
) -> bool:
    """Record what became of a claimed message (sent, pending again, failed, unknown); only
    while ``claimed_by`` still holds it."""
    if status not in ("sent", "pending", "failed", "unknown"):
        raise ValueError(f"not an outcome of sending: {status!r}")
    return (
        changed(
            con,
            "UPDATE reminder_message SET status = ?, sent_at = ?, provider = ?, "
            "provider_id = coalesce(?, provider_id), last_error = ?, next_attempt_at = ? "
            "WHERE reference = ? AND status = 'sending' AND claimed_by = ?",
            [
                status,
                now if status == "sent" else None,
                provider,
                provider_id,
                error,
                next_attempt_at,
                reference,
                claimed_by,
            ],
        )
        == 1
    )


@write
def send_reminder_again(con: Connection, reference: str, *, now: dt.datetime) -> bool:
    """Put a message that failed, or may not have gone, back in the queue (an admin's choice)."""
    return (
        changed(
            con,
            "UPDATE reminder_message SET status = 'pending', next_attempt_at = ?, "
            "claimed_at = NULL, claimed_by = NULL WHERE reference = ? "
            "AND status IN ('failed', 'unknown')",
            [now, reference],
        )
        == 1
    )
