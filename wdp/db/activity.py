"""Questions about campaign activity: posts, reach, engagements, Messenger enquiries and
appointments booked, from the returns that currently count.

These are campaign OUTPUTS reported from the platforms' insights and the practices' own records,
not health outcomes: reach is not screening uptake. Scope as in ``wdp.db.training``
(``period_end``: that quarter and every earlier one; ``pathfinder``: one code or all).

Totals sum every row in scope: the monthly totals per channel and the single notable posts the
return lists on rows of their own. A blank count is left out of its total (never read as 0).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from wdp.db.named import read
from wdp.db.training import SCOPE, scope_params

# The measures, in the order people read them. Column names, never taken from input.
MEASURES = ("posts", "reach", "engagements", "messenger_enquiries", "appointments_booked")

_TOTALS = ",\n".join(f"CAST(sum({m}) AS BIGINT) AS {m}" for m in MEASURES)


@read
def activity_by_pathfinder(
    con: duckdb.DuckDBPyConnection, *, period_end: str | None, pathfinder: str | None
) -> pd.DataFrame:
    """Each measure's total per pathfinder that reported activity in scope, by name."""
    return con.execute(
        f"""
        SELECT a.pathfinder_code, p.pathfinder_name, count(*) AS rows_returned, {_TOTALS}
        FROM current_activity a LEFT JOIN ref_pathfinder p USING (pathfinder_code)
        WHERE {SCOPE}
        GROUP BY ALL
        ORDER BY p.pathfinder_name
        """,
        scope_params(period_end, pathfinder),
    ).df()


@read
def activity_by_month(
    con: duckdb.DuckDBPyConnection, *, period_end: str | None, pathfinder: str | None
) -> pd.DataFrame:
    """Each measure's total per calendar month, oldest first, every month from the first to the
    last with activity in scope. A month nobody returned activity for has blank totals (not 0)."""
    return con.execute(
        f"""
        WITH scoped AS (SELECT * FROM current_activity WHERE {SCOPE}),
        months AS (
            SELECT CAST(unnest(generate_series(min(month), max(month), INTERVAL 1 MONTH))
                   AS DATE) AS month
            FROM scoped)
        SELECT m.month, count(DISTINCT s.pathfinder_code) AS pathfinders, {_TOTALS}
        FROM months m LEFT JOIN scoped s USING (month)
        GROUP BY m.month
        ORDER BY m.month
        """,
        scope_params(period_end, pathfinder),
    ).df()


@read
def top_posts(
    con: duckdb.DuckDBPyConnection,
    *,
    period_end: str | None,
    pathfinder: str | None,
    limit: int = 10,
) -> pd.DataFrame:
    """Single notable posts (a post title was returned) by reach, highest first, with the
    practice (name from the GP practice list) or organisation whose page posted it."""
    return con.execute(
        f"""
        SELECT a.month, a.pathfinder_code, p.pathfinder_name, a.practice_code,
               coalesce(g.practice_name, a.organisation, a.practice_code) AS posted_by,
               a.channel, a.post_title, a.reach, a.engagements, a.messenger_enquiries,
               a.appointments_booked
        FROM current_activity a
        LEFT JOIN ref_pathfinder p USING (pathfinder_code)
        LEFT JOIN ref_gp_practice g ON g.ods_code = a.practice_code
        WHERE a.post_title IS NOT NULL AND {SCOPE}
        ORDER BY a.reach DESC NULLS LAST, a.month, p.pathfinder_name
        LIMIT ?
        """,
        [*scope_params(period_end, pathfinder), limit],
    ).df()
