"""The registry of named reads and writes: the questions the database answers and the changes it
makes, each a function in a ``wdp.db`` module taking a driver connection first.

Callers never hold that connection: they ask a ``Database`` by name (``db.pathfinder_overview()``)
or, inside a transaction, ``tx.write_submission(...)``. A name is registered once; a second
function with the same name is a mistake and fails at import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

READS: dict[str, Callable[..., Any]] = {}
WRITES: dict[str, Callable[..., Any]] = {}


def _register(table: dict[str, Callable[..., Any]], function: F) -> F:
    name = function.__name__
    known = READS.get(name) or WRITES.get(name)
    if known is not None and known is not function:
        raise ValueError(
            f"{function.__module__}.{name}: the name {name!r} is already registered by "
            f"{known.__module__}; each named read or write has one name"
        )
    table[name] = function
    return function


def read(function: F) -> F:
    """Mark a function ``(connection, **kwargs) -> result`` as a named read."""
    return _register(READS, function)


def write(function: F) -> F:
    """Mark a function ``(connection, ...) -> result`` as a named write: it runs only inside a
    transaction (``with db.write() as tx: tx.<name>(...)``) and never manages one itself."""
    return _register(WRITES, function)


def changed(connection: Any, sql: str, parameters: list[Any]) -> int:
    """Run one UPDATE or DELETE and return how many rows it changed (in place of ``RETURNING``,
    which DuckDB's PostgreSQL tables lack). A row another transaction changed first is not
    counted, so "changed exactly once" holds across processes."""
    return int(connection.execute(sql, parameters).fetchone()[0])
