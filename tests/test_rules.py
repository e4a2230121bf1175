"""The data's keys and ranges, kept in code for storage that cannot keep them (DuckLake), and the
schema as DuckLake takes it: both must match what the DuckDB file enforces, exactly.

No PostgreSQL is needed: DuckDB itself runs the DuckLake forms of the tables (no keys or checks),
so the rules can be broken on purpose and must be caught.
"""

from __future__ import annotations

import re

import duckdb
import pytest

from wdp.db import lake_schema
from wdp.db.rules import RULES, Check, Unique, broken_rules, next_id
from wdp.db.schema import MIGRATIONS, PLAIN_TABLES, migrate


def _normal(sql: str) -> str:
    return re.sub(r'[\s()"]', "", sql).lower()


@pytest.fixture(scope="module")
def embedded() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    migrate(con)
    return con


@pytest.fixture
def unconstrained() -> duckdb.DuckDBPyConnection:
    """Every table as DuckLake has it: the same columns, no keys, checks or sequences."""
    con = duckdb.connect()
    con.execute(lake_schema.lake_version_table())
    for _, _, statements in MIGRATIONS:
        for statement in statements:
            if callable(statement):
                continue
            if lake_schema.home_of(statement) == lake_schema.PLAIN:
                continue
            sql = lake_schema.for_lake(statement)
            if sql is not None:
                con.execute(sql)
    return con


def test_the_rules_are_exactly_the_files_constraints_on_the_lakes_tables(embedded) -> None:
    constraints = embedded.execute(
        "SELECT table_name, constraint_type, constraint_column_names, expression "
        "FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'CHECK')"
    ).fetchall()
    in_the_file = {
        (table, "unique", tuple(columns))
        if kind != "CHECK"
        else (table, "check", _normal(expression.removeprefix("CHECK")))
        for table, kind, columns, expression in constraints
        if table not in PLAIN_TABLES
    }
    in_code = {
        (r.table, "unique", r.columns)
        if isinstance(r, Unique)
        else (r.table, "check", _normal(r.condition))
        for r in RULES
    }
    assert in_code == in_the_file


def test_the_lakes_tables_have_the_files_columns_and_types(embedded, unconstrained) -> None:
    query = (
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    )
    lake_tables = unconstrained.execute(query).fetchall()
    file_tables = [r for r in embedded.execute(query).fetchall() if r[0] not in PLAIN_TABLES]
    assert lake_tables == file_tables
    assert not unconstrained.execute(
        "SELECT * FROM duckdb_constraints() WHERE constraint_type <> 'NOT NULL'"
    ).fetchall()
    assert not unconstrained.execute("SELECT * FROM duckdb_sequences()").fetchall()


def test_every_migration_step_has_one_home() -> None:
    homes = {
        lake_schema.home_of(statement)
        for _, _, statements in MIGRATIONS
        for statement in statements
    }
    assert homes == {lake_schema.PLAIN, lake_schema.LAKE}
    with pytest.raises(ValueError, match="cannot place"):
        lake_schema.home_of("DROP TABLE account")
    with pytest.raises(ValueError, match="must say which tables"):
        lake_schema.home_of(lambda con: None)


def test_a_broken_rule_is_found_and_named(unconstrained) -> None:
    con = unconstrained
    assert broken_rules(con) == []
    con.execute(
        "INSERT INTO submission (submission_id, file_name, content_sha256, loaded_by, loaded_at, "
        "status) VALUES (1, 'a.xlsx', 'x', 'me', now(), 'accepted'), "
        "(1, 'b.xlsx', 'y', 'me', now(), 'accepted')"
    )
    assert broken_rules(con) == ["each submission row has its own submission_id"]
    assert broken_rules(con, ["training"]) == []  # only the tables asked about
    con.execute("UPDATE submission SET submission_id = 2 WHERE file_name = 'b.xlsx'")
    assert broken_rules(con) == []
    con.execute(
        "INSERT INTO screening VALUES (1, 3, 'local_authority', 'E06000021', 'breast', "
        "'uptake', DATE '2024-04-01', DATE '2025-03-31', 11, 10, 'E06000021')"
    )
    assert broken_rules(con) == ["screening: numerator <= denominator"]
    con.execute("UPDATE screening SET numerator = 9")
    con.execute("UPDATE submission SET status = 'maybe' WHERE submission_id = 2")
    assert broken_rules(con) == [
        "submission: status IN ('accepted', 'rejected', 'unchanged')",
    ]


def test_a_key_may_not_be_empty(unconstrained) -> None:
    unconstrained.execute("INSERT INTO ref_area_parent VALUES ('E06000021', 'region', 'E12000005')")
    with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):  # kept by DuckLake itself
        unconstrained.execute("UPDATE ref_area_parent SET parent_kind = NULL")
    unconstrained.execute("INSERT INTO ref_area_parent VALUES ('E06000021', 'icb', 'E54000010')")
    assert broken_rules(unconstrained) == []
    unconstrained.execute("UPDATE ref_area_parent SET parent_kind = 'icb'")
    assert broken_rules(unconstrained) == [
        "each ref_area_parent row has its own area_code, parent_kind"
    ]


def test_new_ids_follow_the_highest(unconstrained) -> None:
    assert next_id(unconstrained, "load_attempt", "attempt_id") == 1
    unconstrained.execute(
        "INSERT INTO load_attempt (attempt_id, file_name, loaded_by, started_at) "
        "VALUES (41, 'a', 'me', now())"
    )
    assert next_id(unconstrained, "load_attempt", "attempt_id") == 42


def test_for_lake_keeps_what_ducklake_can_do() -> None:
    sql = lake_schema.for_lake(
        "CREATE TABLE t (\n  id BIGINT PRIMARY KEY,  -- (a, comment)\n"
        "  n INTEGER NOT NULL CHECK (n >= 0 AND (n < 10)),\n  s VARCHAR DEFAULT 'a,b',\n"
        "  CHECK (n <= id),\n  PRIMARY KEY (id)\n)"
    )
    assert sql == (
        "CREATE TABLE t (\n    id BIGINT NOT NULL,\n    n INTEGER NOT NULL,\n"
        "    s VARCHAR DEFAULT 'a,b'\n)"
    )
    assert lake_schema.for_lake("CREATE SEQUENCE s START 1") is None
    view = "CREATE OR REPLACE VIEW v AS SELECT 1"
    assert lake_schema.for_lake(view) == view
    assert all(isinstance(r, Unique | Check) for r in RULES)
