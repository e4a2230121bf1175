"""Backups: a checked copy of the whole database, and restoring one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from wdp.db import Database, open_database, restore_backup


def backup(db: Database, to: Path, *, now: dt.datetime | None = None) -> Any:
    """A checked copy of the whole database in a new folder under ``to``."""
    return db.backup(to, now=now)


def restore(folder: Path, target: str | Path, *, force: bool = False) -> dict[str, Any]:
    """Restore a backup to ``target``, checked table by table before it replaces anything."""
    return restore_backup(folder, target, force=force)


def migrate_to(target: str | Path, source: Path, *, replace: bool = False) -> Any:
    """Copy the database in ``source`` (a DuckDB file, or a DuckDB export folder) into
    ``target`` (PostgreSQL storage or a DuckDB file, made if new), checked table by table;
    running it again changes nothing."""
    from wdp.db.copy import copy_database

    return copy_database(source, open_database(target, create=True), replace=replace)
