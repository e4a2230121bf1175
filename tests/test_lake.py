"""PostgreSQL-backed storage's own promises, on a real PostgreSQL server started by the tests.

(The Database contract, the loads, the pages and the CLI run on it too: ``pytest --backend lake``
runs the whole suite there. These are what only a server has: several processes writing at once,
a server that goes away, its backups, and copying a DuckDB file into it.)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from deploy.services import PostgresServer, free_port, start_postgres
from etl.seed import seed
from tests import postgres as pg
from tests.helpers import Q1, open_db, set_cells, write_valid_return
from wdp import services
from wdp.auth import User
from wdp.db import (
    DatabaseBusy,
    DatabaseError,
    DatabaseMissing,
    DatabaseNotSetUp,
    DatabaseUnavailable,
    RuleBroken,
    open_database,
    restore_backup,
)
from wdp.db.backup import BackupError
from wdp.services import signin

pytestmark = pytest.mark.process  # the CLI in processes of its own, a server restarted

ROOT = Path(__file__).resolve().parent.parent

# The real `python -m etl load`, paused inside its write transaction (every row written, not yet
# committed) for as long as the test says, so that another load or a server restart comes then.
PAUSE_INSIDE_TRANSACTION = """
import runpy, sys, time
import wdp.db.writes as writes

pause = float(sys.argv.pop(1))
original = writes._insert_frame

def pausing(con, table, frame):
    original(con, table, frame)
    if table == "risk":
        print("inside the transaction", flush=True)
        time.sleep(pause)

writes._insert_frame = pausing
sys.argv = ["etl", *sys.argv[1:]]
runpy.run_module("etl", run_name="__main__", alter_sys=True)
"""


def etl(*args: str, pause: float | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "etl", *args]
    if pause is not None:
        command = [sys.executable, "-c", PAUSE_INSIDE_TRANSACTION, str(pause), *args]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "WDP_DEBUG": ""},
    )


@pytest.fixture
def lake_reference(postgres_server: PostgresServer, tmp_path: Path, request) -> str:
    """A database on PostgreSQL storage with the reference data and register, whatever the
    --backend (these tests are about the server)."""
    master = request.getfixturevalue("_lake_reference_master")
    copied = pg.copy_database(postgres_server, master, tmp_path / "lake")
    yield copied
    pg.drop_database(postgres_server, copied)


@pytest.fixture(scope="session")
def _lake_reference_master(postgres_server: PostgresServer, tmp_path_factory) -> str:
    from etl.seed import (
        BENCHMARK_FILE,
        REGISTER_FILE,
        load_reference,
        read_benchmark,
        read_register,
    )
    from wdp.config import SAMPLE_DIR

    setting = pg.new_database(postgres_server, tmp_path_factory.mktemp("lake-master") / "lake")
    db = open_database(setting, create=True)
    with db.write() as tx:
        load_reference(tx)
        tx.replace_reference("ref_pathfinder", read_register(SAMPLE_DIR / REGISTER_FILE))
        tx.replace_reference("benchmark_screening", read_benchmark(SAMPLE_DIR / BENCHMARK_FILE))
    yield setting
    pg.drop_database(postgres_server, setting)


def current_returns(setting: str) -> list[tuple]:
    with open_db(setting) as con:
        return con.execute(
            "SELECT pathfinder_code, reporting_period, submission_id FROM current_submission "
            "ORDER BY 1, 2"
        ).fetchall()


# ------------------------------------------------------------------------------------------------
# Several writers
# ------------------------------------------------------------------------------------------------


def test_two_loads_of_one_pathfinder_and_period_at_once_leave_exactly_one_current(
    lake_reference: str, tmp_path: Path
) -> None:
    first = write_valid_return(tmp_path / "first.xlsx")
    second = set_cells(write_valid_return(tmp_path / "second.xlsx"), "Training", {"F4": 9})
    # The first load stops inside its transaction, rows written; the second starts meanwhile.
    paused = etl("load", str(first), "--db", lake_reference, "--json", pause=3)
    assert paused.stdout.readline().strip() == "inside the transaction", paused.stderr.read()
    other = etl("load", str(second), "--db", lake_reference, "--json")
    out_a, err_a = paused.communicate(timeout=120)
    out_b, err_b = other.communicate(timeout=120)
    assert paused.returncode == 0 and other.returncode == 0, err_a + err_b
    a, b = json.loads(out_a), json.loads(out_b)
    assert a["status"] == b["status"] == "accepted"
    with open_db(lake_reference) as con:
        ids = [r[0] for r in con.execute("SELECT submission_id FROM submission").fetchall()]
        trained = con.execute(
            "SELECT sum(champions_trained) FROM current_training WHERE pathfinder_code = 'WDP-STK'"
        ).fetchone()[0]
    assert sorted(ids) == [1, 2]  # each its own id: the second waited for the first
    assert current_returns(lake_reference) == [("WDP-STK", Q1.label, 2)]  # exactly one
    assert trained == 9 + 2  # the second file's figures (F4 = 9), whole


def test_a_writer_that_waits_too_long_is_told_it_is_busy_and_nothing_is_saved(
    lake_reference: str, tmp_path: Path
) -> None:
    first = write_valid_return(tmp_path / "first.xlsx")
    paused = etl("load", str(first), "--db", lake_reference, pause=8)
    assert paused.stdout.readline().strip() == "inside the transaction"
    db = open_database(lake_reference, timeout=0.5)
    lead = User("lead@nhs.net", "lead", "WDP-PRE")
    other = write_valid_return(tmp_path / "preston.xlsx", pathfinder="WDP-PRE")
    with pytest.raises(DatabaseBusy, match=r"busy.*Try again"):
        services.load_upload(db, other, user=lead, file_name="preston.xlsx")
    assert paused.wait(timeout=120) == 0
    assert [r[0] for r in current_returns(lake_reference)] == ["WDP-STK"]  # Preston's: not in
    report = services.load_upload(db, other, user=lead, file_name="preston.xlsx")
    assert report.status == "accepted"  # and trying again lands


def test_a_broken_rule_is_refused_whole_on_storage_without_constraints(
    lake_reference: str,
) -> None:
    db = open_database(lake_reference)
    frame = pd.DataFrame(
        [{"area_code": "E06000021", "parent_kind": "region", "parent_code": "E12000005"}] * 2
    )
    with open_db(lake_reference) as con:
        before = con.execute("SELECT count(*) FROM ref_area_parent").fetchone()[0]
    with (
        pytest.raises(RuleBroken, match="each ref_area_parent row has its own"),
        db.write() as tx,
    ):
        tx.replace_reference("ref_area_parent", frame)  # the same key twice
    with open_db(lake_reference) as con:
        assert con.execute("SELECT count(*) FROM ref_area_parent").fetchone()[0] == before


def test_one_transaction_cannot_change_accounts_and_the_programme_data(lake_reference) -> None:
    db = open_database(lake_reference)
    with pytest.raises(DatabaseError, match="program error"), db.write() as tx:
        tx.save_account(email="x@nhs.net", role="viewer", pathfinder_code=None, password_hash=None)
        tx.start_attempt(file_name="f", loaded_by="x", started_at=dt.datetime.now())
    assert db.find_account("x@nhs.net") is None  # rolled back, all of it


def test_a_load_through_one_process_shows_in_another_on_its_next_read(
    lake_reference: str, tmp_path: Path
) -> None:
    db = open_database(lake_reference)
    version = db.data_version()
    assert db.database_summary()["returns_accepted"] == 0
    done = etl("load", str(write_valid_return(tmp_path / "r.xlsx")), "--db", lake_reference)
    assert done.wait(timeout=120) == 0, done.stderr.read()
    assert db.data_version() != version  # every process reads the same version from PostgreSQL
    assert db.database_summary()["returns_accepted"] == 1


def test_a_lead_sees_no_accounts_or_sign_ins(lake_reference: str) -> None:
    db = open_database(lake_reference)
    with db.write() as tx:
        tx.save_account(email="a@nhs.net", role="admin", pathfinder_code=None, password_hash=None)
    assert len(db.list_accounts()) == 1
    assert db.scoped("WDP-STK").list_accounts().empty
    assert db.scoped("WDP-STK").find_account("a@nhs.net") is None


# ------------------------------------------------------------------------------------------------
# The server going away
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def own_server(tmp_path_factory: pytest.TempPathFactory) -> PostgresServer:
    """A server of this test's own, to restart."""
    server = start_postgres(pg.server_folder(), free_port())
    yield server
    pg.stop(server)


def test_a_server_restart_during_a_load_leaves_it_whole_or_absent_and_the_retry_lands(
    own_server: PostgresServer, tmp_path: Path
) -> None:
    setting = pg.new_database(own_server, tmp_path / "lake")
    seed(open_database(setting, create=True))
    before = current_returns(setting)
    path = write_valid_return(tmp_path / "r.xlsx", period=Q1.next().next().next().next().next())
    paused = etl("load", str(path), "--db", setting, pause=2)
    assert paused.stdout.readline().strip() == "inside the transaction", paused.stderr.read()
    own_server.restart()  # every connection ends, as in a crash or a failover
    out, err = paused.communicate(timeout=120)
    assert paused.returncode == 2, out + err
    assert "not answering" in err and "Try again" in err and "Traceback" not in err
    assert current_returns(setting) == before  # absent: nothing of it was saved
    # This process's own connections died with the server too; its next read reconnects.
    assert open_database(setting).database_summary()["returns_accepted"] >= 1
    retry = etl("load", str(path), "--db", setting, "--json")
    out, err = retry.communicate(timeout=120)
    assert retry.returncode == 0, err
    assert json.loads(out)["status"] == "accepted"
    assert len(current_returns(setting)) == len(before) + 1


def test_a_person_uploading_when_the_server_restarts_is_told_to_confirm_again_and_it_lands(
    own_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Upload page (as a lead uses it) when PostgreSQL restarts inside the load's
    transaction: nothing of the return is saved, the lead reads that nothing was loaded and to
    confirm again, and the confirmation after that lands."""
    import wdp.db.writes as writes
    from tests.apptest import signed_in, upload

    setting = pg.new_database(own_server, tmp_path / "lake")
    seed(open_database(setting, create=True))
    before = current_returns(setting)
    original, restarts = writes._insert_frame, []

    def restarting(con, table, frame):
        original(con, table, frame)
        if table == "risk" and not restarts:  # every row written, not yet committed
            restarts.append(table)
            own_server.restart()  # every connection ends, as in a crash or a failover

    monkeypatch.setattr(writes, "_insert_frame", restarting)
    good = write_valid_return(tmp_path / "stoke.xlsx", Q1.next().next().next().next().next())
    at = signed_in(monkeypatch, setting, "lead.stoke@example.nhs.uk", "demo-lead-stoke")
    upload(at, good)
    assert any("The return is valid" in s.value for s in at.success)
    confirm = next(b for b in at.button if b.label.startswith("Confirm"))
    confirm.click().run(timeout=60)
    assert restarts and not at.exception
    told = " ".join(e.value for e in at.error)
    assert "not answering" in told and "Nothing was loaded" in told and "confirm again" in told
    assert current_returns(setting) == before  # absent: nothing of it was saved

    confirm = next(b for b in at.button if b.label.startswith("Confirm"))
    confirm.click().run(timeout=60)
    assert not at.exception and not at.error
    assert any("Loaded" in s.value for s in at.success)
    after = current_returns(setting)
    assert len(after) == len(before) + 1
    assert ("WDP-STK", Q1.next().next().next().next().next().label) in [r[:2] for r in after]


def test_a_server_that_is_not_there_is_explained(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/wdp"
    with pytest.raises(DatabaseUnavailable, match="not answering"):
        open_database(url).database_summary()
    done = etl("summary", "--db", url)
    _, err = done.communicate(timeout=60)
    assert done.returncode == 2 and "not answering" in err and "Traceback" not in err


def test_a_missing_or_empty_database_is_explained(postgres_server, tmp_path: Path) -> None:
    missing = pg.new_database(postgres_server, tmp_path / "nowhere")
    with pytest.raises(DatabaseMissing, match="python -m etl seed"):
        open_database(missing).database_summary()
    assert not open_database(missing).exists()
    empty = pg.new_database(postgres_server, tmp_path / "empty")
    name = pg.plain_url(empty).rsplit("/", 1)[1]
    postgres_server.psql(f'CREATE DATABASE "{name}"')
    with pytest.raises(DatabaseNotSetUp, match="no programme tables"):
        open_database(pg.plain_url(empty)).database_summary()
    with (
        pytest.raises(DatabaseError, match="data_path"),
        open_database(pg.plain_url(empty), create=True).write() as tx,
    ):
        tx.start_attempt(file_name="f", loaded_by="x", started_at=dt.datetime.now())
    pg.drop_database(postgres_server, empty)


# ------------------------------------------------------------------------------------------------
# Backups and copies
# ------------------------------------------------------------------------------------------------


def test_restore_refuses_an_existing_database_then_replaces_it_keeping_the_old_one(
    postgres_server, lake_reference: str, tmp_path: Path
) -> None:
    folder = open_database(lake_reference).backup(tmp_path / "backups").folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {"submission", "account", "ref_pathfinder"} <= manifest["tables"].keys()
    with pytest.raises(BackupError, match="already a database"):
        restore_backup(folder, lake_reference.replace("/lake", "/elsewhere"))
    target = f"{pg.plain_url(lake_reference)}?data_path={tmp_path / 'restored'}"
    restore_backup(folder, target, force=True)
    name = pg.plain_url(lake_reference).rsplit("/", 1)[1]
    kept = postgres_server.psql(
        f"SELECT datname FROM pg_database WHERE datname LIKE '{name}_replaced_%'"
    ).split()
    assert len(kept) == 1
    assert open_database(target).database_summary()["pathfinders"] == 20
    pg.drop_database(postgres_server, postgres_server.url(kept[0]))


def test_a_damaged_backup_is_refused(lake_reference: str, tmp_path: Path) -> None:
    folder = open_database(lake_reference).backup(tmp_path / "backups").folder
    dump = folder / "database.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    target = lake_reference.replace("data_path=", "x=").split("?")[0] + "_new"
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(folder, f"{target}?data_path={tmp_path / 'new'}")
    with pytest.raises(BackupError, match="backup of PostgreSQL storage"):
        restore_backup(folder, tmp_path / "file.duckdb")


def test_migrate_to_copies_a_file_checks_every_table_and_changes_nothing_the_second_time(
    postgres_server, seeded_db_copy, tmp_path: Path, backend: str
) -> None:
    if backend == "lake":
        pytest.skip("the source is a DuckDB file (the embedded run covers it)")
    target = pg.new_database(postgres_server, tmp_path / "target")
    first = etl("migrate-to", target, "--from", str(seeded_db_copy), "--json")
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    report = json.loads(out)["tables"]
    assert report["submission"]["status"] == "copied" and report["account"]["rows"] == 5
    file_summary = open_database(seeded_db_copy).database_summary()
    lake_summary = open_database(target).database_summary()
    assert {k: v for k, v in lake_summary.items() if k != "database"} == {
        k: v for k, v in file_summary.items() if k != "database"
    }
    again = etl("migrate-to", target, "--from", str(seeded_db_copy), "--json")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert {t["status"] for t in json.loads(out)["tables"].values()} == {"unchanged"}
    # A new sign-in event numbers on from the copied ones (no key used twice).
    services.unlock(open_database(target), "nobody@nhs.net", by="t", method="cli")
    # Different data in the target: refused, nothing copied, unless --replace.
    with open_db(seeded_db_copy) as con:
        con.execute("DELETE FROM risk WHERE submission_id = (SELECT min(submission_id) FROM risk)")
    refused = etl("migrate-to", target, "--from", str(seeded_db_copy))
    _, err = refused.communicate(timeout=300)
    assert refused.returncode == 2 and "risk" in err and "--replace" in err
    replaced = etl("migrate-to", target, "--from", str(seeded_db_copy), "--replace", "--json")
    out, err = replaced.communicate(timeout=300)
    assert replaced.returncode == 0, err
    assert json.loads(out)["tables"]["risk"]["status"] == "replaced"
    pg.drop_database(postgres_server, target)


def test_a_sign_in_survives_between_processes(lake_reference: str) -> None:
    """The session is in the database: a cookie made by one process is good in another."""
    db = open_database(lake_reference)
    change = services.save_account(
        db, email="d@nhs.net", role="director", pathfinder_code=None, password="a long password 1"
    )
    assert change.saved
    attempt = signin.sign_in_with_password(
        db, "d@nhs.net", "a long password 1", client_address="127.0.0.1"
    )
    checked = {}

    def other_process_like() -> None:  # a fresh engine: what another process would open
        from wdp.db import lake

        lake.forget(lake_reference)
        checked["user"] = signin.check_session(open_database(lake_reference), attempt.cookie).user

    thread = threading.Thread(target=other_process_like)
    thread.start()
    thread.join()
    assert checked["user"] is not None and checked["user"].email == "d@nhs.net"
