"""The one interface everything above ``wdp.db`` uses to reach the programme's data.

    db = open_database()                       # WDP_DB, else data/wdp.duckdb (wdp.db.open_database)
    db.pathfinder_overview()                   # a named read: one question, one answer
    with db.write() as tx:                     # one transaction: all of it, or none
        tx.save_account(email=..., role=...)
    lead = db.scoped("WDP-STK")                # sees only that pathfinder's returns
    key = db.data_version()                    # changes whenever committed data changes
    with db.session(write=True):               # one connection (and hold) for several steps
        ...

In the manner of Datasette's ``Database``: callers name what they want and never hold a driver
connection, so the embedded DuckDB file (``wdp.db.embedded``) and a server-backed store can stand
behind the same calls. Named reads and writes are functions in ``wdp.db`` modules registered with
``wdp.db.named``; their SQL lives there and nowhere else.

Errors cross this boundary only as ``wdp.db.errors`` types with plain-English messages; no
driver's exception, type or file-system fact does (``data_version`` is an opaque token).
"""

from __future__ import annotations

import functools
import random
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from typing import Any, Self, TypeVar

from wdp.db.errors import DatabaseError, WriteConflict
from wdp.db.named import READS, WRITES

T = TypeVar("T")

# A pathfinder code as the register holds them (a lead's scope is checked against it before use).
PATHFINDER_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")


def _named(table: dict[str, Callable[..., Any]], name: str, owner: str) -> Callable[..., Any]:
    function = table.get(name)
    if function is None or name.startswith("_"):
        if name in WRITES:
            raise AttributeError(
                f"{name!r} is a named write: run it in a transaction, "
                f"`with db.write() as tx: tx.{name}(...)`"
            )
        raise AttributeError(f"{owner} has no named read or write {name!r} (see wdp.db.named)")
    return function


class Transaction:
    """One open write transaction: the named writes, and the named reads (which see its changes).

    Made only by ``Database.write()``; committed when the ``with`` block ends, rolled back if it
    raises.
    """

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> Callable[..., Any]:
        function = WRITES.get(name) or _named(READS, name, "A transaction")
        return functools.partial(function, self._connection)

    def __dir__(self) -> list[str]:
        return sorted({*WRITES, *READS})


class Database(ABC):
    """Where the programme's data lives, and the questions it answers.

    ``scope`` limits every read to one pathfinder's returns (a lead's view, enforced on the
    connection so that no query, however written, sees another pathfinder's rows); a scoped
    database refuses writes.
    """

    def __init__(self, *, scope: str | None = None) -> None:
        if scope is not None and not PATHFINDER_CODE.fullmatch(scope):
            raise DatabaseError(f"Not a pathfinder code: {scope!r}")
        self.scope = scope

    # -- what it is -------------------------------------------------------------------------------

    @property
    @abstractmethod
    def name(self) -> str:
        """How messages name this database (a file path, or a URL without its password)."""

    @property
    def key(self) -> str:
        """Identifies the database across processes (cache keys); equal for equal settings."""
        return self.name

    @abstractmethod
    def exists(self) -> bool:
        """Whether there is a database here at all (reading never creates one)."""

    @abstractmethod
    def data_version(self) -> Hashable:
        """A token that changes whenever committed data changes: caches are keyed by it."""

    @abstractmethod
    def scoped(self, pathfinder_code: str | None) -> Self:
        """The same database seen as a lead of ``pathfinder_code`` sees it (None: everything)."""

    # -- reading and writing ----------------------------------------------------------------------

    @abstractmethod
    def _run_read(
        self, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Run one registered read on a connection of this database (and its scope)."""

    def read(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """The named read ``name`` with these arguments (``db.read("x", ...)`` is ``db.x(...)``)."""
        return self._run_read(_named(READS, name, "The database"), args, kwargs)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        _named(READS, name, "The database")  # AttributeError for anything not a named read
        return functools.partial(self.read, name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *READS})

    @abstractmethod
    def write(self) -> AbstractContextManager[Transaction]:
        """One transaction: ``with db.write() as tx: tx.<named write>(...)``. Everything in the
        block is committed together at its end, or nothing if it raises."""

    def transact(self, work: Callable[[Transaction], T], *, attempts: int = 4) -> T:
        """``work(tx)`` in one transaction, run again from the start (up to ``attempts`` times,
        a little later each time) when another writer changed the same rows at the same moment.
        For read-then-write steps (a sign-in's failure count); the last conflict is raised."""
        for attempt in range(1, attempts + 1):
            try:
                with self.write() as tx:
                    return work(tx)
            except WriteConflict:
                if attempt == attempts:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
        raise AssertionError("unreachable")

    @abstractmethod
    def session(self, *, write: bool = False) -> AbstractContextManager[None]:
        """Keep one connection for the block: reads and transactions inside it share it (and,
        with ``write``, the right to write), so a batch of loads or a deck of slides does not
        reconnect for every step. Sessions nest; the outermost one closes the connection."""

    # -- looking after it ------------------------------------------------------------------------

    @abstractmethod
    def ensure_schema(self) -> int:
        """Bring an existing database's tables up to date (migrations); return the version."""

    @abstractmethod
    def backup(self, folder: Any, *, now: Any = None) -> Any:
        """A checked copy of everything in a new folder under ``folder`` (``wdp.db.backup``)."""

    def __repr__(self) -> str:
        scope = f", scope={self.scope!r}" if self.scope else ""
        return f"{type(self).__name__}({self.name!r}{scope})"
