"""PostgreSQL-backed storage for the tests: one throw-away server per test run, and a database of
its own for each test (``python -m pytest --backend lake`` runs the suite on it).

A test database is a PostgreSQL database plus its DuckLake data folder. Copying one (a test's
own copy of the seeded sample) is ``CREATE DATABASE ... TEMPLATE`` and a copy of the folder, with
the copy's catalog pointed at its own folder; the rows are the same, so a test's writes never
reach another test's database.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import uuid
from pathlib import Path

import psycopg

from deploy.services import AS_ROOT, PostgresServer, start_postgres
from wdp.db import lake

_names = itertools.count(1)


def server_folder() -> Path:
    """A folder the server's own user can reach (pytest's tmp folders are private to root)."""
    return Path(tempfile.mkdtemp(prefix="wdp-test-postgres-"))


def start() -> PostgresServer:
    return start_postgres(server_folder())


def stop(server: PostgresServer) -> None:
    lake.forget()
    server.stop("immediate")
    shutil.rmtree(server.folder, ignore_errors=True)


def _admin(server: PostgresServer) -> psycopg.Connection:
    return psycopg.connect(server.url(), autocommit=True)


def new_database(server: PostgresServer, folder: Path, stem: str = "t") -> str:
    """The setting (URL) of a new, empty database whose data files go in ``folder``; it is made
    by the first write (``open_database(url, create=True)``), like a new DuckDB file."""
    name = f"{stem}_{next(_names)}_{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True, exist_ok=True)
    if AS_ROOT:
        shutil.chown(folder, "root", "root")
    return f"{server.url(name)}?data_path={folder}"


def plain_url(setting: str) -> str:
    """The URL without the data folder (what a running app is given)."""
    return lake.ServerSetting.parse(setting).url


def copy_database(server: PostgresServer, setting: str, folder: Path) -> str:
    """A copy of the database ``setting`` names, with its data files in ``folder``."""
    source = lake.ServerSetting.parse(setting)
    lake.forget(setting)  # a template must have no connections
    name = f"copy_{next(_names)}_{uuid.uuid4().hex[:8]}"
    with _admin(server) as pg:
        pg.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"')  # type: ignore[arg-type]
    target = lake.ServerSetting.parse(server.url(name))
    with psycopg.connect(target.url, autocommit=True) as pg:
        row = pg.execute(
            f"SELECT value FROM {lake.LAKE_SCHEMA}.ducklake_metadata WHERE key = 'data_path'"
        ).fetchone()
        if row is not None:
            shutil.copytree(row[0], folder, dirs_exist_ok=True)
            pg.execute(
                f"UPDATE {lake.LAKE_SCHEMA}.ducklake_metadata SET value = %s "
                "WHERE key = 'data_path'",
                [str(folder).rstrip("/") + "/"],
            )
    return f"{target.url}?data_path={folder}"


def drop_database(server: PostgresServer, setting: str) -> None:
    lake.forget(setting)
    name = lake.ServerSetting.parse(setting).database
    with _admin(server) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
