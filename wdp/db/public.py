"""Importing public indicator exports (OHID Fingertips "all data for one indicator" CSVs) in SQL.

The whole import runs inside DuckDB: one ``CREATE TABLE AS SELECT ... FROM read_csv`` parses,
types and classifies the rows and computes our own Wilson intervals (the only copy of the million
rows before the target table); rows repeated across hierarchies and England's values are found by
grouping and applied through small updates and a view; one transaction swaps the indicator's
rows. Python only orchestrates
(``etl.fingertips``). This keeps a million-row file well above 200,000 rows/s.

Two layouts are understood: the current 27-column Fingertips export and the older 14-column PHE one.
Columns are matched by name, so their order may differ; anything else is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from wdp.db.errors import UnreadableInput
from wdp.db.named import read, write
from wdp.db.rules import next_id
from wdp.stats import Z95, Z998

# canonical name -> column in each layout (None: the layout has no such column)
LAYOUTS: dict[str, dict[str, str | None]] = {
    "fingertips_27": {
        "indicator_id": "Indicator ID",
        "indicator_name": "Indicator Name",
        "area_code": "Area Code",
        "area_name": "Area Name",
        "area_type": "Area Type",
        "sex": "Sex",
        "age": "Age",
        "category_type": "Category Type",
        "category": "Category",
        "time_period": "Time period",
        "value": "Value",
        "lower_95": "Lower CI 95.0 limit",
        "upper_95": "Upper CI 95.0 limit",
        "lower_998": "Lower CI 99.8 limit",
        "upper_998": "Upper CI 99.8 limit",
        "count": "Count",
        "denominator": "Denominator",
        "value_note": "Value note",
        "compared": "Compared to England value or percentiles",
        "sortable": "Time period Sortable",
    },
    "phe_14": {
        "indicator_id": None,
        "indicator_name": None,
        "area_code": "Area Code",
        "area_name": "Area Name",
        "area_type": "Area Type",
        "sex": "Sex",
        "age": "Age",
        "category_type": "Category Type",
        "category": "Category",
        "time_period": "Time period",
        "value": "Value",
        "lower_95": "Lower CI limit",
        "upper_95": "Upper CI limit",
        "lower_998": None,
        "upper_998": None,
        "count": "Count",
        "denominator": "Denominator",
        "value_note": "Value note",
        "compared": None,
        "sortable": None,
    },
}

# Published area types that are not places (ONS area classifications): skipped, and said so.
NON_GEOGRAPHIC_TYPES = ("ons 2011 group", "ons 2011 subgroup")
# GP practices: Fingertips calls the area type "GPs" (area type id 7); an ODS practice code is a
# letter and five digits (A81001, P81103, Y01008; the letters in use are A-P and Y, so a PCN's
# U12345 is not one). Either makes a row a practice's.
GP_AREA_TYPES = ("gps", "gp", "gp practice", "gp practices")
GP_CODE = "[A-HJ-NPY][0-9]{5}"
GP_LEVEL = "gp_practice"
# Area levels whose codes are NHS or ODS codes, not ONS local-authority codes: never mapped
# through the ONS code changes.
NOT_ONS_LEVELS = (GP_LEVEL, "pcn", "sub_icb", "icb", "nhs_region")
GP_ROWS = f"area_type = '{GP_LEVEL}'"

# Staging objects (temporary, per connection): the typed rows as read from the file, the keys
# repeated across hierarchies, England's values, and two views that finish each row's
# classification from those small tables (so the million rows are stored once, not per step).
TYPED, REPEATED, ENGLAND = "_public_typed", "_public_repeated", "_public_england"
ROWS = "_public_rows"
CSV_OPTIONS = "all_varchar = true, header = true, auto_detect = true"
REPEAT_REASON = "repeat of an earlier row (a unitary authority listed in two hierarchies)"
KEY_COLUMNS = (
    "indicator_id",
    "area_code",
    "sex",
    "age",
    "category_type",
    "category",
    "time_period",
)


@read
def has_area_codes(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the ONS area codes (needed to map old codes) are loaded."""
    return con.execute("SELECT count(*) FROM ref_area").fetchone()[0] > 0


def layout_columns(layout: str) -> list[str]:
    return [c for c in LAYOUTS[layout].values() if c is not None]


def detect_layout(columns: Iterable[str]) -> tuple[str | None, list[str]]:
    """The layout whose columns are all present, else (None, the closest layout's missing ones)."""
    present = {c.strip() for c in columns}
    best: tuple[int, str] | None = None
    for layout in LAYOUTS:
        missing = [c for c in layout_columns(layout) if c not in present]
        if not missing:
            return layout, []
        if best is None or len(missing) < best[0]:
            best = (len(missing), layout)
    assert best is not None
    return None, [c for c in layout_columns(best[1]) if c not in present]


@write
def stage_csv(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The file's column names (its header, as ``read_csv`` sees it); the rows are read once,
    typed, by ``stage_rows``."""
    with _parsing(path):
        cursor = con.execute(f"SELECT * FROM read_csv(?, {CSV_OPTIONS}) LIMIT 0", [str(path)])
    return [d[0] for d in cursor.description]


@contextmanager
def _parsing(path: Path) -> Iterator[None]:
    """DuckDB's complaint about a file that is not CSV, as ``UnreadableInput`` (its first line)."""
    try:
        yield
    except duckdb.Error as error:
        raise UnreadableInput(str(error).splitlines()[0]) from error


def _col(layout: str, name: str) -> str:
    source = LAYOUTS[layout][name]
    return "NULL" if source is None else '"' + source.replace('"', '""') + '"'


def _num(expr: str) -> str:
    # DuckDB's cast skips surrounding whitespace (spaces, tabs, newlines) and makes '' or blanks
    # NULL: the same as TRY_CAST(NULLIF(trim(x), '') AS DOUBLE), without building trimmed copies
    # (~20 ms a column a million rows).
    return f"TRY_CAST({expr} AS DOUBLE)"


def _decimals(expr: str) -> str:
    """How many decimal places the publisher printed (for 'agrees to rounding')."""
    return f"length(split_part(trim({expr}), '.', 2))"


@write
def stage_rows(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    layout: str,
    *,
    indicator_id: int | None = None,
    indicator_name: str | None = None,
) -> None:
    """Read, type and classify every row in one pass over the file; compute our intervals.
    Rows to skip carry a reason (in the ``_public_rows`` view). Raises ``UnreadableInput`` when the
    file cannot be parsed as CSV.

    The rows are stored once (``_public_typed``, straight from ``read_csv``: its ``rowid`` is the
    order of the file's lines); what needs the whole file (keys repeated across hierarchies,
    England's value) is grouped into small tables and joined back by the views."""
    c = lambda name: _col(layout, name)  # noqa: E731
    ident = c("indicator_id") if indicator_id is None else "CAST(? AS VARCHAR)"
    name = c("indicator_name") if indicator_name is None else "CAST(? AS VARCHAR)"
    params = [p for p in (indicator_id, indicator_name) if p is not None]
    sortable = (
        f"TRY_CAST({c('sortable')} AS INTEGER)"
        if LAYOUTS[layout]["sortable"]
        else f"TRY_CAST(left(trim({c('time_period')}), 4) AS INTEGER) * 10000"
    )
    drop_staging(con)
    with _parsing(path):
        con.execute(
            f"""
            CREATE TEMP TABLE {TYPED} AS
            WITH typed AS (
                SELECT
                    TRY_CAST({ident} AS INTEGER) AS indicator_id,  -- (the cast trims)
                    trim({name}) AS indicator_name,
                    upper(trim({c("area_code")})) AS area_code,
                    trim({c("area_name")}) AS area_name,
                    trim({c("area_type")}) AS published_area_type,
                    coalesce(trim({c("sex")}), '') AS sex,
                    coalesce(trim({c("age")}), '') AS age,
                    coalesce(trim({c("category_type")}), '') AS category_type,
                    coalesce(trim({c("category")}), '') AS category,
                    trim({c("time_period")}) AS time_period,
                    {sortable} AS time_period_sortable,
                    {_num(c("value"))} AS value,
                    {_num(c("count"))} AS count,
                    {_num(c("denominator"))} AS denominator,
                    {_num(c("lower_95"))} AS published_lower_95,
                    {_num(c("upper_95"))} AS published_upper_95,
                    {_num(c("lower_998"))} AS published_lower_998,
                    {_num(c("upper_998"))} AS published_upper_998,
                    greatest({_decimals(c("lower_95"))}, 0) AS decimals_95,
                    greatest({_decimals(c("lower_998"))}, 0) AS decimals_998,
                    greatest({_decimals(c("value"))}, 0) AS decimals_value,
                    NULLIF(lower(trim({c("compared")})), '') AS published_compared,
                    NULLIF(trim({c("value_note")}), '') AS value_note
                FROM read_csv(?, {CSV_OPTIONS})
            )
            SELECT t.*,
                -- every reason to skip a row but a repeat (which needs the whole file: added below)
                CASE
                    WHEN t.indicator_id IS NULL THEN 'no indicator id'
                    WHEN t.area_code IS NULL OR t.area_code = '' THEN 'no area code'
                    WHEN lower(t.published_area_type) IN {NON_GEOGRAPHIC_TYPES}
                        THEN 'not a geography (ONS 2011 area classification)'
                    WHEN t.time_period IS NULL OR t.time_period_sortable IS NULL
                        THEN 'no time period'
                    WHEN t.value IS NULL
                        THEN 'no value published (e.g. an area outside its lifetime)'
                    WHEN t.count IS NOT NULL AND t.denominator IS NOT NULL
                         AND (t.count < 0 OR t.denominator <= 0 OR t.count > t.denominator)
                        THEN 'count and denominator impossible'
                END AS skip_reason,
                CASE
                    -- GP practices (Fingertips area type "GPs"; ODS codes such as A81001): a
                    -- level of their own, never mapped through the ONS code changes
                    WHEN lower(t.published_area_type) IN {GP_AREA_TYPES}
                         OR regexp_full_match(t.area_code, '{GP_CODE}') THEN '{GP_LEVEL}'
                    WHEN lower(t.published_area_type) IN ('pcns', 'pcn')
                         OR regexp_full_match(t.area_code, 'U[0-9]{{5}}') THEN 'pcn'
                    WHEN t.area_code LIKE 'E38%' THEN 'sub_icb'
                    WHEN t.area_code LIKE 'E54%' THEN 'icb'
                    WHEN t.area_code LIKE 'E40%' THEN 'nhs_region'
                    WHEN t.area_code LIKE 'E92%' THEN 'england'
                    WHEN t.area_code LIKE 'E12%' THEN 'region'
                    WHEN t.area_code LIKE 'E10%' THEN 'county'
                    WHEN t.area_code LIKE 'E06%' THEN 'unitary'
                    WHEN t.area_code LIKE 'E07%' THEN 'district'
                    WHEN t.area_code LIKE 'E08%' THEN 'metropolitan_district'
                    WHEN t.area_code LIKE 'E09%' THEN 'london_borough'
                    WHEN t.area_code LIKE 'E47%' THEN 'combined_authority'
                    ELSE 'other'
                END AS area_type,
                t.area_code AS current_area_code,  -- old codes are mapped below
                {_wilson("lower", Z95)} AS lower_95,
                {_wilson("upper", Z95)} AS upper_95,
                {_wilson("lower", Z998)} AS lower_998,
                {_wilson("upper", Z998)} AS upper_998
            FROM typed t
            """,
            [*params, str(path)],
        )
    # A unitary authority is listed under both the district and the county hierarchy: keep the
    # first row of each key. Found by grouping the key columns alone (a few rows), not by a
    # window over every column (which carried the whole row through a sort: 1 s a million
    # rows); only the repeats are updated. (Keys of rows kept are never NULL, so = matches.)
    keys = ", ".join(KEY_COLUMNS)
    on_key = " AND ".join(f"r.{k} = {TYPED}.{k}" for k in KEY_COLUMNS)
    # (keys whose hash is seen once cannot repeat: grouping one hash first halves the cost)
    con.execute(
        f"""
        CREATE TEMP TABLE {REPEATED} AS
        SELECT {keys}, min(rowid) AS first_rowid
        FROM {TYPED}
        SEMI JOIN (SELECT hash({keys}) AS h FROM {TYPED} GROUP BY 1 HAVING count(*) > 1) twice
            ON hash({keys}) = twice.h
        GROUP BY ALL
        HAVING count(*) > 1
        """
    )
    con.execute(
        f"UPDATE {TYPED} SET skip_reason = '{REPEAT_REASON}' FROM {REPEATED} r "
        f"WHERE {TYPED}.skip_reason IS NULL AND {on_key} AND {TYPED}.rowid <> r.first_rowid"
    )
    # Codes retired since publication, mapped to today's (only those rows are updated).
    # (Local-authority-style rows only: a practice, PCN or NHS code is never an ONS code.)
    con.execute(
        f"UPDATE {TYPED} SET current_area_code = a.current_code FROM ref_area a "
        f"WHERE a.area_code = {TYPED}.area_code AND a.current_code IS NOT NULL "
        f"AND a.current_code <> {TYPED}.area_code AND {TYPED}.area_type NOT IN {NOT_ONS_LEVELS}"
    )
    # England's own value for the same indicator, period, sex and age
    con.execute(
        f"""
        CREATE TEMP TABLE {ENGLAND} AS
        SELECT indicator_id, time_period, sex, age, max(value) AS england_value
        FROM {TYPED}
        WHERE area_type = 'england' AND category_type = '' AND skip_reason IS NULL
        GROUP BY ALL
        """
    )
    # Every row, its line in the file, and our England comparison: the area's 95% interval
    # against England's value (a join with the small England table, never stored).
    con.execute(
        f"""
        CREATE TEMP VIEW {ROWS} AS
        SELECT t.rowid + 2 AS csv_row,  -- the file's line number (line 1 is the header)
            t.*,
            CASE
                WHEN t.area_type = 'england' AND t.category_type = '' THEN 'not_compared'
                WHEN e.england_value IS NULL OR t.lower_95 IS NULL THEN 'not_compared'
                WHEN t.lower_95 > e.england_value THEN 'better'
                WHEN t.upper_95 < e.england_value THEN 'worse'
                ELSE 'similar'
            END AS compared_to_england
        FROM {TYPED} t
        LEFT JOIN {ENGLAND} e
            ON e.indicator_id = t.indicator_id AND e.time_period = t.time_period
           AND e.sex = t.sex AND e.age = t.age
        """
    )


def _wilson(side: str, z: float) -> str:
    return f"wilson_{side}(t.count, t.denominator, {z})"


@write
def staged_indicators(con: duckdb.DuckDBPyConnection) -> list[tuple[int | None, str | None, int]]:
    """(indicator id, name, rows) found in the staged file."""
    return con.execute(
        f"SELECT indicator_id, any_value(indicator_name), count(*) FROM {TYPED} "
        "GROUP BY indicator_id ORDER BY indicator_id NULLS FIRST"
    ).fetchall()


@write
def staged_report(
    con: duckdb.DuckDBPyConnection, *, sample: int = 10, indicator_id: int | None = None
) -> dict[str, Any]:
    """Counts, skips, and how our intervals and judgements compare with the publisher's: for
    the whole file, or for one of the indicators in it (a file may hold several)."""
    one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
    # Which rows: the whole file, or one indicator's (an int from the file: safe to inline).
    only = "true" if indicator_id is None else f"indicator_id = {int(indicator_id)}"
    # (the rows are read from the stored table: only England comparisons need the view's join)
    reasons = con.execute(
        f"SELECT skip_reason, count(*) FROM {TYPED} WHERE {only} GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall()
    rows_read = sum(n for _, n in reasons)
    rows_loaded = sum(n for reason, n in reasons if reason is None)
    skipped = {reason: n for reason, n in reasons if reason is not None}
    breakdowns = dict(
        con.execute(
            f"SELECT category_type, count(*) FROM {TYPED} WHERE skip_reason IS NULL "
            f"AND category_type <> '' AND {only} GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    mapped = one(
        f"SELECT count(*) FROM {TYPED} WHERE skip_reason IS NULL "
        f"AND current_area_code <> area_code AND {only}"
    )[0]
    gp_rows = one(
        f"SELECT count(*) FROM {TYPED} WHERE skip_reason IS NULL AND {GP_ROWS} AND {only}"
    )[0]
    ci = _ci_check(con, sample=sample, only=only)
    england = _england_check(con, sample=sample, only=only)
    return {
        "rows_read": rows_read,
        "rows_loaded": rows_loaded,
        "rows_skipped": skipped,
        "breakdowns_kept": breakdowns,
        "old_codes_mapped": mapped,
        "gp_practice_rows": gp_rows,
        "ci_check": ci,
        "england_comparison": england,
    }


def _ci_check(con: duckdb.DuckDBPyConnection, *, sample: int, only: str) -> dict[str, Any]:
    """Our limits against the published ones; 'beyond rounding' allows half the last printed
    decimal place. Disagreements get the likeliest reason we can find."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _public_ci AS
        SELECT rowid + 2 AS csv_row, area_code, time_period, count, denominator, value,
               decimals_value,
               published_lower_95, published_upper_95, published_lower_998,
               published_upper_998, lower_95, upper_95, lower_998, upper_998,
               greatest(abs(lower_95 - published_lower_95),
                        abs(upper_95 - published_upper_95)) AS diff_95,
               greatest(abs(lower_998 - published_lower_998),
                        abs(upper_998 - published_upper_998)) AS diff_998,
               -- half the last printed decimal place; never stricter than 6 places, below which
               -- floating-point noise in the publisher's own arithmetic shows (seen: 1e-8)
               0.5 * 10 ^ (-least(decimals_95, 6)) AS tolerance_95,
               0.5 * 10 ^ (-least(decimals_998, 6)) AS tolerance_998,
               -- the confidence level the published 99.8% width corresponds to
               {Z95} * (published_upper_998 - published_lower_998)
                   / nullif(upper_95 - lower_95, 0) AS implied_z_998,
               abs(100 * count / denominator - value) > 0.5 * 10 ^ (-least(decimals_value, 6))
                   AS value_inconsistent
        FROM {TYPED}
        WHERE skip_reason IS NULL AND lower_95 IS NOT NULL AND {only}
        """
    )
    compared_95, compared_998, max_95, max_998, beyond_95, beyond_998 = con.execute(
        """
        SELECT count(diff_95), count(diff_998), max(diff_95), max(diff_998),
               count(*) FILTER (diff_95 > tolerance_95),
               count(*) FILTER (diff_998 > tolerance_998)
        FROM _public_ci
        """
    ).fetchone()
    # Only the rows beyond rounding are kept (a second pass; no copy of every compared row).
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _public_ci_off AS
        SELECT * FROM _public_ci WHERE diff_95 > tolerance_95 OR diff_998 > tolerance_998
        """
    )
    # Disagreements grouped by what might explain them (few groups, however many rows).
    groups = con.execute(
        """
        SELECT value_inconsistent, diff_95 > tolerance_95, round(implied_z_998, 2), count(*)
        FROM _public_ci_off
        GROUP BY ALL
        """
    ).fetchall()
    reasons: dict[str, int] = {}
    for inconsistent, bad95, z998, n in groups:
        reason = _likely_reason(inconsistent, bad95, z998)
        reasons[reason] = reasons.get(reason, 0) + n
    examples = []
    for row, area, period, d95, d998, inconsistent, bad95, z998 in con.execute(
        """
        SELECT csv_row, area_code, time_period, diff_95, diff_998, value_inconsistent,
               diff_95 > tolerance_95, implied_z_998
        FROM _public_ci_off
        ORDER BY csv_row LIMIT ?
        """,
        [sample],
    ).fetchall():
        examples.append(
            {
                "csv_row": row,
                "area_code": area,
                "time_period": period,
                "diff_95": d95,
                "diff_998": d998,
                "reason": _likely_reason(inconsistent, bad95, z998),
            }
        )
    con.execute("DROP TABLE IF EXISTS _public_ci_off")
    con.execute("DROP VIEW IF EXISTS _public_ci")
    return {
        "rows_compared": compared_95,
        "rows_compared_998": compared_998,
        "max_abs_diff_95": max_95,
        "max_abs_diff_998": max_998,
        "rows_beyond_rounding_95": beyond_95,
        "rows_beyond_rounding_998": beyond_998,
        "likely_reasons": reasons,
        "examples": examples,
    }


def _likely_reason(value_inconsistent: bool, bad_95: bool, implied_z_998: float | None) -> str:
    """The likeliest explanation of a published limit that our computation does not reproduce."""
    from wdp.stats import nearest_level

    if value_inconsistent:
        return "the published value is not Count / Denominator (rounded or revised counts)"
    if not bad_95 and implied_z_998 is not None and nearest_level(implied_z_998) != 99.8:
        return (
            f"the published 99.8% limits are the width of a "
            f"{nearest_level(implied_z_998):g}% interval"
        )
    return "unexplained"


def _england_check(con: duckdb.DuckDBPyConnection, *, sample: int, only: str) -> dict[str, Any]:
    """Our Better/Similar/Worse against the publisher's, where the publisher judged."""
    # One pass over the view (it joins England's values): counts, and the first disagreements.
    compared, agree, first = con.execute(
        f"""
        SELECT count(*), count(*) FILTER (published_compared = compared_to_england),
               min_by(
                   [csv_row::VARCHAR, area_code, time_period, published_compared,
                    compared_to_england],
                   csv_row, ?
               ) FILTER (published_compared <> compared_to_england)
        FROM {ROWS}
        WHERE skip_reason IS NULL AND published_compared IN ('better', 'similar', 'worse')
          AND compared_to_england <> 'not_compared' AND {only}
        """,
        [sample],
    ).fetchone()
    examples = [
        dict(zip(("csv_row", "area_code", "time_period", "published", "ours"), r, strict=True))
        | {"csv_row": int(r[0])}
        for r in first or []
    ]
    return {
        "rows_compared": compared,
        "agree": agree,
        "disagree": compared - agree,
        "examples": examples,
    }


@read
def indicator_fingerprint(con: duckdb.DuckDBPyConnection, indicator_id: int) -> str | None:
    row = con.execute(
        "SELECT content_sha256 FROM public_indicator WHERE indicator_id = ?", [indicator_id]
    ).fetchone()
    return row[0] if row else None


VALUE_COLUMNS = (
    "indicator_id",
    "area_code",
    "current_area_code",
    "area_name",
    "area_type",
    "published_area_type",
    "sex",
    "age",
    "category_type",
    "category",
    "time_period",
    "time_period_sortable",
    "value",
    "count",
    "denominator",
    "published_lower_95",
    "published_upper_95",
    "published_lower_998",
    "published_upper_998",
    "published_compared_to_england",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "compared_to_england",
    "value_note",
)


@write
def replace_indicator(
    con: duckdb.DuckDBPyConnection,
    *,
    indicator: dict[str, Any],
    report: dict[str, Any],
    audit: dict[str, Any],
) -> int:
    """Swap in the staged rows for one indicator and record the import (in one transaction)."""
    return replace_indicators(con, indicators=[(indicator, report)], report=report, audit=audit)


@write
def replace_indicators(
    con: duckdb.DuckDBPyConnection,
    *,
    indicators: list[tuple[dict[str, Any], dict[str, Any]]],
    report: dict[str, Any],
    audit: dict[str, Any],
) -> int:
    """Swap in the staged rows of each indicator (with its own report) and record the file's
    import once, in the caller's one transaction: a file holding several indicators replaces
    all of them or none. Returns the rows inserted."""
    names = ", ".join(VALUE_COLUMNS)
    select = ", ".join(
        "published_compared AS published_compared_to_england"
        if c == "published_compared_to_england"
        else c
        for c in VALUE_COLUMNS
    )
    total = 0
    for indicator, own_report in indicators:
        ident = indicator["indicator_id"]
        con.execute("DELETE FROM public_indicator_value WHERE indicator_id = ?", [ident])
        loaded = con.execute(
            f"INSERT INTO public_indicator_value ({names}) SELECT {select} FROM {ROWS} "
            "WHERE skip_reason IS NULL AND indicator_id = ?",
            [ident],
        ).fetchone()[0]  # the number of rows inserted
        con.execute("DELETE FROM public_indicator WHERE indicator_id = ?", [ident])
        con.execute(
            "INSERT INTO public_indicator (indicator_id, indicator_name, programme, measure, "
            "layout, source_file, content_sha256, imported_at, rows_loaded, report, is_synthetic) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ident,
                indicator["indicator_name"],
                indicator.get("programme"),
                indicator.get("measure"),
                indicator["layout"],
                audit["file_name"],
                audit["content_sha256"],
                audit["imported_at"],
                loaded,
                json.dumps(own_report, default=str),
                bool(indicator.get("is_synthetic", False)),
            ],
        )
        total += loaded
    _insert_import(con, {**audit, "status": "imported", "report": report})
    return total


@write
def record_import(con: duckdb.DuckDBPyConnection, audit: dict[str, Any]) -> int:
    """Record an import attempt that changed nothing (unchanged or rejected)."""
    return _insert_import(con, audit)


def _insert_import(con: duckdb.DuckDBPyConnection, audit: dict[str, Any]) -> int:
    import_id = next_id(con, "public_import", "import_id")
    con.execute(
        "INSERT INTO public_import (import_id, file_name, content_sha256, indicator_id, "
        "imported_by, imported_at, status, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            import_id,
            audit["file_name"],
            audit["content_sha256"],
            audit.get("indicator_id"),
            audit["imported_by"],
            audit.get("imported_at", dt.datetime.now()),
            audit["status"],
            json.dumps(audit.get("report"), default=str),
        ],
    )
    return int(import_id)


@write
def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP VIEW IF EXISTS {ROWS}")
    con.execute("DROP VIEW IF EXISTS _public_ci")  # (left only if a report failed half-way)
    con.execute("DROP TABLE IF EXISTS _public_ci_off")
    for table in (ENGLAND, REPEATED, TYPED):
        con.execute(f"DROP TABLE IF EXISTS {table}")
