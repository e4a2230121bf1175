"""The database layer: the only place SQL lives, and the only package that talks to a driver.

    from wdp.db import open_database
    db = open_database()              # the configured database (WDP_DB, else data/wdp.duckdb)
    db.database_summary()             # named reads: functions marked @read in the modules here
    with db.write() as tx:            # named writes (@write), all or nothing
        tx.replace_reference("ref_pathfinder", frame)

Modules: ``database`` (the ``Database`` interface), ``embedded`` (a DuckDB file: the default),
``errors``, ``named`` (the registry), ``schema`` (tables and migrations), ``backup``, and the
SQL by subject: ``queries`` (the programme as a whole), ``accounts``, ``activity``,
``evaluation`` (GP-practice panels, practice profiles, the pathfinders' practices), ``public``
(Fingertips imports), ``quality``, ``reminders`` (the message log, opt-outs, settings),
``screening``, ``signin`` (sessions, the guard against guessing, the sign-in audit), ``status``,
``training``, ``writes``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

# Importing the SQL modules registers their named reads and writes.
from wdp.db import (  # noqa: F401
    accounts,
    activity,
    evaluation,
    evaluation_plan,
    public,
    quality,
    queries,
    reminders,
    screening,
    signin,
    status,
    training,
    writes,
)
from wdp.db.database import Database, Transaction
from wdp.db.errors import (
    DatabaseBusy,
    DatabaseError,
    DatabaseMissing,
    DatabaseNotSetUp,
    DatabaseUnavailable,
    DatabaseUnreadable,
    ReadOnlyView,
    RuleBroken,
    UnreadableInput,
    WriteConflict,
)

__all__ = [
    "Database",
    "DatabaseBusy",
    "DatabaseError",
    "DatabaseMissing",
    "DatabaseNotSetUp",
    "DatabaseUnavailable",
    "DatabaseUnreadable",
    "ReadOnlyView",
    "RuleBroken",
    "Transaction",
    "UnreadableInput",
    "WriteConflict",
    "is_named_read",
    "is_versioned_read",
    "open_database",
    "restore_backup",
]


def is_named_read(name: str) -> bool:
    """Whether ``name`` is one of the database's named reads (``db.<name>(...)``)."""
    from wdp.db.named import READS

    return name in READS and not name.startswith("_")


def is_versioned_read(name: str) -> bool:
    """Whether a named read's answer can change only with ``data_version`` (it reads the
    programme's data), so it may be cached by it. Reads of accounts and sign-ins (modules whose
    ``STORE`` is ``plain``) change without it on PostgreSQL storage: never cache them."""
    import sys

    from wdp.db.named import READS

    function = READS[name]
    return getattr(sys.modules[function.__module__], "STORE", "lake") != "plain"


def open_database(
    target: str | os.PathLike[str] | None = None,
    *,
    create: bool = False,
    scope: str | None = None,
    timeout: float | None = None,
) -> Database:
    """The database a setting names: ``target`` (a ``--db`` argument), else ``WDP_DB``, else
    ``data/wdp.duckdb``. A file path is the embedded DuckDB database; a ``postgresql://`` URL is
    PostgreSQL-backed storage (``wdp.db.lake``). Nothing is opened yet; ``create`` allows the
    first write to make a new database (``seed``, ``init``); ``timeout``: how long to wait for
    another writer (default ``WDP_LOCK_TIMEOUT_S``)."""
    from wdp.config import database_setting, is_server_setting

    setting = database_setting(target)
    if is_server_setting(setting):
        from wdp.db.lake import LakeDatabase

        return LakeDatabase(setting, create=create, scope=scope, timeout=timeout)
    from wdp.db.embedded import EmbeddedDatabase

    return EmbeddedDatabase(setting, create=create, scope=scope, timeout=timeout)


def restore_backup(
    folder: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    force: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Restore a backup made by ``Database.backup`` to ``target`` (a file path, or a
    ``postgresql://`` URL with ``?data_path=``); returns its manifest, after every table of the
    restored copy matched it."""
    from wdp.config import is_server_setting

    if is_server_setting(target):
        from wdp.db.lake_backup import restore_server

        return restore_server(Path(folder), str(target), force=force, now=now)
    from wdp.db.backup import restore_file

    return restore_file(Path(folder), Path(target), force=force, now=now)
