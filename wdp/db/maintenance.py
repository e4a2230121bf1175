"""Queries for backups: what a database holds, table by table, to prove a copy is complete.

Table names come from the database's own catalogue (never from input) and are quoted.
"""

from __future__ import annotations

import duckdb


def user_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every permanent table in the main schema, by name."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() "
        "WHERE NOT temporary AND schema_name = 'main' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int | str]]:
    """Per table: its row count and an order-independent checksum of every row's contents.

    Two databases with equal fingerprints hold the same rows (up to a 128-bit hash collision).
    """
    result: dict[str, dict[str, int | str]] = {}
    for table in user_tables(con):
        rows, checksum = con.execute(
            f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR FROM {_quoted(table)} t"
        ).fetchone()
        result[table] = {"rows": int(rows), "checksum": checksum}
    return result


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    from wdp.db.schema import current_version

    return current_version(con)


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Write everything in the write-ahead log into the database file itself."""
    con.execute("CHECKPOINT")
