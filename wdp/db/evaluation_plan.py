"""The evaluation's analysis plans (``wdp.study``): stored when fixed, read when the study runs.

A plan is never changed: saving a new one for an indicator marks the one in force superseded
(``superseded_at``) in the same transaction, so exactly one plan per indicator is in force and
every earlier one stays on record with the time it was fixed. Portable SQL (both kinds of
storage): ids from ``next_id``, no RETURNING.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from wdp.db.named import read, write
from wdp.db.rules import next_id

PLAN_COLUMNS = (
    "indicator_id",
    "fixed_at",
    "fixed_by",
    "first_go_live",
    "baseline_first",
    "baseline_last",
    "exclude_years",
    "comparisons_per_practice",
    "plan_text",
    "balance_json",
    "caveats_json",
)
PRACTICE_COLUMNS = (
    "practice_code",
    "arm",
    "pathfinder_code",
    "go_live_year",
    "matched_to",
    "distance",
)


@read
def evaluation_plan(con: duckdb.DuckDBPyConnection, *, indicator_id: int) -> dict[str, Any] | None:
    """The plan in force for an indicator (None: none fixed yet)."""
    cursor = con.execute(
        "SELECT * FROM evaluation_plan WHERE indicator_id = ? AND superseded_at IS NULL "
        "ORDER BY plan_id DESC LIMIT 1",
        [indicator_id],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


@read
def evaluation_plans(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every plan ever fixed, newest first: plan_id, indicator_id, fixed_at, fixed_by,
    superseded_at, and how many practices of each arm it holds (as the reader may see)."""
    return con.execute(
        """
        SELECT p.plan_id, p.indicator_id, p.fixed_at, p.fixed_by, p.superseded_at,
               count(*) FILTER (e.arm = 'pathfinder') AS pathfinder_practices,
               count(*) FILTER (e.arm = 'comparison') AS comparison_practices
        FROM evaluation_plan p LEFT JOIN evaluation_practice e USING (plan_id)
        GROUP BY ALL
        ORDER BY p.plan_id DESC
        """
    ).df()


@read
def evaluation_practices(con: duckdb.DuckDBPyConnection, *, plan_id: int) -> pd.DataFrame:
    """A plan's practices (a lead's scoped view: their own pathfinder's only)."""
    return con.execute(
        "SELECT practice_code, arm, pathfinder_code, go_live_year, matched_to, distance "
        "FROM evaluation_practice WHERE plan_id = ? "
        "ORDER BY arm DESC, pathfinder_code, practice_code",
        [plan_id],
    ).df()


@write
def save_evaluation_plan(
    con: duckdb.DuckDBPyConnection, *, plan: dict[str, Any], practices: pd.DataFrame
) -> int:
    """Store a new plan and its practices, superseding the plan in force for the indicator."""
    if practices.empty:
        raise ValueError("A plan needs its practices.")
    if set(plan) != set(PLAN_COLUMNS):
        raise ValueError(f"A plan has exactly the fields {PLAN_COLUMNS}.")
    plan_id = next_id(con, "evaluation_plan", "plan_id")
    con.execute(
        "UPDATE evaluation_plan SET superseded_at = ? "
        "WHERE indicator_id = ? AND superseded_at IS NULL",
        [plan["fixed_at"], plan["indicator_id"]],
    )
    con.execute(
        "INSERT INTO evaluation_plan (plan_id, indicator_id, fixed_at, fixed_by, first_go_live, "
        "baseline_first, baseline_last, exclude_years, comparisons_per_practice, plan_text, "
        "balance_json, caveats_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [plan_id, *(plan[c] for c in PLAN_COLUMNS)],
    )
    rows = practices.loc[:, list(PRACTICE_COLUMNS)].copy()
    rows.insert(0, "plan_id", plan_id)
    rows["go_live_year"] = rows["go_live_year"].astype("Int64")
    rows["distance"] = rows["distance"].astype(float)
    for column in ("practice_code", "arm", "pathfinder_code", "matched_to"):
        rows[column] = rows[column].astype(object).where(rows[column].notna(), None)
    con.register("_plan_practices", rows)
    try:
        con.execute(
            "INSERT INTO evaluation_practice (plan_id, practice_code, arm, pathfinder_code, "
            "go_live_year, matched_to, distance) SELECT plan_id, practice_code, arm, "
            "pathfinder_code, go_live_year, matched_to, distance FROM _plan_practices"
        )
    finally:
        con.unregister("_plan_practices")
    return int(plan_id)
