"""Questions about screening figures: public benchmark indicators and pathfinder returns.

Measures are never mixed: every function takes (or is keyed by) one indicator, or one programme
and measure, so coverage, uptake and first-time attendance never share an axis.
"""

from __future__ import annotations

from typing import Literal

import duckdb
import pandas as pd

from wdp.db.named import read
from wdp.db.scope import REGISTER_IN_SCOPE

# Which published area types make up each level of a league table or map.
AREA_LEVELS: dict[str, tuple[str, ...]] = {
    "district_ua": ("district", "unitary", "metropolitan_district", "london_borough"),
    "county_ua": ("county", "unitary", "metropolitan_district", "london_borough"),
    "region": ("region",),
}
AreaLevel = Literal["district_ua", "county_ua", "region"]


@read
def public_indicators(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Indicators loaded with areas to rank and map (local authorities or regions), with their
    programme, measure and the periods those areas cover. GP-practice indicators are the
    evaluation's (``wdp.db.evaluation.gp_indicators``), not a league table's."""
    return con.execute(
        """
        SELECT i.indicator_id, i.indicator_name, i.programme, i.measure,
               min(v.time_period) AS first_period, max(v.time_period) AS last_period,
               list(DISTINCT v.time_period ORDER BY v.time_period) AS periods
        FROM public_indicator i JOIN public_indicator_value v USING (indicator_id)
        WHERE list_contains(?, v.area_type)
        GROUP BY ALL
        ORDER BY i.programme, i.indicator_id
        """,
        [sorted({t for types in AREA_LEVELS.values() for t in types})],
    ).df()


@read
def league_table(
    con: duckdb.DuckDBPyConnection, *, indicator_id: int, time_period: str, level: AreaLevel
) -> pd.DataFrame:
    """Areas of one level for one indicator and period: value, our 95% CI, judgement against
    England, rank (1 = highest) and the change in rank since the previous period."""
    if level not in AREA_LEVELS:
        raise ValueError(f"unknown area level {level!r}")
    types = list(AREA_LEVELS[level])
    return con.execute(
        """
        WITH areas AS (
            SELECT area_code, current_area_code, area_name, time_period, time_period_sortable,
                   value, count, denominator, lower_95, upper_95, lower_998, upper_998,
                   compared_to_england,
                   rank() OVER (PARTITION BY time_period ORDER BY value DESC) AS rank,
                   count(*) OVER (PARTITION BY time_period) AS areas
            FROM public_indicator_value
            WHERE indicator_id = ? AND category_type = '' AND list_contains(?, area_type)),
        periods AS (
            SELECT DISTINCT time_period, time_period_sortable FROM areas),
        previous AS (
            SELECT max(time_period_sortable) AS sortable FROM periods
            WHERE time_period_sortable < (SELECT max(time_period_sortable) FROM periods
                                          WHERE time_period = ?))
        SELECT a.area_code, a.current_area_code, a.area_name, a.value, a.count, a.denominator,
               a.lower_95, a.upper_95, a.lower_998, a.upper_998, a.compared_to_england,
               a.rank, a.areas, p.rank AS previous_rank, p.time_period AS previous_period,
               p.rank - a.rank AS rank_change,
               e.value AS england_value
        FROM areas a
        LEFT JOIN areas p ON p.area_code = a.area_code
             AND p.time_period_sortable = (SELECT sortable FROM previous)
        LEFT JOIN public_indicator_value e ON e.indicator_id = ? AND e.area_type = 'england'
             AND e.category_type = '' AND e.time_period = a.time_period
        WHERE a.time_period = ?
        ORDER BY a.rank, a.area_name
        """,
        [indicator_id, types, time_period, indicator_id, time_period],
    ).df()


@read
def area_trend(
    con: duckdb.DuckDBPyConnection, *, indicator_id: int, area_code: str
) -> pd.DataFrame:
    """One area's values over time, with England's beside them."""
    return con.execute(
        """
        SELECT v.time_period, v.time_period_sortable, v.value, v.count, v.denominator,
               v.lower_95, v.upper_95, v.compared_to_england, e.value AS england_value
        FROM public_indicator_value v
        LEFT JOIN public_indicator_value e ON e.indicator_id = v.indicator_id
             AND e.area_type = 'england' AND e.category_type = '' AND e.time_period = v.time_period
        WHERE v.indicator_id = ? AND v.category_type = ''
          AND (v.area_code = ? OR v.current_area_code = ?)
        ORDER BY v.time_period_sortable
        """,
        [indicator_id, area_code, area_code],
    ).df()


@read
def area_choices(
    con: duckdb.DuckDBPyConnection, *, indicator_id: int, level: AreaLevel
) -> pd.DataFrame:
    """Areas with figures for an indicator at a level (code and latest name), for a picker."""
    return con.execute(
        """
        SELECT area_code, arg_max(area_name, time_period_sortable) AS area_name,
               count(*) AS periods
        FROM public_indicator_value
        WHERE indicator_id = ? AND category_type = '' AND list_contains(?, area_type)
        GROUP BY area_code ORDER BY area_name
        """,
        [indicator_id, list(AREA_LEVELS[level])],
    ).df()


@read
def pathfinder_areas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each pathfinder's local authority and go-live date (from its latest status): every
    pathfinder the reader may see (a lead: their own)."""
    return con.execute(
        f"""
        SELECT p.pathfinder_code, p.pathfinder_name, p.lad_code, a.area_name AS lad_name,
               min(s.go_live_date) AS go_live_date
        FROM {REGISTER_IN_SCOPE} p
        LEFT JOIN ref_area a ON a.area_code = p.lad_code
        LEFT JOIN current_pathfinder_status s USING (pathfinder_code)
        GROUP BY ALL ORDER BY p.pathfinder_name
        """
    ).df()


@read
def pathfinder_figures(
    con: duckdb.DuckDBPyConnection,
    *,
    programme: str,
    measure: str,
    pathfinder_code: str | None = None,
    latest_only: bool = False,
) -> pd.DataFrame:
    """Pathfinder-reported figures for one programme and measure, with Wilson 95% limits.

    ``latest_only`` keeps each pathfinder's most recent period (a national roll-out returns
    hundreds of thousands of figures: too many to show at once)."""
    return con.execute(
        """
        WITH figures AS (
            SELECT * FROM latest_screening_ci
            WHERE programme = ? AND measure = ? AND (? IS NULL OR pathfinder_code = ?)
            QUALIFY NOT ? OR period_end = max(period_end) OVER (PARTITION BY pathfinder_code))
        SELECT s.pathfinder_code, p.pathfinder_name, s.area_type, s.current_area_code,
               coalesce(g.practice_name, a.area_name, v.service_name, s.current_area_code)
                   AS area_name,
               s.period_start, s.period_end, s.numerator, s.denominator, s.value,
               s.lower_95, s.upper_95, s.reporting_period
        FROM figures s
        JOIN ref_pathfinder p USING (pathfinder_code)
        LEFT JOIN ref_gp_practice g
               ON s.area_type = 'gp_practice' AND g.ods_code = s.current_area_code
        LEFT JOIN ref_area a
               ON s.area_type = 'local_authority' AND a.area_code = s.current_area_code
        LEFT JOIN ref_screening_service v ON s.area_type = 'screening_service'
             AND v.service_code = s.current_area_code
        ORDER BY p.pathfinder_name, area_name, s.period_start
        """,
        [programme, measure, pathfinder_code, pathfinder_code, latest_only],
    ).df()


@read
def pathfinder_figure_count(con: duckdb.DuckDBPyConnection, *, programme: str, measure: str) -> int:
    """How many figures the current returns hold for one programme and measure."""
    return con.execute(
        "SELECT count(*) FROM latest_screening WHERE programme = ? AND measure = ?",
        [programme, measure],
    ).fetchone()[0]


@read
def before_after_go_live(
    con: duckdb.DuckDBPyConnection, *, programme: str, measure: str
) -> pd.DataFrame:
    """Per pathfinder: attendances and invitations in its practices' quarterly figures for quarters
    wholly before its go-live date and wholly after it, for a change with a CI."""
    return con.execute(
        """
        WITH live AS (
            SELECT pathfinder_code, min(go_live_date) AS go_live_date
            FROM current_pathfinder_status WHERE go_live_date IS NOT NULL GROUP BY 1)
        SELECT s.pathfinder_code, p.pathfinder_name, l.go_live_date,
               sum(s.numerator) FILTER (s.period_end < l.go_live_date) AS before_numerator,
               sum(s.denominator) FILTER (s.period_end < l.go_live_date) AS before_denominator,
               sum(s.numerator) FILTER (s.period_start >= l.go_live_date) AS after_numerator,
               sum(s.denominator) FILTER (s.period_start >= l.go_live_date) AS after_denominator
        FROM latest_screening s
        JOIN live l USING (pathfinder_code)
        JOIN ref_pathfinder p USING (pathfinder_code)
        WHERE s.programme = ? AND s.measure = ? AND s.area_type = 'gp_practice'
          -- quarterly figures only, so overlapping periods (e.g. Jan-Jun) are not counted twice
          AND date_diff('day', s.period_start, s.period_end) BETWEEN 88 AND 92
        GROUP BY ALL
        ORDER BY p.pathfinder_name
        """,
        [programme, measure],
    ).df()


@read
def standards(con: duckdb.DuckDBPyConnection, *, programme: str, measure: str) -> pd.DataFrame:
    """The national standards for a programme and measure, with the dates they apply."""
    return con.execute(
        """
        SELECT level, threshold, valid_from, valid_to, age, source, note
        FROM ref_standard WHERE programme = ? AND measure = ?
        ORDER BY valid_from NULLS FIRST, level
        """,
        [programme, measure],
    ).df()


@read
def current_codes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every known local authority code -> the code in use today (maps draw older boundaries)."""
    return dict(
        con.execute(
            "SELECT area_code, current_code FROM ref_area WHERE current_code IS NOT NULL"
        ).fetchall()
    )
