"""Backups of the embedded database (one DuckDB file) and restoring them, checked table by table.

    python -m etl backup --db PATH --to FOLDER     # FOLDER/wdp-backup-YYYYMMDDTHHMMSSZ/
    python -m etl restore BACKUP_FOLDER --db PATH [--force]

A backup is a consistent copy of the DuckDB file: it is taken under a read-only connection, which
no writer can hold beside (a load waits for it, up to its lock timeout), so no load can be half in
it. The copy's write-ahead log is folded into it, so each backup is one self-contained file, and
``manifest.json`` records every table's row count and a checksum of its rows, the schema version
and the file's SHA-256. A backup whose copy does not match the database is removed, never kept.

A restore checks the file against the manifest, copies it beside the target, checks every table
again, and only then moves it into place in one rename. It refuses to overwrite an existing
database unless ``force``; the database it replaces is kept beside it as ``NAME.replaced-TIME``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from wdp.db import maintenance
from wdp.db.embedded import connect, open_db
from wdp.db.errors import DatabaseError
from wdp.files import file_sha256

MANIFEST = "manifest.json"
DB_FILE = "wdp.duckdb"
FORMAT = "wdp-backup/1"


class BackupError(DatabaseError):
    """A backup or restore problem, explained in plain English."""


@dataclass
class BackupResult:
    folder: Path
    manifest: dict[str, Any]


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def publish(
    staging: Path, manifest: dict[str, Any], *, to: Path, now: dt.datetime | None
) -> BackupResult:
    """Write the manifest into a finished staging folder and move it to a new timestamped
    folder in ``to`` (suffixed -2, -3... if taken): the backup appears whole or not at all."""
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    folder = to / f"wdp-backup-{_stamp(now)}"
    n = 1
    while folder.exists():
        n += 1
        folder = to / f"wdp-backup-{_stamp(now)}-{n}"
    staging.rename(folder)
    return BackupResult(folder, manifest)


def check_copy(name: str, source: dict[str, Any], copy: dict[str, Any]) -> None:
    """Refuse a backup whose tables' fingerprints differ from the source's, naming them."""
    if copy != source:
        differ = sorted(t for t in source.keys() | copy.keys() if source.get(t) != copy.get(t))
        raise BackupError(
            f"The copy of {name} did not match it (tables {', '.join(differ)}); no backup was "
            "kept. Try again."
        )


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fingerprints_of(path: Path) -> tuple[dict[str, Any], int]:
    """Fold any write-ahead log into ``path`` (a private copy), then fingerprint it."""
    con = duckdb.connect(str(path))
    try:
        maintenance.checkpoint(con)
        return maintenance.table_fingerprints(con), maintenance.schema_version(con)
    finally:
        con.close()


def backup_file(db: Path, to: Path, *, now: dt.datetime | None = None) -> BackupResult:
    """Copy ``db`` into a new timestamped folder under ``to``, with a checked manifest."""
    db, to = Path(db), Path(to)
    now = now or dt.datetime.now(dt.UTC)
    try:
        to.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"Cannot create the backup folder {to}: {error.strerror}.") from error
    staging = Path(tempfile.mkdtemp(prefix=".wdp-backup-", dir=to))
    try:
        copy = staging / DB_FILE
        with open_db(db, read_only=True) as con:  # no writer can change the file meanwhile
            source = maintenance.table_fingerprints(con)
            shutil.copyfile(db, copy)
            if _wal(db).exists():
                shutil.copyfile(_wal(db), _wal(copy))
        tables, version = _fingerprints_of(copy)
        check_copy(str(db), source, tables)
        sha, size = file_sha256(copy)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(timespec="seconds"),
            "source": str(db.resolve()),
            "duckdb_version": duckdb.__version__,
            "schema_version": version,
            "file": {"name": DB_FILE, "bytes": size, "sha256": sha},
            "tables": tables,
        }
        return publish(staging, manifest, to=to, now=now)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def read_manifest(folder: Path, formats: tuple[str, ...] = (FORMAT,)) -> dict[str, Any]:
    """A backup's manifest, if it is one of ``formats`` (a DuckDB file's backup, by default)."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        inside = sorted(p.parent.name for p in folder.glob(f"*/{MANIFEST}"))
        if inside:
            raise BackupError(
                f"{folder} holds {len(inside)} backup{'s' * (len(inside) != 1)}; restore one "
                "of them, e.g. the newest: "
                f"{folder / inside[-1]}"
            )
        raise BackupError(
            f"{folder} is not a backup made by `python -m etl backup` (no {MANIFEST})."
        )
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{path} cannot be read ({error}); the backup is damaged.") from error
    if not isinstance(manifest, dict) or not str(manifest.get("format", "")).startswith("wdp-"):
        raise BackupError(f"{path} is not a manifest this program understands ({FORMAT}).")
    if manifest["format"] not in formats:
        kind = "PostgreSQL storage" if "postgresql" in manifest["format"] else "a DuckDB file"
        raise BackupError(
            f"{folder} is a backup of {kind}: restore it to the same kind (a postgresql:// URL "
            "or a file path), then copy between the two with `python -m etl migrate-to`."
        )
    return manifest


def restore_file(
    folder: Path, db: Path, *, force: bool = False, now: dt.datetime | None = None
) -> dict:
    """Restore the backup in ``folder`` to ``db``; returns the manifest.

    Returns only after every table of the restored file matched the manifest.
    """
    folder, db = Path(folder), Path(db)
    manifest = read_manifest(folder)
    source = folder / manifest["file"]["name"]
    if not source.is_file():
        raise BackupError(f"The backup {folder} has no {source.name}; it is incomplete.")
    sha, _ = file_sha256(source)
    if sha != manifest["file"]["sha256"]:
        raise BackupError(
            f"{source} does not match its manifest (SHA-256 differs): the backup is damaged. "
            "Restore another one."
        )
    if db.exists() and not force:
        raise BackupError(
            f"There is already a database at {db}. Restore to a new path, or add --force to "
            "replace it (the one replaced is kept beside it)."
        )
    db.parent.mkdir(parents=True, exist_ok=True)
    temp = db.with_name(f".{db.name}.restoring-{os.getpid()}")
    try:
        shutil.copyfile(source, temp)
        tables, _ = _fingerprints_of(temp)
        if tables != manifest["tables"]:
            raise BackupError(
                f"The restored copy of {folder} does not hold what its manifest lists; nothing "
                "was changed."
            )
        kept = db.with_name(f"{db.name}.replaced-{_stamp(now or dt.datetime.now(dt.UTC))}")
        if db.exists():
            # Wait until nobody is using the database (a load finishes, a page read ends).
            connect(db, read_only=True).close()
            os.replace(db, kept)
        if _wal(db).exists():  # the old file's log must never be replayed onto the new one
            os.replace(_wal(db), _wal(kept))
        os.replace(temp, db)
    finally:
        temp.unlink(missing_ok=True)
        _wal(temp).unlink(missing_ok=True)
    return manifest
