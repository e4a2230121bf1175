"""Copying a whole database into another, checked table by table, and safe to run again.

    python -m etl migrate-to 'postgresql://HOST/wdp?data_path=/srv/lake' --from data/wdp.duckdb
    python -m etl migrate-to data/wdp.duckdb --from EXPORT_FOLDER      # from DuckDB 2.0's export

The source is a DuckDB file, or a folder written by DuckDB's ``EXPORT DATABASE ... (FORMAT
parquet)`` (how a file from a newer DuckDB comes across). The target is PostgreSQL-backed
storage or a DuckDB file, made and brought up to date if it does not exist.

For each table, the rows of the two (every column the target has, as the target's types) are
compared by count and an order-independent checksum: equal tables are left alone, so running the
copy again changes nothing; empty ones are filled; a table holding different rows stops the copy
before anything is written unless ``replace`` is given. The programme's data is copied in one
transaction and accounts and sign-ins in another; then every table is checked again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from wdp.db.database import Database
from wdp.db.errors import DatabaseError

SOURCE = "wdp_source"
SKIPPED = frozenset({"schema_version"})  # each database records its own migrations
# The target's own cookie-signing key is replaced by the source's, so its sign-ins stay valid.
TAKEN_FROM_THE_SOURCE = frozenset({"app_secret"})


class CopyError(DatabaseError):
    """A copy that cannot go ahead, or did not check out; nothing was left half-copied."""


@dataclass
class CopyReport:
    source: str
    target: str
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(t["status"] != "unchanged" for t in self.tables.values())

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "tables": self.tables}


@dataclass(frozen=True)
class _Table:
    name: str
    target: str  # where it is, qualified
    columns: tuple[tuple[str, str], ...]  # (name, type) the target has
    plain: bool  # on PostgreSQL storage, a plain table (its own transaction)

    def select(self, source_columns: set[str], *, named: bool = True) -> str:
        """The target's columns from a source table (NULL where the source lacks one)."""
        parts = [
            f'CAST("{c}" AS {t})' if c in source_columns else f"NULL::{t}" for c, t in self.columns
        ]
        if named:
            parts = [f'{p} AS "{c}"' for p, (c, _) in zip(parts, self.columns, strict=True)]
        return ", ".join(parts)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _attach_source(con: duckdb.DuckDBPyConnection, source: Path) -> None:
    if source.is_dir():
        if not (source / "load.sql").is_file():
            raise CopyError(
                f"{source} is a folder but not one written by DuckDB's EXPORT DATABASE (it has "
                "no load.sql)."
            )
        con.execute(f"ATTACH ':memory:' AS {SOURCE}")
        for data in sorted(source.glob("*.parquet")) + sorted(source.glob("*.csv")):
            reader = "read_parquet" if data.suffix == ".parquet" else "read_csv_auto"
            con.execute(
                f'CREATE VIEW {SOURCE}.main."{data.stem}" AS '
                f"SELECT * FROM {reader}({_quote(str(data))})"
            )
        return
    if not source.is_file():
        raise CopyError(f"There is no database at {source}.")
    try:
        con.execute(f"ATTACH {_quote(str(source))} AS {SOURCE} (READ_ONLY)")
    except duckdb.Error as error:
        raise CopyError(
            f"{source} could not be opened ({str(error).splitlines()[0]}). A file from a newer "
            "DuckDB must first be exported with that DuckDB (README)."
        ) from error


def _source_tables(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = 'main'",
        [SOURCE],
    ).fetchall()
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    return found


def _fingerprint(
    con: duckdb.DuckDBPyConnection, table: _Table, relation: str, cols: set[str]
) -> tuple[int, str]:
    rows, checksum = con.execute(
        f"SELECT count(*), coalesce(sum(hash(row({table.select(cols, named=False)}))::HUGEINT), "
        "0)::VARCHAR "
        f"FROM {relation}"
    ).fetchone()
    return int(rows), checksum


def copy_database(source: Path, target: Database, *, replace: bool = False) -> CopyReport:
    """Copy everything in ``source`` into ``target`` (see the module's description)."""
    from wdp.db.embedded import EmbeddedDatabase

    source = Path(source)
    if isinstance(target, EmbeddedDatabase) and source.resolve() == target.path.resolve():
        raise CopyError(f"{source} is the database being copied into; name another.")
    target.ensure_schema()
    with _target_connection(target) as (con, tables):
        _attach_source(con, source)
        try:
            return _copy(con, tables, source, target, replace)
        finally:
            con.execute(f"DETACH {SOURCE}")


def _columns(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str
) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "SELECT c.table_name, c.column_name, c.data_type FROM duckdb_columns() c "
        "JOIN duckdb_tables() t USING (database_name, schema_name, table_name) "
        "WHERE c.database_name = ? AND c.schema_name = ? AND NOT t.temporary "
        "ORDER BY c.table_name, c.column_index",
        [catalog, schema],
    ).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        found.setdefault(table, []).append((column, kind))
    return found


@contextmanager
def _target_connection(target: Database) -> Iterator[tuple[Any, list[_Table]]]:
    from wdp.db.embedded import EmbeddedDatabase, open_db
    from wdp.db.lake import LAKE, PLAIN, PLAIN_SCHEMA, LakeDatabase

    if isinstance(target, LakeDatabase):
        con = target.cursor()
        tables = [
            _Table(name, f'{LAKE}.main."{name}"', tuple(cols), plain=False)
            for name, cols in _columns(con, LAKE, "main").items()
        ] + [
            _Table(name, f'{PLAIN}.{PLAIN_SCHEMA}."{name}"', tuple(cols), plain=True)
            for name, cols in _columns(con, PLAIN, PLAIN_SCHEMA).items()
        ]
        yield con, tables
        return
    assert isinstance(target, EmbeddedDatabase)
    with open_db(target.path, create=True) as con:
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        tables = [
            _Table(name, f'"{name}"', tuple(cols), plain=False)
            for name, cols in _columns(con, catalog, "main").items()
        ]
        yield con, tables


@contextmanager
def _transaction(target: Database, con: Any, tables: list[_Table]) -> Iterator[None]:
    """One transaction for a batch of tables; on PostgreSQL storage the programme's data is
    written under the writer lock, and its rules are checked before committing."""
    from wdp.db.lake import WRITER_LOCK, LakeDatabase, _advisory
    from wdp.db.rules import broken_rules

    lock = (
        _advisory(target.setting, WRITER_LOCK, target.timeout, "a change")
        if isinstance(target, LakeDatabase) and not tables[0].plain
        else nullcontext()
    )
    with lock:
        con.execute("BEGIN TRANSACTION")
        try:
            yield
            if not tables[0].plain:
                broken = broken_rules(con, [t.name for t in tables])
                if broken:
                    raise CopyError(
                        "The source breaks the data's rules (" + "; ".join(broken) + "); "
                        "nothing was copied."
                    )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def _after_copy(target: Database, con: Any) -> None:
    """New sign-in events must number on from the copied ones."""
    from wdp.db.lake import LakeDatabase

    highest = con.execute("SELECT coalesce(max(event_id), 0) FROM sign_in_event").fetchone()[0]
    if isinstance(target, LakeDatabase):
        with target.pg() as pg:
            pg.execute(
                "SELECT setval('sign_in_event_id_seq', greatest(%s, 1), %s > 0)",
                [highest, highest],
            )
        return
    current = con.execute(
        "SELECT coalesce(last_value, 0) FROM duckdb_sequences() "
        "WHERE sequence_name = 'sign_in_event_id_seq'"
    ).fetchone()[0]
    if highest > current:  # (DuckDB has no setval: draw the numbers up to the highest)
        con.execute(f"SELECT max(nextval('sign_in_event_id_seq')) FROM range({highest - current})")


def _copy(
    con: duckdb.DuckDBPyConnection,
    tables: list[_Table],
    source: Path,
    target: Database,
    replace: bool,
) -> CopyReport:
    available = _source_tables(con)
    if "submission" not in available:
        raise CopyError(f"{source} is not a WDP programme database (it has no submission table).")
    report = CopyReport(str(source), target.name)
    plan: list[tuple[_Table, str]] = []
    conflicts = []
    for table in tables:
        if table.name in SKIPPED:
            continue
        if table.name not in available:
            report.tables[table.name] = {"rows": 0, "status": "not in the source"}
            continue
        cols = available[table.name]
        want = _fingerprint(con, table, f'{SOURCE}.main."{table.name}"', cols)
        have = _fingerprint(con, table, table.target, cols)
        if want == have:
            report.tables[table.name] = {"rows": want[0], "status": "unchanged"}
        elif have[0] == 0:
            plan.append((table, "copied"))
        elif table.name in TAKEN_FROM_THE_SOURCE or replace:
            plan.append((table, "replaced"))
        else:
            conflicts.append(f"{table.name} ({have[0]:,} rows here, {want[0]:,} in the source)")
    if conflicts:
        raise CopyError(
            f"{target.name} already holds different data in: {', '.join(conflicts)}. Nothing "
            "was copied. Copy into an empty database, or add --replace to replace those tables "
            "with the source's."
        )
    for plain in (False, True):
        batch = [(t, how) for t, how in plan if t.plain == plain]
        if not batch:
            continue
        with _transaction(target, con, [t for t, _ in batch]):
            for table, how in batch:
                if how == "replaced":
                    con.execute(f"DELETE FROM {table.target}")
                names = ", ".join(f'"{c}"' for c, _ in table.columns)
                select = table.select(available[table.name])
                con.execute(
                    f"INSERT INTO {table.target} ({names}) SELECT {select} "
                    f'FROM {SOURCE}.main."{table.name}"'
                )
    for table, how in plan:
        cols = available[table.name]
        want = _fingerprint(con, table, f'{SOURCE}.main."{table.name}"', cols)
        have = _fingerprint(con, table, table.target, cols)
        if want != have:
            raise CopyError(
                f"After copying, {table.name} in {target.name} does not match the source "
                f"({have[0]:,} rows against {want[0]:,}). Run the copy again; if it goes on, "
                "report it."
            )
        report.tables[table.name] = {"rows": want[0], "status": how}
    _after_copy(target, con)
    return report
