"""Sharing the DuckDB file between processes: wait briefly for a lock, then explain plainly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.processes import hold_lock
from wdp.db import DatabaseBusy
from wdp.db.embedded import open_db

pytestmark = pytest.mark.process  # every test here starts another process


def test_reader_waits_for_a_writer_in_another_process(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    with open_db(path, create=True):
        pass
    writer = hold_lock(path, 1.0)
    try:
        start = time.monotonic()
        with open_db(path, read_only=True, timeout=20) as con:
            assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
        assert time.monotonic() - start > 0.2  # it really had to wait for the lock
    finally:
        writer.wait(timeout=20)


def test_busy_database_is_explained_after_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    writer = hold_lock(path, 5.0)
    try:
        with pytest.raises(DatabaseBusy, match="busy: another program"), open_db(path, timeout=0.5):
            pass
    finally:
        writer.kill()
        writer.wait()
