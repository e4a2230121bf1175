"""The use cases, once: what a person can do with the programme's data, whoever asks.

The command line (``etl.cli``) and the app (``wdp.ui`` and the pages) are thin shells over these:
they gather the arguments, call one function here and show the outcome. So a rule (who may
submit for which pathfinder, what makes a valid account, which pathfinder a lead's board pack
shows) is written once and holds the same in both.

- Loading returns: ``load_returns``, ``check_upload``, ``next_period_due``, ``template_bytes``.
- Accounts and the register: ``save_account``, ``remove_account``, ``read_register_file``,
  ``replace_register``.
- Board packs for a person: ``account_for``, ``pack_view``, ``compose_pack``.
- Backups: ``backup``, ``restore``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from etl.load import LoadReport, check_return, load_return
from etl.seed import CsvError, read_register
from etl.template import build_template
from etl.validate import ValidatedReturn
from wdp.auth import MIN_PASSWORD_LENGTH, User, hash_password
from wdp.boardpack import Deck, PackFilters, compose
from wdp.db import Database, restore_backup
from wdp.db.queries import ValidationReference
from wdp.domain import Issue, ReportingPeriod, Role

# ------------------------------------------------------------------------------------------------
# Loading returns
# ------------------------------------------------------------------------------------------------


def load_returns(
    db: Database,
    files: Iterable[Path | str],
    *,
    loaded_by: str | None = None,
    file_names: Iterable[str | None] | None = None,
    user: User | None = None,
) -> Iterator[LoadReport]:
    """Validate and load each file, one transaction per file, on one connection; a report per
    file as it is done. A lead (``user``) may submit only for their own pathfinder: anything else
    is refused by the load itself, whatever the page or command did."""
    names = list(file_names) if file_names is not None else None
    only = user.scope if user is not None else None
    by = loaded_by or (user.email if user is not None else None)
    with db.session(write=True):
        for i, file in enumerate(files):
            name = names[i] if names is not None else None
            yield load_return(db, file, loaded_by=by, file_name=name, only_pathfinder=only)


def load_upload(db: Database, path: Path, *, user: User, file_name: str) -> LoadReport:
    """Load one uploaded file for a signed-in person (the Upload page's Confirm)."""
    return next(load_returns(db, [path], file_names=[file_name], user=user))


def check_upload(
    db: Database, path: Path, *, user: User, reference: ValidationReference | None = None
) -> tuple[ValidatedReturn | None, list[Issue]]:
    """Validate an upload without loading it (the preview before Confirm); a lead's return for
    another pathfinder is refused here as it would be by the load. ``reference``: the codes to
    check against, when the caller already has them (the app caches them)."""
    reference = reference if reference is not None else db.validation_reference()
    return check_return(path, reference, only_pathfinder=user.scope)


def next_period_due(db: Database, pathfinder_code: str | None) -> str | None:
    """The period a pathfinder is expected to return next: the one after their latest return."""
    if not pathfinder_code:
        return None
    overview = db.pathfinder_overview()
    latest = overview.loc[overview["pathfinder_code"] == pathfinder_code, "latest_period"]
    latest = latest.dropna()
    if latest.empty:
        return None
    period = ReportingPeriod.parse(str(latest.iloc[0]))
    return period.next().label if period else None


def template_bytes(*, pathfinder_code: str | None, reporting_period: str | None) -> bytes:
    """The current return template as .xlsx bytes, pre-filled when a pathfinder and period are
    known (``python -m etl template`` writes the same workbook to a file)."""
    buffer = io.BytesIO()
    build_template(pathfinder_code=pathfinder_code, reporting_period=reporting_period).save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------
# Accounts and the pathfinder register
# ------------------------------------------------------------------------------------------------


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
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
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
) -> AccountChange:
    """Create or replace an account, when every rule is met. ``password`` None: the person signs
    in only through the NHS identity provider."""
    email = email.strip().lower()
    pathfinder_code = pathfinder_code.strip().upper() if pathfinder_code else None
    problems = account_problems(
        db, email=email, role=role, pathfinder_code=pathfinder_code, password=password
    )
    if not problems:
        with db.write() as tx:
            tx.save_account(
                email=email,
                role=role,
                pathfinder_code=pathfinder_code,
                password_hash=hash_password(password) if password else None,
            )
    return AccountChange(email, problems)


def remove_account(db: Database, email: str) -> bool:
    """Remove an account; False when there was none."""
    with db.write() as tx:
        return tx.remove_account(email)


__all__ = ["CsvError", "LoadReport"]  # the outcomes callers handle, as the use cases raise them


def read_register_file(path: Path) -> pd.DataFrame:
    """A pathfinder register CSV, every row checked (``CsvError`` lists the problems)."""
    return read_register(path)


def replace_register(db: Database, register: pd.DataFrame) -> int:
    """Replace the pathfinder register with a checked one, in one transaction."""
    with db.write() as tx:
        return tx.replace_reference("ref_pathfinder", register)


# ------------------------------------------------------------------------------------------------
# Board packs for a person
# ------------------------------------------------------------------------------------------------

DEFAULT_AUDIENCE = "WDP programme board"


def account_for(db: Database, email: str) -> User | None:
    """The enabled account a pack may be built as (a demo account only on the sample)."""
    account = db.find_account(email)
    if account is None or account.disabled or (account.is_demo and not db.is_sample_database()):
        return None
    return User(account.email, account.role, account.pathfinder_code)


def default_audience(user: User | None) -> str:
    """Who a pack is for, when nobody says: the board, or a lead and their pathfinder."""
    if user is not None and user.scope is not None:
        return f"{user.scope} pathfinder lead ({user.email})"
    return DEFAULT_AUDIENCE


@dataclass(frozen=True)
class PackView:
    """What a person's board pack is built from: a database limited to what they may see, the
    filters (a lead's pathfinder always theirs), and whom it is for."""

    db: Database
    filters: PackFilters
    audience: str


def pack_view(
    db: Database, filters: PackFilters, *, user: User | None = None, audience: str | None = None
) -> PackView:
    """The pack a person may have for these filters: a lead's is their own pathfinder's; anyone
    choosing a pathfinder from the register gets that pathfinder's pack; an unknown one is
    ignored. Either way the database is scoped, so the pack cannot hold anyone else's rows."""
    pathfinder = filters.pathfinder
    if user is not None and user.scope is not None:
        pathfinder = user.scope
    elif pathfinder is not None and pathfinder not in db.pathfinder_register():
        pathfinder = None
    return PackView(
        db.scoped(pathfinder),
        replace(filters, pathfinder=pathfinder),
        audience or default_audience(user),
    )


def compose_pack(view: PackView) -> Deck:
    """The slides of a person's pack (drawn by ``wdp.boardpack.render_pack``)."""
    return compose(view.db, view.filters, audience=view.audience)


# ------------------------------------------------------------------------------------------------
# Backups
# ------------------------------------------------------------------------------------------------


def backup(db: Database, to: Path, *, now: dt.datetime | None = None) -> Any:
    """A checked copy of the whole database in a new folder under ``to``."""
    return db.backup(to, now=now)


def restore(folder: Path, target: str | Path, *, force: bool = False) -> dict[str, Any]:
    """Restore a backup to ``target``, checked table by table before it replaces anything."""
    return restore_backup(folder, target, force=force)
