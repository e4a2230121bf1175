"""Building real return workbooks for tests: from the real template, filled like a lead would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from etl.sample import PLACES as SAMPLE_PLACES
from etl.sample import Return, write_return
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


def every_row(path: Path, *, sequences: bool = False) -> dict[str, list[str]]:
    """Every row of every table (sorted), read through a fresh read-only connection; with
    ``sequences``, also where each sequence stands. Two databases are equal when these are."""
    from wdp.db import maintenance
    from wdp.db.embedded import open_db

    with open_db(path, read_only=True) as con:
        tables = {
            t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall()))
            for t in maintenance.user_tables(con)
        }
        if sequences:
            tables["(sequences)"] = sorted(
                map(
                    repr,
                    con.execute(
                        "SELECT sequence_name, last_value FROM duckdb_sequences()"
                    ).fetchall(),
                )
            )
        return tables


def db_on(con) -> EmbeddedDatabase:
    """The database behind a connection a test holds, using that connection (so the test can
    look at the tables in the same transaction-free state the product code leaves them)."""
    return EmbeddedDatabase.on(con)
