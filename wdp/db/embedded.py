"""The embedded database: one DuckDB file on this machine (the default; ``make run`` builds it).

DuckDB lets one process hold a file read-write, and while it does no other process can open it at
all, not even read-only (measured: RECIPES.md). So nothing here holds a connection for long: a
write opens the file read-write for one transaction (or one ``session``: a batch of loads), a
read opens it read-only for one query, and both wait up to ``lock_timeout_s`` for the other side.
Within one process a lock serialises opening, because DuckDB refuses read-only and read-write
connections to one file side by side in a process.

A lead's scope is made of temporary views that shadow the return tables on their connection
(``wdp.db.scope``). ``data_version`` is the file's modification time and size: every
writer closes the file after its commit and DuckDB checkpoints into it on close.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import duckdb

from wdp.config import lock_timeout_s
from wdp.db import scope
from wdp.db.database import Database, Transaction
from wdp.db.errors import (
    DatabaseBusy,
    DatabaseError,
    DatabaseMissing,
    DatabaseNotSetUp,
    DatabaseUnreadable,
    ReadOnlyView,
    RuleBroken,
    WriteConflict,
)

log = logging.getLogger(__name__)
_process_lock = threading.RLock()
Connection = duckdb.DuckDBPyConnection


def _is_lock_error(error: Exception) -> bool:
    # "Could not set lock on file ... Conflicting lock is held" (not "... in block at ...")
    text = str(error).lower()
    return "could not set lock" in text or "conflicting lock" in text


def _seed_hint(path: Path) -> str:
    return f"Build the sample one with `python -m etl seed --db {path}` (or `make run`)"


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    create: bool = False,
    timeout: float | None = None,
) -> Connection:
    """Open the database, waiting up to ``timeout`` seconds for another process's lock.

    Only ``create=True`` (building a database: ``seed``, ``init``) makes a new file; everything
    else refuses a missing one, so a mistyped path never becomes an empty database.
    """
    path = Path(path)
    timeout = lock_timeout_s() if timeout is None else timeout
    if not path.exists() and (read_only or not create):
        raise DatabaseMissing(
            f"There is no database at {path}. {_seed_hint(path)}, or set WDP_DB to the right file."
        )
    if read_only and path.is_file() and path.stat().st_size == 0:
        raise DatabaseMissing(
            f"The database file {path} is empty (an interrupted build?). Delete it, then run "
            f"`python -m etl seed --db {path}` (or `make run`)."
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
                if "newer version of duckdb" in str(error).lower():
                    raise DatabaseUnreadable(
                        f"The database {path} was written by a newer DuckDB than this program "
                        f"uses ({duckdb.__version__}). For the sample programme, delete it and "
                        'run `make run` (it is rebuilt). For your own data, see "A database '
                        'written by DuckDB 2.0" in the README: export it with DuckDB 2.0, then '
                        "`python -m etl migrate-to`."
                    ) from error
                raise DatabaseUnreadable(
                    f"The database {path} could not be opened: {error}"
                ) from error
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
) -> Iterator[Connection]:
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


def scope_to_pathfinder(con: Connection, pathfinder_code: str) -> None:
    """Make this connection see only one pathfinder's returns (``wdp.db.scope``)."""
    catalog = con.execute("SELECT current_database()").fetchone()[0].replace('"', '""')
    present = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    scope.scope_to_pathfinder(con, pathfinder_code, lambda t: f'"{catalog}".main.{t}', present)


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """DuckDB's exceptions, as ``wdp.db.errors`` types with a message a person can act on."""
    try:
        yield
    except duckdb.CatalogException as error:
        raise DatabaseNotSetUp(
            f"The database {path} has no programme tables yet. {_seed_hint(path)}, or "
            "`python -m etl init` for real returns."
        ) from error
    except duckdb.TransactionException as error:
        if "conflict" not in str(error).lower():
            raise DatabaseUnreadable(f"The database {path} refused a change: {error}") from error
        raise WriteConflict(
            f"Someone else changed the database {path} at the same moment; nothing of this "
            "change was saved. Try again."
        ) from error
    except duckdb.ConstraintException as error:
        raise RuleBroken(
            f"The change broke a rule of the database ({str(error).splitlines()[0]}); nothing "
            "of it was saved."
        ) from error
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0]
        raise DatabaseUnreadable(
            f"The database {path} could not be read ({first_line}). {_seed_hint(path)}."
        ) from error


class EmbeddedDatabase(Database):
    """The programme's data in one DuckDB file (``create``: building a new one is allowed)."""

    def __init__(
        self,
        path: str | Path,
        *,
        scope: str | None = None,
        create: bool = False,
        timeout: float | None = None,
    ) -> None:
        super().__init__(scope=scope)
        self.path = Path(path)
        self.create = create
        self.timeout = timeout
        self._held = threading.local()  # this thread's session connection, if any

    @classmethod
    def on(cls, con: Connection) -> Self:
        """The database behind a connection the caller already holds read-write, using that
        connection for every read and write on this thread (for code that opened the file
        itself: the db layer's own tests and maintenance)."""
        path = con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
        db = cls(path)
        db._held.value = (con, True)
        return db

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def key(self) -> str:
        return str(self.path.resolve())

    def exists(self) -> bool:
        return self.path.is_file() and self.path.stat().st_size > 0

    def data_version(self) -> Hashable:
        # The file alone, not its write-ahead log: a process that merely holds the file open
        # would otherwise change the key, and every page would wait on its lock.
        try:
            stat = self.path.stat()
        except OSError:
            return (0, 0)
        return (stat.st_mtime_ns, stat.st_size)

    def scoped(self, pathfinder_code: str | None) -> Self:
        return type(self)(self.path, scope=pathfinder_code, timeout=self.timeout)

    # -- connections -----------------------------------------------------------------------------

    @contextmanager
    def _connection(self, *, write: bool) -> Iterator[Connection]:
        held: tuple[Connection, bool] | None = getattr(self._held, "value", None)
        if held is not None:
            con, held_for_writing = held
            if write and not held_for_writing:
                raise DatabaseError("A write was asked of a read-only session (a program error).")
            with translated(self.path):
                yield con
            return
        with (
            translated(self.path),
            open_db(
                self.path, read_only=not write, create=self.create and write, timeout=self.timeout
            ) as con,
        ):
            if self.scope is not None:
                scope_to_pathfinder(con, self.scope)
            yield con

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[None]:
        if getattr(self._held, "value", None) is not None:
            with self._connection(write=write):  # nested: checks the outer session allows it
                yield
            return
        with self._connection(write=write) as con:
            self._held.value = (con, write)
            try:
                yield
            finally:
                self._held.value = None

    def _run_read(
        self, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        with self._connection(write=False) as con:
            return function(con, *args, **kwargs)

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        if self.scope is not None:
            raise ReadOnlyView(
                "This view of the database is limited to one pathfinder and cannot change it."
            )
        with self._connection(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield Transaction(con)
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- looking after it ------------------------------------------------------------------------

    def ensure_schema(self) -> int:
        with translated(self.path):
            return ensure_schema(self.path, timeout=self.timeout)

    def backup(self, folder: Any, *, now: dt.datetime | None = None) -> Any:
        from wdp.db.backup import backup_file

        with translated(self.path):
            return backup_file(self.path, Path(folder), now=now)
