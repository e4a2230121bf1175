"""Backups: `python -m etl backup` then `restore` gives back every table, row for row (on both
kinds of storage; PostgreSQL storage's own cases are in tests/test_lake.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from etl.load import load_return
from tests.helpers import Q1, db_on, every_row, open_db, write_valid_return
from wdp.db import open_database, restore_backup
from wdp.db.backup import BackupError

pytestmark = pytest.mark.process  # every test here starts another process

ROOT = Path(__file__).resolve().parent.parent


def contents(path: Path) -> dict[str, list[str]]:
    """Every row of every table, sorted."""
    return every_row(path)


def etl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_backup_and_restore_round_trip_every_table(
    seeded_db_copy: Path, tmp_path: Path, databases
) -> None:
    before = contents(seeded_db_copy)
    assert len(before["submission"]) > 80 and len(before["public_indicator_value"]) > 1000

    made = etl("backup", "--db", str(seeded_db_copy), "--to", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    (folder,) = (tmp_path / "backups").iterdir()
    assert folder.name.startswith("wdp-backup-")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"]["submission"]["rows"] == len(before["submission"])

    (tmp_path / "restored").mkdir()
    restored = databases.new(tmp_path / "restored")
    done = etl("restore", str(folder), "--db", str(restored))
    assert done.returncode == 0, done.stderr
    assert "every one matching" in done.stdout
    after = contents(restored)
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table

    # The restored database is a working one: views, macros and the next submission number.
    with open_db(restored) as con:
        assert con.execute("SELECT count(*) FROM latest_screening_ci").fetchone()[0] > 0
        report = load_return(
            db_on(con), write_valid_return(tmp_path / "next.xlsx", Q1), loaded_by="t"
        )
    assert report.status in ("accepted", "unchanged")
    assert report.submission_id == len(before["submission"]) + 1


@pytest.mark.embedded_only("DuckDB's write-ahead log")
def test_commits_still_in_the_write_ahead_log_are_backed_up(
    reference_db: Path, tmp_path: Path
) -> None:
    # A writer commits, then dies before its log is folded into the file (as after a crash).
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, duckdb; con = duckdb.connect(sys.argv[1]); "
            "con.execute(\"UPDATE ref_pathfinder SET place = 'Committed in the WAL' "
            "WHERE pathfinder_code = 'WDP-STK'\"); print('done', flush=True); time.sleep(600)",
            str(reference_db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "done"
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        writer.kill()
        writer.wait()
    assert reference_db.with_name(reference_db.name + ".wal").stat().st_size > 0
    before = contents(reference_db)

    result = open_database(reference_db).backup(tmp_path / "backups")
    assert not (result.folder / "wdp.duckdb.wal").exists()  # one self-contained file
    restored = tmp_path / "restored.duckdb"
    restore_backup(result.folder, restored)
    after = contents(restored)
    assert after == before
    assert any("Committed in the WAL" in row for row in after["ref_pathfinder"])


@pytest.mark.embedded_only("files kept beside; on PostgreSQL: tests/test_lake.py")
def test_restore_refuses_to_overwrite_without_force_and_keeps_the_replaced_one(
    reference_db: Path, seeded_db: Path, tmp_path: Path
) -> None:
    folder = open_database(seeded_db).backup(tmp_path / "backups").folder
    target_before = contents(reference_db)

    refused = etl("restore", str(folder), "--db", str(reference_db))
    assert refused.returncode == 2
    assert "There is already a database at" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert contents(reference_db) == target_before

    forced = etl("restore", str(folder), "--db", str(reference_db), "--force")
    assert forced.returncode == 0, forced.stderr
    assert contents(reference_db) == contents(seeded_db)
    (kept,) = tmp_path.glob(f"{reference_db.name}.replaced-*")
    assert contents(kept) == target_before


@pytest.mark.embedded_only("a damaged file; on PostgreSQL: tests/test_lake.py")
def test_a_damaged_backup_is_refused_and_nothing_changes(seeded_db: Path, tmp_path: Path) -> None:
    folder = open_database(seeded_db).backup(tmp_path / "backups").folder
    data = bytearray((folder / "wdp.duckdb").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "wdp.duckdb").write_bytes(bytes(data))
    target = tmp_path / "restored.duckdb"
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(folder, target)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["backups"]  # no temporary file left

    result = etl("restore", str(tmp_path / "backups"), "--db", str(target))
    assert result.returncode == 2
    assert "holds 1 backup; restore one of them" in result.stderr

    result = etl("restore", str(tmp_path), "--db", str(target))
    assert result.returncode == 2 and "not a backup" in result.stderr


def test_backup_of_a_missing_database_is_explained(tmp_path: Path, databases) -> None:
    missing = databases.new(tmp_path, "nope.duckdb")
    result = etl("backup", "--db", str(missing), "--to", str(tmp_path / "b"))
    assert result.returncode == 2
    assert "There is no database" in result.stderr
    assert not any((tmp_path / "b").glob("wdp-backup-*"))


def test_backup_waits_for_a_load_in_progress_and_holds_all_or_none_of_it(
    reference_db: Path, tmp_path: Path
) -> None:
    """A backup taken while the CLI loads holds either none or all of the return."""
    path = write_valid_return(tmp_path / "stoke.xlsx")
    load = subprocess.Popen(
        [sys.executable, "-m", "etl", "load", str(path), "--db", str(reference_db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    folders = [open_database(reference_db).backup(tmp_path / "backups").folder for _ in range(3)]
    assert load.wait(timeout=120) == 0
    for folder in folders:
        tables = json.loads((folder / "manifest.json").read_text())["tables"]
        accepted, training = tables["submission"]["rows"], tables["training"]["rows"]
        assert (accepted, training) in ((0, 0), (1, 2))
