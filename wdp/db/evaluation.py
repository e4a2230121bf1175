"""Questions an evaluation of the campaign asks: GP-practice panels of public indicators, the
practices' profiles for matching comparison practices, and which practices are the pathfinders'.

- ``gp_indicators`` / ``gp_indicator_panel``: the imported indicators with GP-practice rows
  (``public_indicator_value.area_type = 'gp_practice'``), one row per practice and year. The year is
  the start of the period: "2017/18" (a financial year) is 2017, "2017" (a calendar year) is 2017;
  quarters and multi-year ranges are left out, so a practice has one row a year.
- ``practice_profiles``: ``ref_practice_profile`` (deprivation, list size, rurality) with each
  practice's current NHS region, ICB and sub-ICB location from the shipped ODS list.
- ``pathfinder_practices``: the practices each pathfinder names in its current returns (Training
  or Screening rows), with its go-live date from the Status sheet (the earliest given, as
  ``wdp.db.screening.before_after_go_live`` takes it) and the financial year that date falls in.
- ``pathfinder_area_practices``: the practices in a pathfinder's area, to leave out of comparison
  groups (spill-over). No practice-to-local-authority lookup is shipped (the ODS list has postcodes
  but no postcode lookup comes with the product), so a pathfinder's area is the CCGs of the
  practices it names: each practice's CCG in NHS Payments to General Practice (its latest year, in
  ``ref_practice_profile``), else its sub-ICB location on the ODS list. Every practice in one of
  those is in the area. The register's ``lad_code`` is returned beside it, not used to match.

A lead's connection sees only their own pathfinder's returns (``wdp.db.scope``), so the last two
show only their own pathfinder's practices. Reads only, in SQL both kinds of storage run.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from wdp.db.named import read

# "2017/18" -> 2017 and "2017" -> 2017; anything else (quarters, ranges) -> NULL
YEAR = r"TRY_CAST(regexp_extract(v.time_period, '^([0-9]{4})(/[0-9]{2})?$', 1) AS INTEGER)"


@read
def gp_indicators(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The imported indicators that have GP-practice rows: id, name, programme, measure, the
    years covered, how many practices, and whether it is synthetic (made for the sample)."""
    return con.execute(
        f"""
        SELECT i.indicator_id, i.indicator_name, i.programme, i.measure,
               list(DISTINCT {YEAR} ORDER BY {YEAR}) FILTER ({YEAR} IS NOT NULL) AS years,
               count(DISTINCT v.area_code) AS practices,
               coalesce(i.is_synthetic, false) AS is_synthetic
        FROM public_indicator i JOIN public_indicator_value v USING (indicator_id)
        WHERE v.area_type = 'gp_practice' AND v.category_type = ''
        GROUP BY ALL
        ORDER BY i.programme, i.measure, i.indicator_id
        """
    ).df()


@read
def gp_indicator_panel(
    con: duckdb.DuckDBPyConnection, *, indicator_id: int, before_year: int | None = None
) -> pd.DataFrame:
    """One indicator's GP-practice panel: practice_code, year (the period's first year), numerator
    (the published Count), denominator and value (percent, as published). ``before_year``: only
    years before it (an evaluation plan is fixed on baseline years without reading later ones)."""
    return con.execute(
        f"""
        SELECT v.area_code AS practice_code, {YEAR} AS year,
               v.count AS numerator, v.denominator, v.value
        FROM public_indicator_value v
        WHERE v.indicator_id = ? AND v.area_type = 'gp_practice' AND v.category_type = ''
          AND {YEAR} IS NOT NULL AND {YEAR} < coalesce(?, 10000)
        ORDER BY practice_code, year
        """,
        [indicator_id, before_year],
    ).df()


@read
def practice_profiles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every practice's profile (deprivation, list size, rurality, CCG and PCN), with its current
    NHS region (code and name), ICB and sub-ICB location, ODS status and opening date from the
    shipped GP list (NULL for practices the list does not have)."""
    return con.execute(
        """
        WITH regions AS (
            SELECT DISTINCT nhs_region_code, nhs_region_name FROM ref_icb)
        SELECT p.practice_code, coalesce(g.practice_name, p.practice_name) AS practice_name,
               p.imd_score, p.imd_edition, p.list_size, p.list_size_year, p.rurality,
               g.nhs_region_code AS region_code, r.nhs_region_name AS region_name,
               g.icb_code, g.sub_icb_code, p.ccg_code, p.pcn_code,
               p.nhs_region_code AS payments_region_code, g.status_code, g.open_date
        FROM ref_practice_profile p
        LEFT JOIN ref_gp_practice g ON g.ods_code = p.practice_code
        LEFT JOIN regions r ON r.nhs_region_code = g.nhs_region_code
        ORDER BY p.practice_code
        """
    ).df()


# The practices each pathfinder names in the returns that count, and its go-live date.
_NAMED = """
    named AS (
        SELECT DISTINCT pathfinder_code, upper(practice_code) AS practice_code
        FROM current_training WHERE practice_code IS NOT NULL
        UNION
        SELECT DISTINCT pathfinder_code, current_area_code
        FROM current_screening WHERE area_type = 'gp_practice'),
    live AS (
        SELECT pathfinder_code, min(go_live_date) AS go_live_date
        FROM current_pathfinder_status WHERE go_live_date IS NOT NULL GROUP BY 1)"""


@read
def pathfinder_practices(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Practices named in a pathfinder's current Training or Screening rows: practice_code,
    pathfinder_code, go_live_date (NULL until its Status sheet gives one) and go_live_year, the
    financial year it falls in (April 2017 to March 2018 is 2017)."""
    return con.execute(
        f"""
        WITH {_NAMED}
        SELECT n.practice_code, n.pathfinder_code, l.go_live_date,
               CAST(year(l.go_live_date) - (CASE WHEN month(l.go_live_date) < 4 THEN 1 ELSE 0 END)
                    AS INTEGER) AS go_live_year
        FROM named n LEFT JOIN live l USING (pathfinder_code)
        ORDER BY n.pathfinder_code, n.practice_code
        """
    ).df()


@read
def pathfinder_area_practices(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Practices in a pathfinder's area: every practice sharing a CCG (else sub-ICB location) with
    a practice the pathfinder names. practice_code, pathfinder_code, lad_code (the register's),
    area_code (the CCG or sub-ICB code matched on) and named (the pathfinder names it)."""
    return con.execute(
        f"""
        WITH {_NAMED},
        practices AS (
            SELECT coalesce(p.practice_code, g.ods_code) AS practice_code,
                   coalesce(p.ccg_code, g.sub_icb_code) AS area_code
            FROM ref_practice_profile p
            FULL OUTER JOIN ref_gp_practice g ON g.ods_code = p.practice_code),
        areas AS (
            SELECT DISTINCT n.pathfinder_code, pr.area_code
            FROM named n JOIN practices pr USING (practice_code)
            WHERE pr.area_code IS NOT NULL),
        inside AS (
            SELECT a.pathfinder_code, pr.practice_code, a.area_code
            FROM areas a JOIN practices pr USING (area_code)
            UNION  -- (a named practice is in its pathfinder's area, known to the lists or not)
            SELECT n.pathfinder_code, n.practice_code, pr.area_code
            FROM named n LEFT JOIN practices pr USING (practice_code))
        SELECT i.practice_code, i.pathfinder_code, f.lad_code, i.area_code,
               n.practice_code IS NOT NULL AS named
        FROM inside i
        LEFT JOIN named n USING (pathfinder_code, practice_code)
        LEFT JOIN ref_pathfinder f USING (pathfinder_code)
        ORDER BY i.pathfinder_code, i.practice_code
        """
    ).df()
