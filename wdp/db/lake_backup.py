"""Backups of PostgreSQL-backed storage, and restoring them, checked table by table.

    python -m etl backup --db postgresql://... --to FOLDER      # FOLDER/wdp-backup-TIME/
    python -m etl restore FOLDER/wdp-backup-TIME --db 'postgresql://.../NEW?data_path=/srv/lake'

A backup is ``pg_dump`` of the whole database (the plain tables and DuckLake's catalog, in which
small tables' rows live too) and a copy of DuckLake's data files, with ``manifest.json``: every
table's row count and a checksum of its rows, and each file's SHA-256. It is consistent: the
programme's data cannot change meanwhile (the backup holds the writer lock, as a load does), and
the dump, the plain tables' checksums and the file list are taken in one PostgreSQL snapshot.
Data files are never rewritten or deleted by the product (Parquet is immutable; nothing here
compacts), so every file the catalog names is there to copy.

A restore makes a new database under a temporary name, restores the dump into it, copies the
data files to the target's data folder and points the catalog at them, checks every table
against the manifest, and only then gives it the target's name. It refuses an existing database
unless ``force``; the one replaced is kept, renamed ``NAME_replaced_TIME``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

from wdp.db.backup import (
    BackupError,
    BackupResult,
    _stamp,
    check_copy,
    publish,
    read_manifest,
)
from wdp.db.lake import (
    LAKE,
    LAKE_SCHEMA,
    PLAIN,
    PLAIN_SCHEMA,
    WRITER_LOCK,
    LakeDatabase,
    ServerSetting,
    _advisory,
    _pg_connect,
    forget,
)
from wdp.files import file_sha256

FORMAT = "wdp-backup-postgresql/1"
DUMP = "database.dump"
DATA = "lake-data"


def _tool(name: str) -> str:
    import glob

    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise BackupError(
            f"{name} is not installed; backups of PostgreSQL storage need PostgreSQL's client "
            "programs (Debian: apt-get install postgresql-client)."
        )
    return found


def lake_fingerprints(db: LakeDatabase) -> dict[str, dict[str, int | str]]:
    """Each DuckLake table's row count and an order-independent checksum of its rows."""
    cur = db.cursor()
    tables = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary "
            "ORDER BY 1",
            [LAKE],
        ).fetchall()
    ]
    result: dict[str, dict[str, int | str]] = {}
    for table in tables:
        rows, checksum = cur.execute(
            "SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR "
            f'FROM {LAKE}.main."{table}" t'
        ).fetchone()
        result[table] = {"rows": int(rows), "checksum": checksum}
    return result


def plain_fingerprints(pg: psycopg.Connection) -> dict[str, dict[str, int | str]]:
    """The same for the plain tables, computed by PostgreSQL (in the caller's snapshot)."""
    tables = [
        r[0]
        for r in pg.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", [PLAIN_SCHEMA]
        ).fetchall()
    ]
    result: dict[str, dict[str, int | str]] = {}
    for table in tables:
        rows, checksum = pg.execute(
            SQL(
                "SELECT count(*), coalesce(sum(('x' || left(md5(t::text), 15))::bit(60)::bigint), "
                "0)::text FROM {} t"
            ).format(Identifier(PLAIN_SCHEMA, table))
        ).fetchone()
        # (named as in a DuckDB file's backup; both homes keep a schema_version)
        name = f"{table} ({PLAIN})" if table == "schema_version" else table
        result[name] = {"rows": int(rows), "checksum": checksum}
    return result


def _data_path(pg: psycopg.Connection) -> Path:
    row = pg.execute(
        f"SELECT value FROM {LAKE_SCHEMA}.ducklake_metadata WHERE key = 'data_path'"  # type: ignore[arg-type]
    ).fetchone()
    if row is None:
        raise BackupError("This database has no DuckLake data folder recorded; it is damaged.")
    return Path(row[0])


def _files(folder: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        sha, size = file_sha256(path)
        found[str(path.relative_to(folder))] = {"bytes": size, "sha256": sha}
    return found


def backup_server(db: LakeDatabase, to: Path, *, now: dt.datetime | None = None) -> BackupResult:
    setting = db.setting
    now = now or dt.datetime.now(dt.UTC)
    pg_dump = _tool("pg_dump")
    try:
        to.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"Cannot create the backup folder {to}: {error.strerror}.") from error
    db.ensure_schema()
    staging = Path(tempfile.mkdtemp(prefix=".wdp-backup-", dir=to))
    try:
        with (
            _advisory(setting, WRITER_LOCK, db.timeout, "a change"),  # the data holds still
            _pg_connect(setting.url) as pg,
        ):
            pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = pg.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
            tables = {**lake_fingerprints(db), **plain_fingerprints(pg)}
            dumped = subprocess.run(
                [
                    pg_dump,
                    "-Fc",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    "-f",
                    str(staging / DUMP),
                    "-d",
                    setting.url,
                ],
                capture_output=True,
                text=True,
            )
            if dumped.returncode != 0:
                raise BackupError(
                    f"pg_dump could not copy {setting.name}: {dumped.stderr.strip()[:400]}"
                )
            source = _data_path(pg)
            if source.exists():
                shutil.copytree(source, staging / DATA)
            else:
                (staging / DATA).mkdir()
            pg.execute("COMMIT")
        check_copy(setting.name, tables, _restored_fingerprints(staging, setting, now))
        sha, size = file_sha256(staging / DUMP)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(timespec="seconds"),
            "source": setting.name,
            "schema_version": db.ensure_schema(),
            "dump": {"name": DUMP, "bytes": size, "sha256": sha},
            "data_files": _files(staging / DATA),
            "tables": tables,
        }
        return publish(staging, manifest, to=to, now=now)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_files(folder: Path, manifest: dict[str, Any]) -> None:
    sha, _ = file_sha256(folder / manifest["dump"]["name"])
    if sha != manifest["dump"]["sha256"]:
        raise BackupError(f"{folder / DUMP} does not match its manifest: the backup is damaged.")
    if _files(folder / DATA) != manifest["data_files"]:
        raise BackupError(
            f"The data files in {folder / DATA} do not match the manifest: the backup is damaged."
        )


def _restore_into(folder: Path, database: ServerSetting, data_path: Path) -> dict[str, Any]:
    """Restore the dump and data files in ``folder`` into the new, empty ``database`` with its
    data files in ``data_path``; return the restored tables' fingerprints."""
    restored = subprocess.run(
        [_tool("pg_restore"), "--no-owner", "-d", database.url, str(folder / DUMP)],
        capture_output=True,
        text=True,
    )
    if restored.returncode != 0:
        raise BackupError(f"pg_restore failed: {restored.stderr.strip()[:400]}")
    shutil.copytree(folder / DATA, data_path, dirs_exist_ok=True)
    with _pg_connect(database.url) as pg:
        pg.execute(
            f"UPDATE {LAKE_SCHEMA}.ducklake_metadata SET value = %s WHERE key = 'data_path'",  # type: ignore[arg-type]
            [str(data_path).rstrip("/") + "/"],
        )
        tables = plain_fingerprints(pg)
    try:
        tables.update(lake_fingerprints(LakeDatabase(database)))
    finally:
        forget(database.url)
    return tables


@contextmanager
def _scratch_database(setting: ServerSetting, name: str) -> Iterator[ServerSetting]:
    """A new empty database on the same server, dropped afterwards unless kept (renamed)."""
    admin_url = setting.on_database("postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(Identifier(name)))
        admin.execute(SQL("CREATE DATABASE {}").format(Identifier(name)))
    try:
        yield ServerSetting(setting.on_database(name), None)
    finally:
        forget(setting.on_database(name))
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(Identifier(name)))


def _restored_fingerprints(
    staging: Path, setting: ServerSetting, now: dt.datetime
) -> dict[str, Any]:
    """A new backup, restored on the side (a scratch database and data folder) and measured:
    the proof that it restores to what was backed up."""
    name = f"{setting.database}_backup_check_{_stamp(now).lower()}"
    data = Path(tempfile.mkdtemp(prefix=".wdp-backup-check-", dir=staging.parent))
    try:
        with _scratch_database(setting, name) as scratch:
            return _restore_into(staging, scratch, data)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def restore_server(
    folder: Path, target: str, *, force: bool = False, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Restore the PostgreSQL-storage backup in ``folder`` to the database ``target`` names."""
    folder = Path(folder)
    manifest = read_manifest(folder, formats=(FORMAT,))
    _check_files(folder, manifest)
    setting = ServerSetting.parse(target)
    if not setting.data_path:
        raise BackupError(
            "Say where the restored database keeps its data files: add "
            "?data_path=/a/folder/every/app/machine/sees to the --db URL."
        )
    data_path = Path(setting.data_path)
    if data_path.exists() and any(data_path.iterdir()):
        raise BackupError(f"The data folder {data_path} is not empty; restore into a new folder.")
    stamp = _stamp(now or dt.datetime.now(dt.UTC)).lower()
    admin_url = setting.on_database("postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [setting.database]
        ).fetchone()
    if exists and not force:
        raise BackupError(
            f"There is already a database {setting.database!r} on {setting.name}. Restore to a "
            "new name, or add --force to replace it (the one replaced is kept)."
        )
    temporary = f"{setting.database}_restoring_{stamp}"
    try:
        with _scratch_database(setting, temporary) as scratch:
            tables = _restore_into(folder, scratch, data_path)
            if tables != manifest["tables"]:
                differ = sorted(
                    t
                    for t in tables.keys() | manifest["tables"].keys()
                    if tables.get(t) != manifest["tables"].get(t)
                )
                raise BackupError(
                    f"The restored copy of {folder} does not hold what its manifest lists "
                    f"(tables {', '.join(differ)}); nothing was changed."
                )
            with psycopg.connect(admin_url, autocommit=True) as admin:
                if exists:
                    forget(setting.url)
                    _disconnect(admin, setting.database)
                    admin.execute(
                        SQL("ALTER DATABASE {} RENAME TO {}").format(
                            Identifier(setting.database),
                            Identifier(f"{setting.database}_replaced_{stamp}"),
                        )
                    )
                _disconnect(admin, temporary)
                admin.execute(
                    SQL("ALTER DATABASE {} RENAME TO {}").format(
                        Identifier(temporary), Identifier(setting.database)
                    )
                )
    except BaseException:
        shutil.rmtree(data_path, ignore_errors=True)  # (it was empty: only the copy is lost)
        raise
    return manifest


def _disconnect(admin: psycopg.Connection, database: str) -> None:
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        [database],
    )
