"""Accounts: who may sign in, in which role, for which pathfinder (SQL for wdp.auth)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from wdp.db.named import changed, read, write

STORE = "plain"  # on PostgreSQL, plain tables with their keys and checks (wdp.db.schema)


@dataclass(frozen=True)
class AccountRow:
    email: str
    role: str
    pathfinder_code: str | None
    password_hash: str | None
    is_demo: bool
    disabled: bool


@read
def find_account(con: duckdb.DuckDBPyConnection, email: str) -> AccountRow | None:
    row = con.execute(
        "SELECT email, role, pathfinder_code, password_hash, is_demo, disabled "
        "FROM account WHERE email = ?",
        [email.strip().lower()],
    ).fetchone()
    return AccountRow(*row) if row else None


@read
def list_accounts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Accounts without their password hashes."""
    return con.execute(
        "SELECT email, role, pathfinder_code, is_demo, disabled, created_at FROM account "
        "ORDER BY role, email"
    ).df()


@write
def save_account(
    con: duckdb.DuckDBPyConnection,
    *,
    email: str,
    role: str,
    pathfinder_code: str | None,
    password_hash: str | None,
    is_demo: bool = False,
) -> None:
    """Create or replace an account (one statement: atomic). Replacing starts it afresh:
    enabled, created now."""
    con.execute(
        "INSERT INTO account (email, role, pathfinder_code, password_hash, is_demo) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO UPDATE SET role = excluded.role, "
        "pathfinder_code = excluded.pathfinder_code, password_hash = excluded.password_hash, "
        "is_demo = excluded.is_demo, disabled = excluded.disabled, "
        "created_at = excluded.created_at",
        [email.strip().lower(), role, pathfinder_code, password_hash, is_demo],
    )


@write
def remove_account(con: duckdb.DuckDBPyConnection, email: str) -> bool:
    return changed(con, "DELETE FROM account WHERE email = ?", [email.strip().lower()]) > 0


@write
def set_account_disabled(con: duckdb.DuckDBPyConnection, email: str, disabled: bool) -> bool:
    """Disable or enable an account; False when there is no such account."""
    sql = "UPDATE account SET disabled = ? WHERE email = ?"
    return changed(con, sql, [disabled, email.strip().lower()]) > 0
