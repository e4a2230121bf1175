"""The programme data's keys and ranges, and new ids: enforced here in code, once, for storage
that cannot enforce them itself.

The embedded DuckDB file enforces its PRIMARY KEY and CHECK constraints (``wdp.db.schema``).
DuckLake, where PostgreSQL-backed storage keeps the programme's data (``wdp.db.lake``), has no
keys, checks or sequences. There every write to that data runs under one lock that all app
processes share, and just before it commits ``broken_rules`` looks for any row breaking a rule
below: a broken rule rolls the whole write back, as a constraint would. Under the same lock
``next_id`` is race-free, so two loads at once cannot share a submission id, and the return that
counts for a pathfinder and period (the highest accepted id) is always exactly one.

``RULES`` lists exactly the embedded schema's constraints on those tables; a test keeps the two
equal, so a rule cannot be added to one and forgotten in the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unique:
    """No two rows share ``columns``, and none of them is empty (a primary key)."""

    table: str
    columns: tuple[str, ...]

    @property
    def says(self) -> str:
        return f"each {self.table} row has its own {', '.join(self.columns)}"

    def broken_sql(self) -> str:
        """A true/false expression over the table's rows (aggregated): is the rule broken?"""
        empty = " OR ".join(f"{c} IS NULL" for c in self.columns)
        key = self.columns[0] if len(self.columns) == 1 else f"row({', '.join(self.columns)})"
        return f"(count(*) FILTER (WHERE {empty}) > 0 OR count(DISTINCT {key}) < count(*))"


@dataclass(frozen=True)
class Check:
    """Every row satisfies ``condition`` (as SQL's CHECK: a NULL result passes)."""

    table: str
    condition: str

    @property
    def says(self) -> str:
        return f"{self.table}: {self.condition}"

    def broken_sql(self) -> str:
        return f"(count(*) FILTER (WHERE NOT ({self.condition})) > 0)"


def _counts(table: str, *columns: str) -> list[Check]:
    return [Check(table, f"{column} >= 0") for column in columns]


RULES: tuple[Unique | Check, ...] = (
    Unique("schema_version", ("version",)),
    Unique("ref_pathfinder", ("pathfinder_code",)),
    Unique("ref_gp_practice", ("ods_code",)),
    Unique("ref_area", ("area_code",)),
    Unique("ref_screening_service", ("service_code",)),
    Unique("submission", ("submission_id",)),
    Check("submission", "status IN ('accepted', 'rejected', 'unchanged')"),
    *_counts("training", "champions_trained"),
    *_counts(
        "activity", "posts", "reach", "engagements", "messenger_enquiries", "appointments_booked"
    ),
    *(
        rule
        for table in ("screening", "benchmark_screening")
        for rule in (
            *_counts(table, "numerator"),
            Check(table, "denominator > 0"),
            Check(table, "numerator <= denominator"),
        )
    ),
    Check("screening", "period_start <= period_end"),
    Unique(
        "benchmark_screening",
        ("source", "area_type", "area_code", "programme", "measure", "period_start", "period_end"),
    ),
    Unique("public_indicator", ("indicator_id",)),
    Unique("public_import", ("import_id",)),
    Check("public_import", "status IN ('imported', 'unchanged', 'rejected')"),
    Check("ref_standard", "level IN ('acceptable', 'achievable', 'lower_threshold')"),
    Unique("ref_area_parent", ("area_code", "parent_kind")),
    Unique("ref_icb", ("icb_ods_code",)),
    Unique("load_attempt", ("attempt_id",)),
    Unique("ref_practice_profile", ("practice_code",)),
    *_counts("ref_practice_profile", "imd_score", "list_size"),
    Check("ref_practice_profile", "rurality IN ('urban', 'rural')"),
    Unique("evaluation_plan", ("plan_id",)),
    Check("evaluation_plan", "comparisons_per_practice >= 1"),
    Check("evaluation_plan", "baseline_first <= baseline_last AND baseline_last < first_go_live"),
    Unique("evaluation_practice", ("plan_id", "practice_code")),
    Check("evaluation_practice", "arm IN ('pathfinder', 'comparison')"),
)


def broken_rules(con: Any, tables: Iterable[str] | None = None) -> list[str]:
    """The rules some row breaks now (as seen inside the caller's transaction), in plain words;
    only rules on ``tables`` when given. One query, reading each table once."""
    wanted = None if tables is None else set(tables)
    rules = [r for r in RULES if wanted is None or r.table in wanted]
    if not rules:
        return []
    by_table: dict[str, list[Unique | Check]] = {}
    for rule in rules:
        by_table.setdefault(rule.table, []).append(rule)
    scans = []
    for table, table_rules in by_table.items():
        flags = ", ".join(r.broken_sql() for r in table_rules)
        scans.append(f"(SELECT {flags} FROM {table})")
    every_table = ", ".join(scans)
    flags = con.execute(f"SELECT * FROM {every_table}").fetchone()
    ordered = [rule for table_rules in by_table.values() for rule in table_rules]
    return [rule.says for rule, broken in zip(ordered, flags, strict=True) if broken]


def next_id(con: Any, table: str, column: str) -> int:
    """The next id for a new row: one more than the highest so far. Safe because every write to
    the programme's data holds the writer lock (one writer per DuckDB file; one lock across app
    processes on PostgreSQL storage). ``table`` and ``column`` come from the code, not input."""
    return int(con.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchone()[0])
