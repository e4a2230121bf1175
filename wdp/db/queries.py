"""Named queries: each function answers one question and returns plain Python or a DataFrame.

Views and pages call these; none of them holds SQL. Parameters are always bound with ``?``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from wdp.db.named import read
from wdp.db.scope import REGISTER_IN_SCOPE


@dataclass(frozen=True)
class PracticeDates:
    """When a GP practice was open, as far as the shipped practice lists say (None: not known)."""

    opened: dt.date | None = None
    closed: dt.date | None = None
    # A closed practice whose closing date no list gives: the year of the latest list naming it.
    last_listed: int | None = None


@dataclass(frozen=True)
class ValidationReference:
    """The codes a return is checked against, read once per load."""

    pathfinders: dict[str, str] = field(default_factory=dict)  # code -> name
    practices: dict[str, str] = field(default_factory=dict)  # ODS code -> name
    practice_dates: dict[str, PracticeDates] = field(default_factory=dict)  # what is known
    areas: dict[str, str | None] = field(default_factory=dict)  # LA code -> current code
    area_names: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)  # service code -> programme


@read
def validation_reference(con: duckdb.DuckDBPyConnection) -> ValidationReference:
    pathfinders = dict(
        con.execute("SELECT pathfinder_code, pathfinder_name FROM ref_pathfinder").fetchall()
    )
    practices = dict(con.execute("SELECT ods_code, practice_name FROM ref_gp_practice").fetchall())
    # A practice closed on a date no list gives is known open up to the latest list naming it:
    # its deprivation-score edition, or the financial year of its last NHS Payments figure.
    dates = con.execute(
        """
        SELECT g.ods_code, g.open_date, g.close_date,
               CASE WHEN g.status_code = 'C' AND g.close_date IS NULL THEN
                   greatest(p.imd_edition, CAST(left(p.list_size_year, 4) AS INTEGER) + 1) END
        FROM ref_gp_practice g LEFT JOIN ref_practice_profile p ON p.practice_code = g.ods_code
        WHERE g.open_date IS NOT NULL OR g.close_date IS NOT NULL OR g.status_code = 'C'
        """
    ).fetchall()
    area_rows = con.execute(
        "SELECT area_code, current_code, area_name FROM ref_area "
        "WHERE area_kind IN ('local_authority', 'county')"
    ).fetchall()
    services = dict(
        con.execute("SELECT service_code, programme FROM ref_screening_service").fetchall()
    )
    return ValidationReference(
        pathfinders=pathfinders,
        practices=practices,
        practice_dates={code: PracticeDates(*known) for code, *known in dates},
        areas={code: current for code, current, _ in area_rows},
        area_names={code: name for code, _, name in area_rows},
        services=services,
    )


@read
def pathfinder_register(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every pathfinder in the register: code -> name."""
    return dict(
        con.execute(
            "SELECT pathfinder_code, pathfinder_name FROM ref_pathfinder ORDER BY pathfinder_code"
        ).fetchall()
    )


@read
def missing_reference_data(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Reference tables a return cannot be checked without, that are still empty."""
    needed = {
        "the pathfinder register": "SELECT count(*) FROM ref_pathfinder",
        "the GP practice list": "SELECT count(*) FROM ref_gp_practice",
        "the ONS area codes": "SELECT count(*) FROM ref_area",
        "the screening service register": "SELECT count(*) FROM ref_screening_service",
    }
    return [name for name, sql in needed.items() if con.execute(sql).fetchone()[0] == 0]


@read
def accepted_submission_with_hash(con: duckdb.DuckDBPyConnection, sha256: str) -> int | None:
    """The accepted submission whose file had exactly this content, if any."""
    row = con.execute(
        "SELECT min(submission_id) FROM submission WHERE status = 'accepted' "
        "AND content_sha256 = ?",
        [sha256],
    ).fetchone()
    return row[0] if row else None


@read
def database_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What the database holds: the figures ``python -m etl summary`` prints."""
    one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    status_counts = dict(
        con.execute("SELECT status, count(*) FROM submission GROUP BY status").fetchall()
    )
    return {
        "pathfinders": one(f"SELECT count(*) FROM {REGISTER_IN_SCOPE}"),  # a lead: their own
        "pathfinders_reporting": one(
            "SELECT count(DISTINCT pathfinder_code) FROM current_submission"
        ),
        "returns_accepted": status_counts.get("accepted", 0),
        "returns_rejected": status_counts.get("rejected", 0),
        "returns_unchanged": status_counts.get("unchanged", 0),
        "returns_current": one("SELECT count(*) FROM current_submission"),
        "staff_trained": int(
            one("SELECT coalesce(sum(champions_trained), 0) FROM current_training")
        ),
        "training_rows": one("SELECT count(*) FROM current_training"),
        "activity_rows": one("SELECT count(*) FROM current_activity"),
        "uptake_rows": one("SELECT count(*) FROM latest_screening WHERE measure = 'uptake'"),
        "screening_rows": one("SELECT count(*) FROM latest_screening"),
        "benchmark_rows": one("SELECT count(*) FROM benchmark_screening"),
        "reporting_periods": [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT reporting_period FROM current_submission ORDER BY 1"
            ).fetchall()
        ],
        "latest_load": _iso(one("SELECT max(loaded_at) FROM submission")),
        "reference": {
            "gp_practices": one("SELECT count(*) FROM ref_gp_practice"),
            "areas": one("SELECT count(*) FROM ref_area"),
            "area_changes": one("SELECT count(*) FROM ref_area_change"),
            "screening_services": one("SELECT count(*) FROM ref_screening_service"),
        },
        "synthetic_pathfinders": one("SELECT count(*) FROM ref_pathfinder WHERE is_synthetic"),
        "public_indicators": [
            dict(
                zip(
                    ("indicator_id", "indicator_name", "programme", "measure", "rows"),
                    r,
                    strict=True,
                )
            )
            for r in con.execute(
                "SELECT indicator_id, indicator_name, programme, measure, rows_loaded "
                "FROM public_indicator ORDER BY indicator_id"
            ).fetchall()
        ],
        "public_rows": one("SELECT count(*) FROM public_indicator_value"),
        "gp_indicator_rows": one(
            "SELECT count(*) FROM public_indicator_value WHERE area_type = 'gp_practice'"
        ),
        "practice_profiles": one("SELECT count(*) FROM ref_practice_profile"),
        "standards": one("SELECT count(*) FROM ref_standard"),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


@read
def submission_history(
    con: duckdb.DuckDBPyConnection, *, pathfinder_code: str | None = None, limit: int = 500
) -> pd.DataFrame:
    """Every load attempt, newest first, with whether an accepted return still counts.

    A load that never finished (killed half-way) has no submission row; it is listed first as
    'not completed', its pathfinder and period unknown (nothing of it was stored).
    """
    return con.execute(
        """
        SELECT s.submission_id, s.loaded_at, s.file_name, s.pathfinder_code,
               s.reporting_period,
               CASE WHEN s.status = 'accepted' AND c.submission_id IS NULL THEN 'superseded'
                    ELSE s.status END AS status,
               json_array_length(coalesce(s.errors, '[]')) AS errors,
               json_array_length(coalesce(s.warnings, '[]')) AS warnings,
               s.loaded_by, s.content_sha256
        FROM submission s LEFT JOIN current_submission c USING (submission_id)
        WHERE ? IS NULL OR s.pathfinder_code = ?
        UNION ALL
        SELECT NULL, a.started_at, a.file_name, NULL, NULL, 'not completed', 0, 0, a.loaded_by,
               NULL
        FROM load_attempt a
        WHERE a.finished_at IS NULL AND ? IS NULL
        ORDER BY submission_id DESC NULLS FIRST, loaded_at DESC
        LIMIT ?
        """,
        [pathfinder_code, pathfinder_code, pathfinder_code, limit],
    ).df()


@read
def submission_record(con: duckdb.DuckDBPyConnection, submission_id: int) -> dict[str, Any]:
    """One submission's audit row, JSON columns decoded."""
    cursor = con.execute("SELECT * FROM submission WHERE submission_id = ?", [submission_id])
    names = [d[0] for d in cursor.description]
    record = dict(zip(names, cursor.fetchone(), strict=True))
    for key, empty in (("row_counts", {}), ("errors", []), ("warnings", [])):
        record[key] = json.loads(record[key]) if record[key] else empty
    return record


@read
def submission_errors(con: duckdb.DuckDBPyConnection, submission_id: int) -> list[dict]:
    row = con.execute(
        "SELECT errors FROM submission WHERE submission_id = ?", [submission_id]
    ).fetchone()
    return json.loads(row[0]) if row and row[0] else []


@read
def pathfinder_overview(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per pathfinder the reader may see (a lead: their own): latest return, stage,
    RAG and champions trained to date."""
    return con.execute(
        f"""
        WITH latest AS (
            SELECT * FROM current_submission
            QUALIFY row_number() OVER (PARTITION BY pathfinder_code
                                       ORDER BY period_end DESC) = 1),
        trained AS (
            SELECT pathfinder_code, sum(champions_trained) AS champions_trained
            FROM current_training GROUP BY pathfinder_code)
        SELECT p.pathfinder_code, p.pathfinder_name, p.place, l.reporting_period AS latest_period,
               st.stage, st.rag, coalesce(t.champions_trained, 0) AS champions_trained,
               l.loaded_at AS last_loaded, p.is_synthetic
        FROM {REGISTER_IN_SCOPE} p
        LEFT JOIN latest l USING (pathfinder_code)
        LEFT JOIN pathfinder_status st ON st.submission_id = l.submission_id
        LEFT JOIN trained t USING (pathfinder_code)
        ORDER BY p.pathfinder_name
        """
    ).df()


@read
def champions_by_period(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Champions trained per reporting period and cumulatively."""
    return con.execute(
        """
        SELECT reporting_period, reporting_start, sum(champions_trained) AS champions_trained,
               sum(sum(champions_trained)) OVER (ORDER BY reporting_start) AS cumulative
        FROM current_training
        GROUP BY reporting_period, reporting_start
        ORDER BY reporting_start
        """
    ).df()


@read
def screening_change_between_cycles(
    con: duckdb.DuckDBPyConnection,
    *,
    area_code: str,
    programme: str,
    measure: str,
    cycle_years: int = 3,
) -> pd.DataFrame:
    """Each year's attendances (numerator) against the same area's year one cycle earlier.

    Breast screening invites each ward once every three years, so a year is compared with the
    year three before it: the same wards, one cycle apart.
    """
    return con.execute(
        """
        WITH yearly AS (
            SELECT period_start, period_end, numerator, denominator
            FROM latest_screening
            WHERE current_area_code = ? AND programme = ? AND measure = ?
              AND date_diff('day', period_start, period_end) BETWEEN 360 AND 370)
        SELECT cur.period_start, cur.period_end, prev.numerator AS previous_cycle,
               cur.numerator AS this_cycle,
               (cur.numerator - prev.numerator) / prev.numerator AS change
        FROM yearly cur
        JOIN yearly prev ON prev.period_start = cur.period_start - to_years(?)
        ORDER BY cur.period_start
        """,
        [area_code, programme, measure, cycle_years],
    ).df()


@read
def national_rank(
    con: duckdb.DuckDBPyConnection, *, area_type: str, programme: str, measure: str
) -> pd.DataFrame:
    """Each area's league-table position per period among all areas of its type (1 = highest)."""
    return con.execute(
        """
        SELECT area_code, period_start, period_end, numerator, denominator,
               numerator / denominator AS value,
               rank() OVER (PARTITION BY period_start, period_end
                            ORDER BY numerator / denominator DESC) AS rank,
               count(*) OVER (PARTITION BY period_start, period_end) AS areas
        FROM benchmark_screening
        WHERE area_type = ? AND programme = ? AND measure = ?
        ORDER BY period_start, rank
        """,
        [area_type, programme, measure],
    ).df()


@read
def same_period_year_earlier(
    con: duckdb.DuckDBPyConnection, *, area_code: str, programme: str, measure: str
) -> pd.DataFrame:
    """Each figure's numerator against the same dates one year earlier (e.g. Jan-Jun)."""
    return con.execute(
        """
        SELECT cur.period_start, cur.period_end, prev.numerator AS year_before,
               cur.numerator AS this_year,
               (cur.numerator - prev.numerator) / prev.numerator AS change
        FROM latest_screening cur
        JOIN latest_screening prev
          ON prev.current_area_code = cur.current_area_code
         AND prev.programme = cur.programme AND prev.measure = cur.measure
         AND prev.period_start = cur.period_start - INTERVAL 1 YEAR
         AND prev.period_end = cur.period_end - INTERVAL 1 YEAR
        WHERE cur.current_area_code = ? AND cur.programme = ? AND cur.measure = ?
        ORDER BY cur.period_start
        """,
        [area_code, programme, measure],
    ).df()


@read
def returns_received(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """For the latest reporting period: returns received against those expected (every pathfinder
    that had already sent a return for that or an earlier period is expected to send one)."""
    row = con.execute(
        """
        WITH latest AS (SELECT max(period_start) AS start FROM current_submission),
        expected AS (
            SELECT DISTINCT pathfinder_code FROM current_submission, latest
            WHERE period_start <= latest.start)
        SELECT (SELECT any_value(reporting_period) FROM current_submission, latest
                WHERE period_start = latest.start),
               (SELECT count(*) FROM current_submission, latest
                WHERE period_start = latest.start),
               (SELECT count(*) FROM expected)
        """
    ).fetchone()
    return {"period": row[0], "received": row[1], "expected": row[2]}


@read
def area_rollup(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every current local authority with its county (or unitary) and region."""
    return con.execute(
        """
        SELECT a.area_code, a.area_name,
               c.parent_code AS county_ua_code, ca.area_name AS county_ua_name,
               r.parent_code AS region_code, ra.area_name AS region_name
        FROM ref_area a
        LEFT JOIN ref_area_parent c ON c.area_code = a.area_code AND c.parent_kind = 'county_ua'
        LEFT JOIN ref_area ca ON ca.area_code = c.parent_code
        LEFT JOIN ref_area_parent r ON r.area_code = a.area_code AND r.parent_kind = 'region'
        LEFT JOIN ref_area ra ON ra.area_code = r.parent_code
        WHERE a.area_kind = 'local_authority' AND a.is_current
        ORDER BY a.area_name
        """
    ).df()


@read
def practice_rollup(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every GP practice with its sub-ICB location and ICB (ODS and ONS codes, name)."""
    return con.execute(
        """
        SELECT g.ods_code, g.practice_name, g.status_code, g.sub_icb_code,
               g.icb_code AS icb_ods_code, i.icb_ons_code, i.icb_name, i.nhs_region_name
        FROM ref_gp_practice g LEFT JOIN ref_icb i ON i.icb_ods_code = g.icb_code
        ORDER BY g.ods_code
        """
    ).df()


@read
def current_return_totals(
    con: duckdb.DuckDBPyConnection, *, pathfinder_code: str, reporting_period: str
) -> dict[str, Any] | None:
    """The return that currently counts for a pathfinder and period: its rows per sheet and
    champions trained (None when there is none yet)."""
    row = con.execute(
        """
        SELECT s.row_counts, s.file_name, s.loaded_at,
               (SELECT coalesce(sum(champions_trained), 0) FROM training t
                WHERE t.submission_id = s.submission_id)
        FROM current_submission s WHERE s.pathfinder_code = ? AND s.reporting_period = ?
        """,
        [pathfinder_code, reporting_period],
    ).fetchone()
    if row is None:
        return None
    return {
        "rows": json.loads(row[0] or "{}"),
        "file_name": row[1],
        "loaded_at": row[2],
        "champions_trained": int(row[3]),
    }


@read
def is_sample_database(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every pathfinder in the register is synthetic (demo accounts work only here)."""
    total, synthetic = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE is_synthetic) FROM ref_pathfinder"
    ).fetchone()
    return total > 0 and total == synthetic
