"""Accounts and the pathfinder register: one set of rules for the command line and the Admin
page, and every change to an account recorded in the sign-in audit (who made it, and how)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl.seed import CsvError, read_register
from wdp.auth import hash_password, password_problems
from wdp.db import Database, Transaction
from wdp.domain import Role

__all__ = ["CsvError"]  # what a register file's problems arrive as


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record_change(
    tx: Transaction,
    event: str,
    email: str,
    *,
    by: str,
    method: str,
    address: str | None = None,
    detail: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Record a change someone made to an account (saved, removed, unlocked, reminders stopped
    ...) in the sign-in audit: who made it, how, from where, and when (now unless given)."""
    tx.record_sign_in_event(
        event=event,
        email=email,
        method=method,
        at=at or _now(),
        client_address=address,
        by_whom=by,
        detail=detail,
    )


def account_problems(
    db: Database, *, email: str, role: str, pathfinder_code: str | None, password: str | None
) -> list[str]:
    """Every reason an account cannot be saved as given, in plain English (empty: it can)."""
    problems = []
    if "@" not in email.strip():
        problems.append("Enter the person's work email address.")
    if role not in Role.codes():
        problems.append(f"Role must be one of: {', '.join(Role.codes())}.")
    elif Role(role) is Role.LEAD and not pathfinder_code:
        problems.append("A pathfinder lead needs their pathfinder (--pathfinder CODE).")
    if pathfinder_code and pathfinder_code not in db.pathfinder_register():
        problems.append(f"{pathfinder_code} is not a pathfinder in the register.")
    if password is not None:
        problems += password_problems(password, email=email)
    return problems


@dataclass(frozen=True)
class AccountChange:
    email: str
    problems: list[str]

    @property
    def saved(self) -> bool:
        return not self.problems


def save_account(
    db: Database,
    *,
    email: str,
    role: str,
    pathfinder_code: str | None = None,
    password: str | None = None,
    by: str = "system",
    method: str = "cli",
    address: str | None = None,
) -> AccountChange:
    """Create or replace an account, when every rule is met. ``password`` None: the person signs
    in only through the NHS identity provider. Replacing an account ends its sign-ins (its role
    or password may have changed)."""
    email = email.strip().lower()
    pathfinder_code = pathfinder_code.strip().upper() if pathfinder_code else None
    problems = account_problems(
        db, email=email, role=role, pathfinder_code=pathfinder_code, password=password
    )
    if not problems:
        with db.write() as tx:
            existed = tx.find_account(email) is not None
            tx.save_account(
                email=email,
                role=role,
                pathfinder_code=pathfinder_code,
                password_hash=hash_password(password) if password else None,
            )
            if existed:
                tx.end_sign_in_sessions(reason="account changed", now=_now(), email=email)
            detail = f"{'replaced' if existed else 'created'}: {role}"
            detail += f", {pathfinder_code}" if pathfinder_code else ""
            detail += "" if password else ", NHS account only"
            record_change(
                tx, "account saved", email, by=by, method=method, address=address, detail=detail
            )
    return AccountChange(email, problems)


def remove_account(
    db: Database,
    email: str,
    *,
    by: str = "system",
    method: str = "cli",
    address: str | None = None,
) -> bool:
    """Remove an account and end its sign-ins; False when there was none."""
    email = email.strip().lower()
    with db.write() as tx:
        removed = tx.remove_account(email)
        if removed:
            tx.end_sign_in_sessions(reason="account removed", now=_now(), email=email)
            record_change(tx, "account removed", email, by=by, method=method, address=address)
    return removed


def set_account_disabled(
    db: Database,
    email: str,
    disabled: bool,
    *,
    by: str = "system",
    method: str = "cli",
    address: str | None = None,
) -> bool:
    """Disable an account (every sign-in of it ends at once, everywhere) or enable it again;
    False when there is no such account."""
    email = email.strip().lower()
    with db.write() as tx:
        changed = tx.set_account_disabled(email, disabled)
        if changed and disabled:
            tx.end_sign_in_sessions(reason="account disabled", now=_now(), email=email)
        if changed:
            event = "account disabled" if disabled else "account enabled"
            record_change(tx, event, email, by=by, method=method, address=address)
    return changed


def read_register_file(path: Path) -> pd.DataFrame:
    """A pathfinder register CSV, every row checked (``CsvError`` lists the problems)."""
    return read_register(path)


def replace_register(db: Database, register: pd.DataFrame) -> int:
    """Replace the pathfinder register with a checked one, in one transaction."""
    with db.write() as tx:
        return tx.replace_reference("ref_pathfinder", register)
