"""Sharing the DuckDB file between processes: wait briefly for a lock, then explain plainly."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from wdp.db.connection import DatabaseBusy, open_db

HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_lock(path: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the database read-write, as a CLI load does."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


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
