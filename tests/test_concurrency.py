"""Ten uploads at once, from the CLI and from app sessions: each lands exactly once, or is told
plainly to try again (and then lands); readers never see half a load.

DuckDB lets one process write a file at a time (README, "The app and the CLI at the same time");
PostgreSQL-backed storage lets one write to the programme's data at a time (its writer lock).
Here four `python -m etl load` processes and six threads (upload sessions inside one app process,
doing what the Upload page's "Confirm" does) load ten pathfinders' returns into one file at once,
while a reader process and a reader thread check, over and over, that every return they can see
is complete. Some loaders are given a short lock timeout so that "busy" really happens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.apptest import ROOT
from tests.helpers import open_db
from tests.processes import partial_returns
from wdp import services
from wdp.auth import User
from wdp.config import SAMPLE_DIR
from wdp.db import DatabaseBusy, open_database

PATHFINDERS = ["STK", "PRE", "MBY", "BPL", "HUL", "SUN", "MID", "BRD", "OLD", "KNO"]
FILES = [SAMPLE_DIR / f"WDP-{code}_2018-19_Q1.xlsx" for code in PATHFINDERS]

READER = """
import json, sys, time
from pathlib import Path
from tests.processes import partial_returns
from tests.helpers import open_db

db, stop = sys.argv[1], Path(sys.argv[2])
checks, problems, busy = 0, [], 0
while not stop.exists():
    try:
        with open_db(db, read_only=True) as con:
            problems += partial_returns(con)
        checks += 1
    except Exception as error:
        busy += 1
    time.sleep(0.01)
print(json.dumps({"checks": checks, "problems": problems, "busy": busy}))
"""


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def cli_load(path: Path, db: Path, *, lock_timeout: float | None = None) -> subprocess.Popen:
    env = _env(WDP_LOCK_TIMEOUT_S=str(lock_timeout)) if lock_timeout else _env()
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "load", str(path), "--db", str(db), "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def session_upload(path: Path, db: Path, *, lock_timeout: float) -> Callable[[], str]:
    """What the Upload page's Confirm does in one browser session (wdp.ui.upload)."""

    def run() -> str:
        code = path.name.split("_")[0]
        lead = User(f"lead@{code}", "lead", code)
        try:
            database = open_database(db, timeout=lock_timeout)
            return services.load_upload(database, path, user=lead, file_name=path.name).status
        except DatabaseBusy as error:
            return f"busy: {error}"

    return run


@pytest.mark.process
@pytest.mark.slow
def test_ten_loads_at_once_land_exactly_once_and_readers_never_see_half(
    reference_db: Path, tmp_path: Path, backend: str
) -> None:
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(reference_db), str(stop)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    in_process_checks: list[list[str]] = []

    def read_in_process() -> None:
        while not stop.exists():
            try:
                with open_db(reference_db, read_only=True) as con:
                    in_process_checks.append(partial_returns(con))
            except DatabaseBusy:
                pass
            time.sleep(0.01)

    time.sleep(1.0)  # the reader process is up and checking
    outcomes: dict[str, str] = {}
    processes = {
        path.name: cli_load(path, reference_db, lock_timeout=0.3 if i % 2 else None)
        for i, path in enumerate(FILES[:4])
    }
    sessions = {
        path.name: session_upload(path, reference_db, lock_timeout=0.3 if i % 2 else 15.0)
        for i, path in enumerate(FILES[4:])
    }
    threads = [threading.Thread(target=read_in_process)]
    for name, run in sessions.items():
        threads.append(threading.Thread(target=lambda n=name, r=run: outcomes.update({n: r()})))
    for thread in threads:
        thread.start()
    for name, proc in processes.items():
        out, err = proc.communicate(timeout=180)
        if proc.returncode == 2:
            assert "busy" in err and "Try again" in err and "Traceback" not in err, err
            outcomes[name] = f"busy: {err.strip()}"
        else:
            assert proc.returncode == 0, err
            outcomes[name] = json.loads(out)["status"]
    for thread in threads[1:]:
        thread.join(timeout=180)

    first_round = dict(outcomes)
    busy = sorted(name for name, outcome in outcomes.items() if outcome.startswith("busy"))
    for name, outcome in outcomes.items():
        assert outcome == "accepted" or "Try again" in outcome, (name, outcome)
    # Everyone told to try again does so, and their return lands.
    for name in busy:
        path = SAMPLE_DIR / name
        if name in processes:
            proc = cli_load(path, reference_db)
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err
            outcomes[name] = json.loads(out)["status"]
        else:
            outcomes[name] = session_upload(path, reference_db, lock_timeout=15.0)()

    stop.touch()
    threads[0].join(timeout=60)
    out, err = reader.communicate(timeout=60)
    report = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    print(
        f"first round: {sum(o == 'accepted' for o in first_round.values())} accepted, "
        f"{len(busy)} busy ({', '.join(busy)}); reader process: {report.get('checks')} checks "
        f"({report.get('busy')} waits over its timeout); in-process reader: "
        f"{len(in_process_checks)} checks"
    )
    assert outcomes == {path.name: "accepted" for path in FILES}
    assert report["problems"] == [] and report["checks"] > 0, err
    assert [p for check in in_process_checks for p in check] == []

    with open_db(reference_db, read_only=True) as con:
        assert partial_returns(con) == []
        landed = con.execute(
            "SELECT pathfinder_code, status, count(*) FROM submission GROUP BY ALL ORDER BY 1"
        ).fetchall()
        open_attempts = con.execute(
            "SELECT count(*) FROM load_attempt WHERE finished_at IS NULL"
        ).fetchone()[0]
    assert landed == sorted((f"WDP-{code}", "accepted", 1) for code in PATHFINDERS)  # once each
    # A load told "busy" on the DuckDB file was turned away before recording its attempt. On
    # PostgreSQL storage its attempt was recorded first; it is closed when the database lets it
    # be at once, else it stays listed as not completed (true: it did not complete).
    assert open_attempts <= (len(busy) if backend == "lake" else 0)


@pytest.mark.process
@pytest.mark.embedded_only("another program holding the file; on PostgreSQL: tests/test_lake.py")
def test_an_upload_session_told_the_database_is_busy_is_asked_to_confirm_again(
    monkeypatch: pytest.MonkeyPatch, reference_db: Path, tmp_path: Path
) -> None:
    """The Upload page, while another program holds the database: a plain sentence, no trace."""
    from tests.apptest import UPLOAD_PAGE, signed_in
    from tests.processes import hold_lock
    from wdp.ui import upload

    data = FILES[0].read_bytes()
    lead = ("lead.stoke@example.nhs.uk", "a lead password for this test")
    change = services.save_account(
        open_database(reference_db),
        email=lead[0],
        role="lead",
        pathfinder_code="WDP-STK",
        password=lead[1],
    )
    assert change.saved, change.problems
    at = signed_in(monkeypatch, reference_db, *lead, page=UPLOAD_PAGE)
    at.file_uploader[0].set_value((FILES[0].name, data, upload.XLSX_MIME)).run()
    assert not at.exception and at.button(key="upload_confirm")
    # Another program takes the database; this session waits only briefly (the real lock).
    monkeypatch.setenv("WDP_LOCK_TIMEOUT_S", "0.3")
    holder = hold_lock(reference_db, 30)
    try:
        at.button(key="upload_confirm").click().run()
    finally:
        holder.kill()
        holder.wait()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "busy" in shown and "confirm again" in shown
    with open_db(reference_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM submission").fetchone()[0] == 0
    at.button(key="upload_confirm").click().run()  # confirm again: it lands
    assert not at.exception
    assert any("Loaded." in s.value for s in at.success)


def test_the_readers_check_spots_a_partial_return(seeded_db_copy: Path) -> None:
    """The check above is not vacuous: half a return, or rows of a rejected one, are reported."""
    with open_db(seeded_db_copy) as con:
        assert partial_returns(con) == []
        accepted, rejected = (
            con.execute(
                f"SELECT min(submission_id) FROM submission WHERE status = '{s}'"
            ).fetchone()[0]
            for s in ("accepted", "rejected")
        )
        con.execute("DELETE FROM screening WHERE submission_id = ?", [accepted])
        con.execute(
            "INSERT INTO risk SELECT * REPLACE (? AS submission_id) FROM risk LIMIT 1", [rejected]
        )
        problems = partial_returns(con)
    assert len(problems) == 2
    assert f"submission {accepted}:" in problems[1] + problems[0]
    assert any(f"rejected submission {rejected}" in p for p in problems)
