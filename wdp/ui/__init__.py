"""Streamlit helpers shared by the entry script and the pages: page setup, banners, cached loaders.

The only module outside ``pages/`` that imports streamlit (``tests/test_architecture.py``).

Invariants:
- Loaders open the database read-only for the length of one query and call a named function from
  ``wdp.db.queries``; nothing here holds SQL or keeps a connection open, so a load from the CLI is
  never blocked for longer than one query (``wdp.db.connection``).
- Results are cached, keyed by the database path and its modification time (a load's commit is
  checkpointed into the file when its writer closes it), so a newly loaded return shows on the
  next page run. ``CACHE_TTL_S`` is only a backstop.
- A missing, empty, busy or unreadable database becomes one ``st.info`` / ``st.error`` sentence
  saying what to do, and the page stops there: never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import duckdb
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from wdp.config import SYNTHETIC_LABEL, db_path
from wdp.db import accounts, queries
from wdp.db.connection import (
    DatabaseBusy,
    DatabaseError,
    DatabaseMissing,
    ensure_schema,
    open_db,
    scope_to_pathfinder,
)

APP_TITLE = "WDP programme dashboard"
# An emoji, not a ":material/...:" icon: those make the browser fetch a favicon from the internet.
PAGE_ICON = "📊"
CACHE_TTL_S = 300  # a backstop: the key changes with every commit (_stamp)
CACHE_MAX_ENTRIES = 16

T = TypeVar("T")


# ------------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------------


def _stamp(path: Path) -> int:
    """The file's modification time, part of every cache key. Every writer (the CLI, an upload)
    opens the file for one load and closes it, and DuckDB checkpoints into the file on close, so
    a commit changes it. (The write-ahead log is left out: a process that merely holds the file
    open would change the key, and every page would then wait on its lock instead of showing
    what it has.)"""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _read(db: str, query: Callable[..., T], scope: str | None = None, **kwargs: Any) -> T:
    """Run one query on a short read-only connection; a lead's ``scope`` (their pathfinder)
    hides every other pathfinder's returns from it (``scope_to_pathfinder``)."""
    with open_db(db, read_only=True) as con:
        if scope is not None:
            scope_to_pathfinder(con, scope)
        return query(con, **kwargs)


@st.cache_data(ttl=CACHE_TTL_S, max_entries=CACHE_MAX_ENTRIES * 8, show_spinner=False)
def _cached(
    db: str, stamp: int, name: str, kwargs: tuple[tuple[str, Any], ...], scope: str | None
) -> Any:
    """One query's result for one database file version, arguments and reader's scope."""
    return _read(db, _QUERIES[name], scope, **dict(kwargs))


_QUERIES: dict[str, Callable[..., Any]] = {}


def cached_query(query: Callable[..., T]) -> Callable[..., T]:
    """Wrap a named query (``query(con, **kwargs)``) as a cached, read-only page loader.

    The loader takes the query's keyword arguments, reads the configured database and turns any
    database problem into a sentence on the page (see ``_load``).
    """
    name = f"{query.__module__}.{query.__qualname__}"
    _QUERIES[name] = query

    def load(**kwargs: Any) -> T:
        scope = reader_scope()
        return _load(
            lambda db, stamp: _cached(db, stamp, name, tuple(sorted(kwargs.items())), scope)
        )

    load.__doc__ = query.__doc__
    return load


@st.cache_resource(max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _upgrade_schema(db: str, stamp: int) -> int:
    """Migrate an older database once per file version (the app otherwise only reads)."""
    return ensure_schema(db)


def _stop_with(kind: Callable[..., Any], message: str) -> NoReturn:
    kind(message)
    st.stop()


def reader_scope() -> str | None:
    """The pathfinder a signed-in lead is limited to (None: everyone else sees all)."""
    from wdp.ui.auth import current_user

    user = current_user()
    return user.pathfinder_code if user is not None and user.role == "lead" else None


def _load(loader: Callable[[str, int], T]) -> T:
    """Call a cached loader on the configured database; explain any database problem and stop."""
    path = db_path()
    seed_hint = f"Build the sample one with `python -m etl seed --db {path}` (or `make run`)"
    if path.is_file() and path.stat().st_size == 0:
        _stop_with(
            st.info,
            f"The database file {path} is empty (an interrupted build?). Delete it, then run "
            f"`python -m etl seed --db {path}` (or `make run`) and reload this page.",
        )
    try:
        _upgrade_schema(str(path), _stamp(path))
        return loader(str(path), _stamp(path))
    except DatabaseMissing:
        _stop_with(
            st.info,
            f"There is no database at {path} yet. {seed_hint} and reload this page, "
            "or set WDP_DB to the right file.",
        )
    except DatabaseBusy as error:
        _stop_with(st.info, str(error))
    except DatabaseError as error:
        _stop_with(st.error, f"{error} Check that WDP_DB points to the dashboard's database.")
    except duckdb.CatalogException:
        _stop_with(
            st.info,
            f"The database {path} has no programme tables yet. {seed_hint}, "
            "or `python -m etl init` for real returns.",
        )
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0]
        _stop_with(st.error, f"The database {path} could not be read ({first_line}). {seed_hint}.")


database_summary = cached_query(queries.database_summary)
pathfinder_overview = cached_query(queries.pathfinder_overview)
champions_by_period = cached_query(queries.champions_by_period)
submission_history = cached_query(queries.submission_history)


# ------------------------------------------------------------------------------------------------
# Page furniture
# ------------------------------------------------------------------------------------------------


def setup_page(
    title: str, *, page_title: str | None = None, show_title: bool = True, banner: bool = True
) -> dict[str, Any]:
    """Page config, heading and the synthetic-data banner; returns the database summary.

    Every page calls this first (each page also runs on its own). When there is no usable
    database the page stops here with a sentence saying what to do. Presentation mode draws its
    own heading and carries the synthetic label on every slide (``show_title``, ``banner``).
    """
    st.set_page_config(
        page_title=page_title or f"{title} · {APP_TITLE}", page_icon=PAGE_ICON, layout="wide"
    )
    from wdp.ui.auth import current_user, sidebar_status, sign_in_form
    from wdp.ui.filters import menu

    menu(page_title=title)
    sidebar_status()
    if show_title:
        st.title(title)
    # The sample programme is an open demonstration; a real programme's data needs sign-in.
    if current_user() is None and not is_sample_database():
        st.info("Sign in to see the programme's figures.")
        sign_in_form()
        st.stop()
    summary = database_summary()
    if banner:
        synthetic_banner(summary["synthetic_pathfinders"] > 0)
    return summary


def synthetic_banner(is_synthetic: bool) -> None:
    """The label every view of the sample programme carries."""
    if is_synthetic:
        st.warning(f"**{SYNTHETIC_LABEL}**", icon=":material/science:")


def format_timestamp(value: str | dt.datetime | None) -> str:
    if value is None:
        return "never"
    stamp = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return stamp.strftime("%d %b %Y %H:%M")


# ------------------------------------------------------------------------------------------------
# Charts with their data, downloads and definitions
# ------------------------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _neutralise(value: Any) -> Any:
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) else value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for download; text that a spreadsheet would run as a formula is neutralised, in
    headers and in every text or categorical column (numbers and dates are left as they are)."""
    safe = frame.copy()
    if isinstance(safe.columns, pd.MultiIndex):
        safe.columns = safe.columns.map(lambda names: tuple(_neutralise(n) for n in names))
    else:
        safe.columns = [_neutralise(name) for name in safe.columns]
    for i in range(safe.shape[1]):  # by position: column names may repeat
        column = safe.iloc[:, i]
        if column.dtype == object or isinstance(column.dtype, pd.CategoricalDtype):
            safe.isetitem(i, column.astype(object).map(_neutralise))
        elif pd.api.types.is_string_dtype(column.dtype):
            safe.isetitem(i, column.map(_neutralise))
    # CRLF (RFC 4180) also makes the writer quote a field holding a bare "\r", which a
    # spreadsheet would otherwise read as a line break starting a new cell (and formula).
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def download_csv(
    frame: pd.DataFrame, *, filename: str, key: str, label: str = "Download CSV"
) -> None:
    # Deferred: the CSV is made when the button is pressed, not on every run of the page.
    st.download_button(
        label,
        lambda: csv_bytes(frame),
        file_name=filename,
        mime="text/csv",
        key=key,
        icon="⬇️",
        on_click="ignore",
    )


@st.cache_resource(ttl=CACHE_TTL_S * 20, max_entries=CACHE_MAX_ENTRIES * 2, show_spinner=False)
def _figure(key: tuple, stamp: int, scope: str | None, _build: Callable[[], Any]) -> Any:
    return _build()


def cached_figure(key: tuple, build: Callable[[], T]) -> T:
    """A figure that is slow to build (a map of every area: plotly checks each shape), built once
    per database version, reader's scope and ``key`` (which must name everything it shows), then
    shared: pages only read figures, never change them."""
    return _figure(key, _stamp(db_path()), reader_scope(), build)


def chart_config(filename: str) -> dict[str, Any]:
    """Plotly's toolbar: the camera button downloads the chart on its own as a PNG, at twice
    the screen's resolution, named after the chart's data file."""
    stem = filename.rsplit(".", 1)[0]
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": stem, "scale": 2},
    }


def show_chart(
    figure: Any, data: pd.DataFrame, *, key: str, filename: str, note: str | None = None
) -> None:
    """A chart, then its data as a table with a CSV download (every chart has both)."""
    st.plotly_chart(figure, key=key, config=chart_config(filename))
    if note:
        st.caption(note)
    with st.expander("Data behind this chart"):
        st.dataframe(data, hide_index=True)
        download_csv(data, filename=filename, key=f"{key}_csv")


def definitions(items: dict[str, str], *, title: str = "Definitions") -> None:
    """What each measure means: numerator, denominator, source, method."""
    with st.expander(title):
        for term, meaning in items.items():
            st.markdown(f"**{term}**: {meaning}")


def public_data_note() -> None:
    """The attribution public data carries wherever it is shown."""
    from wdp.config import PUBLIC_DATA_LABEL

    st.caption(PUBLIC_DATA_LABEL)


returns_received = cached_query(queries.returns_received)
is_sample_database = cached_query(accounts.is_sample_database)


def page_link_if_present(script: str, label: str) -> None:
    """A link to another page, carrying the filters, when that page exists."""
    from wdp.ui.filters import ROOT, from_url

    if (ROOT / script).exists():
        # A page run on its own (AppTest) has no sibling pages registered to link to.
        with contextlib.suppress(StreamlitAPIException):
            st.page_link(script, label=label, icon="➡️", query_params=from_url().as_params())


from wdp.charts.overview import pathfinder_table, submission_table  # noqa: E402, F401
