"""Questions about Digital Health Champions trained, from the returns that currently count.

Every function takes the same scope: ``period_end`` (a reporting period label such as
``"2017-18 Q3"``: returns for that quarter and every earlier one, i.e. the position to date at the
end of it; ``None`` for every quarter loaded) and ``pathfinder`` (a pathfinder code; ``None`` for
all). A period label that no current return has matches nothing (an empty frame, never an error).
Counts are summed over ``current_training`` (the last accepted return per pathfinder and quarter),
so a corrected return replaces the one it corrects and nothing is counted twice.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from wdp.db.named import read
from wdp.db.scope import REGISTER_IN_SCOPE

# The scope filter shared by every query here and in ``wdp.db.activity``; bind with
# ``scope_params``. Constant SQL: the values only ever arrive as ``?`` parameters.
SCOPE = """
    (CAST(? AS VARCHAR) IS NULL OR reporting_start <= (
        SELECT max(period_start) FROM current_submission WHERE reporting_period = ?))
    AND (CAST(? AS VARCHAR) IS NULL OR pathfinder_code = ?)
"""


def scope_params(period_end: str | None, pathfinder: str | None) -> list[str | None]:
    """The four parameters ``SCOPE`` binds, in order."""
    return [period_end, period_end, pathfinder, pathfinder]


@read
def champions_by_month(
    con: duckdb.DuckDBPyConnection, *, period_end: str | None, pathfinder: str | None
) -> pd.DataFrame:
    """Champions trained in each calendar month and to date, every month from the first training
    in scope to the end of the last quarter in scope (months without training show 0)."""
    return con.execute(
        f"""
        WITH scoped AS (
            SELECT month, champions_trained, reporting_end FROM current_training WHERE {SCOPE}),
        months AS (
            SELECT CAST(unnest(generate_series(
                       min(month), date_trunc('month', max(reporting_end)), INTERVAL 1 MONTH))
                   AS DATE) AS month
            FROM scoped)
        SELECT m.month,
               CAST(coalesce(sum(s.champions_trained), 0) AS BIGINT) AS champions_trained,
               CAST(sum(coalesce(sum(s.champions_trained), 0)) OVER (ORDER BY m.month)
                    AS BIGINT) AS cumulative
        FROM months m LEFT JOIN scoped s USING (month)
        GROUP BY m.month
        ORDER BY m.month
        """,
        scope_params(period_end, pathfinder),
    ).df()


@read
def champions_by_pathfinder(
    con: duckdb.DuckDBPyConnection, *, period_end: str | None, pathfinder: str | None
) -> pd.DataFrame:
    """Champions trained per pathfinder, most first. Every pathfinder the reader may see is
    listed (0 when none are recorded yet) unless one pathfinder is chosen: a lead sees their own
    only, never the others with zeros for the returns hidden from them."""
    return con.execute(
        f"""
        WITH scoped AS (
            SELECT pathfinder_code, practice_code, champions_trained
            FROM current_training WHERE {SCOPE})
        SELECT p.pathfinder_code, p.pathfinder_name,
               CAST(coalesce(sum(s.champions_trained), 0) AS BIGINT) AS champions_trained,
               count(DISTINCT s.practice_code) AS practices
        FROM {REGISTER_IN_SCOPE} p LEFT JOIN scoped s USING (pathfinder_code)
        WHERE CAST(? AS VARCHAR) IS NULL OR p.pathfinder_code = ?
        GROUP BY ALL
        ORDER BY champions_trained DESC, p.pathfinder_name
        """,
        [*scope_params(period_end, pathfinder), pathfinder, pathfinder],
    ).df()


@read
def champions_by_role(
    con: duckdb.DuckDBPyConnection, *, period_end: str | None, pathfinder: str | None
) -> pd.DataFrame:
    """Champions trained per staff role (the stored code, e.g. ``practice_nurse``), most first."""
    return con.execute(
        f"""
        SELECT staff_role, CAST(sum(champions_trained) AS BIGINT) AS champions_trained
        FROM current_training WHERE {SCOPE}
        GROUP BY staff_role
        ORDER BY champions_trained DESC, staff_role
        """,
        scope_params(period_end, pathfinder),
    ).df()


@read
def champions_by_practice(
    con: duckdb.DuckDBPyConnection, *, period_end: str | None, pathfinder: str | None
) -> pd.DataFrame:
    """Champions trained per GP practice (name from the GP practice list) and its pathfinder,
    most first. Staff not from one practice are grouped under the organisation returned."""
    return con.execute(
        f"""
        SELECT t.practice_code,
               coalesce(g.practice_name, t.organisation, t.practice_code) AS practice_name,
               t.pathfinder_code, p.pathfinder_name,
               CAST(sum(t.champions_trained) AS BIGINT) AS champions_trained
        FROM current_training t
        LEFT JOIN ref_gp_practice g ON g.ods_code = t.practice_code
        LEFT JOIN ref_pathfinder p USING (pathfinder_code)
        WHERE {SCOPE}
        GROUP BY ALL
        ORDER BY champions_trained DESC, practice_name
        """,
        scope_params(period_end, pathfinder),
    ).df()


@read
def training_records(
    con: duckdb.DuckDBPyConnection, *, period_end: str | None, pathfinder: str | None
) -> pd.DataFrame:
    """The training rows in scope as returned (roles and courses as stored codes), newest first."""
    return con.execute(
        f"""
        SELECT t.reporting_period, t.month, t.pathfinder_code, p.pathfinder_name,
               t.practice_code,
               coalesce(g.practice_name, t.organisation, t.practice_code) AS practice_name,
               t.staff_role, t.course, t.champions_trained
        FROM current_training t
        LEFT JOIN ref_gp_practice g ON g.ods_code = t.practice_code
        LEFT JOIN ref_pathfinder p USING (pathfinder_code)
        WHERE {SCOPE}
        ORDER BY t.month DESC, p.pathfinder_name, practice_name, t.staff_role, t.course
        """,
        scope_params(period_end, pathfinder),
    ).df()
