"""Questions about where each pathfinder is: status, milestones, risks, and which returns arrived.

Invariants:
- Reporting periods run without gaps from the programme's first accepted return to its latest
  (a quarter nobody returned still appears, so a missing quarter cannot drop out of view).
- "As at a period" means each pathfinder's latest current return for that period or earlier: a
  pathfinder that has not returned for the chosen quarter is shown as its last return left it.
- A return is expected for every period from the pathfinder's first accepted return onwards (the
  register has no start date). It is due ``RETURN_DUE_DAYS`` after the period ends; received
  returns are judged by their *first* accepted load, so a later correction never makes an on-time
  return look late. Missing is judged as at the latest load in the database, not today's date.
- Codes are returned as stored (``red``, ``in_progress``); labels are the tables' business.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import duckdb
import numpy as np
import pandas as pd

from wdp.config import RETURN_DUE_DAYS
from wdp.db.named import read
from wdp.db.scope import REGISTER_IN_SCOPE
from wdp.domain import MilestoneStatus, TrackerStatus

# Milestone statuses that are never overdue.
CLOSED_MILESTONE_STATUSES: Final = [s.value for s in MilestoneStatus if s.is_closed]

# Every financial-year quarter from the first accepted return's to the latest one's, labelled as
# wdp.domain.ReportingPeriod labels them ("2017-18 Q1" is April to June 2017).
_PERIODS = """
periods AS (
    SELECT period_start,
           CAST(period_start + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE) AS period_end,
           format('{}-{:02d} Q{}', fy, (fy + 1) % 100,
                  ((month(period_start) + 8) % 12) // 3 + 1) AS reporting_period
    FROM (
        SELECT period_start, year(period_start) - (month(period_start) < 4)::INTEGER AS fy
        FROM (
            SELECT CAST(unnest(generate_series(min(period_start), max(period_start),
                                               INTERVAL 3 MONTH)) AS DATE) AS period_start
            FROM submission WHERE status = 'accepted')))"""
# The chosen period (its label is the query's first parameter).
_CHOSEN = """
chosen AS (SELECT period_start, period_end FROM periods WHERE reporting_period = ?)"""

# Each pathfinder's latest current return for the chosen period or earlier.
_LATEST = """
latest AS (
    SELECT c.* FROM current_submission c, chosen
    WHERE c.period_start <= chosen.period_start
    QUALIFY row_number() OVER (PARTITION BY c.pathfinder_code
                               ORDER BY c.period_start DESC) = 1)"""


@read
def reporting_periods(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every quarter from the programme's first return to its latest, with returns counted."""
    return con.execute(
        f"""
        WITH {_PERIODS}
        SELECT p.reporting_period, p.period_start, p.period_end,
               count(c.submission_id) AS returns
        FROM periods p LEFT JOIN current_submission c USING (period_start)
        GROUP BY ALL
        ORDER BY p.period_start
        """
    ).df()


@read
def latest_load_time(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When the database last had a return loaded (any outcome): the tracker's "as of" time."""
    return con.execute("SELECT max(loaded_at) FROM submission").fetchone()[0]


@read
def pathfinder_status(con: duckdb.DuckDBPyConnection, *, period: str) -> pd.DataFrame:
    """Every pathfinder the reader may see (a lead: their own) as at ``period``: stage, RAG,
    commentary and milestones from its latest return, milestones due in the period and overdue
    at its end, and when that return came in.

    Overdue: due on or before the period's last day and neither complete nor cancelled.
    """
    return con.execute(
        f"""
        WITH {_PERIODS}, {_CHOSEN}, {_LATEST},
        counts AS (
            SELECT m.submission_id,
                   count(*) FILTER (WHERE m.due_date BETWEEN chosen.period_start
                                    AND chosen.period_end
                                    AND m.status <> 'cancelled') AS milestones_due,
                   count(*) FILTER (WHERE m.due_date <= chosen.period_end
                                    AND NOT list_contains(?, m.status)) AS milestones_overdue
            FROM milestone m JOIN latest USING (submission_id), chosen
            GROUP BY m.submission_id)
        SELECT p.pathfinder_code, p.pathfinder_name, st.stage, st.rag,
               coalesce(n.milestones_due, 0) AS milestones_due,
               coalesce(n.milestones_overdue, 0) AS milestones_overdue,
               st.commentary, l.reporting_period AS last_period, l.loaded_at AS last_loaded
        FROM {REGISTER_IN_SCOPE} p
        LEFT JOIN latest l USING (pathfinder_code)
        LEFT JOIN pathfinder_status st ON st.submission_id = l.submission_id
        LEFT JOIN counts n ON n.submission_id = l.submission_id
        ORDER BY p.pathfinder_name
        """,
        [period, CLOSED_MILESTONE_STATUSES],
    ).df()


@read
def rag_by_period(con: duckdb.DuckDBPyConnection, *, period: str) -> pd.DataFrame:
    """Pathfinders reporting each overall RAG, per period up to and including ``period``."""
    return con.execute(
        f"""
        WITH {_PERIODS}, {_CHOSEN}
        SELECT s.reporting_period, s.reporting_start AS period_start, s.rag,
               count(*) AS pathfinders
        FROM current_pathfinder_status s, chosen
        WHERE s.reporting_start <= chosen.period_start
        GROUP BY ALL
        ORDER BY s.reporting_start, s.rag
        """,
        [period],
    ).df()


@read
def milestones(
    con: duckdb.DuckDBPyConnection, *, period: str, pathfinder: str | None = None
) -> pd.DataFrame:
    """Milestones in each pathfinder's latest return as at ``period`` (one pathfinder or all),
    overdue ones first, then by due date."""
    return con.execute(
        f"""
        WITH {_PERIODS}, {_CHOSEN}, {_LATEST}
        SELECT p.pathfinder_code, p.pathfinder_name, m.milestone, m.due_date, m.status, m.rag,
               (m.due_date <= chosen.period_end
                AND NOT list_contains(?, m.status)) AS overdue,
               m.commentary, l.reporting_period AS from_period
        FROM milestone m
        JOIN latest l USING (submission_id)
        JOIN ref_pathfinder p ON p.pathfinder_code = l.pathfinder_code, chosen
        WHERE ? IS NULL OR l.pathfinder_code = ?
        ORDER BY overdue DESC, m.due_date, p.pathfinder_name, m.source_row
        """,
        [period, CLOSED_MILESTONE_STATUSES, pathfinder, pathfinder],
    ).df()


@read
def risks(
    con: duckdb.DuckDBPyConnection, *, period: str, pathfinder: str | None = None
) -> pd.DataFrame:
    """Risks in each pathfinder's latest return as at ``period`` (one pathfinder or all): open
    before closed, red before amber before green."""
    return con.execute(
        f"""
        WITH {_PERIODS}, {_CHOSEN}, {_LATEST}
        SELECT p.pathfinder_code, p.pathfinder_name, r.risk, r.likelihood, r.impact, r.rag,
               r.mitigation, r.status, l.reporting_period AS from_period
        FROM risk r
        JOIN latest l USING (submission_id)
        JOIN ref_pathfinder p ON p.pathfinder_code = l.pathfinder_code
        WHERE ? IS NULL OR l.pathfinder_code = ?
        ORDER BY r.status = 'closed', list_position(['red', 'amber', 'green'], r.rag),
                 p.pathfinder_name, r.source_row
        """,
        [period, pathfinder, pathfinder],
    ).df()


@read
def return_cells(con: duckdb.DuckDBPyConnection, *, period: str) -> pd.DataFrame:
    """One row per pathfinder the reader may see (a lead: their own) and period, from the
    programme's first period to ``period``: the pathfinder's first accepted period, when this
    period's first accepted return was loaded (empty when none), and the contact details from
    the pathfinder's latest accepted return."""
    return con.execute(
        f"""
        WITH {_PERIODS}, {_CHOSEN},
        received AS (
            SELECT pathfinder_code, period_start, min(loaded_at) AS first_loaded_at
            FROM submission WHERE status = 'accepted' GROUP BY ALL),
        started AS (
            SELECT pathfinder_code, min(period_start) AS first_period_start
            FROM submission WHERE status = 'accepted' GROUP BY ALL),
        contact AS (
            SELECT pathfinder_code, contact_email, submitted_by_organisation AS organisation
            FROM submission WHERE status = 'accepted'
            QUALIFY row_number() OVER (PARTITION BY pathfinder_code
                                       ORDER BY submission_id DESC) = 1)
        SELECT p.pathfinder_code, p.pathfinder_name, pr.reporting_period, pr.period_start,
               pr.period_end, s.first_period_start, r.first_loaded_at, c.contact_email,
               c.organisation
        FROM {REGISTER_IN_SCOPE} p
        CROSS JOIN periods pr
        JOIN chosen ON pr.period_start <= chosen.period_start
        LEFT JOIN started s ON s.pathfinder_code = p.pathfinder_code
        LEFT JOIN received r ON r.pathfinder_code = p.pathfinder_code
                            AND r.period_start = pr.period_start
        LEFT JOIN contact c ON c.pathfinder_code = p.pathfinder_code
        ORDER BY p.pathfinder_name, pr.period_start
        """,
        [period],
    ).df()


def classify_returns(
    cells: pd.DataFrame, *, as_of: dt.datetime | None, due_days: int = RETURN_DUE_DAYS
) -> pd.DataFrame:
    """Add ``due_date`` and ``status`` to ``return_cells`` rows (no database: testable alone).

    - not_expected: before the pathfinder's first accepted return (or it has none);
    - on_time / late: first accepted load on or before / after the due date (a calendar day);
    - missing: nothing accepted and the due date passed before ``as_of``;
    - not_yet_due: nothing accepted yet and the due date is ``as_of``'s day or later.
    """
    period_start = pd.to_datetime(cells["period_start"])
    first_start = pd.to_datetime(cells["first_period_start"])
    due = pd.to_datetime(cells["period_end"]) + pd.Timedelta(days=due_days)
    loaded_day = pd.to_datetime(cells["first_loaded_at"]).dt.normalize()
    as_of_day = pd.Timestamp(as_of).normalize() if as_of is not None else None
    received = loaded_day.notna()
    overdue = due < as_of_day if as_of_day is not None else pd.Series(False, index=cells.index)
    status = np.select(
        [
            first_start.isna() | (period_start < first_start),
            received & (loaded_day <= due),
            received,
            overdue,
        ],
        [
            TrackerStatus.NOT_EXPECTED.value,
            TrackerStatus.ON_TIME.value,
            TrackerStatus.LATE.value,
            TrackerStatus.MISSING.value,
        ],
        default=TrackerStatus.NOT_YET_DUE.value,
    )
    return cells.assign(due_date=due.dt.date, status=pd.Series(status, index=cells.index))


@read
def submission_tracker(
    con: duckdb.DuckDBPyConnection, *, period: str, due_days: int = RETURN_DUE_DAYS
) -> pd.DataFrame:
    """``return_cells`` classified as at the latest load in the database (see module notes)."""
    return classify_returns(
        return_cells(con, period=period), as_of=latest_load_time(con), due_days=due_days
    )


# ------------------------------------------------------------------------------------------------
# What reminders are worked out from (wdp.services.reminders)
# ------------------------------------------------------------------------------------------------


@read
def reminder_calendar(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each pathfinder in the register with the start of its first accepted return's period
    (empty when it has none): reminders are due from that quarter on."""
    return con.execute(
        """
        SELECT p.pathfinder_code, p.pathfinder_name, min(s.period_start) AS first_period_start
        FROM ref_pathfinder p
        LEFT JOIN submission s ON s.pathfinder_code = p.pathfinder_code AND s.status = 'accepted'
        GROUP BY ALL
        ORDER BY p.pathfinder_name
        """
    ).df()


@read
def accepted_periods(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every (pathfinder, period start) with an accepted return."""
    return con.execute(
        "SELECT DISTINCT pathfinder_code, period_start FROM submission WHERE status = 'accepted'"
    ).df()


@read
def recent_rejections(
    con: duckdb.DuckDBPyConnection, *, since: dt.datetime, until: dt.datetime
) -> pd.DataFrame:
    """Rejected uploads loaded in [since, until) that nothing accepted for the same pathfinder
    and period has put right since, with their count of problems (oldest first)."""
    return con.execute(
        """
        SELECT r.submission_id, r.pathfinder_code, r.reporting_period, r.period_start,
               r.loaded_by, r.loaded_at, coalesce(json_array_length(r.errors), 0) AS problems
        FROM submission r
        WHERE r.status = 'rejected' AND r.loaded_at >= ? AND r.loaded_at < ?
          AND NOT EXISTS (
              SELECT 1 FROM submission a
              WHERE a.status = 'accepted' AND a.pathfinder_code = r.pathfinder_code
                AND a.period_start = r.period_start AND a.loaded_at > r.loaded_at)
        ORDER BY r.loaded_at, r.submission_id
        """,
        [since, until],
    ).df()
