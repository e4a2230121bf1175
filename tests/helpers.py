"""Building real return workbooks for tests: from the real template, filled like a lead would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl

from etl.sample import PLACES as SAMPLE_PLACES
from etl.sample import Return, write_return
from wdp.db import Database
from wdp.db.embedded import EmbeddedDatabase
from wdp.domain import ReportingPeriod

STOKE = next(p for p in SAMPLE_PLACES if p.code == "WDP-STK")
Q1 = ReportingPeriod(2017, 1)  # April to June 2017
PRACTICE = "M83038"  # Orchard Surgery, Stoke-on-Trent (real ODS code)
OTHER_PRACTICE = "M83084"


def valid_return(period: ReportingPeriod = Q1, *, pathfinder: str = "WDP-STK") -> Return:
    """A small return that passes every rule; rows start at Excel row 4 on table sheets."""
    may = dt.date(period.start.year, period.start.month + 1, 1)
    ret = Return(
        place=STOKE,
        period=period,
        details={
            "pathfinder_code": pathfinder,
            "reporting_period": period.label,
            "submitted_by_role": "Pathfinder lead",
            "submitted_by_organisation": "Stoke-on-Trent pathfinder (test)",
            "contact_email": "wdp.test@example.nhs.uk",
        },
        status={
            "stage": "Live",
            "rag": "Green",
            "commentary": "Going well.",
            "go_live_date": period.start,
        },
    )
    ret.training = [
        [period.start, PRACTICE, None, "Practice nurse", "Digital Health Champion core course", 3],
        [may, OTHER_PRACTICE, None, "Healthcare assistant", "Social media for cancer screening", 2],
    ]
    ret.activity = [
        [period.start, "Facebook page", PRACTICE, None, None, 10, 4200, 300, 12, 5],
        [may, "Community group", None, "Stoke community groups", None, 6, 1500, 90, 4, 1],
    ]
    ret.screening = [
        [
            "GP practice (ODS code)",
            PRACTICE,
            "Cervical",
            "Uptake",
            period.start,
            period.end,
            150,
            210,
        ],
        [
            "Local authority (ONS code)",
            "E06000021",
            "Breast",
            "Coverage",
            dt.date(period.end.year - 3, period.end.month, 1),
            period.end,
            41000,
            58000,
        ],
        [
            "Screening service",
            "NMI",
            "Breast",
            "Uptake",
            dt.date(2016, 4, 1),
            dt.date(2017, 3, 31),
            30000,
            45000,
        ],
    ]
    ret.milestones = [["First practice page live", period.end, "In progress", "Amber", None]]
    ret.risks = [["Staff time", "Medium", "High", "Amber", "Protected learning time", "Open"]]
    return ret


def write_valid_return(path: Path, period: ReportingPeriod = Q1, **kwargs: Any) -> Path:
    return write_return(valid_return(period, **kwargs), path)


def set_cells(path: Path, sheet: str, cells: dict[str, Any]) -> Path:
    """Overwrite cells (by Excel reference, e.g. "F4") in a saved workbook."""
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb[sheet][ref] = value
    wb.save(path)
    return path


def every_row(setting: Path | str) -> dict[str, list[str]]:
    """Every row of every table (sorted), read through a fresh connection. Two databases are
    equal when these are."""
    with open_db(setting, read_only=True) as con:
        return {
            t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall()))
            for t in con.tables()
        }


# ------------------------------------------------------------------------------------------------
# Looking inside a database, whichever the backend: a connection for raw SQL, and its Database
# ------------------------------------------------------------------------------------------------


class LakeConnection:
    """PostgreSQL-backed storage, as a test looks inside it: ``execute`` runs DuckDB SQL that
    sees every table (DuckLake's and the plain ones), and ``db_on`` gives the Database."""

    def __init__(self, setting: str, *, create: bool = False, scope: str | None = None) -> None:
        from wdp.db.lake import LakeDatabase

        self.database = LakeDatabase(setting, create=create)
        if create:
            self.database.ensure_schema()
        self._cursor = (
            self.database.cursor() if scope is None else self.database._engine.cursor(scope)
        )

    def execute(self, sql: str, parameters: Any = None) -> Any:
        return self._cursor.execute(sql, parameters)

    def tables(self) -> list[str]:
        from wdp.db.lake import LAKE, PLAIN

        rows = self._cursor.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name IN (?, ?) "
            "AND NOT temporary ORDER BY table_name",
            [LAKE, PLAIN],
        ).fetchall()
        return [r[0] for r in rows]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _FileConnection:
    """A DuckDB file's connection with the same ``tables()`` as ``LakeConnection``."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def tables(self) -> list[str]:
        from wdp.db import maintenance

        return maintenance.user_tables(self._con)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@contextmanager
def open_db(
    setting: Path | str,
    *,
    read_only: bool = False,
    create: bool = False,
    scope: str | None = None,
) -> Iterator[Any]:
    """A connection to look inside the database (either backend): ``con.execute(sql)`` and
    ``db_on(con)``. On a DuckDB file it holds the file (read-write unless ``read_only``); on
    PostgreSQL storage it is this thread's cursor, and what it sees is what is committed.
    ``scope``: the connection sees only that pathfinder's returns, as a lead's does."""
    from wdp.config import is_server_setting

    if is_server_setting(setting):
        yield LakeConnection(str(setting), create=create, scope=scope)
        return
    from wdp.db.embedded import open_db as open_file
    from wdp.db.embedded import scope_to_pathfinder

    with open_file(setting, read_only=read_only, create=create) as con:
        if scope is not None:
            scope_to_pathfinder(con, scope)
        yield _FileConnection(con)


def db_on(con: Any) -> Database:
    """The database behind a connection a test holds: on a DuckDB file, using that connection
    (so the test sees the tables in the same state the product code leaves them)."""
    if isinstance(con, LakeConnection):
        return con.database
    raw = con._con if isinstance(con, _FileConnection) else con
    return EmbeddedDatabase.on(raw)
