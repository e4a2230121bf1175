"""A load killed with SIGKILL half-way leaves a database that opens and equals its state before.

The kill happens in a real ``python -m etl load`` process. To kill it while it is *inside* the
write transaction (every row of a 5,000-row return inserted, not yet committed) the process runs
the real CLI through a small wrapper that pauses after the last insert; production code has no
test hook. A second test kills the unmodified CLI at staggered moments, wherever it happens to be.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl.load import load_return
from etl.reference import read_gp_practices
from etl.sample import Return, write_return
from tests.apptest import run_page
from tests.helpers import db_on, every_row, open_db, valid_return
from wdp.db import open_database, queries
from wdp.domain import Course, ReportingPeriod, StaffRole

pytestmark = pytest.mark.process  # every test here starts another process

ROOT = Path(__file__).resolve().parent.parent
BIG_ROWS = 5_000

# Runs `python -m etl load ...` unchanged, except that after the last return table's rows are
# inserted (inside the transaction) it reports how many training rows the transaction sees and
# sleeps, so the test can kill it there.
PAUSE_INSIDE_TRANSACTION = """
import runpy, sys, time
import wdp.db.writes as writes

original = writes._insert_frame

def pausing(con, table, frame):
    original(con, table, frame)
    if table == "risk":
        seen = con.execute("SELECT count(*) FROM training").fetchone()[0]
        print(f"inside the transaction: {seen} training rows", flush=True)
        time.sleep(600)

writes._insert_frame = pausing
sys.argv = ["etl", *sys.argv[1:]]
runpy.run_module("etl", run_name="__main__", alter_sys=True)
"""


def big_return(rows: int = BIG_ROWS) -> Return:
    """A valid Stoke return for 2017-18 Q1 with ``rows`` distinct Training rows."""
    ret = valid_return(ReportingPeriod(2017, 1))
    practices = sorted(read_gp_practices().query("status_code == 'A'")["ods_code"])
    months = [dt.date(2017, m, 1) for m in (4, 5, 6)]
    combos = ((m, p, r, c) for p in practices for m in months for r in StaffRole for c in Course)
    ret.training = [
        [m, p, None, r.label, c.label, (i % 7) + 1]
        for i, (m, p, r, c) in zip(range(rows), combos, strict=False)
    ]
    return ret


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_return(big_return(), tmp_path_factory.mktemp("big") / "WDP-STK_big.xlsx")


def cli(*args: str, wrapper: str | None = None) -> subprocess.Popen:
    command = [sys.executable, "-c", wrapper, *args] if wrapper else [sys.executable, "-m", "etl"]
    if not wrapper:
        command += list(args)
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_sigkill_inside_the_write_transaction_leaves_the_database_as_before(
    monkeypatch: pytest.MonkeyPatch, reference_db: Path, big_file: Path, tmp_path: Path
) -> None:
    # A database that already holds a return, so "as before" is not just "empty".
    with open_db(reference_db) as con:
        first = load_return(db_on(con), _small_return(tmp_path), loaded_by="earlier")
    assert first.status == "accepted"
    before = every_row(reference_db)

    proc = cli("load", str(big_file), "--db", str(reference_db), wrapper=PAUSE_INSIDE_TRANSACTION)
    try:
        line = proc.stdout.readline()
        assert line.startswith("inside the transaction"), line + proc.stderr.read()
        seen = int(line.split(": ")[1].split()[0])
        assert seen == len(before["training"]) + BIG_ROWS  # the rows really were written
        assert proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()

    after = every_row(reference_db)  # opens (read-only first, as the app would)
    attempts_before = set(before.pop("load_attempt"))
    new_attempts = [a for a in after.pop("load_attempt") if a not in attempts_before]
    assert after == before  # every table, every row, as before the load
    assert len(new_attempts) == 1

    # The Overview's submission history shows it first, as not completed.
    at = run_page(monkeypatch, reference_db, "dashboard.py")
    assert not at.exception
    history = next(d.value for d in at.dataframe if "Status" in d.value.columns)
    assert history.iloc[0][["File", "Status"]].tolist() == [big_file.name, "Not completed"]

    with open_db(reference_db) as con:  # and read-write, as the next load would
        open_attempts = con.execute(
            "SELECT file_name, submission_id FROM load_attempt WHERE finished_at IS NULL"
        ).fetchall()
        history = queries.submission_history(con)
        summary = queries.database_summary(con)
        retried = load_return(db_on(con), big_file, loaded_by="retry")
    assert open_attempts == [(big_file.name, None)]
    assert history.iloc[0][["file_name", "status"]].tolist() == [big_file.name, "not completed"]
    assert summary["returns_accepted"] == 1 and summary["returns_rejected"] == 0
    # Loading the same file again works: the crash left nothing behind that gets in the way.
    assert retried.status == "accepted"
    assert len(every_row(reference_db)["training"]) == len(before["training"]) + BIG_ROWS


def _small_return(tmp_path: Path) -> Path:
    return write_return(valid_return(ReportingPeriod(2016, 4)), tmp_path / "earlier.xlsx")


def _load_began(db: Path | str, attempts_before: int) -> bool:
    """The load's first commit (its attempt row) is in: a file's write-ahead log exists, or
    PostgreSQL storage holds one more attempt."""
    if isinstance(db, Path):
        return db.with_name(db.name + ".wal").exists()
    return len(open_database(db).submission_history()) > attempts_before


def test_sigkill_at_any_moment_leaves_either_nothing_or_the_whole_return(
    reference_db: Path, big_file: Path, tmp_path: Path, databases
) -> None:
    before = every_row(reference_db)
    before.pop("load_attempt")
    attempts = len(open_database(reference_db).submission_history())
    whole = databases.copy(reference_db, tmp_path, "whole.duckdb")
    done = cli("load", str(big_file), "--db", str(whole))
    assert done.wait(timeout=120) == 0, done.stderr.read()
    complete = every_row(whole)
    complete.pop("load_attempt")

    # The unmodified CLI, killed at staggered moments after its load began (its first commit,
    # the attempt row, creates the write-ahead log): reading, validating, writing, committing.
    outcomes = []
    for delay in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 2.0):
        db = databases.copy(reference_db, tmp_path, f"kill_{delay}.duckdb")
        proc = cli("load", str(big_file), "--db", str(db))
        deadline = time.monotonic() + 60
        while not _load_began(db, attempts) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002 if isinstance(db, Path) else 0.02)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        after = every_row(db)
        after.pop("load_attempt")
        if after == before:
            outcomes.append("nothing")
            continue
        # Otherwise the whole return, exactly as an uninterrupted load stores it.
        assert after.keys() == complete.keys()
        for table in after:
            if table != "submission":  # its row differs only in loaded_at
                assert after[table] == complete[table], table
        assert len(after["submission"]) == len(complete["submission"])
        outcomes.append("whole")
    print(f"outcomes after SIGKILL: {outcomes}")


HOLD_A_WRITE = """
import datetime as dt, sys, time
from wdp.db import open_database

with open_database(sys.argv[1]).write() as tx:
    tx.start_attempt(file_name="held.xlsx", loaded_by="holder", started_at=dt.datetime.now())
    print("holding", flush=True)
    time.sleep(600)
"""


def test_reopening_after_a_crash_needs_no_repair_tool(
    reference_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process killed in the middle of a write lets go of the database with it (the file's
    lock; PostgreSQL storage's writer lock), and nothing of its write is there."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_WRITE, str(reference_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout.readline().strip() == "holding", holder.stderr.read()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        holder.kill()
        holder.wait()
    db = open_database(reference_db, timeout=5)  # a lock left behind would make this busy
    with db.write() as tx:
        tx.start_attempt(file_name="next.xlsx", loaded_by="next", started_at=dt.datetime.now())
    assert db.submission_history()["file_name"].tolist() == ["next.xlsx"]  # not the killed one
