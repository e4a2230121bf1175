"""Accounts: who may sign in, in which role, for which pathfinder (SQL for wdp.auth)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from wdp.db.named import read, write


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
    """Create or replace an account (one statement: atomic)."""
    con.execute(
        "INSERT OR REPLACE INTO account (email, role, pathfinder_code, password_hash, is_demo) "
        "VALUES (?, ?, ?, ?, ?)",
        [email.strip().lower(), role, pathfinder_code, password_hash, is_demo],
    )


@write
def remove_account(con: duckdb.DuckDBPyConnection, email: str) -> bool:
    removed = con.execute(
        "DELETE FROM account WHERE email = ? RETURNING email", [email.strip().lower()]
    ).fetchall()
    return bool(removed)


@write
def set_account_disabled(con: duckdb.DuckDBPyConnection, email: str, disabled: bool) -> bool:
    """Disable or enable an account; False when there is no such account."""
    rows = con.execute(
        "UPDATE account SET disabled = ? WHERE email = ? RETURNING email",
        [disabled, email.strip().lower()],
    ).fetchall()
    return bool(rows)


@read
def is_sample_database(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every pathfinder in the register is synthetic (demo accounts work only here)."""
    total, synthetic = con.execute(
        "SELECT count(*), count(*) FILTER (is_synthetic) FROM ref_pathfinder"
    ).fetchone()
    return total > 0 and total == synthetic
