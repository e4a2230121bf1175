"""The command line contract other people script against (README: "Command line")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import set_cells, write_valid_return
from tests.processes import etl

pytestmark = pytest.mark.process  # every test here starts another process

ROOT = Path(__file__).resolve().parent.parent
REPORT_KEYS = {"file", "status", "rows", "errors"}
ERROR_KEYS = {"sheet", "row", "column", "value", "message"}


def test_template_command_writes_the_current_template(tmp_path: Path) -> None:
    out = tmp_path / "return.xlsx"
    result = etl("template", str(out), "--pathfinder", "WDP-PRE", "--period", "2017/18 q2")
    assert result.returncode == 0, result.stderr
    import openpyxl

    details = openpyxl.load_workbook(out)["Details"]
    assert details["B2"].value == "WDP-PRE"
    assert details["B3"].value == "2017-18 Q2"


def test_template_command_refuses_a_bad_period_plainly(tmp_path: Path) -> None:
    result = etl("template", str(tmp_path / "t.xlsx"), "--period", "spring")
    assert result.returncode == 2
    assert "2017-18 Q1" in result.stderr


def test_load_json_reports_accepted_then_unchanged(reference_db: Path, tmp_path: Path) -> None:
    path = write_valid_return(tmp_path / "stoke.xlsx")
    first = etl("load", str(path), "--json", db=reference_db)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert set(report) >= REPORT_KEYS
    assert report["status"] == "accepted"
    assert report["rows"]["Training"] == 2 and report["errors"] == []
    again = etl("load", str(path), "--json", "--db", str(reference_db))
    assert again.returncode == 0
    assert json.loads(again.stdout)["status"] == "unchanged"


def test_load_prints_one_report_per_file_and_fails_when_any_is_rejected(
    reference_db: Path, tmp_path: Path
) -> None:
    good = write_valid_return(tmp_path / "good.xlsx")
    bad = set_cells(write_valid_return(tmp_path / "bad.xlsx"), "Training", {"F4": -3})
    result = etl("load", str(good), str(bad), "--json", db=reference_db)
    assert result.returncode == 1
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in reports] == ["accepted", "rejected"]
    (error,) = reports[1]["errors"]
    assert set(error) == ERROR_KEYS
    assert (error["sheet"], error["row"], error["column"], error["value"]) == (
        "Training",
        4,
        "Champions trained",
        "-3",
    )


def test_load_explains_a_rejection_in_plain_english(reference_db: Path, tmp_path: Path) -> None:
    bad = set_cells(write_valid_return(tmp_path / "bad.xlsx"), "Training", {"F4": -3})
    result = etl("load", str(bad), db=reference_db)
    assert result.returncode == 1
    assert "REJECTED" in result.stdout and "nothing was loaded" in result.stdout
    assert (
        "file bad.xlsx, sheet Training, row 4, column 'Champions trained': Counts cannot be "
        "negative"
    ) in result.stdout


def test_load_of_a_file_that_is_not_there_is_a_rejection_not_a_crash(
    reference_db: Path, tmp_path: Path
) -> None:
    result = etl("load", str(tmp_path / "missing.xlsx"), "--json", db=reference_db)
    assert result.returncode == 1
    assert json.loads(result.stdout)["status"] == "rejected"


def test_db_option_and_wdp_db_choose_the_database(
    reference_db: Path, tmp_path: Path, databases
) -> None:
    other = databases.copy(reference_db, tmp_path, "other.duckdb")
    path = write_valid_return(tmp_path / "r.xlsx")
    assert etl("load", str(path), "--db", str(other), db=reference_db).returncode == 0
    via_env = json.loads(etl("summary", "--json", db=reference_db).stdout)
    via_option = json.loads(etl("summary", "--json", "--db", str(other)).stdout)
    assert (via_env["returns_accepted"], via_option["returns_accepted"]) == (0, 1)


def test_summary_of_a_missing_database_says_how_to_build_one(tmp_path: Path) -> None:
    result = etl("summary", "--json", db=tmp_path / "none.duckdb")
    assert result.returncode == 2
    assert "python -m etl seed" in result.stderr


def test_unwritable_database_location_is_explained(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    path = write_valid_return(tmp_path / "r.xlsx")
    result = etl("load", str(path), "--db", str(blocker / "db.duckdb"))
    assert result.returncode == 2
    assert result.stderr.strip()


@pytest.mark.slow
def test_seed_then_summary_shows_the_sample_programme(tmp_path: Path, databases) -> None:
    db = databases.new(tmp_path, "sample.duckdb")
    seeded = etl("seed", "--db", str(db))
    assert seeded.returncode == 0, seeded.stderr
    summary = json.loads(etl("summary", "--db", str(db), "--json").stdout)
    for key in (
        "pathfinders",
        "returns_accepted",
        "returns_rejected",
        "staff_trained",
        "uptake_rows",
    ):
        assert key in summary
    assert summary["pathfinders"] == 20
    assert 330 <= summary["staff_trained"] <= 370
    assert summary["returns_rejected"] >= 3 and summary["uptake_rows"] > 0
    assert summary["gp_indicator_rows"] > 100_000 and summary["practice_profiles"] == 8495
    assert "GP-practice panel (synthetic): imported" in seeded.stdout
    # Seeding again loads nothing twice (the synthetic GP panel is made the same again).
    again = etl("seed", "--db", str(db), "--json")
    assert again.returncode == 0, again.stderr
    assert {r["status"] for r in json.loads(again.stdout)["returns"]} <= {"unchanged", "rejected"}
    assert json.loads(again.stdout)["gp_panel"]["status"] == "unchanged"
    assert (
        json.loads(etl("summary", "--db", str(db), "--json").stdout)["staff_trained"]
        == (summary["staff_trained"])
    )


def test_load_into_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    path = write_valid_return(tmp_path / "r.xlsx")
    target = tmp_path / "typo" / "wdp.duckdb"
    result = etl("load", str(path), "--db", str(target))
    assert result.returncode == 2
    assert "There is no database" in result.stderr
    assert not target.parent.exists()


def test_init_builds_a_database_ready_for_real_returns(tmp_path: Path, databases) -> None:
    db = databases.new(tmp_path, "live.duckdb")
    path = write_valid_return(tmp_path / "r.xlsx")
    made = etl("init", "--db", str(db))
    assert made.returncode == 0 and "ref_practice_profile 8,495" in made.stdout
    refused = etl("load", str(path), "--db", str(db))
    assert refused.returncode == 2
    assert "pathfinder register" in refused.stderr and "init --register" in refused.stderr
    register = ROOT / "data" / "sample" / "pathfinders.csv"
    assert etl("init", "--db", str(db), "--register", str(register)).returncode == 0
    assert etl("load", str(path), "--db", str(db)).returncode == 0
