"""PostgreSQL-backed storage, for several app processes on one or more machines.

    WDP_DB=postgresql://USER@HOST:5432/DATABASE     # every process; the password in ~/.pgpass
    python -m etl seed --db 'postgresql://...?data_path=/srv/wdp/lake'   # the first build says
                                                                        # where data files go

DuckDB stays the query engine, so the project's SQL runs unchanged; what changes is where tables
live (measurements and the reasons: docs/SCALING.md):

- The programme's data (returns, submissions, reference and public data) is in **DuckLake**: its
  catalog in PostgreSQL (schema ``wdp_lake``), its rows in Parquet files in the data folder
  (which every app machine must see at the same path) or inlined in the catalog when small.
  DuckLake has no keys, checks or sequences: every write to it holds one PostgreSQL advisory lock
  shared by all processes (``WRITER_LOCK``), and ``wdp.db.rules`` checks the rules before commit
  and hands out new ids, so a load is all or nothing and two loads at once cannot collide.
- Accounts and sign-ins (``schema.PLAIN_TABLES``) are plain PostgreSQL tables in schema ``wdp``,
  with their keys and checks, changed a row at a time without that lock.

Each process keeps one DuckDB instance per database with both attached (opening one costs
~0.2 s; a query then ~2-5 ms), and a cursor per thread. ``data_version`` is DuckLake's latest
snapshot, which every process reads from PostgreSQL, so a load through one process shows in every
other on its next page view. When the server goes away (a restart, a failover) the instance is
dropped and the next use opens a new one: a read is tried once more, a write is reported as not
saved, to be tried again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import re
import sys
import threading
import urllib.parse
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import duckdb
import psycopg

from wdp.config import lock_timeout_s
from wdp.db import lake_schema, scope
from wdp.db.database import Database, Transaction
from wdp.db.errors import (
    DatabaseError,
    DatabaseMissing,
    DatabaseNotSetUp,
    DatabaseUnavailable,
    DatabaseUnreadable,
    ReadOnlyView,
    RuleBroken,
    WriteConflict,
)
from wdp.db.named import READS, WRITES

log = logging.getLogger(__name__)

PLAIN_SCHEMA = "wdp"  # accounts and sign-ins: plain PostgreSQL tables
HIDDEN_SCHEMA = "wdp_hidden"  # the same names as empty views: what a lead's reads see
LAKE_SCHEMA = "wdp_lake"  # DuckLake's catalog
LAKE, PLAIN = "lake", "plain"  # the two attached catalogs, as DuckDB names them
SCOPE_SETTING = "wdp.pathfinder"  # a lead's pathfinder, for the duration of one plain read
# pg_advisory_lock keys (fixed, arbitrary): the programme data's one writer, and migrations.
WRITER_LOCK = 0x5744_5001
MIGRATION_LOCK = 0x5744_5002
CONNECT_TIMEOUT_S = 10


# ------------------------------------------------------------------------------------------------
# The setting
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSetting:
    """A ``postgresql://`` database setting: the libpq URL, and where DuckLake keeps its files
    (``?data_path=``, needed only to build a new database; the catalog remembers it)."""

    url: str
    data_path: str | None = None

    @classmethod
    def parse(cls, text: str) -> ServerSetting:
        parts = urllib.parse.urlsplit(text)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        data_path = next((v for k, v in query if k == "data_path"), None)
        rest = urllib.parse.urlencode([(k, v) for k, v in query if k != "data_path"])
        if not parts.hostname or not parts.path.strip("/"):
            raise DatabaseError(
                f"{cls(text).name} is not a database URL this program understands: write "
                "postgresql://USER@HOST:PORT/DATABASE"
            )
        url = urllib.parse.urlunsplit(("postgresql", parts.netloc, parts.path, rest, ""))
        return cls(url, str(Path(data_path).resolve()) if data_path else None)

    @property
    def name(self) -> str:
        """The URL without its password (what messages and logs show)."""
        parts = urllib.parse.urlsplit(self.url)
        netloc = parts.netloc.rsplit("@", 1)
        if len(netloc) == 2 and ":" in netloc[0]:
            netloc[0] = netloc[0].split(":", 1)[0] + ":***"
        return urllib.parse.urlunsplit(parts._replace(netloc="@".join(netloc)))

    @property
    def database(self) -> str:
        return urllib.parse.unquote(urllib.parse.urlsplit(self.url).path.strip("/"))

    def on_database(self, name: str) -> str:
        """The URL of another database on the same server (``postgres``, to create this one)."""
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(name)))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# ------------------------------------------------------------------------------------------------
# What goes wrong, in plain words
# ------------------------------------------------------------------------------------------------

_GONE = (
    "server closed the connection",
    "terminating connection",
    "connection refused",
    "could not connect",
    "connection to server",
    "no connection to the server",
    "the database system is shutting down",
    "the database system is starting up",
    "ssl syscall",
    "broken pipe",
    "connection is closed",
    "connection has been closed",
)


def _server_gone(error: BaseException) -> bool:
    if isinstance(error, psycopg.OperationalError):
        return True
    text = str(error).lower()
    return any(marker in text for marker in _GONE)


def _unavailable(setting: ServerSetting, error: BaseException) -> DatabaseUnavailable:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return DatabaseUnavailable(
        f"The database server for {setting.name} is not answering ({first}). Nothing was "
        "changed. Try again in a minute; if it goes on, tell whoever runs the server."
    )


def _seed_hint(setting: ServerSetting) -> str:
    return (
        f"Build it with `python -m etl seed --db '{setting.name}?data_path=/shared/folder'` "
        "(the sample programme) or `python -m etl init` (real returns)"
    )


@contextmanager
def translated(setting: ServerSetting, engine: _Engine | None = None) -> Iterator[None]:
    """Driver exceptions, as ``wdp.db.errors`` types with a message a person can act on."""
    try:
        yield
    except DatabaseError:
        raise
    except (duckdb.Error, psycopg.Error) as error:
        text = str(error).lower()
        if isinstance(error, psycopg.OperationalError) and "does not exist" in text:
            raise DatabaseMissing(
                f"There is no database {setting.database!r} on the server {setting.name}. "
                f"{_seed_hint(setting)}, or set WDP_DB to the right database."
            ) from error
        if _server_gone(error):
            if engine is not None:
                engine.forget()
            raise _unavailable(setting, error) from error
        if "single attached database" in text:
            raise DatabaseError(
                "One transaction changed both the programme's data and accounts or sign-ins, "
                "which PostgreSQL storage keeps apart (a program error): nothing was saved."
            ) from error
        if "could not serialize" in text or "conflict" in text or "deadlock" in text:
            raise WriteConflict(
                f"Someone else changed the database {setting.name} at the same moment; nothing "
                "of this change was saved. Try again."
            ) from error
        if "violates" in text or isinstance(error, duckdb.ConstraintException):
            raise RuleBroken(
                f"The change broke a rule of the database ({str(error).splitlines()[0]}); "
                "nothing of it was saved."
            ) from error
        if isinstance(error, duckdb.CatalogException | psycopg.errors.UndefinedTable):
            raise DatabaseNotSetUp(
                f"The database {setting.name} has no programme tables yet. {_seed_hint(setting)}."
            ) from error
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DatabaseUnreadable(
            f"The database {setting.name} could not be read ({first_line})."
        ) from error


# ------------------------------------------------------------------------------------------------
# PostgreSQL itself (psycopg): creating, checking, the shared lock, the data version
# ------------------------------------------------------------------------------------------------


def _pg_connect(url: str, *, autocommit: bool = True) -> psycopg.Connection:
    return psycopg.connect(
        url,
        autocommit=autocommit,
        connect_timeout=CONNECT_TIMEOUT_S,
        options=f"-c search_path={PLAIN_SCHEMA}",
    )


def _database_exists(setting: ServerSetting) -> bool:
    try:
        _pg_connect(setting.url).close()
        return True
    except psycopg.OperationalError as error:
        if "does not exist" in str(error):
            return False
        raise


def _create_database(setting: ServerSetting) -> None:
    with psycopg.connect(
        setting.on_database("postgres"), autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
    ) as pg:
        name = setting.database.replace('"', '""')
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another process was first
            pg.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]  # (a quoted name)


def _lake_exists(pg: psycopg.Connection) -> bool:
    found = pg.execute(
        "SELECT to_regclass(%s) IS NOT NULL", [f"{LAKE_SCHEMA}.ducklake_metadata"]
    ).fetchone()
    return bool(found and found[0])


@contextmanager
def _advisory(setting: ServerSetting, key: int, timeout: float, what: str) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock for the block, across every process using the server.
    The lock is on its own connection: if this process dies, the server lets go at once."""
    pg = _pg_connect(setting.url)
    try:
        pg.execute(f"SET lock_timeout = '{max(int(timeout * 1000), 1)}ms'")  # type: ignore[arg-type]
        try:
            pg.execute("SELECT pg_advisory_lock(%s)", [key])
        except psycopg.errors.LockNotAvailable as error:
            from wdp.db.errors import DatabaseBusy

            waited = f"over {timeout:.0f} seconds" if timeout >= 2 else "longer than it waits"
            raise DatabaseBusy(
                f"The database {setting.name} is busy: {what} has been going on for {waited}. "
                "Nothing was changed. Try again in a minute."
            ) from error
        yield
    finally:
        pg.close()  # ends the session, and with it the lock


# ------------------------------------------------------------------------------------------------
# One DuckDB instance per database per process
# ------------------------------------------------------------------------------------------------


def _extension_directory() -> Path:
    # Inside the virtual environment whose packages carry the extensions (never ~/.duckdb).
    return Path(sys.prefix) / "share" / "duckdb-extensions"


def _open_instance(setting: ServerSetting, *, data_path: str | None) -> duckdb.DuckDBPyConnection:
    from duckdb_extensions import import_extension

    con = duckdb.connect(
        config={
            "extension_directory": str(_extension_directory()),
            "autoinstall_known_extensions": "false",
        }
    )
    try:
        for extension in ("ducklake", "postgres"):
            import_extension(extension, con=con)  # copies the packaged file; no download
            con.execute(f"LOAD {extension}")
        options = f"METADATA_SCHEMA {_literal(LAKE_SCHEMA)}"
        if data_path:
            options += f", DATA_PATH {_literal(data_path.rstrip('/') + '/')}"
        con.execute(f"ATTACH {_literal('ducklake:postgres:' + setting.url)} AS {LAKE} ({options})")
        con.execute(
            f"ATTACH {_literal(setting.url)} AS {PLAIN} "
            f"(TYPE postgres, SCHEMA {_literal(PLAIN_SCHEMA)})"
        )
    except BaseException:
        con.close()
        raise
    return con


@dataclass
class _Engine:
    """This process's way into one database: a DuckDB instance with DuckLake and the plain
    tables attached, a cursor per thread (and scope), and a PostgreSQL connection for the data
    version. ``forget`` drops it all after the server went away; the next use starts afresh."""

    setting: ServerSetting
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _instance: duckdb.DuckDBPyConnection | None = None
    _generation: int = 0
    _local: threading.local = field(default_factory=threading.local)
    _idle: list[psycopg.Connection] = field(default_factory=list)
    _pg_lock: threading.Lock = field(default_factory=threading.Lock)
    migrated: bool = False

    def instance(self, *, create: bool = False) -> tuple[duckdb.DuckDBPyConnection, int]:
        with self._lock:
            if self._instance is None:
                self._instance = self._open(create=create)
            return self._instance, self._generation

    def _open(self, *, create: bool) -> duckdb.DuckDBPyConnection:
        setting = self.setting
        if not _database_exists(setting):
            if not create:
                raise DatabaseMissing(
                    f"There is no database {setting.database!r} on the server {setting.name}. "
                    f"{_seed_hint(setting)}, or set WDP_DB to the right database."
                )
            _create_database(setting)
        with _pg_connect(setting.url) as pg:
            if _lake_exists(pg):
                data_path = None  # the catalog knows it
            elif not create:
                raise DatabaseNotSetUp(
                    f"The database {setting.name} has no programme tables yet. "
                    f"{_seed_hint(setting)}."
                )
            elif not setting.data_path:
                raise DatabaseError(
                    f"Say where {setting.name} keeps its data files: add "
                    "?data_path=/a/folder/every/app/machine/sees to the URL when building it."
                )
            else:
                data_path = setting.data_path
                Path(data_path).mkdir(parents=True, exist_ok=True)
            pg.execute(f"CREATE SCHEMA IF NOT EXISTS {PLAIN_SCHEMA}")  # type: ignore[arg-type]
            pg.execute(f"CREATE SCHEMA IF NOT EXISTS {LAKE_SCHEMA}")  # type: ignore[arg-type]
        return _open_instance(setting, data_path=data_path)

    def cursor(self, scope_code: str | None, *, create: bool = False) -> duckdb.DuckDBPyConnection:
        """This thread's cursor for a scope: the catalogs in use, and the scope's views made."""
        instance, generation = self.instance(create=create)
        cursors: dict[tuple[int, str | None], duckdb.DuckDBPyConnection]
        cursors = getattr(self._local, "cursors", None) or {}
        if any(gen != generation for gen, _ in cursors):
            cursors = {}
        self._local.cursors = cursors
        cur = cursors.get((generation, scope_code))
        if cur is None:
            cur = instance.cursor()
            cur.execute(f"USE {LAKE}")
            cur.execute(f"SET search_path = '{LAKE}.main,{PLAIN}.{PLAIN_SCHEMA}'")
            if scope_code is not None:
                present = [
                    r[0]
                    for r in cur.execute(
                        "SELECT table_name FROM duckdb_tables() WHERE database_name IN (?, ?)",
                        [LAKE, PLAIN],
                    ).fetchall()
                ]
                scope.scope_to_pathfinder(cur, scope_code, self.source, present)
            cursors[(generation, scope_code)] = cur
        return cur

    @staticmethod
    def source(table: str) -> str:
        from wdp.db.schema import PLAIN_TABLES

        return (
            f"{PLAIN}.{PLAIN_SCHEMA}.{table}" if table in PLAIN_TABLES else f"{LAKE}.main.{table}"
        )

    # A few PostgreSQL connections kept open for accounts, sign-ins and the data version
    # (opening one costs a few milliseconds; each page view uses one or two).
    IDLE_CONNECTIONS = 8

    def borrow(self) -> psycopg.Connection:
        with self._pg_lock:
            while self._idle:
                pg = self._idle.pop()
                if not pg.closed:
                    return pg
        return _pg_connect(self.setting.url)

    def give_back(self, pg: psycopg.Connection, *, broken: bool = False) -> None:
        idle = pg.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        with self._pg_lock:
            if not broken and not pg.closed and idle and len(self._idle) < self.IDLE_CONNECTIONS:
                self._idle.append(pg)
                return
        pg.close()

    def pg_query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """A quick query on one of this process's PostgreSQL connections."""
        with _borrowed(self) as pg:
            return pg.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def forget(self) -> None:
        """Drop the instance and connections (the server went away): the next use reopens."""
        with self._lock:
            instance, self._instance = self._instance, None
            self._generation += 1
            self.migrated = False
        if instance is not None:
            with contextlib.suppress(duckdb.Error):
                instance.close()
        with self._pg_lock:
            idle, self._idle = self._idle, []
        for pg in idle:
            pg.close()


_ENGINES: dict[str, _Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _engine(setting: ServerSetting) -> _Engine:
    with _ENGINES_LOCK:
        engine = _ENGINES.get(setting.url)
        if engine is None:
            engine = _ENGINES[setting.url] = _Engine(setting)
        return engine


def forget(setting_text: str | None = None) -> None:
    """Close this process's connections to a database (all of them when None): before dropping
    a database, or at the end of a test."""
    with _ENGINES_LOCK:
        urls = list(_ENGINES) if setting_text is None else [ServerSetting.parse(setting_text).url]
        engines = [_ENGINES.pop(url) for url in urls if url in _ENGINES]
    for engine in engines:
        engine.forget()


# ------------------------------------------------------------------------------------------------
# Accounts and sign-ins: PostgreSQL's own SQL through psycopg
# ------------------------------------------------------------------------------------------------


class _Result:
    """A psycopg result as the named reads and writes use DuckDB's: ``fetchone``, ``fetchall``,
    ``df``; a statement without rows (an UPDATE) reads as one row, its count, as in DuckDB."""

    def __init__(self, cursor: psycopg.Cursor) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._cursor.description is None:
            return (self._cursor.rowcount,)
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._cursor.description is None:
            return [(self._cursor.rowcount,)]
        return self._cursor.fetchall()

    def df(self) -> Any:
        import pandas as pd

        columns = [c.name for c in self._cursor.description or []]
        return pd.DataFrame(self._cursor.fetchall(), columns=columns)

    fetchdf = df


class PlainConnection:
    """A psycopg connection that takes the named reads' and writes' SQL as written for DuckDB:
    ``?`` placeholders (the SQL in ``wdp.db.accounts`` and ``wdp.db.signin`` is kept to what
    both DuckDB and PostgreSQL accept, and the suite runs it on both)."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, parameters: list[Any] | tuple[Any, ...] | None = None) -> _Result:
        if parameters:
            sql = sql.replace("%", "%%").replace("?", "%s")
        return _Result(self.connection.execute(sql, parameters or None))  # type: ignore[arg-type]


@contextmanager
def _borrowed(engine: _Engine) -> Iterator[psycopg.Connection]:
    pg = engine.borrow()
    try:
        yield pg
    except BaseException:
        engine.give_back(pg, broken=True)
        raise
    engine.give_back(pg)


# ------------------------------------------------------------------------------------------------
# Transactions
# ------------------------------------------------------------------------------------------------


_CHANGES = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)", re.IGNORECASE)


class _Recording:
    """A DuckDB cursor that notes which tables a transaction changes, so that only their rules
    are checked at commit (all of them cost ~150 ms; a load's own, a few milliseconds)."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cursor = cursor
        self.changed: set[str] = set()

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        match = _CHANGES.match(sql)
        if match is not None:
            self.changed.add(match.group(1).lower())
        return self._cursor.execute(sql, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def home_of(function: Callable[..., Any]) -> str:
    """Where a named read or write's tables are: its module says (``STORE``); default DuckLake."""
    return getattr(sys.modules.get(function.__module__), "STORE", LAKE)


class LakeTransaction(Transaction):
    """A write transaction, begun at its first named call, in that call's home: on the
    programme's data (DuckLake) it first takes the writer lock, so it sees every earlier write
    and no other writer runs until it ends, and the rules are checked just before it commits; on
    accounts and sign-ins it is a PostgreSQL transaction (repeatable read: a change to a row
    someone else changed meanwhile is a ``WriteConflict``, which ``Database.transact`` retries).
    A read of the other home runs on its own; a write there is a program error."""

    def __init__(self, db: LakeDatabase) -> None:
        super().__init__(None)
        self._db = db
        self._engine = db._engine
        self._lock: Any = None
        self._plain: psycopg.Connection | None = None
        self.home: str | None = None

    def __getattr__(self, name: str) -> Callable[..., Any]:
        function = WRITES.get(name) or READS.get(name)
        if function is None or name.startswith("_"):
            return super().__getattr__(name)  # the interface's own explanation
        home = home_of(function)
        if self.home is None:
            self._begin(home)
        if home != self.home:
            if name in WRITES:
                kind = "accounts or sign-ins" if home == PLAIN else "programme data"
                raise DatabaseError(
                    f"{name} changes {kind} in a transaction begun on the other kind (a program "
                    "error): PostgreSQL "
                    "storage keeps them apart, so give it a transaction of its own."
                )
            return functools.partial(self._db.read, name)
        return functools.partial(function, self._connection)

    def _begin(self, home: str) -> None:
        if home == LAKE:
            self._db._cursor(write=True)  # the database made (first write) and up to date
            self._lock = _advisory(
                self._db.setting, WRITER_LOCK, self._db.timeout, "another change"
            )
            self._lock.__enter__()
            try:
                self._connection = _Recording(self._db._cursor(write=True))
                self._connection.execute("BEGIN TRANSACTION")
            except BaseException:
                self._release()
                raise
        else:
            self._plain = self._engine.borrow()
            try:
                self._plain.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            except BaseException:
                self._release(broken=True)
                raise
            self._connection = PlainConnection(self._plain)
        self.home = home

    def commit(self) -> None:
        try:
            if self.home == LAKE:
                from wdp.db.rules import broken_rules

                broken = broken_rules(self._connection, self._connection.changed)
                if broken:
                    raise RuleBroken(
                        "The change broke a rule of the database ("
                        + "; ".join(broken)
                        + "); nothing of it was saved."
                    )
                self._connection.execute("COMMIT")
            elif self.home == PLAIN:
                assert self._plain is not None
                self._plain.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise
        self._release()

    def rollback(self) -> None:
        try:
            if self.home == LAKE:
                with contextlib.suppress(duckdb.Error):
                    self._connection.execute("ROLLBACK")
            elif self.home == PLAIN and self._plain is not None:
                with contextlib.suppress(psycopg.Error):
                    self._plain.execute("ROLLBACK")
        finally:
            self._release(broken=True)

    def _release(self, *, broken: bool = False) -> None:
        lock, self._lock = self._lock, None
        plain, self._plain = self._plain, None
        self.home = None
        if plain is not None:
            self._engine.give_back(plain, broken=broken)
        if lock is not None:
            lock.__exit__(None, None, None)


# ------------------------------------------------------------------------------------------------
# The database
# ------------------------------------------------------------------------------------------------


class LakeDatabase(Database):
    """The programme's data on a PostgreSQL server (see the module's description)."""

    def __init__(
        self,
        setting: str | ServerSetting,
        *,
        scope: str | None = None,
        create: bool = False,
        timeout: float | None = None,
    ) -> None:
        super().__init__(scope=scope)
        self.setting = (
            setting if isinstance(setting, ServerSetting) else ServerSetting.parse(setting)
        )
        self.create = create
        self.timeout = lock_timeout_s() if timeout is None else timeout

    @property
    def _engine(self) -> _Engine:
        return _engine(self.setting)

    @property
    def name(self) -> str:
        return self.setting.name

    @property
    def key(self) -> str:
        return self.setting.name

    def exists(self) -> bool:
        with translated(self.setting):
            if not _database_exists(self.setting):
                return False
            with _pg_connect(self.setting.url) as pg:
                return _lake_exists(pg)

    def data_version(self) -> Hashable:
        engine = self._engine
        with translated(self.setting, engine):
            try:
                rows = engine.pg_query(
                    f"SELECT max(snapshot_id) FROM {LAKE_SCHEMA}.ducklake_snapshot"
                )
            except psycopg.errors.UndefinedTable:
                return (0,)
            except psycopg.OperationalError as error:
                if "does not exist" in str(error):
                    return (0,)
                raise
        return (rows[0][0] or 0,)

    def scoped(self, pathfinder_code: str | None) -> Self:
        return type(self)(self.setting, scope=pathfinder_code, timeout=self.timeout)

    # -- reading and writing ----------------------------------------------------------------------

    def _cursor(self, *, write: bool) -> duckdb.DuckDBPyConnection:
        cur = self._engine.cursor(self.scope, create=self.create and write)
        if write and not self._engine.migrated:
            self.ensure_schema()
        return cur

    def _run_read(
        self, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        engine = self._engine
        for attempt in (1, 2):
            try:
                with translated(self.setting, engine):
                    if home_of(function) == PLAIN:
                        return self._plain_read(function, args, kwargs)
                    return function(self._cursor(write=False), *args, **kwargs)
            except DatabaseUnavailable:
                if attempt == 2 or self._held():
                    raise
                log.info("database server went away; reading again on a new connection")
        raise AssertionError("unreachable")

    def _plain_read(
        self, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        engine = self._engine
        engine.instance()  # the database exists and is set up (explained if not)
        with _borrowed(engine) as pg, pg.transaction():
            if self.scope is not None:  # a lead: accounts and sign-ins read as empty
                pg.execute(f"SET LOCAL search_path = {HIDDEN_SCHEMA}")  # type: ignore[arg-type]
                pg.execute("SELECT set_config(%s, %s, true)", [SCOPE_SETTING, self.scope])
            return function(PlainConnection(pg), *args, **kwargs)

    def _held(self) -> bool:
        return bool(getattr(self._engine._local, "session_depth", 0))

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[None]:
        # Every thread already keeps its cursor; a session only marks it in use (so a read
        # inside it is not silently retried on a new connection, outside its transaction).
        local = self._engine._local
        local.session_depth = getattr(local, "session_depth", 0) + 1
        try:
            if write:
                with translated(self.setting, self._engine):
                    self._cursor(write=True)
            yield
        finally:
            local.session_depth -= 1

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        if self.scope is not None:
            raise ReadOnlyView(
                "This view of the database is limited to one pathfinder and cannot change it."
            )
        with translated(self.setting, self._engine):
            tx = LakeTransaction(self)
            try:
                yield tx
            except BaseException:
                tx.rollback()
                raise
            tx.commit()

    # -- looking after it ------------------------------------------------------------------------

    def ensure_schema(self) -> int:
        engine = self._engine
        with translated(self.setting, engine):
            version = migrate(engine, create=self.create, timeout=self.timeout)
            engine.migrated = True
            return version

    def backup(self, folder: Any, *, now: dt.datetime | None = None) -> Any:
        from wdp.db.lake_backup import backup_server

        with translated(self.setting, self._engine):
            return backup_server(self, Path(folder), now=now)

    # -- for the db layer's own tools (backups, copies, tests) -----------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's DuckDB cursor, unscoped (backups and copies read every table)."""
        return self._engine.cursor(None, create=self.create)

    def pg(self) -> psycopg.Connection:
        """A new PostgreSQL connection of its own (search_path: the plain tables' schema)."""
        return _pg_connect(self.setting.url)


# ------------------------------------------------------------------------------------------------
# Migrations on both homes
# ------------------------------------------------------------------------------------------------


def migrate(engine: _Engine, *, create: bool, timeout: float) -> int:
    """Bring both homes up to ``LATEST_VERSION`` (under a lock, so processes take turns)."""
    from wdp.db.schema import LATEST_VERSION, MIGRATIONS, SCHEMA_VERSION_TABLE

    setting = engine.setting
    cur = engine.cursor(None, create=create)
    with (
        _advisory(setting, MIGRATION_LOCK, timeout, "an upgrade of the database"),
        _pg_connect(setting.url) as pg,
    ):
        with pg.transaction():
            pg.execute(SCHEMA_VERSION_TABLE)  # type: ignore[arg-type]  # (IF NOT EXISTS)
        row = pg.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
        plain_version = row[0] if row else 0
        has_versions = cur.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? "
            "AND table_name = 'schema_version'",
            [LAKE],
        ).fetchone()[0]
        if not has_versions:
            cur.execute(lake_schema.lake_version_table())
        lake_version = cur.execute(
            f"SELECT coalesce(max(version), 0) FROM {LAKE}.main.schema_version"
        ).fetchone()[0]
        newest = max(plain_version, lake_version)
        if newest > LATEST_VERSION:
            raise DatabaseUnreadable(
                f"This database has schema version {newest}, newer than this program knows "
                f"({LATEST_VERSION}). Update the program before using this database."
            )
        for number, description, statements in MIGRATIONS:
            if number > lake_version:
                cur.execute("BEGIN TRANSACTION")
                try:
                    for statement in statements:
                        if lake_schema.home_of(statement) != lake_schema.LAKE:
                            continue
                        if callable(statement):
                            statement(cur)
                        elif (sql := lake_schema.for_lake(statement)) is not None:
                            cur.execute(sql)
                    cur.execute(
                        f"INSERT INTO {LAKE}.main.schema_version (version, description, "
                        "applied_at) VALUES (?, ?, current_timestamp)",
                        [number, description],
                    )
                    cur.execute("COMMIT")
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
            if number > plain_version:
                with pg.transaction():
                    pg_cursor = pg.cursor()
                    for statement in statements:
                        if lake_schema.home_of(statement) != lake_schema.PLAIN:
                            continue
                        if callable(statement):
                            statement(PlainConnection(pg))
                        else:
                            pg_cursor.execute(statement)  # type: ignore[arg-type]
                    pg_cursor.execute(
                        "INSERT INTO schema_version (version, description) VALUES (%s, %s)",
                        [number, description],
                    )
        _hide_plain_tables(pg, changed=plain_version < LATEST_VERSION)
    cur.execute("CALL pg_clear_cache()")  # DuckDB's view of the plain tables: as they are now
    return LATEST_VERSION


def _hide_plain_tables(pg: psycopg.Connection, *, changed: bool = True) -> None:
    """The plain tables' names as views in ``HIDDEN_SCHEMA``: a lead's reads run with that
    schema as their search path, so accounts and sign-ins read as empty to them, and a table
    whose rows carry their pathfinder (the reminders sent) shows the rows of the pathfinder the
    read's transaction names (``SCOPE_SETTING``, set by ``_plain_read``)."""
    from wdp.db.schema import PLAIN_TABLES
    from wdp.db.scope import HIDDEN_FROM_A_LEAD, SCOPED_BY_PATHFINDER

    hidden = sorted(PLAIN_TABLES & set(HIDDEN_FROM_A_LEAD))
    scoped = sorted(PLAIN_TABLES & set(SCOPED_BY_PATHFINDER))
    wanted = hidden + scoped
    present = {
        r[0]
        for r in pg.execute(
            "SELECT table_name FROM information_schema.views WHERE table_schema = %s",
            [HIDDEN_SCHEMA],
        ).fetchall()
    }
    if set(wanted) <= present and not changed:
        return  # (never dropped and remade needlessly: a backup's pg_dump may be reading them)
    with pg.transaction():
        pg.execute(f"CREATE SCHEMA IF NOT EXISTS {HIDDEN_SCHEMA}")  # type: ignore[arg-type]
        for table in wanted:
            condition = (
                f"pathfinder_code = current_setting('{SCOPE_SETTING}', true)"
                if table in scoped
                else "false"
            )
            pg.execute(f"DROP VIEW IF EXISTS {HIDDEN_SCHEMA}.{table}")  # type: ignore[arg-type]
            pg.execute(
                f"CREATE VIEW {HIDDEN_SCHEMA}.{table} AS "  # type: ignore[arg-type]
                f"SELECT * FROM {PLAIN_SCHEMA}.{table} WHERE {condition}"
            )
