"""Shared fixtures: real DuckDB files built through the real load path."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.services import PostgresServer
from etl.seed import BENCHMARK_FILE, REGISTER_FILE, load_reference, read_benchmark, read_register
from etl.seed import seed as seed_sample
from tests import postgres as pg
from tests.mailservers import certificate, notify, smtp_server  # noqa: F401  (fixtures)
from wdp.config import SAMPLE_DIR
from wdp.db import open_database

ROOT = Path(__file__).resolve().parent.parent
E2E_DIR = Path(__file__).resolve().parent / "e2e"
BACKENDS = ("embedded", "lake")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=BACKENDS,
        default=os.environ.get("WDP_TEST_BACKEND") or "embedded",
        help="the storage the database fixtures make: a DuckDB file (embedded, the default) or "
        "PostgreSQL-backed storage (lake: DuckLake and plain tables on a throw-away server)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/e2e drives the real app in Chromium: its folder marks it e2e.
    On ``--backend lake``, tests about the DuckDB file itself are skipped (they say why)."""
    backend = config.getoption("backend")
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)
        only = item.get_closest_marker("embedded_only")
        if backend == "lake" and only is not None:
            item.add_marker(pytest.mark.skip(reason=f"about the DuckDB file: {only.args[0]}"))


# The unit tier (``make unit``) stays fast by starting no other process: a test that runs the
# CLI, holds a lock from another program, kills a load or draws charts in Chromium is marked
# ``process`` (``make process``) or lives in tests/e2e. Git, which the security tests ask which
# files are tracked, is the one exception. Python's audit hook sees every process started.
_UNIT_TEST: list[str] = []  # the running test, while it is a unit test


def _refuse_processes_in_unit_tests(event: str, args: tuple) -> None:
    if event == "subprocess.Popen" and _UNIT_TEST:
        argv = args[1] if isinstance(args[1], list | tuple) else [args[1]]
        if Path(str(argv[0])).name != "git":
            raise RuntimeError(
                f"{_UNIT_TEST[0]} starts a process ({argv[0]}): mark it @pytest.mark.process"
            )


sys.addaudithook(_refuse_processes_in_unit_tests)


@pytest.fixture(autouse=True)
def _unit_tests_start_no_processes(request: pytest.FixtureRequest) -> Iterator[None]:
    unit = not any(request.node.get_closest_marker(m) for m in ("process", "e2e"))
    if unit:
        _UNIT_TEST[:] = [request.node.nodeid]
    yield
    _UNIT_TEST.clear()


# ------------------------------------------------------------------------------------------------
# Databases: a DuckDB file, or (--backend lake) a database on a throw-away PostgreSQL server. A
# fixture gives its setting: a Path for a file, a postgresql:// URL string otherwise; both go
# wherever a setting goes (open_database, --db, WDP_DB).
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def backend(pytestconfig: pytest.Config) -> str:
    return pytestconfig.getoption("backend")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this test run (Debian's; `make test` installs it)."""
    server = pg.start()
    yield server
    pg.stop(server)


class Databases:
    """New and copied databases of the backend under test, dropped when the test ends."""

    def __init__(self, backend: str, request: pytest.FixtureRequest) -> None:
        self.backend = backend
        self._request = request
        self._made: list[str] = []

    @property
    def server(self) -> PostgresServer:
        return self._request.getfixturevalue("postgres_server")

    def new(self, folder: Path, name: str = "wdp.duckdb") -> Path | str:
        """A setting for a database that does not exist yet (the first write makes it)."""
        if self.backend == "embedded":
            return folder / name
        setting = pg.new_database(self.server, folder / (Path(name).stem + "-lake"))
        self._made.append(setting)
        return setting

    def copy(self, setting: Path | str, folder: Path, name: str = "wdp.duckdb") -> Path | str:
        if self.backend == "embedded":
            shutil.copy(setting, folder / name)
            return folder / name
        copied = pg.copy_database(self.server, str(setting), folder / (Path(name).stem + "-lake"))
        self._made.append(copied)
        return copied

    def drop_all(self) -> None:
        for setting in self._made:
            pg.drop_database(self.server, setting)
        self._made.clear()


@pytest.fixture(scope="session")
def _session_databases(backend: str, request: pytest.FixtureRequest) -> Iterator[Databases]:
    if backend == "lake":
        request.getfixturevalue("postgres_server")  # (so it stops after these are dropped)
    databases = Databases(backend, request)
    yield databases
    if backend == "lake":
        databases.drop_all()


@pytest.fixture
def databases(backend: str, request: pytest.FixtureRequest) -> Iterator[Databases]:
    """Make databases of the backend under test: ``databases.new(tmp_path)``."""
    made = Databases(backend, request)
    yield made
    if backend == "lake":
        made.drop_all()


@pytest.fixture(scope="session")
def _reference_db_master(
    tmp_path_factory: pytest.TempPathFactory, _session_databases: Databases
) -> Path | str:
    setting = _session_databases.new(tmp_path_factory.mktemp("master"), "reference.duckdb")
    with open_database(setting, create=True).write() as tx:
        load_reference(tx)
        tx.replace_reference("ref_pathfinder", read_register(SAMPLE_DIR / REGISTER_FILE))
        tx.replace_reference("benchmark_screening", read_benchmark(SAMPLE_DIR / BENCHMARK_FILE))
    return setting


@pytest.fixture
def reference_db(
    _reference_db_master: Path | str, tmp_path: Path, databases: Databases
) -> Path | str:
    """A database with reference data and the sample register, and no returns yet."""
    return databases.copy(_reference_db_master, tmp_path)


@pytest.fixture(scope="session")
def seeded_db(
    tmp_path_factory: pytest.TempPathFactory, _session_databases: Databases
) -> Path | str:
    """The sample programme, seeded once per test session. Treat as read-only."""
    setting = _session_databases.new(tmp_path_factory.mktemp("seeded"), "sample.duckdb")
    result = seed_sample(open_database(setting, create=True))
    assert not result.unexpected, result.unexpected
    return setting


@pytest.fixture
def seeded_db_copy(seeded_db: Path | str, tmp_path: Path, databases: Databases) -> Path | str:
    return databases.copy(seeded_db, tmp_path, "sample.duckdb")


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches() -> Iterator[None]:
    """The app's loaders are cached process-wide; each test sees only its own database."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
