"""Other processes the tests start: the real command line, a program holding the database, and
the check a reading process runs for half-loaded returns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent


def etl(
    *args: str,
    db: Path | None = None,
    env: dict[str, str] | None = None,
    input_text: str | None = None,
) -> subprocess.CompletedProcess:
    """``python -m etl ARGS`` in a new process, as a person runs it (``WDP_DB`` from ``db``);
    whatever happens, it never prints a traceback."""
    environment = {k: v for k, v in os.environ.items() if k not in ("WDP_DB", "WDP_DEBUG")}
    if db is not None:
        environment["WDP_DB"] = str(db)
    environment.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        input=input_text,
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


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


SHEET_TABLES = {
    "Training": "training",
    "Activity": "activity",
    "Screening": "screening",
    "Status": "pathfinder_status",
    "Milestones": "milestone",
    "Risks": "risk",
}

# One consistency check on one read-only connection: every accepted return's rows are all there
# (as many per table as its report says), and no row belongs to anything else.
CHECK = """
WITH stored AS (
    {unions}
)
SELECT s.submission_id, s.status, s.row_counts, st.tbl, st.n
FROM submission s FULL JOIN stored st USING (submission_id)
"""
UNIONS = "\n    UNION ALL ".join(
    f"SELECT submission_id, '{sheet}' AS tbl, count(*) AS n FROM {table} GROUP BY ALL"
    for sheet, table in SHEET_TABLES.items()
)


def partial_returns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What a reader would see that is not a whole return (empty when all is well)."""
    con.execute("BEGIN TRANSACTION")
    try:
        rows = con.execute(CHECK.format(unions=UNIONS)).fetchall()
    finally:
        con.execute("COMMIT")
    stored: dict[int | None, dict[str, int]] = {}
    expected: dict[int, dict[str, int]] = {}
    problems = []
    for submission_id, status, row_counts, table, n in rows:
        if status is None:
            problems.append(f"{n} {table} rows of submission {submission_id}, which has no record")
            continue
        if table is not None:
            stored.setdefault(submission_id, {})[table] = n
        if status == "accepted":
            counts = json.loads(row_counts)
            expected[submission_id] = {k: v for k, v in counts.items() if v}
        elif table is not None:
            problems.append(f"{n} {table} rows stored for a {status} submission {submission_id}")
    for submission_id, counts in expected.items():
        if stored.get(submission_id, {}) != counts:
            problems.append(f"submission {submission_id}: {stored.get(submission_id)} != {counts}")
    return problems
