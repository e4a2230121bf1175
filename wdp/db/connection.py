"""Opening the DuckDB file safely alongside other processes.

DuckDB lets one process hold a file read-write, and while it does no other process can open it at
all, not even read-only (measured: RECIPES.md). So nothing here holds a connection for long: the
CLI opens read-write for the length of one load, the app opens read-only for the length of one
query batch, and both retry for ``LOCK_TIMEOUT_S`` when the other side holds the lock. Within one
process a lock serialises opening, because DuckDB refuses read-only and read-write connections to
one file side by side in a process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from wdp.config import lock_timeout_s

log = logging.getLogger(__name__)
_process_lock = threading.RLock()


class DatabaseError(Exception):
    """A database problem explained in plain English (shown to people as is)."""


class DatabaseBusy(DatabaseError):
    pass


class DatabaseMissing(DatabaseError):
    pass


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text or "conflicting" in text


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    create: bool = False,
    timeout: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the database, waiting up to ``timeout`` seconds for another process's lock.

    Only ``create=True`` (building a database: ``seed``, ``init``) makes a new file; everything
    else refuses a missing one, so a mistyped path never becomes an empty database.
    """
    path = Path(path)
    timeout = lock_timeout_s() if timeout is None else timeout
    if not path.exists() and (read_only or not create):
        raise DatabaseMissing(
            f"There is no database at {path}. Build the sample one with `python -m etl seed` "
            "(or `make run`), or set WDP_DB to the right file."
        )
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseError(
                f"Cannot create the folder for the database {path}: {error.strerror} "
                f"({error.filename})."
            ) from error
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            if not _is_lock_error(error) or time.monotonic() >= deadline:
                if _is_lock_error(error):
                    raise DatabaseBusy(
                        f"The database {path} is busy: another program has been writing to it for "
                        f"over {timeout:.0f} seconds. Try again in a minute."
                    ) from error
                raise DatabaseError(f"The database {path} could not be opened: {error}") from error
            log.debug("database locked, retrying in %.2fs", delay)
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextmanager
def open_db(
    path: str | Path,
    *,
    read_only: bool = False,
    create: bool = False,
    timeout: float | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection; a writer's schema is brought up to date on opening."""
    from wdp.db.schema import migrate  # schema imports nothing from here at import time

    with _process_lock:
        con = connect(path, read_only=read_only, create=create, timeout=timeout)
        try:
            if not read_only:
                migrate(con)
            yield con
        finally:
            con.close()


def ensure_schema(path: str | Path, *, timeout: float | None = None) -> int:
    """Bring an existing database's schema up to date; return its version.

    Readers open the file read-only and cannot migrate it, so the app calls this once at start:
    a quick read-only look, and a brief read-write open only when a migration is due.
    """
    from wdp.db.schema import LATEST_VERSION, current_version

    with _process_lock:
        con = connect(path, read_only=True, timeout=timeout)
        try:
            version = current_version(con)
        finally:
            con.close()
        if version >= LATEST_VERSION:
            return version
        with open_db(path, timeout=timeout) as writer:
            return current_version(writer)


# Tables holding a pathfinder's returns; a lead's connection sees only their own rows.
_SCOPED_BY_SUBMISSION = (
    "training",
    "activity",
    "screening",
    "pathfinder_status",
    "milestone",
    "risk",
)
_CODE_RE = __import__("re").compile(r"[A-Z0-9][A-Z0-9-]{0,19}")


def scope_to_pathfinder(con: duckdb.DuckDBPyConnection, pathfinder_code: str) -> None:
    """Make this connection see only one pathfinder's returns (row-level access for a lead).

    Temporary views shadow the return tables, so every query, however written, reads only the
    lead's rows: the views built on them (current_*, latest_*) included. DuckDB has no bound
    parameters in view definitions, so the code is checked against a strict pattern first.
    """
    if not _CODE_RE.fullmatch(pathfinder_code):
        raise DatabaseError(f"Not a pathfinder code: {pathfinder_code!r}")
    catalog = con.execute("SELECT current_database()").fetchone()[0].replace('"', '""')
    source = f'"{catalog}".main'
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW submission AS SELECT * FROM {source}.submission "
        f"WHERE pathfinder_code = '{pathfinder_code}'"
    )
    for table in _SCOPED_BY_SUBMISSION:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {source}.{table} "
            f"WHERE submission_id IN (SELECT submission_id FROM submission)"
        )
    for table in ("account", "load_attempt"):  # whose, is not known: a lead sees none
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {source}.{table} WHERE false"
        )
