"""Throw-away servers on this machine, from Debian's packages: PostgreSQL and nginx.

``make cluster`` and the tests start them with these; nothing here is needed to run the product
against a real (managed) PostgreSQL. Everything listens on 127.0.0.1 only.

PostgreSQL's ``initdb`` and ``pg_ctl`` refuse to run as root, so as root they run as the
``postgres`` user that Debian's package makes, in a folder handed to that user (RECIPES.md).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

AS_ROOT = os.geteuid() == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def free_port_block(size: int, *, first: int = 18600, last: int = 19600) -> int:
    """The first of ``size`` consecutive free ports (a cluster's app processes)."""
    for start in range(first, last, 10):
        if not any(port_open(start + i) for i in range(size)):
            return start
    raise RuntimeError(f"No {size} consecutive free ports between {first} and {last}.")


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL server programs (the newest installed), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    return Path(found[-1]).parent if found else None


def _version_key(path: str) -> int:
    try:
        return int(Path(path).parent.parent.name)
    except ValueError:
        return 0


def _as_server_user(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess:
    if AS_ROOT:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


@dataclass
class PostgresServer:
    """A PostgreSQL cluster in ``folder`` listening on 127.0.0.1:``port``, trusting local users
    (a throw-away server for tests and ``make cluster``; never a production setting)."""

    folder: Path
    port: int
    user: str = "postgres"

    @property
    def data(self) -> Path:
        return self.folder / "pgdata"

    @property
    def log(self) -> Path:
        return self.folder / "postgresql.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _bin(self, name: str) -> str:
        found = postgres_bin()
        if found is None:
            raise RuntimeError(
                "PostgreSQL is not installed: `make postgresql` installs Debian's (as `make test` "
                "and `make cluster` do)."
            )
        return str(found / name)

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if AS_ROOT:
            shutil.chown(self.folder, "postgres", "postgres")
        if (self.data / "PG_VERSION").exists():
            return
        self.data.mkdir(mode=0o700, exist_ok=True)
        if AS_ROOT:
            shutil.chown(self.data, "postgres", "postgres")
        _as_server_user(
            [
                self._bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                self.user,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} -c fsync=off "
            "-c max_connections=300 -c shared_buffers=64MB"
        )
        _as_server_user(
            [
                self._bin("pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            _as_server_user(
                [self._bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            )

    def restart(self) -> None:
        """Stop (ending every connection, as a crash or failover does) and start again."""
        self.stop("immediate")
        self.start()

    def running(self) -> bool:
        return port_open(self.port)

    def psql(self, sql: str, database: str = "postgres") -> str:
        return subprocess.run(
            [
                "psql",
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                self.url(database),
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_postgres(folder: Path, port: int | None = None) -> PostgresServer:
    server = PostgresServer(Path(folder), port or free_port())
    server.init()
    server.start()
    deadline = time.monotonic() + 30
    while not server.running():
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL did not start; see {server.log}")
        time.sleep(0.1)
    return server
