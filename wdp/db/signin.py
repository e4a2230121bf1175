"""Sign-in sessions, the guard against password guessing, the sign-in audit and the cookie
signing key (SQL for ``wdp.signin``; tables in ``wdp.db.schema`` migration 7).

Times are naive UTC ``datetime`` values passed in by the caller, so a test can move the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from wdp.db.named import changed, read, write

STORE = "plain"  # on PostgreSQL, plain tables with their keys and checks (wdp.db.schema)

Connection = duckdb.DuckDBPyConnection


@dataclass(frozen=True)
class SessionRow:
    """A sign-in as stored, with the account behind it as it is now (None: no account)."""

    email: str
    method: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str | None
    role: str | None
    pathfinder_code: str | None
    disabled: bool | None
    is_demo: bool | None


@dataclass(frozen=True)
class GuardRow:
    email: str
    failures: int
    first_failure_at: dt.datetime
    last_failure_at: dt.datetime
    locked_until: dt.datetime | None


# ------------------------------------------------------------------------------------------------
# The signing key
# ------------------------------------------------------------------------------------------------


@read
def session_signing_key(con: Connection) -> str | None:
    row = con.execute("SELECT value FROM app_secret WHERE name = 'session_signing_key'").fetchone()
    return row[0] if row else None


# ------------------------------------------------------------------------------------------------
# Sessions
# ------------------------------------------------------------------------------------------------


@read
def sign_in_session(con: Connection, token_hash: str) -> SessionRow | None:
    row = con.execute(
        """
        SELECT s.email, s.method, s.created_at, s.last_seen_at, s.expires_at, s.ended_at,
               s.end_reason, a.role, a.pathfinder_code, a.disabled, a.is_demo
        FROM sign_in_session s LEFT JOIN account a USING (email)
        WHERE s.token_hash = ?
        """,
        [token_hash],
    ).fetchone()
    return SessionRow(*row) if row else None


@write
def start_sign_in_session(
    con: Connection,
    *,
    token_hash: str,
    email: str,
    method: str,
    client_address: str | None,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    con.execute(
        "INSERT INTO sign_in_session (token_hash, email, method, client_address, created_at, "
        "last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [token_hash, email, method, client_address, now, now, expires_at],
    )


@write
def touch_sign_in_session(con: Connection, token_hash: str, now: dt.datetime) -> None:
    con.execute(
        "UPDATE sign_in_session SET last_seen_at = ? WHERE token_hash = ? AND ended_at IS NULL",
        [now, token_hash],
    )


@write
def end_sign_in_sessions(
    con: Connection,
    *,
    reason: str,
    now: dt.datetime,
    token_hash: str | None = None,
    email: str | None = None,
) -> int:
    """End one session (``token_hash``) or every open session of an account (``email``)."""
    if (token_hash is None) == (email is None):
        raise ValueError("end one session or one account's sessions")
    return changed(
        con,
        "UPDATE sign_in_session SET ended_at = ?, end_reason = ? "
        "WHERE ended_at IS NULL AND (token_hash = ? OR email = ?)",
        [now, reason, token_hash, email],
    )


# ------------------------------------------------------------------------------------------------
# Guessing
# ------------------------------------------------------------------------------------------------


@read
def sign_in_guard(con: Connection, email: str) -> GuardRow | None:
    row = con.execute(
        "SELECT email, failures, first_failure_at, last_failure_at, locked_until "
        "FROM sign_in_guard WHERE email = ?",
        [email],
    ).fetchone()
    return GuardRow(*row) if row else None


@write
def save_sign_in_guard(con: Connection, guard: GuardRow) -> None:
    con.execute(
        "INSERT INTO sign_in_guard (email, failures, first_failure_at, last_failure_at, "
        "locked_until) VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO UPDATE SET "
        "failures = excluded.failures, first_failure_at = excluded.first_failure_at, "
        "last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until",
        [
            guard.email,
            guard.failures,
            guard.first_failure_at,
            guard.last_failure_at,
            guard.locked_until,
        ],
    )


@write
def clear_sign_in_guard(con: Connection, email: str) -> bool:
    return changed(con, "DELETE FROM sign_in_guard WHERE email = ?", [email]) > 0


@read
def locked_sign_ins(con: Connection, now: dt.datetime) -> pd.DataFrame:
    """Email addresses whose password sign-in is paused now (the Admin page's unlock list)."""
    return con.execute(
        "SELECT email, failures, last_failure_at, locked_until FROM sign_in_guard "
        "WHERE locked_until > ? ORDER BY locked_until DESC",
        [now],
    ).df()


@read
def failures_from_address(con: Connection, client_address: str, since: dt.datetime) -> int:
    """Failed password attempts from one client address since a moment (any email)."""
    return con.execute(
        "SELECT count(*) FROM sign_in_event WHERE event = 'failed' AND client_address = ? "
        "AND occurred_at >= ?",
        [client_address, since],
    ).fetchone()[0]


# ------------------------------------------------------------------------------------------------
# The audit
# ------------------------------------------------------------------------------------------------


@write
def record_sign_in_event(
    con: Connection,
    *,
    event: str,
    email: str | None,
    method: str,
    at: dt.datetime,
    client_address: str | None = None,
    by_whom: str | None = None,
    detail: str | None = None,
) -> None:
    con.execute(
        "INSERT INTO sign_in_event (occurred_at, event, email, method, client_address, by_whom, "
        "detail) VALUES (?, ?, ?, ?, ?, ?, ?)",  # event_id: the table's default (migration 8)
        [at, event, email, method, client_address, by_whom, detail],
    )


@read
def sign_in_events(
    con: Connection,
    *,
    email: str | None = None,
    event: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 10_000,
) -> pd.DataFrame:
    """The sign-in audit, newest first: ``email`` matches part of the address, ignoring case;
    ``since`` and ``until`` are days, both included."""
    return con.execute(
        """
        SELECT occurred_at, event, email, method, client_address, by_whom, detail
        FROM sign_in_event
        WHERE (CAST(? AS VARCHAR) IS NULL OR email ILIKE '%' || ? || '%')
          AND (CAST(? AS VARCHAR) IS NULL OR event = ?)
          AND (CAST(? AS DATE) IS NULL OR occurred_at >= CAST(? AS DATE))
          AND (CAST(? AS DATE) IS NULL OR occurred_at < CAST(? AS DATE) + INTERVAL '1 day')
        ORDER BY occurred_at DESC, event_id DESC
        LIMIT ?
        """,
        [email, email, event, event, since, since, until, until, limit],
    ).df()


# ------------------------------------------------------------------------------------------------
# Back to the page after signing in with the identity provider
# ------------------------------------------------------------------------------------------------


@write
def save_sign_in_return(con: Connection, key_hash: str, target: str, now: dt.datetime) -> None:
    con.execute(
        "INSERT INTO sign_in_return (key_hash, target, created_at) VALUES (?, ?, ?)",
        [key_hash, target, now],
    )


@write
def use_sign_in_return(
    con: Connection, key_hash: str, *, now: dt.datetime, not_before: dt.datetime
) -> str | None:
    """The page to go back to, once: marked used as it is read; None if used or too old."""
    claimed = changed(
        con,
        "UPDATE sign_in_return SET used_at = ? WHERE key_hash = ? AND used_at IS NULL "
        "AND created_at >= ?",
        [now, key_hash, not_before],
    )
    if not claimed:  # used already (by this or any other process), or too old
        return None
    row = con.execute("SELECT target FROM sign_in_return WHERE key_hash = ?", [key_hash]).fetchone()
    return row[0]
