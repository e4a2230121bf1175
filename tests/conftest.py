"""Shared fixtures: real DuckDB files built through the real load path."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.seed import BENCHMARK_FILE, REGISTER_FILE, load_reference, read_benchmark, read_register
from etl.seed import seed as seed_sample
from wdp.config import SAMPLE_DIR
from wdp.db import open_database

ROOT = Path(__file__).resolve().parent.parent
E2E_DIR = Path(__file__).resolve().parent / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/e2e drives the real app in Chromium: its folder marks it e2e."""
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


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


@pytest.fixture(scope="session")
def _reference_db_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("master") / "reference.duckdb"
    with open_database(path, create=True).write() as tx:
        load_reference(tx)
        tx.replace_reference("ref_pathfinder", read_register(SAMPLE_DIR / REGISTER_FILE))
        tx.replace_reference("benchmark_screening", read_benchmark(SAMPLE_DIR / BENCHMARK_FILE))
    return path


@pytest.fixture
def reference_db(_reference_db_master: Path, tmp_path: Path) -> Path:
    """A database with reference data and the sample register, and no returns yet."""
    path = tmp_path / "wdp.duckdb"
    shutil.copy(_reference_db_master, path)
    return path


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample programme, seeded once per test session. Treat as read-only."""
    path = tmp_path_factory.mktemp("seeded") / "sample.duckdb"
    result = seed_sample(open_database(path, create=True))
    assert not result.unexpected, result.unexpected
    return path


@pytest.fixture
def seeded_db_copy(seeded_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sample.duckdb"
    shutil.copy(seeded_db, path)
    return path


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches() -> Iterator[None]:
    """The app's loaders are cached process-wide; each test sees only its own database."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
