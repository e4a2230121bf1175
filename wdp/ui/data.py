"""The app's way to the data: the configured database as the reader may see it, its named reads
cached, and every database problem turned into one sentence on the page.

    from wdp.ui.data import reads
    overview = reads.pathfinder_overview()            # cached; a lead sees only their pathfinder
    found = computed(headline_figures)                # a function of the database, cached alike
    figure = cached_figure(key, build)                # slow figures built once per data version

Invariants:
- A read goes through ``wdp.db``'s ``Database`` (never a driver connection) and is cached per
  database, ``data_version()``, reader's scope, read and arguments: a load through any process
  shows on the next page run, and a lead's cached answer is never served to anyone else. Reads
  of accounts and sign-ins are not cached (they change without the data version).
- A missing, empty, busy or unreadable database becomes one ``st.info`` / ``st.error`` sentence
  saying what to do, and the page stops there: never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import streamlit as st

from wdp.config import database_setting
from wdp.db import (
    Database,
    DatabaseBusy,
    DatabaseError,
    DatabaseMissing,
    DatabaseNotSetUp,
    is_named_read,
    is_versioned_read,
    open_database,
)

CACHE_TTL_S = 300  # a backstop: the key changes with every commit (data_version)
CACHE_MAX_ENTRIES = 16

T = TypeVar("T")


def reader_scope() -> str | None:
    """The pathfinder the signed-in person is limited to (a lead's); None: they see all."""
    from wdp.ui.auth import current_user

    user = current_user()
    return user.scope if user is not None else None


def database() -> Database:
    """The configured database (``WDP_DB``), unscoped: for writes and for sign-in."""
    return open_database(database_setting())


def reader_database() -> Database:
    """The configured database as the signed-in reader may see it."""
    return database().scoped(reader_scope())


# ------------------------------------------------------------------------------------------------
# Problems, as sentences
# ------------------------------------------------------------------------------------------------


def _stop_with(kind: Callable[..., Any], message: str) -> NoReturn:
    kind(message)
    st.stop()


@contextmanager
def explained() -> Iterator[None]:
    """Run database work; a database problem becomes a sentence on the page, which stops."""
    try:
        yield
    except DatabaseMissing as error:
        _stop_with(st.info, f"{error} Then reload this page.")
    except (DatabaseBusy, DatabaseNotSetUp) as error:
        _stop_with(st.info, str(error))
    except DatabaseError as error:
        _stop_with(st.error, f"{error} Check that WDP_DB points to the dashboard's database.")


# ------------------------------------------------------------------------------------------------
# Cached reads
# ------------------------------------------------------------------------------------------------


@st.cache_resource(max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _upgrade_schema(setting: str, version: Hashable) -> int:
    """Migrate an older database once per data version (the app otherwise only reads)."""
    return open_database(setting).ensure_schema()


# Functions of the whole database (``computed``), by name, beside the named reads.
_COMPUTATIONS: dict[str, Callable[..., Any]] = {}


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_MAX_ENTRIES * 8, show_spinner=False)
def _cached(
    setting: str,
    version: Hashable,
    scope: str | None,
    name: str,
    kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    """One answer for one database version, reader's scope, question and arguments."""
    db = open_database(setting, scope=scope)
    function = _COMPUTATIONS.get(name)
    return function(db, **dict(kwargs)) if function else db.read(name, **dict(kwargs))


def _answer(name: str, kwargs: dict[str, Any]) -> Any:
    with explained():
        db = reader_database()
        version = db.data_version()
        _upgrade_schema(database_setting(), version)
        if name not in _COMPUTATIONS and not is_versioned_read(name):
            return db.read(name, **kwargs)  # accounts, sign-ins: always as they are now
        return _cached(database_setting(), version, db.scope, name, tuple(sorted(kwargs.items())))


def read(name: str, **kwargs: Any) -> Any:
    """A named read of the configured database as the reader may see it, cached."""
    return _answer(name, kwargs)


class CachedReads:
    """``reads.<named read>(**kwargs)``: the database's named reads, cached (see ``read``)."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if not is_named_read(name):
            raise AttributeError(f"The database has no named read {name!r} (see wdp.db.named)")
        return lambda **kwargs: read(name, **kwargs)


reads = CachedReads()


def computed(function: Callable[..., T], **kwargs: Any) -> T:
    """``function(db, **kwargs)`` over the database as the reader may see it (the headline
    results, the period a lead's return is due), cached like a named read."""
    name = f"{function.__module__}.{function.__qualname__}"
    _COMPUTATIONS[name] = function
    return _answer(name, kwargs)


@st.cache_resource(ttl=CACHE_TTL_S * 20, max_entries=CACHE_MAX_ENTRIES * 2, show_spinner=False)
def _figure(key: tuple, version: Hashable, scope: str | None, _build: Callable[[], Any]) -> Any:
    return _build()


def cached_figure(key: tuple, build: Callable[[], T]) -> T:
    """A figure that is slow to build (a map of every area: plotly checks each shape), built once
    per data version, reader's scope and ``key`` (which must name everything it shows), then
    shared: pages only read figures, never change them."""
    db = reader_database()
    return _figure(key, db.data_version(), db.scope, build)


def data_changed() -> None:
    """After a write from this process: every page shows the new figures at once."""
    st.cache_data.clear()
