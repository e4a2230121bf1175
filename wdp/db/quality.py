"""Data quality: how complete, timely and clean each pathfinder's returns are."""

from __future__ import annotations

import duckdb
import pandas as pd

from wdp.db.named import read
from wdp.db.scope import REGISTER_IN_SCOPE


@read
def attempts_by_pathfinder(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Load attempts per pathfinder the reader may see: accepted, rejected, and the share
    rejected (repeats of an identical file, 'unchanged', are not attempts at a new return)."""
    return con.execute(
        f"""
        SELECT p.pathfinder_code, p.pathfinder_name,
               count(s.submission_id) FILTER (s.status = 'accepted') AS accepted,
               count(s.submission_id) FILTER (s.status = 'rejected') AS rejected,
               count(s.submission_id) FILTER (s.status IN ('accepted', 'rejected')) AS attempts,
               coalesce(count(s.submission_id) FILTER (s.status = 'rejected')
                        / nullif(count(s.submission_id) FILTER (
                                 s.status IN ('accepted', 'rejected')), 0), 0) AS rejected_share
        FROM {REGISTER_IN_SCOPE} p LEFT JOIN submission s USING (pathfinder_code)
        GROUP BY ALL ORDER BY p.pathfinder_name
        """
    ).df()


def _errors_cte() -> str:
    return """
        errors AS (
            SELECT s.submission_id, s.pathfinder_code, s.reporting_period, s.period_start,
                   unnest(json_extract(s.errors, '$[*]')) AS e
            FROM submission s WHERE s.status = 'rejected')"""


@read
def common_errors(con: duckdb.DuckDBPyConnection, *, limit: int = 10) -> pd.DataFrame:
    """The most frequent problems in rejected returns, by sheet and column."""
    return con.execute(
        f"""
        WITH {_errors_cte()}
        SELECT coalesce(e ->> 'sheet', '(whole file)') AS sheet,
               coalesce(e ->> 'column', '(whole sheet or row)') AS "column",
               count(*) AS problems,
               count(DISTINCT submission_id) AS returns,
               count(DISTINCT pathfinder_code) AS pathfinders,
               any_value(e ->> 'message') AS example
        FROM errors
        GROUP BY ALL ORDER BY problems DESC, sheet LIMIT ?
        """,
        [limit],
    ).df()


@read
def quality_over_time(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per reporting period: attempts, rejections and problems found."""
    return con.execute(
        f"""
        WITH {_errors_cte()},
        problems AS (SELECT period_start, count(*) AS problems FROM errors GROUP BY 1)
        SELECT s.reporting_period, s.period_start,
               count(*) FILTER (s.status IN ('accepted', 'rejected')) AS attempts,
               count(*) FILTER (s.status = 'rejected') AS rejected,
               coalesce(any_value(p.problems), 0) AS problems
        FROM submission s LEFT JOIN problems p USING (period_start)
        WHERE s.reporting_period IS NOT NULL
        GROUP BY ALL ORDER BY s.period_start
        """
    ).df()
