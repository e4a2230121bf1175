"""Shared fixtures: real DuckDB files built through the real load path."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.seed import BENCHMARK_FILE, REGISTER_FILE, load_reference, read_benchmark, read_register
from etl.seed import seed as seed_sample
from wdp.config import SAMPLE_DIR
from wdp.db import writes
from wdp.db.connection import open_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def _reference_db_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("master") / "reference.duckdb"
    with open_db(path, create=True) as con:
        load_reference(con)
        writes.replace_reference(con, "ref_pathfinder", read_register(SAMPLE_DIR / REGISTER_FILE))
        writes.replace_reference(
            con, "benchmark_screening", read_benchmark(SAMPLE_DIR / BENCHMARK_FILE)
        )
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
    with open_db(path, create=True) as con:
        result = seed_sample(con)
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
